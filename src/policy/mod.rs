//! The IAM policy language: parse a policy document once into a typed [`Policy`], then
//! [`evaluate`] requests against policies to an explicit deny, an allow, or an implicit
//! deny with a one-line reason. Pure: no I/O, no clock, no HTTP.
//!
//! Follows the IAM User Guide's
//! [JSON policy reference](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies.html):
//! [grammar](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html),
//! [condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
//! [multivalued keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html),
//! [variables](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html),
//! [evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
//! Unknown elements and operators, and condition values an operator cannot read, are
//! refused at parse time; nothing unknown evaluates to true.
//!
//! Known gaps:
//! - Duplicate JSON keys (two `StringEquals` blocks in one `Condition`): the last wins,
//!   as `serde_json` reads objects; IAM's behaviour here is undocumented.
//! - Resources are checked only for `*` or an `arn:` prefix, not per service (IAM also
//!   refuses, say, a region in an S3 ARN), and variables are substituted anywhere in a
//!   resource, not only after the fifth colon.
//! - Principals are checked for shape, not existence; a role ARN is not turned into its
//!   unique ID on save, so a deleted-and-recreated role still matches.
//! - `CanonicalUser` principals never match (no request here carries one).
//! - `Version` `2008-10-17` is accepted everywhere; IAM's `CreatePolicy` refuses it for
//!   managed policies, which the caller can check with [`Policy::version`].
//! - Policy size limits and `Sid` character rules are not checked here.
//! - One [`evaluate`] call combines its policies by explicit deny, allow, implicit deny
//!   only; permissions boundaries, session policies, SCPs and cross-account rules are the
//!   caller's to compose from several calls.

mod cache;
mod condition;
mod context;
mod display;
mod document;
mod error;
mod evaluate;
mod pattern;
mod variables;
mod version;

use serde_json::Value;

pub use cache::SessionPolicies;
pub use condition::ConditionTrace;
pub use context::{ContextKeys, PrincipalRef, RequestContext};
pub use document::{Policy, Version};
pub use error::PolicyError;
pub use evaluate::{evaluate, trace, Deciding, Decision, NoMatch, StatementId, StatementTrace};

/// Which grammar a document must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Identity-based (attached to a user, group or role, or a session policy): no
    /// `Principal`/`NotPrincipal`; `Resource` or `NotResource` required.
    Identity,
    /// A role trust policy or a resource-based policy: `Principal` or `NotPrincipal`
    /// required; `Resource` optional.
    Trust,
}

/// Parses a policy document from its JSON text.
pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let value: Value =
        serde_json::from_str(json).map_err(|err| PolicyError::NotJson(err.to_string()))?;
    parse_value(&value, kind)
}

/// Parses a policy document already read as JSON.
pub fn parse_value(value: &Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
    document::parse_document(value, kind)
}

#[cfg(test)]
mod tests;
