//! Why IAM refused a request. `protocol::error` picks the AWS code.

/// An IAM failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    #[error("IAM has no action {0} here")]
    UnknownAction(String),
    #[error("the parameter {0} is required")]
    MissingParameter(String),
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    InvalidInput(String),
}
