//! The Kubernetes API subset of the default cluster: read a ServiceAccount, and the
//! TokenRequest subresource that mints its tokens. Failures are Kubernetes `Status`
//! objects.

pub mod service_account;
pub mod status;
pub mod token_request;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};

use crate::state::AppState;
use crate::world::random_uuid;
use status::Status;
use token_request::TokenRequest;

/// Largest TokenRequest body accepted; real ones are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
            get(read_service_account),
        )
        .route(
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
            post(create_token),
        )
        .route("/api", any(no_route))
        .route("/api/{*rest}", any(no_route))
}

/// Any other path under `/api`: the Kubernetes API has no such resource.
async fn no_route() -> Response {
    Status::no_route().into_response()
}

async fn read_service_account(
    State(state): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    let snapshot = state.current();
    let cluster = snapshot.world().default_cluster();
    match service_account::read(cluster, &namespace, &name, state.started_at()) {
        Ok(object) => Json(object).into_response(),
        Err(status) => status.into_response(),
    }
}

async fn create_token(
    State(state): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let request = parse_body(&headers, read_body(body).await?)?;
        let snapshot = state.current();
        let cluster = snapshot.world().default_cluster();
        let keys = snapshot
            .keys_of(cluster)
            .ok_or_else(|| Status::internal("the cluster has no signing keys"))?;
        token_request::issue(
            cluster,
            keys,
            &namespace,
            &name,
            &request,
            state.now(),
            &random_uuid(),
        )
    };
    match result.await {
        Ok(response) => (StatusCode::CREATED, Json(response)).into_response(),
        Err(status) => status.into_response(),
    }
}

async fn read_body(body: Body) -> Result<Bytes, Status> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|err| {
            let over_limit = std::error::Error::source(&err)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if over_limit {
                Status::too_large(MAX_BODY_BYTES)
            } else {
                Status::bad_request(format!("cannot read the request body: {err}"))
            }
        })
}

/// An empty body is an empty TokenRequest (all defaults), so `curl -X POST` works.
fn parse_body(headers: &HeaderMap, body: Bytes) -> Result<TokenRequest, Status> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let content_type = content_type.to_str().unwrap_or("<not text>");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") && !body.is_empty() {
            return Err(Status::unsupported_media_type(content_type));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TokenRequest::default());
    }
    serde_json::from_slice(&body).map_err(|err| {
        Status::bad_request(format!(
            "couldn't decode the TokenRequest: json parse error: {err}"
        ))
    })
}
