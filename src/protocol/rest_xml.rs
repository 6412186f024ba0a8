//! S3 over rest-xml: authenticate (SigV4 with S3's rules, aws-chunked bodies decoded and
//! their chunk signatures checked), parse the operation, authorize it against the caller's
//! policies, run it on the store, and answer with S3's headers, XML and error documents.

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::AwsError;
use crate::access::authenticate::{authenticate, AuthError, Signature};
use crate::access::{self, Request};
use crate::s3::{self, S3Operation};
use crate::sigv4::{self, PayloadHash, PayloadMode, Rules};
use crate::state::AppState;

/// Answers one S3 request.
pub async fn handle(
    state: &AppState,
    parts: Parts,
    signature: &Signature,
    body: Body,
    request_id: &str,
) -> Response {
    let head = parts.method == Method::HEAD;
    let resource = parts.uri.path().to_owned();
    match run(state, &parts, signature, body).await {
        Ok(response) => with_request_id(response, request_id),
        Err(error) => {
            tracing::info!(
                target: "irsa_local::refusal",
                request_id,
                method = %parts.method,
                path = %resource,
                code = error.code,
                reason = %error.reason,
            );
            error.s3_response(&resource, request_id, head)
        }
    }
}

async fn run(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: Body,
) -> Result<Response, AwsError> {
    let limit = usize::try_from(state.config().max_object_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let raw = axum::body::to_bytes(body, limit).await.map_err(|err| {
        AwsError::sender(
            "EntityTooLarge",
            StatusCode::BAD_REQUEST,
            "Your proposed upload exceeds the maximum allowed size",
        )
        .because(format!("cannot read the body: {err}"))
    })?;
    let payload = PayloadHash::of(&raw);
    let snapshot = state.current();
    let (caller, verified) = authenticate(
        snapshot.world(),
        state.credential_secret(),
        parts,
        signature,
        Rules::S3,
        payload,
        state.now(),
    )
    .map_err(AwsError::from_s3_auth)?;
    let body = match verified.payload_mode {
        PayloadMode::Hashed | PayloadMode::Unsigned => raw.to_vec(),
        _ => {
            let decoded_length =
                header(parts, "x-amz-decoded-content-length").and_then(|v| v.parse().ok());
            sigv4::decode_chunked(&raw, &verified, decoded_length)
                .map_err(|err| AwsError::from_s3_auth(AuthError::Signature(err)))?
        }
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let operation = s3::parse_operation(
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
    access::authorize(snapshot.world(), &caller, &request, state.now()).map_err(|denied| {
        AwsError::sender("AccessDenied", StatusCode::FORBIDDEN, "Access Denied")
            .because(format!("{} on {resource} denied: {denied}", request.action))
    })?;
    let response = s3::execute(state.s3(), &operation, &body, state.now())
        .map_err(|err| AwsError::from(&err))?;
    Ok(into_response(response))
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn into_response(response: s3::S3Response) -> Response {
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
