//! Query-protocol (STS, IAM) causes that belong to the codec itself: a request that is
//! not a well-formed query call.
//!
//! A parameter the codec cannot fit to the operation's input is `MalformedInput` (400,
//! `Sender`), the code AWS's query services answer for a list they cannot read: SNS for
//! `AWSAccountId.1` ("Top level element may not be treated as a list", boto commit
//! 7c6c9f71, 2012), SES with the same words, CloudSearch for a list sent as one value
//! ("Unexpected list element termination", boto commit 95d4bf9b, 2012). What STS answers
//! for a gap in the numbering, a `member.0` or a name in another case is not published;
//! those messages are irsa-local's own, and the request is refused rather than read
//! without the parameter, which for `PolicyArns` would widen the session.

use axum::http::StatusCode;

use super::AwsError;
use crate::protocol::query::{ListProblem, QueryError};

impl From<QueryError> for AwsError {
    fn from(err: QueryError) -> Self {
        let reason = err.to_string();
        let malformed =
            |message: String| Self::sender("MalformedInput", StatusCode::BAD_REQUEST, message);
        match err {
            QueryError::MissingAction => Self::sender(
                "MissingAction",
                StatusCode::BAD_REQUEST,
                "The request must contain the parameter Action.",
            ),
            QueryError::TooManyParameters | QueryError::DuplicateParameter(_) => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, reason.clone())
            }
            QueryError::MalformedList {
                problem: ListProblem::IndexWithoutMember,
                ..
            } => malformed("Top level element may not be treated as a list".to_owned()),
            QueryError::MalformedList {
                problem: ListProblem::ScalarValue,
                ..
            } => malformed("Unexpected list element termination".to_owned()),
            QueryError::MalformedList { parameter, problem } => {
                malformed(format!("Malformed list parameter {parameter}: {problem}."))
            }
            QueryError::WrongCase { given, expected } => malformed(format!(
                "Unrecognized parameter {given}; parameter names are case-sensitive (did you mean {expected}?)."
            )),
        }
        .because(reason)
    }
}
