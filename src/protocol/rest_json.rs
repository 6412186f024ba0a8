//! EKS over rest-json: authenticate, route, authorize, answer JSON; errors carry their
//! code in `x-amzn-ErrorType` as botocore reads it.

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::AwsError;
use crate::access;
use crate::access::authenticate::{authenticate, Signature};
use crate::eks::{self, EksAction};
use crate::sigv4::{PayloadHash, Rules};
use crate::state::AppState;

/// Largest EKS request body read.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Answers one EKS request.
pub async fn handle(
    state: &AppState,
    parts: Parts,
    signature: &Signature,
    body: Body,
    request_id: &str,
) -> Response {
    let mut response = match run(state, &parts, signature, body).await {
        Ok(json) => (
            [(header::CONTENT_TYPE, "application/json")],
            json.to_string(),
        )
            .into_response(),
        Err(error) => {
            tracing::info!(
                target: "irsa_local::refusal",
                request_id,
                path = %parts.uri.path(),
                code = error.code,
                reason = %error.reason,
            );
            error.json_response()
        }
    };
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

async fn run(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: Body,
) -> Result<serde_json::Value, AwsError> {
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|err| {
            AwsError::sender(
                "InvalidRequestException",
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {err}"),
            )
        })?;
    let now = state.now();
    let snapshot = state.current();
    let world = snapshot.world();
    let (caller, _) = authenticate(
        world,
        state.credential_secret(),
        parts,
        signature,
        Rules::Standard,
        PayloadHash::of(&body),
        now,
    )
    .map_err(AwsError::from_json_auth)?;
    // Cluster names are [0-9A-Za-z][A-Za-z0-9-_]*: nothing in them is percent-encoded.
    let action = EksAction::from_request(parts.method.as_str(), parts.uri.path(), &body)?;
    let (permission, resource) = action.permission(world);
    let request = access::Request {
        action: permission,
        resource: &resource,
        service_keys: Vec::new(),
    };
    access::authorize(world, &caller, &request, now).map_err(|denied| {
        AwsError::sender(
            "AccessDeniedException",
            StatusCode::FORBIDDEN,
            format!(
                "User: {} is not authorized to perform: {permission} on resource: {resource}",
                caller.arn()
            ),
        )
        .because(denied.to_string())
    })?;
    if !action.is_write() {
        return Ok(eks::execute(world, &action, state.started_at())?);
    }
    let deleted = match &action {
        EksAction::DeleteCluster { name } => Some(name.clone()),
        _ => None,
    };
    let output = state
        .update(move |world| eks::apply(world, &action, now))
        .await
        .map_err(|err| AwsError::from_update(err, "ServerException"))?;
    if let Some(name) = deleted {
        // The cluster's generated keys go with it, so a new cluster of the same name
        // starts with new keys. Best effort: the deletion itself is saved already.
        let _ =
            std::fs::remove_dir_all(crate::oidc::keys::key_dir(&state.config().data_dir, &name));
    }
    Ok(output)
}
