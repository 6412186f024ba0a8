//! Why IAM refused a request. Variants name causes; `protocol::error` picks the AWS code
//! and the message AWS gives for each.

use crate::validation::ValidationProblems;

/// An IAM failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    #[error("IAM has no action {0} here")]
    UnknownAction(String),
    #[error("the parameter {0} is required")]
    MissingParameter(String),
    /// Parameters that break the service model's constraints, each already phrased as
    /// AWS phrases it (`Value 'x' at 'roleName' failed to satisfy constraint: …`).
    #[error("{}", .0.message())]
    Validation(ValidationProblems),
    /// A parameter IAM accepts that irsa-local does not implement, and that would change
    /// the outcome if ignored.
    #[error("irsa-local does not support the parameter {0}")]
    Unsupported(&'static str),
    #[error("{0}")]
    InvalidInput(String),
    #[error("ARN {0} is not valid")]
    InvalidArn(String),
    #[error("Marker {marker} is not one this server handed out: {problem}")]
    InvalidMarker { marker: String, problem: String },
    #[error("provider URL {url} is refused: {problem}")]
    InvalidProviderUrl { url: String, problem: String },
    #[error("thumbprint {0} is not 40 hexadecimal digits")]
    InvalidThumbprint(String),
    #[error("two tags in the request have the same key (compared case-insensitively)")]
    DuplicateTagKeys,
    #[error("the policy document is malformed: {0}")]
    MalformedPolicyDocument(String),
    #[error("the policy document is not JSON: {0}")]
    PolicyNotJson(String),
    #[error("a managed policy must use policy language version 2012-10-17")]
    LegacyPolicyVersion,
    #[error("no role {0}")]
    NoSuchRole(String),
    #[error("no managed policy {0} (or it is not attachable)")]
    NoSuchPolicy(String),
    #[error("managed policy {arn} has no version {version}")]
    NoSuchPolicyVersion { arn: String, version: String },
    #[error("no OIDC provider {0}")]
    NoSuchProvider(String),
    #[error("policy {0} is not attached to the role")]
    PolicyNotAttached(String),
    #[error("role {role} has no inline policy {policy}")]
    NoSuchRolePolicy { role: String, policy: String },
    #[error("a role named {0} exists (names compare case-insensitively)")]
    RoleExists(String),
    #[error("a managed policy named {0} exists in this account")]
    PolicyExists(String),
    #[error("an OIDC provider for {0} exists")]
    ProviderExists(String),
    #[error("quota {quota} ({limit}) would be exceeded")]
    LimitExceeded { quota: &'static str, limit: usize },
    #[error("inline policies of role {role} would exceed {limit} characters")]
    InlinePolicySizeExceeded { role: String, limit: usize },
    #[error("role {0} still has managed policies attached")]
    RoleHasAttachedPolicies(String),
    #[error("role {0} still has inline policies")]
    RoleHasInlinePolicies(String),
    #[error("managed policy {0} is still attached to roles")]
    PolicyInUse(String),
    #[error("role {0} is protected (service-linked or AWS-reserved path)")]
    ProtectedRole(String),
    #[error("managed policy {0} belongs to AWS, not to this account")]
    AwsOwnedPolicy(String),
    #[error("{0} changes the world: call iam::apply, not iam::execute")]
    WriteOverSnapshot(&'static str),
}
