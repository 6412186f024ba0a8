//! The one router: OIDC and Kubernetes paths by path, a health check, and the request log
//! with a request id on every response.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::k8s::status::Status;
use crate::state::AppState;
use crate::world::random_uuid;
use crate::{k8s, oidc, protocol};

/// The id of one request, echoed as `x-amzn-RequestId` and in the request log.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Every route of the server over `state`.
pub fn build(state: AppState) -> Router {
    Router::new()
        .route("/_irsa/health", get(health))
        .merge(oidc::routes())
        .merge(k8s::routes())
        .fallback(protocol::dispatch)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(request_log))
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn method_not_allowed() -> Response {
    Status::method_not_allowed().into_response()
}

/// One log line per request: method, path, status, latency and request id.
async fn request_log(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = random_uuid();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    tracing::info!(
        target: "irsa_local::request",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        request_id = %request_id,
    );
    response
}
