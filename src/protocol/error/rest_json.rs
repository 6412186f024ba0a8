//! rest-json (EKS): the error answer and its causes.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{header_safe, AwsError, REASON_HEADER};
use crate::access::authenticate::AuthError;
use crate::eks::EksError;

impl AwsError {
    /// The rest-json answer (EKS): the code in `x-amzn-ErrorType`, `{"message": …}`.
    pub fn json_response(&self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.code));
        if let Ok(value) = HeaderValue::from_str(&header_safe(&self.reason)) {
            headers.insert(REASON_HEADER, value);
        }
        response
    }

    /// An authentication failure as rest-json services name it.
    pub fn from_json_auth(err: AuthError) -> Self {
        let mut error = Self::from_query_auth(err);
        error.code = match error.code {
            "InvalidClientTokenId" => "UnrecognizedClientException",
            "SignatureDoesNotMatch" => "InvalidSignatureException",
            "MissingAuthenticationToken" => "MissingAuthenticationTokenException",
            "ExpiredToken" => "ExpiredTokenException",
            other => other,
        };
        error
    }
}

impl From<EksError> for AwsError {
    fn from(err: EksError) -> Self {
        let reason = err.to_string();
        match err {
            EksError::NoSuchCluster(_) => Self::sender(
                "ResourceNotFoundException",
                StatusCode::NOT_FOUND,
                reason.clone(),
            ),
            EksError::ClusterExists(_) => Self::sender(
                "ResourceInUseException",
                StatusCode::CONFLICT,
                reason.clone(),
            ),
            EksError::InvalidParameter(_) => Self::sender(
                "InvalidParameterException",
                StatusCode::BAD_REQUEST,
                reason.clone(),
            ),
            EksError::InvalidRequest(_) | EksError::Unsupported { .. } => Self::sender(
                "InvalidRequestException",
                StatusCode::BAD_REQUEST,
                reason.clone(),
            ),
        }
        .because(reason)
    }
}
