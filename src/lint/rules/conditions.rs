//! The rules on condition entries: unknown operators, keys of another issuer, wildcards
//! under the wrong operator, `:sub` patterns that admit many service accounts, and set
//! qualifiers on single-valued keys.

use serde_json::json;

use super::{Entry, Statement};
use crate::lint::{Finding, Rule};
use crate::policy::{self, PolicyError, PolicyKind};

/// The Kubernetes `sub` of a service account: `system:serviceaccount:<ns>:<name>`.
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// Keys with one value per request, where `ForAnyValue:`/`ForAllValues:` only confuse
/// (and `ForAllValues:` is true when the key is missing). Lowercase.
const SINGLE_VALUED_GLOBAL_KEYS: [&str; 10] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:sourceip",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:requestedregion",
    "aws:securetransport",
    "sts:rolesessionname",
    "sts:externalid",
    "sts:sourceidentity",
];

/// An OIDC provider's single-valued claims, as condition keys end (`amr` is multivalued).
const SINGLE_VALUED_CLAIMS: [&str; 3] = ["sub", "aud", "azp"];

/// Adds the findings of `statement`'s condition entries.
pub(super) fn check(statement: &Statement<'_>, findings: &mut Vec<Finding>) {
    let mut unknown_reported = Vec::new();
    for entry in &statement.entries {
        if !known_operator(entry.operator) {
            if !unknown_reported.contains(&entry.operator) {
                unknown_reported.push(entry.operator);
                findings.push(Rule::UnknownOperator.finding(
                    &entry.operator_path,
                    format!(
                        "\"{}\" is not a condition operator: IAM refuses the document",
                        entry.operator
                    ),
                ));
            }
            continue;
        }
        if entry.key.is_empty() {
            continue;
        }
        check_issuer(statement, entry, findings);
        check_wildcards(entry, findings);
        check_set_qualifier(entry, findings);
    }
}

/// Whether IAM knows the operator `name`, asked of the policy engine's own parser.
fn known_operator(name: &str) -> bool {
    let probe = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                       "Condition": {name: {}}}],
    });
    !matches!(
        policy::parse_value(&probe, PolicyKind::Trust),
        Err(PolicyError::UnknownConditionOperator(_))
    )
}

/// A key must start with the issuer of the statement's OIDC provider, exactly.
fn check_issuer(statement: &Statement<'_>, entry: &Entry<'_>, findings: &mut Vec<Finding>) {
    let Some((issuer, _)) = entry.issuer_claim() else {
        return;
    };
    let lowercase = issuer.to_lowercase();
    if lowercase.starts_with("https://") || lowercase.starts_with("http://") {
        findings.push(Rule::IssuerScheme.finding(
            &entry.path,
            "the key carries a URL scheme: no request has such a key, so the condition never holds"
                .to_owned(),
        ));
        return;
    }
    if statement.providers.is_empty()
        || statement
            .providers
            .iter()
            .any(|provider| provider.issuer.to_lowercase() == lowercase)
    {
        return;
    }
    let trimmed = lowercase.trim_end_matches('/');
    let slash_only = statement
        .providers
        .iter()
        .any(|provider| provider.issuer.to_lowercase().trim_end_matches('/') == trimmed);
    let (rule, what) = if slash_only {
        (
            Rule::IssuerTrailingSlash,
            "differs from the provider's issuer by a trailing slash",
        )
    } else {
        (
            Rule::IssuerMismatch,
            "is not the issuer of the Federated provider",
        )
    };
    let provider = statement
        .providers
        .iter()
        .map(|p| p.issuer.as_str())
        .collect::<Vec<_>>();
    findings.push(rule.finding(
        &entry.path,
        format!(
            "\"{issuer}\" {what} ({}): the key is never in the request, so the condition never holds",
            provider.join(", ")
        ),
    ));
}

/// `StringEquals` compares `*` literally; `StringLike` without one is an exact compare;
/// a `:sub` pattern with one admits more than one service account.
fn check_wildcards(entry: &Entry<'_>, findings: &mut Vec<Finding>) {
    let base = entry.base_operator();
    let has_wildcard = |value: &str| value.contains('*') || value.contains('?');
    match base {
        "StringEquals"
        | "StringNotEquals"
        | "StringEqualsIgnoreCase"
        | "StringNotEqualsIgnoreCase" => {
            for (value, path) in &entry.values {
                if value.contains('*') {
                    findings.push(Rule::EqualsWithWildcard.finding(
                        path,
                        format!("{base} compares \"{value}\" literally: its * matches only a *"),
                    ));
                }
            }
        }
        "StringLike" | "StringNotLike" => {
            if !entry.values.is_empty()
                && !entry.values.iter().any(|(value, _)| has_wildcard(value))
            {
                findings.push(Rule::LikeWithoutWildcard.finding(
                    &entry.path,
                    format!("{base} with no * or ? in its values is an exact comparison"),
                ));
            }
            let is_sub = entry
                .issuer_claim()
                .is_some_and(|(_, claim)| claim == "sub");
            if base == "StringLike" && is_sub {
                for (value, path) in &entry.values {
                    check_sub_pattern(value, path, findings);
                }
            }
        }
        _ => {}
    }
}

/// A `:sub` pattern's wildcard in the namespace (or before it) or in the name.
fn check_sub_pattern(value: &str, path: &super::Path, findings: &mut Vec<Finding>) {
    let wild = |text: &str| text.contains('*') || text.contains('?');
    let rule = match value.strip_prefix(SERVICE_ACCOUNT_PREFIX) {
        Some(rest) => match rest.split_once(':') {
            Some((namespace, name)) if !wild(namespace) => {
                wild(name).then_some(Rule::SubWildcardName)
            }
            _ => wild(rest).then_some(Rule::SubWildcardNamespace),
        },
        // `*`, `system:*`: a wildcard before the namespace is any namespace. Other
        // subjects (not Kubernetes') are not this rule's business.
        None => value
            .find(['*', '?'])
            .is_some_and(|at| {
                SERVICE_ACCOUNT_PREFIX.starts_with(value.get(..at).unwrap_or_default())
            })
            .then_some(Rule::SubWildcardNamespace),
    };
    let Some(rule) = rule else {
        return;
    };
    let message = if rule == Rule::SubWildcardNamespace {
        format!("\"{value}\" matches service accounts of every namespace")
    } else {
        format!("\"{value}\" matches more than one service account of its namespace")
    };
    findings.push(rule.finding(path, message));
}

/// `ForAnyValue:`/`ForAllValues:` on a key with one value.
fn check_set_qualifier(entry: &Entry<'_>, findings: &mut Vec<Finding>) {
    let Some((qualifier, _)) = entry.operator.split_once(':') else {
        return;
    };
    let key = entry.key.to_lowercase();
    let single = SINGLE_VALUED_GLOBAL_KEYS.contains(&key.as_str())
        || entry
            .issuer_claim()
            .is_some_and(|(_, claim)| SINGLE_VALUED_CLAIMS.contains(&claim.as_str()));
    if single {
        findings.push(Rule::SetOperatorSingleValued.finding(
            &entry.path,
            format!(
                "{qualifier}: on \"{}\", which has one value{}",
                entry.key,
                if qualifier == "ForAllValues" {
                    ": ForAllValues also holds when the key is missing"
                } else {
                    ""
                }
            ),
        ));
    }
}
