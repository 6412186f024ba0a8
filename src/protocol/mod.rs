//! AWS wire protocols. `query` parses and renders the query protocol (STS, IAM);
//! `error` is the one place a domain error becomes an AWS error body. [`root`] classifies
//! a request to `/` and hands it to its service.

pub mod error;
pub mod query;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::Response;

use crate::router::RequestId;
use crate::state::AppState;
use crate::sts;
use error::AwsError;
use query::QueryRequest;

/// Largest query-protocol body accepted (a 20,000-character token and a 2,048-character
/// session policy, URL-encoded, fit many times over).
pub const MAX_QUERY_BODY_BYTES: usize = 256 * 1024;

/// The IAM query API version; IAM is not served yet.
const IAM_VERSION: &str = "2010-05-08";
const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// `GET /` and `POST /`: the query protocol, dispatched on `Version` then `Action`.
/// AssumeRoleWithWebIdentity is answered before any signature check and ignores any
/// Authorization header, as botocore sends it unsigned.
pub async fn root(State(state): State<AppState>, request: Request) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map_or_else(String::new, |id| id.0.clone());
    let query_string = request.uri().query().map(str::to_owned);
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let body = if request.method() == Method::POST {
        match read_body(request.into_body()).await {
            Ok(body) => Some(body),
            Err(error) => return error.query_response(sts::NAMESPACE, &request_id),
        }
    } else {
        None
    };
    let form = body.as_deref().filter(|_| is_form);
    let query = match QueryRequest::parse(query_string.as_deref(), form) {
        Ok(query) => query,
        Err(err) => return AwsError::from(err).query_response(sts::NAMESPACE, &request_id),
    };
    match query.version.as_deref() {
        None | Some(sts::VERSION) => sts::handle(&state, &query, &request_id),
        Some(IAM_VERSION) => unknown_action(&query, IAM_VERSION, IAM_NAMESPACE, &request_id),
        Some(version) => unknown_action(&query, version, sts::NAMESPACE, &request_id),
    }
}

fn unknown_action(
    query: &QueryRequest,
    version: &str,
    namespace: &str,
    request_id: &str,
) -> Response {
    AwsError::sender(
        "InvalidAction",
        StatusCode::BAD_REQUEST,
        format!(
            "Could not find operation {} for version {version}",
            query.action
        ),
    )
    .query_response(namespace, request_id)
}

async fn read_body(body: Body) -> Result<Vec<u8>, AwsError> {
    axum::body::to_bytes(body, MAX_QUERY_BODY_BYTES)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|err| {
            AwsError::sender(
                "RequestEntityTooLarge",
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body must be at most {MAX_QUERY_BODY_BYTES} bytes"),
            )
            .because(format!("cannot read the body: {err}"))
        })
}
