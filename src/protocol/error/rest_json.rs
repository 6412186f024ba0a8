//! The rest-json error answer (EKS, EKS Auth).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::AwsError;

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
        response
            .headers_mut()
            .insert("x-amzn-errortype", HeaderValue::from_static(self.code));
        self.mark(&mut response);
        response
    }
}
