//! Why STS refused a request. Variants name causes; `protocol::error` picks AWS's code.

use crate::oidc::verify::TokenError;
use crate::protocol::query::QueryError;
pub use crate::validation::ValidationProblems;

/// An STS failure.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("STS has no action {action} in version {version}")]
    UnknownAction { action: String, version: String },
    #[error("{}", .0.message())]
    Validation(ValidationProblems),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("DurationSeconds {requested} exceeds the role's MaxSessionDuration {maximum}")]
    DurationExceedsRoleMaximum { requested: u32, maximum: u32 },
    #[error("RoleArn is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")]
    InvalidRoleArn,
    #[error("session policies and tags take {0}% of the packed limit")]
    PackedPolicyTooLarge(u32),
    #[error("ProviderId was given with an OpenID Connect token")]
    ProviderIdWithOidcToken,
    #[error("the session policy is malformed: {0}")]
    MalformedSessionPolicy(String),
    #[error("PolicyArns names {0}, which does not exist")]
    UnknownPolicyArn(String),
    #[error("{action} denied: {reason}")]
    NotAuthorized {
        action: &'static str,
        reason: String,
    },
    #[error("internal failure: {0}")]
    Internal(String),
}
