//! Why EKS refused a request. Variants name causes; the `From` impl below picks EKS's
//! code (sent in `x-amzn-ErrorType`) and status for each, in one place.

use axum::http::StatusCode;

use crate::protocol::error::AwsError;

/// Why EKS refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EksError {
    #[error("No cluster found for name: {0}.")]
    NoSuchCluster(String),
    #[error("Cluster already exists with name: {0}")]
    ClusterExists(String),
    #[error("Association already exists: {0}")]
    AssociationExists(String),
    #[error("No pod identity association found for id: {0}")]
    NoSuchAssociation(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("irsa-local's EKS does not serve {method} {path}")]
    Unsupported { method: String, path: String },
}

impl From<EksError> for AwsError {
    fn from(err: EksError) -> Self {
        let reason = err.to_string();
        let (code, status) = match err {
            EksError::NoSuchCluster(_) | EksError::NoSuchAssociation(_) => {
                ("ResourceNotFoundException", StatusCode::NOT_FOUND)
            }
            EksError::ClusterExists(_) | EksError::AssociationExists(_) => {
                ("ResourceInUseException", StatusCode::CONFLICT)
            }
            EksError::InvalidParameter(_) => ("InvalidParameterException", StatusCode::BAD_REQUEST),
            EksError::InvalidRequest(_) | EksError::Unsupported { .. } => {
                ("InvalidRequestException", StatusCode::BAD_REQUEST)
            }
        };
        Self::sender(code, status, reason)
    }
}
