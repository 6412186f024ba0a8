//! Query-protocol (STS, IAM) causes that belong to the codec itself: a request that is
//! not a well-formed query call.

use axum::http::StatusCode;

use super::AwsError;
use crate::protocol::query::QueryError;

impl From<QueryError> for AwsError {
    fn from(err: QueryError) -> Self {
        let reason = err.to_string();
        match err {
            QueryError::MissingAction => Self::sender(
                "MissingAction",
                StatusCode::BAD_REQUEST,
                "The request must contain the parameter Action.",
            ),
            QueryError::TooManyParameters | QueryError::DuplicateParameter(_) => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, reason.clone())
            }
        }
        .because(reason)
    }
}
