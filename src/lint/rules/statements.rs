//! The rules on whole statements: the action an OIDC principal needs, the provider's
//! account, the `:aud` and `:sub` conditions a web-identity role must have, and `Deny`
//! statements no request the role accepts can meet.

use super::{glob_matches, Statement};
use crate::lint::{Finding, Rule};

/// The action a web-identity principal calls.
const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// Adds `statement`'s own findings; `duplicated` when a duplicate key inside it was
/// reported (then a missing `:sub` is that finding's consequence, not another one).
pub(super) fn check(
    statement: &Statement<'_>,
    account: Option<&str>,
    duplicated: bool,
    findings: &mut Vec<Finding>,
) {
    if let Some(account) = account {
        for provider in &statement.providers {
            if provider.account != account {
                findings.push(Rule::ProviderOtherAccount.finding(
                    &provider.path,
                    format!(
                        "the provider is in account {}, the role in {account}: STS finds no such provider for the role",
                        provider.account
                    ),
                ));
            }
        }
    }
    if statement.deny {
        return;
    }
    check_action(statement, findings);
    if statement.providers.is_empty() {
        return;
    }
    let has_claim = |wanted: &str| {
        statement.entries.iter().any(|entry| {
            entry
                .issuer_claim()
                .is_some_and(|(_, claim)| claim == wanted)
        })
    };
    let place = statement.condition_path.as_ref().unwrap_or(&statement.path);
    if !has_claim("sub") && !duplicated {
        findings.push(
            Rule::MissingSub.finding(
                place,
                "no :sub condition: every service account of the cluster can assume the role"
                    .to_owned(),
            ),
        );
    }
    if !has_claim("aud") {
        findings.push(
            Rule::MissingAud.finding(
                place,
                "no :aud condition: a token minted for any audience the provider lists is accepted"
                    .to_owned(),
            ),
        );
    }
}

/// A web-identity principal (`Federated`, not a SAML provider) needs
/// `sts:AssumeRoleWithWebIdentity`; `sts:AssumeRole` alone is never what it calls. A
/// `Service` principal (EKS Pod Identity's `pods.eks.amazonaws.com`) is not one.
fn check_action(statement: &Statement<'_>, findings: &mut Vec<Finding>) {
    let web_identity = statement
        .federated
        .iter()
        .any(|(value, _)| !value.contains(":saml-provider/"));
    let Some(actions) = statement.actions.as_ref().filter(|_| web_identity) else {
        return;
    };
    let covered = actions
        .iter()
        .any(|(pattern, _)| glob_matches(pattern, WEB_IDENTITY_ACTION));
    let assume_role = actions
        .iter()
        .find(|(action, _)| action.eq_ignore_ascii_case("sts:AssumeRole"));
    if let (false, Some((action, path))) = (covered, assume_role) {
        findings.push(Rule::AssumeRoleNotWebIdentity.finding(
            path,
            format!("\"{action}\" for a Federated principal, which calls sts:AssumeRoleWithWebIdentity: the statement never lets it in"),
        ));
    }
}

/// A `Deny` whose actions no `Allow` grants, or whose OIDC provider no `Allow` trusts,
/// never applies to a request the role would accept.
pub(super) fn check_denies(statements: &[Statement<'_>], findings: &mut Vec<Finding>) {
    let allows: Vec<&Statement<'_>> = statements.iter().filter(|s| !s.deny).collect();
    if allows.is_empty() {
        return;
    }
    // Exact names only: a wildcard or NotAction in an Allow could grant anything.
    let allowed_actions: Option<Vec<&str>> = allows
        .iter()
        .map(|allow| allow.actions.as_ref())
        .collect::<Option<Vec<_>>>()
        .map(|lists| {
            lists
                .into_iter()
                .flatten()
                .map(|(action, _)| action.as_str())
                .collect::<Vec<_>>()
        })
        .filter(|actions| !actions.iter().any(|a| a.contains(['*', '?'])));
    let trusted: Vec<&str> = allows
        .iter()
        .flat_map(|allow| allow.federated.iter().map(|(value, _)| value.as_str()))
        .collect();
    let only_federated = allows.iter().all(|allow| !allow.federated.is_empty());
    for deny in statements.iter().filter(|s| s.deny) {
        let deny_actions = deny.actions.as_deref().unwrap_or_default();
        if let Some(allowed) = &allowed_actions {
            let meets = allowed.iter().any(|action| {
                deny_actions
                    .iter()
                    .any(|(pattern, _)| glob_matches(pattern, action))
            });
            if !deny_actions.is_empty() && !meets {
                let path = deny.path.key("Action");
                let named: Vec<&str> = deny_actions.iter().map(|(a, _)| a.as_str()).collect();
                findings.push(Rule::DenyNeverMatches.finding(
                    &path,
                    format!(
                        "no Allow statement grants {}: this Deny never applies",
                        named.join(", ")
                    ),
                ));
                continue;
            }
        }
        let foreign = !deny.providers.is_empty()
            && deny.providers.iter().all(|provider| {
                !trusted
                    .iter()
                    .any(|value| value.eq_ignore_ascii_case(&provider.arn))
            });
        if only_federated && foreign {
            findings.push(
                Rule::DenyNeverMatches.finding(
                    &deny.principal_path,
                    "no Allow statement trusts this Deny's provider: this Deny never applies"
                        .to_owned(),
                ),
            );
        }
    }
}
