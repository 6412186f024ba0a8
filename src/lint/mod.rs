//! `irsa-local lint`: finds the trust-policy mistakes that break or weaken IRSA, each
//! with a stable [`Rule`] id, a [`Level`], the JSON path and a one-line fix. Pure: the
//! caller reads the files; the same rules warn at `serve` start about the world's roles.
//!
//! The rules follow the IAM User Guide on
//! [OIDC federation](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html),
//! the [EKS IRSA trust policy](https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html),
//! [condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
//! and [single- and multivalued keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
//!
//! Known gaps:
//! - This is not a grammar check: a document IAM would refuse for its shape (a
//!   `Condition` that is a string, say) is linted as far as it can be read, and the shape
//!   itself is left to `CreateRole`.
//! - A world's documents were read by `serde_json`, which keeps the last of two equal
//!   keys; duplicates are found only in a `--config` file's own text (for the roles the
//!   saved state has not changed) and in `--trust-policy` files.
//! - `provider-other-account` needs the role's account: the world's, `--account`, or the
//!   `Role.Arn` of a pasted `get-role` output; without one it is not checked.

mod input;
mod json;
mod rules;

#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::world::World;
pub use input::InputError;
use json::Node;

/// The mistakes `lint` knows, by stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    IssuerMismatch,
    IssuerScheme,
    IssuerTrailingSlash,
    MissingAud,
    MissingSub,
    LikeWithoutWildcard,
    EqualsWithWildcard,
    SubWildcardNamespace,
    SubWildcardName,
    AssumeRoleNotWebIdentity,
    ProviderOtherAccount,
    UnknownOperator,
    DuplicateKey,
    SetOperatorSingleValued,
    DenyNeverMatches,
}

/// How bad a finding is: an error breaks the role or opens it to more than meant; a
/// warning weakens it or does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

/// One mistake at one place in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: Rule,
    pub level: Level,
    /// The JSON path, as `$.Statement[0].Condition.StringEquals`.
    pub path: String,
    pub message: String,
    pub fix: &'static str,
}

/// The findings of one document: a file, or a role of the world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The file name, or `role/<name>` for a world's role.
    pub source: String,
    pub findings: Vec<Finding>,
}

impl Rule {
    /// Every rule, in the order findings are listed.
    pub const ALL: [Rule; 15] = [
        Rule::DuplicateKey,
        Rule::UnknownOperator,
        Rule::AssumeRoleNotWebIdentity,
        Rule::ProviderOtherAccount,
        Rule::IssuerMismatch,
        Rule::IssuerScheme,
        Rule::IssuerTrailingSlash,
        Rule::MissingSub,
        Rule::MissingAud,
        Rule::EqualsWithWildcard,
        Rule::LikeWithoutWildcard,
        Rule::SubWildcardNamespace,
        Rule::SubWildcardName,
        Rule::SetOperatorSingleValued,
        Rule::DenyNeverMatches,
    ];

