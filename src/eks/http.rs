//! EKS's HTTP edge (rest-json): the route and body become a typed [`EksAction`], which is
//! authenticated, authorized, run (writes through the store) and answered as JSON;
//! errors carry their code in `x-amzn-ErrorType`, as botocore reads it.

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::EksAction;
use crate::access::authenticate::{Service, Signature};
use crate::access::denied::ResourceName;
use crate::access::error::json_error;
use crate::access::http::{update_error, Gate};
use crate::access::Request;
use crate::protocol::body::{self, BodyError};
use crate::protocol::error::AwsError;
use crate::sigv4::PayloadHash;
use crate::state::AppState;

/// Largest EKS request body read.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Answers one EKS request.
pub async fn handle(state: &AppState, parts: Parts, signature: &Signature, body: Body) -> Response {
    match run(state, &parts, signature, body).await {
        Ok(json) => (
            [(header::CONTENT_TYPE, "application/json")],
            json.to_string(),
        )
            .into_response(),
        Err(error) => error.json_response(),
    }
}

async fn run(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: Body,
) -> Result<serde_json::Value, AwsError> {
    let body = read_body(body).await?;
    let gate = Gate::new(state);
    let (caller, _) = gate
        .authenticate(parts, signature, Service::Eks, PayloadHash::of(&body))
        .map_err(json_error)?;
    // Cluster names are [0-9A-Za-z][A-Za-z0-9-_]*: nothing in them is percent-encoded.
    let action = EksAction::from_request(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        &body,
    )?;
    let (permission, resource) = action.permission(gate.world());
    let request = Request {
        action: permission,
        resource: &resource,
        service_keys: Vec::new(),
    };
    gate.authorize(&caller, &request).map_err(|denied| {
        denied.refusal(
            "AccessDeniedException",
            StatusCode::FORBIDDEN,
            &caller.arn(),
            permission,
            ResourceName::Bare(&resource),
        )
    })?;
    match action {
        EksAction::Read(read) => Ok(super::execute(gate.world(), &read, state.started_at())?),
        EksAction::Write(write) => {
            let now = gate.now();
            state
                .update(move |world| super::apply(world, &write, now))
                .await
                .map_err(|err| update_error(err, "ServerException"))
        }
    }
}

/// Reads a rest-json request body (EKS's and EKS Auth's), refusing one that is too large,
/// too slow or broken with the codes EKS gives.
pub(crate) async fn read_body(body: Body) -> Result<axum::body::Bytes, AwsError> {
    body::read(body, MAX_BODY_BYTES)
        .await
        .map_err(|err| match err {
            BodyError::TimedOut => AwsError::sender(
                "RequestTimeoutException",
                StatusCode::REQUEST_TIMEOUT,
                body::TIMEOUT_MESSAGE,
            ),
            BodyError::TooLarge { limit } => AwsError::sender(
                "InvalidRequestException",
                StatusCode::BAD_REQUEST,
                format!("Request body must be at most {limit} bytes"),
            ),
            BodyError::Broken(cause) => AwsError::sender(
                "InvalidRequestException",
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {cause}"),
            ),
        })
}
