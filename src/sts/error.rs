//! Why STS refused a request. Variants name causes; `protocol::error` picks AWS's code.

use crate::oidc::verify::TokenError;
use crate::protocol::query::QueryError;

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

/// Parameter constraint failures, reported together as AWS does
/// (`2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy
/// constraint: …; Value …`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ValidationProblems {
    problems: Vec<String>,
}

impl ValidationProblems {
    /// Records that `field` (AWS's camelCase member name) with `value` breaks `constraint`.
    /// A `None` value is printed as AWS prints a sensitive or absent one.
    pub fn add(&mut self, field: &str, value: Option<&str>, constraint: &str) {
        let value = match value {
            Some(value) => format!("Value '{value}'"),
            None => "Value null".to_owned(),
        };
        self.problems.push(format!(
            "{value} at '{field}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// `Err` with the problems, if any.
    pub fn into_result(self) -> Result<(), StsError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(StsError::Validation(self))
        }
    }

    /// AWS's message.
    pub fn message(&self) -> String {
        let count = self.problems.len();
        let noun = if count == 1 { "error" } else { "errors" };
        format!(
            "{count} validation {noun} detected: {}",
            self.problems.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_aws() {
        let mut one = ValidationProblems::default();
        one.add(
            "roleSessionName",
            Some("a:b"),
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        );
        assert_eq!(
            one.message(),
            r"1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
        );
        let mut two = one.clone();
        two.add("roleArn", None, "Member must not be null");
        assert!(two.message().starts_with("2 validation errors detected: "));
        assert!(two.message().ends_with(
            "; Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        ));
        assert!(ValidationProblems::default().into_result().is_ok());
    }
}
