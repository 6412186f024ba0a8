//! The OIDC issuer of each cluster: discovery documents and JWKS, in the shape EKS serves
//! them, plus the keys, minting and inspection they rest on.
//!
//! The issuer string in tokens is the cluster's EKS-shaped issuer, not this server's URL;
//! `jwks_uri` points back at this server, built from `--public-url` or the request's Host.

pub mod discovery;
pub mod inspect;
pub mod keyring;
pub mod keys;
pub mod mint;
pub mod verify;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;
use crate::store::Snapshot;
use crate::world::Cluster;
use discovery::Discovery;

const CACHE_CONTROL: &str = "public, max-age=3600";

/// Discovery and JWKS routes: the default cluster at the root, every cluster under
/// `/id/<issuer id>/`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(default_discovery))
        .route("/keys", get(default_jwks))
        .route("/openid/v1/jwks", get(default_jwks))
        .route(
            "/id/{id}/.well-known/openid-configuration",
            get(cluster_discovery),
        )
        .route("/id/{id}/keys", get(cluster_jwks))
}

async fn default_discovery(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let snapshot = state.current();
    let cluster = snapshot.world().default_cluster();
    discovery_response(cluster, format!("{}/keys", base_url(&state, &headers)))
}

async fn cluster_discovery(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let snapshot = state.current();
    match snapshot.world().cluster_by_path_id(&id) {
        Some(cluster) => discovery_response(
            cluster,
            format!("{}/id/{id}/keys", base_url(&state, &headers)),
        ),
        None => unknown_issuer(&id),
    }
}

async fn default_jwks(State(state): State<AppState>) -> Response {
    let snapshot = state.current();
    jwks_response(&snapshot, snapshot.world().default_cluster())
}

async fn cluster_jwks(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let snapshot = state.current();
    match snapshot.world().cluster_by_path_id(&id) {
        Some(cluster) => jwks_response(&snapshot, cluster),
        None => unknown_issuer(&id),
    }
}

fn discovery_response(cluster: &Cluster, jwks_uri: String) -> Response {
    let document = Discovery::new(cluster.oidc_issuer.as_str(), jwks_uri);
    match serde_json::to_string(&document) {
        Ok(body) => cacheable_json(body, "application/json"),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

fn jwks_response(snapshot: &Snapshot, cluster: &Cluster) -> Response {
    match snapshot.keys_of(cluster) {
        Some(keys) => cacheable_json(keys.jwks_json().to_owned(), "application/jwk-set+json"),
        None => unknown_issuer(cluster.name.as_str()),
    }
}

/// A JSON body with the headers kube-apiserver sends for its discovery endpoints.
fn cacheable_json(body: String, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        body,
    )
        .into_response()
}

fn unknown_issuer(id: &str) -> Response {
    let body = serde_json::json!({ "message": format!("no cluster issuer with id {id:?}") });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// `--public-url`, or `http://<Host>` of this request. A Host with characters that do
/// not belong in an authority falls back to the loopback default rather than being
/// echoed into a document.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = state.public_url() {
        return url.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value: &HeaderValue| value.to_str().ok())
        .filter(|host| is_authority(host))
        .unwrap_or(crate::config::DEFAULT_LISTEN);
    format!("http://{host}")
}

fn is_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}
