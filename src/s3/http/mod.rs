//! S3's HTTP edge (rest-xml): authenticate (SigV4 with S3's rules, aws-chunked bodies
//! decoded and their chunk signatures checked; or SigV2, whose body is unsigned), parse
//! the operation, authorize it against the caller's policies, run it on the [`S3Store`],
//! and answer with S3's headers, XML and error documents. An unsigned request reaches here
//! too and is refused as S3 refuses an anonymous caller.

mod refusal;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{S3Operation, S3Response, S3Store};
use crate::access::authenticate::{AuthError, Service, Signature};
use crate::access::denied::{not_authorized, ResourceName};
use crate::access::http::Gate;
use crate::access::Request;
use crate::protocol::body::{self, BodyError};
use crate::protocol::error::AwsError;
use crate::sigv2;
use crate::sigv4::{self, PayloadHash, PayloadMode, RequestView, Verified};
use crate::state::AppState;
pub use refusal::auth_error;

/// Answers one S3 request.
pub async fn handle(
    state: &AppState,
    store: &S3Store,
    parts: Parts,
    signature: &Signature,
    body: Body,
) -> Response {
    let request_id = crate::protocol::request_id(&parts.extensions);
    match run(state, store, &parts, signature, body).await {
        Ok(response) => with_request_id(response, request_id),
        Err(error) => error.s3_response(parts.uri.path(), request_id, parts.method == Method::HEAD),
    }
}

async fn run(
    state: &AppState,
    store: &S3Store,
    parts: &Parts,
    signature: &Signature,
    body: Body,
) -> Result<Response, AwsError> {
    let limit = usize::try_from(state.config().max_object_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let raw = body::read(body, limit).await.map_err(|err| match err {
        BodyError::TooLarge { .. } => AwsError::sender(
            "EntityTooLarge",
            StatusCode::BAD_REQUEST,
            "Your proposed upload exceeds the maximum allowed size",
        )
        .because(err.to_string()),
        BodyError::Broken(_) => AwsError::sender(
            "IncompleteBody",
            StatusCode::BAD_REQUEST,
            "The request body terminated unexpectedly",
        )
        .because(err.to_string()),
    })?;
    let gate = Gate::new(state);
    let (caller, verified) = if sigv2::is_present(&RequestView::from(parts)) {
        let suffix = state.config().s3_virtual_host_suffix.as_str();
        let bucket = super::request::virtual_host_bucket(header(parts, "host"), Some(suffix));
        let caller = gate
            .authenticate_v2(parts, bucket.as_deref())
            .map_err(auth_error)?;
        (caller, None)
    } else {
        let (caller, verified) = gate
            .authenticate(parts, signature, Service::S3, PayloadHash::of(&raw))
            .map_err(auth_error)?;
        (caller, Some(verified))
    };
    // SigV2 signs no payload; SigV4 signs it whole, not at all, or chunk by chunk.
    let body = match &verified {
        None
        | Some(Verified {
            payload_mode: PayloadMode::Hashed | PayloadMode::Unsigned,
            ..
        }) => raw.to_vec(),
        Some(verified) => {
            let decoded_length =
                header(parts, "x-amz-decoded-content-length").and_then(|v| v.parse().ok());
            sigv4::decode_chunked(&raw, verified, decoded_length)
                .map_err(|err| auth_error(AuthError::Signature(err)))?
        }
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let operation = super::parse_operation(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        header(parts, "host"),
        &headers,
        &body,
        Some(state.config().s3_virtual_host_suffix.as_str()),
    )
    .map_err(|err| AwsError::from(&err))?;
    if let S3Operation::Unsupported { description } = &operation {
        return Err(AwsError::sender("NotImplemented", StatusCode::NOT_IMPLEMENTED, format!(
            "A header or query you provided implies functionality that is not implemented: {description}"
        )));
    }
    let resource = operation.resource_arn();
    let request = Request {
        action: operation.iam_action(),
        resource: &resource,
        service_keys: operation.condition_keys(),
    };
    gate.authorize(&caller, &request).map_err(|denied| {
        let message = not_authorized(
            &caller.arn(),
            request.action,
            ResourceName::Quoted(&resource),
            &denied,
        );
        AwsError::sender("AccessDenied", StatusCode::FORBIDDEN, message)
            .because(format!("{} on {resource} denied: {denied}", request.action))
    })?;
    let response =
        super::execute(store, &operation, &body, gate.now()).map_err(|err| AwsError::from(&err))?;
    Ok(into_response(response))
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn into_response(response: S3Response) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut answer = (status, response.body).into_response();
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            answer.headers_mut().insert(name, value);
        }
    }
    answer
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amz-request-id", value);
    }
    response
}