    /// The stable id, as printed and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Rule::IssuerMismatch => "issuer-mismatch",
            Rule::IssuerScheme => "issuer-scheme",
            Rule::IssuerTrailingSlash => "issuer-trailing-slash",
            Rule::MissingAud => "missing-aud",
            Rule::MissingSub => "missing-sub",
            Rule::LikeWithoutWildcard => "like-without-wildcard",
            Rule::EqualsWithWildcard => "equals-with-wildcard",
            Rule::SubWildcardNamespace => "sub-wildcard-namespace",
            Rule::SubWildcardName => "sub-wildcard-name",
            Rule::AssumeRoleNotWebIdentity => "assume-role-not-web-identity",
            Rule::ProviderOtherAccount => "provider-other-account",
            Rule::UnknownOperator => "unknown-operator",
            Rule::DuplicateKey => "duplicate-key",
            Rule::SetOperatorSingleValued => "set-operator-single-valued",
            Rule::DenyNeverMatches => "deny-never-matches",
        }
    }

    /// How bad the mistake is.
    pub fn level(self) -> Level {
        match self {
            Rule::MissingAud
            | Rule::LikeWithoutWildcard
            | Rule::SubWildcardName
            | Rule::SetOperatorSingleValued
            | Rule::DenyNeverMatches => Level::Warning,
            Rule::IssuerMismatch
            | Rule::IssuerScheme
            | Rule::IssuerTrailingSlash
            | Rule::MissingSub
            | Rule::EqualsWithWildcard
            | Rule::SubWildcardNamespace
            | Rule::AssumeRoleNotWebIdentity
            | Rule::ProviderOtherAccount
            | Rule::UnknownOperator
            | Rule::DuplicateKey => Level::Error,
        }
    }

    /// The one-line fix.
    pub fn fix(self) -> &'static str {
        match self {
            Rule::IssuerMismatch => "start the condition key with the Federated provider's issuer (the ARN after oidc-provider/)",
            Rule::IssuerScheme => "drop https:// from the condition key: IAM's keys are the issuer's host and path",
            Rule::IssuerTrailingSlash => "write the issuer in the condition key exactly as in the provider ARN, with no trailing slash",
            Rule::MissingAud => "add \"<issuer>:aud\": \"sts.amazonaws.com\" under StringEquals",
            Rule::MissingSub => "add \"<issuer>:sub\": \"system:serviceaccount:<namespace>:<name>\" under StringEquals",
            Rule::LikeWithoutWildcard => "use StringEquals for a value without * or ?",
            Rule::EqualsWithWildcard => "use StringLike for a pattern, or drop the * to compare exactly",
            Rule::SubWildcardNamespace => "name the namespace (and the service account) in the :sub pattern",
            Rule::SubWildcardName => "name the one service account, with StringEquals, unless several should assume the role",
            Rule::AssumeRoleNotWebIdentity => "use \"Action\": \"sts:AssumeRoleWithWebIdentity\" for an OIDC provider",
            Rule::ProviderOtherAccount => "trust the OIDC provider created in the role's own account",
            Rule::UnknownOperator => "use a condition operator IAM documents (names are case-sensitive)",
            Rule::DuplicateKey => "merge the two blocks into one: JSON keeps only the last",
            Rule::SetOperatorSingleValued => "drop ForAnyValue:/ForAllValues: for a single-valued key",
            Rule::DenyNeverMatches => "make the Deny name an action and principal the Allow statements grant, or remove it",
        }
    }

    fn finding(self, path: &json::Path, message: String) -> Finding {
        Finding {
            id: self,
            level: self.level(),
            path: path.to_string(),
            message,
            fix: self.fix(),
        }
    }
}

/// Lints a trust policy as the user has it: the JSON `aws iam get-role --query
/// Role.AssumeRolePolicyDocument` prints, the URL-encoded text of IAM's raw answer, or a
/// whole `get-role` output (whose `Role.Arn` gives the account). `account` overrides the
/// account the role lives in.
pub fn lint_text(text: &str, account: Option<&str>) -> Result<Vec<Finding>, InputError> {
    let document = input::read(text)?;
    let account = account.or(document.account.as_deref());
    Ok(rules::lint(&document.policy, account))
}

/// A trust policy in any form [`lint_text`] reads, as IAM evaluates it (a repeated key's
/// last value wins), with the account a `get-role` output names.
pub fn read_policy(text: &str) -> Result<(serde_json::Value, Option<String>), InputError> {
    let document = input::read(text)?;
    Ok((document.policy.to_value(), document.account))
}

/// Lints every role of `world`. With `config_text` (the world file's own text), a role
/// whose document the saved state has not changed is linted from that text, so that its
/// duplicate keys are seen. Roles without findings are left out.
pub fn lint_world(world: &World, config_text: Option<&str>) -> Vec<Report> {
    let written: Option<Node> = config_text.and_then(|text| serde_json::from_str(text).ok());
    let account = world.account.id.as_str();
    world
        .roles
        .iter()
        .filter_map(|role| {
            let loaded = role.assume_role_policy_document.as_json();
            let document = written
                .as_ref()
                .and_then(|file| written_document(file, role.name.as_str()))
                .filter(|node| &node.to_value() == loaded)
                .cloned()
                .unwrap_or_else(|| Node::from(loaded));
            let findings = rules::lint(&document, Some(account));
            (!findings.is_empty()).then(|| Report {
                source: format!("role/{}", role.name.as_str()),
                findings,
            })
        })
        .collect()
}

/// The trust policy of role `name` as the world file writes it.
fn written_document<'a>(file: &'a Node, name: &str) -> Option<&'a Node> {
    let Some(Node::Array(roles)) = file.get("roles") else {
        return None;
    };
    roles
        .iter()
        .find(|role| role.get("name").and_then(Node::as_str) == Some(name))?
        .get("assumeRolePolicyDocument")
}
