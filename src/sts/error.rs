//! Why STS refused a request. Variants name causes; the `From` impls below pick AWS's
//! code, status and message for each, in one place.

use axum::http::StatusCode;

use crate::oidc::verify::TokenError;
use crate::protocol::error::AwsError;
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

const GENERIC_INVALID_TOKEN: &str = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.";
/// What STS says of a token that does not parse as a JWT (an opaque OAuth access token,
/// say), rather than the generic description its API reference gives.
const NOT_A_JWT: &str = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)";
const NO_VERIFICATION_KEY: &str = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

impl From<TokenError> for AwsError {
    fn from(err: TokenError) -> Self {
        let reason = format!("web identity token refused: {err}");
        let invalid = |message: String| {
            Self::sender("InvalidIdentityToken", StatusCode::BAD_REQUEST, message)
        };
        let error = match &err {
            TokenError::Length(length) => Self::sender(
                "ValidationError",
                StatusCode::BAD_REQUEST,
                format!(
                    "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length {}",
                    if *length < 4 { "greater than or equal to 4" } else { "less than or equal to 20000" }
                ),
            ),
            TokenError::UnknownIssuer { issuer } => {
                invalid(format!("No OpenIDConnect provider found in your account for {issuer}"))
            }
            TokenError::MissingAudience => invalid("Missing a required claim: aud".into()),
            TokenError::MissingClaim(claim) => invalid(format!("Missing a required claim: {claim}")),
            TokenError::IncorrectAudience { .. } => invalid("Incorrect token audience".into()),
            TokenError::UnknownKey { .. } | TokenError::NoKeyOfType { .. } | TokenError::NoKeys(_) => {
                invalid(NO_VERIFICATION_KEY.into())
            }
            TokenError::Expired { now, expires_at } => Self::sender(
                "ExpiredTokenException",
                StatusCode::BAD_REQUEST,
                format!("Token expired: current date/time {now} must be before the expiration date/time {expires_at}"),
            ),
            TokenError::Malformed(_) => invalid(NOT_A_JWT.into()),
            TokenError::AlgorithmNotAllowed(_)
            | TokenError::UnknownCritical(_)
            | TokenError::BadSignature { .. }
            | TokenError::BadTimestamp { .. }
            | TokenError::NotYetValid { .. }
            | TokenError::IssuedInFuture { .. } => invalid(GENERIC_INVALID_TOKEN.into()),
        };
        error.because(reason)
    }
}

impl From<StsError> for AwsError {
    fn from(err: StsError) -> Self {
        let reason = err.to_string();
        match err {
            StsError::Query(query) => return query.into(),
            StsError::Token(token) => return token.into(),
            StsError::UnknownAction { action, version } => Self::sender(
                "InvalidAction",
                StatusCode::BAD_REQUEST,
                format!("Could not find operation {action} for version {version}"),
            ),
            StsError::Validation(problems) => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, problems.message())
            }
            StsError::DurationExceedsRoleMaximum { .. } => Self::sender(
                "ValidationError",
                StatusCode::BAD_REQUEST,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
            StsError::InvalidRoleArn => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, "Request ARN is invalid")
            }
            StsError::PackedPolicyTooLarge(percent) => Self::sender(
                "PackedPolicyTooLarge",
                StatusCode::BAD_REQUEST,
                format!("Packed policy consumes {percent}% of allotted space, please use smaller policy."),
            ),
            StsError::ProviderIdWithOidcToken => Self::sender(
                "InvalidParameterValue",
                StatusCode::BAD_REQUEST,
                "ProviderId is only for OAuth 2.0 access tokens; omit it for an OpenID Connect ID token.",
            ),
            StsError::MalformedSessionPolicy(problem) => {
                Self::sender("MalformedPolicyDocument", StatusCode::BAD_REQUEST, problem)
            }
            StsError::UnknownPolicyArn(arn) => Self::sender(
                "InvalidParameterValue",
                StatusCode::BAD_REQUEST,
                format!("Policy {arn} does not exist or is not attachable."),
            ),
            StsError::NotAuthorized { action, .. } => Self::sender(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!("Not authorized to perform {action}"),
            ),
            StsError::Internal(_) => Self::sender(
                "InternalFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                "The request processing has failed because of an unknown error, exception or failure.",
            ),
        }
        .because(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Case → code, status, message, each message as AWS words it (the sources are in
    /// the comments; users search for these strings).
    #[test]
    fn token_causes_map_to_aws_codes_and_words() {
        #[rustfmt::skip]
        let cases = [
            ("too_short", TokenError::Length(3), "ValidationError", 400,
             "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"),
            ("unknown_issuer", TokenError::UnknownIssuer { issuer: "https://x".into() }, "InvalidIdentityToken", 400,
             "No OpenIDConnect provider found in your account for https://x"),
            // AWS says this for a token that does not split into a JWT, e.g. an opaque OAuth
            // access token (LocalStack and Eucalyptus reproduce it; Cognito's docs quote it).
            ("not_a_jwt", TokenError::Malformed("a JWT has three dot-separated parts"), "InvalidIdentityToken", 400,
             "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"),
            ("header_not_json", TokenError::Malformed("the header is not base64url JSON"), "InvalidIdentityToken", 400,
             "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"),
            // 2024 and later reports put a space before the second number (aws-sdk-java-v2
            // issue 5709); reports of 2021 had none.
            ("expired", TokenError::Expired { now: 1_731_098_245, expires_at: 1_731_095_240 }, "ExpiredTokenException", 400,
             "Token expired: current date/time 1731098245 must be before the expiration date/time 1731095240"),
            ("bad_signature", TokenError::BadSignature { checked: 1 }, "InvalidIdentityToken", 400, GENERIC_INVALID_TOKEN),
            ("unknown_critical_header", TokenError::UnknownCritical(vec!["exp".into()]), "InvalidIdentityToken", 400, GENERIC_INVALID_TOKEN),
            ("unknown_kid", TokenError::UnknownKey { kid: "k".into() }, "InvalidIdentityToken", 400, NO_VERIFICATION_KEY),
            ("numeric_kid", TokenError::UnknownKey { kid: "7".into() }, "InvalidIdentityToken", 400, NO_VERIFICATION_KEY),
            ("incorrect_audience", TokenError::IncorrectAudience { audiences: vec!["x".into()] }, "InvalidIdentityToken", 400,
             "Incorrect token audience"),
        ];
        for (name, cause, code, status, message) in cases {
            let error = AwsError::from(cause);
            assert_eq!(
                (error.code, error.status.as_u16(), error.message.as_str()),
                (code, status, message),
                "case {name}"
            );
            assert!(!error.reason.is_empty(), "case {name}");
        }
    }
}
