//! Why EKS Auth refused: each variant a cause, mapped in one place to EKS Auth's code
//! (rest-json, `x-amzn-ErrorType`) and status. The model gives AccessDeniedException 400,
//! not 403; the codes for a wrong audience, a missing association and a trust policy
//! without `sts:TagSession` are not documented: InvalidToken, ResourceNotFound and
//! AccessDenied, as REFERENCE-2 §4.2 reasons.

use axum::http::StatusCode;

use crate::clock::rfc3339;
use crate::oidc::verify::TokenError;
use crate::protocol::error::AwsError;

/// Why EKS Auth refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EksAuthError {
    #[error("The token included in the request is invalid: {0}")]
    InvalidToken(String),
    #[error(
        "The token included in the request is expired: current date/time {} must be before the expiration date/time {}.",
        rfc3339(*now),
        rfc3339(*expires_at)
    )]
    ExpiredToken { now: u64, expires_at: u64 },
    #[error("No cluster found for name: {0}.")]
    NoSuchCluster(String),
    #[error("No Pod Identity Association found for service account {service_account} in namespace {namespace} of cluster {cluster}")]
    NoAssociation {
        cluster: String,
        namespace: String,
        service_account: String,
    },
    #[error("Access denied: {0}")]
    AccessDenied(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<TokenError> for EksAuthError {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Expired { now, expires_at } => Self::ExpiredToken { now, expires_at },
            TokenError::IncorrectAudience { audiences } => Self::InvalidToken(format!(
                "the token's audiences {audiences:?} do not include {}",
                crate::pod_identity::AUDIENCE
            )),
            TokenError::UnknownIssuer { issuer } => {
                Self::InvalidToken(format!("the token's issuer {issuer} is not the cluster's"))
            }
            other => Self::InvalidToken(other.to_string()),
        }
    }
}

impl EksAuthError {
    /// EKS Auth's code and status for this refusal.
    pub fn code(&self) -> (&'static str, StatusCode) {
        match self {
            Self::InvalidToken(_) => ("InvalidTokenException", StatusCode::BAD_REQUEST),
            Self::ExpiredToken { .. } => ("ExpiredTokenException", StatusCode::BAD_REQUEST),
            Self::NoSuchCluster(_) | Self::NoAssociation { .. } => {
                ("ResourceNotFoundException", StatusCode::NOT_FOUND)
            }
            Self::AccessDenied(_) => ("AccessDeniedException", StatusCode::BAD_REQUEST),
            Self::InvalidParameter(_) => ("InvalidParameterException", StatusCode::BAD_REQUEST),
            Self::InvalidRequest(_) => ("InvalidRequestException", StatusCode::BAD_REQUEST),
            Self::Internal(_) => ("InternalServerException", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl From<EksAuthError> for AwsError {
    fn from(err: EksAuthError) -> Self {
        let (code, status) = err.code();
        let message = err.to_string();
        match err {
            EksAuthError::Internal(reason) => Self::service_failure(code, reason),
            _ => Self::sender(code, status, message),
        }
    }
}
