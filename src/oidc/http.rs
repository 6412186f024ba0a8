//! The issuer's HTTP edge: discovery documents and JWKS, with the headers kube-apiserver
//! sends for them. Generic over the server state through [`IssuerSource`].

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::discovery::Discovery;
use super::keyring::Keyring;
use crate::world::{Cluster, World};

const CACHE_CONTROL: &str = "public, max-age=3600";

/// What the issuer's routes read from the server's state; the state implements it, so
/// this module need not know the state (which holds the keys this module makes).
pub trait IssuerSource: Clone + Send + Sync + 'static {
    /// Calls `read` with the current world and keyring, one consistent pair.
    fn read_issuers<R>(&self, read: impl FnOnce(&World, &Keyring) -> R) -> R;
    /// `--public-url`, if given.
    fn public_url(&self) -> Option<&str>;
}

/// Discovery and JWKS routes: the default cluster at the root, every cluster under
/// `/id/<issuer id>/`.
pub fn routes<S: IssuerSource>() -> Router<S> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(default_discovery::<S>),
        )
        .route("/keys", get(default_jwks::<S>))
        .route("/openid/v1/jwks", get(default_jwks::<S>))
        .route(
            "/id/{id}/.well-known/openid-configuration",
            get(cluster_discovery::<S>),
        )
        .route("/id/{id}/keys", get(cluster_jwks::<S>))
}

async fn default_discovery<S: IssuerSource>(
    State(state): State<S>,
    headers: HeaderMap,
) -> Response {
    let base = BaseUrl::of(&state, &headers);
    state.read_issuers(|world, _| discovery_response(world.default_cluster(), &base, "/keys"))
}

async fn cluster_discovery<S: IssuerSource>(
    State(state): State<S>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let base = BaseUrl::of(&state, &headers);
    state.read_issuers(|world, _| match world.cluster_by_path_id(&id) {
        Some(cluster) => discovery_response(cluster, &base, &format!("/id/{id}/keys")),
        None => unknown_issuer(&id),
    })
}

async fn default_jwks<S: IssuerSource>(State(state): State<S>) -> Response {
    state.read_issuers(|world, keyring| jwks_response(keyring, world.default_cluster()))
}

async fn cluster_jwks<S: IssuerSource>(State(state): State<S>, Path(id): Path<String>) -> Response {
    state.read_issuers(|world, keyring| match world.cluster_by_path_id(&id) {
        Some(cluster) => jwks_response(keyring, cluster),
        None => unknown_issuer(&id),
    })
}

/// The discovery document of `cluster`, its `jwks_uri` at `path` under `base`. A
/// document built from the request's Host says so in `Vary`, so that no cache serves one
/// Host's document for another.
fn discovery_response(cluster: &Cluster, base: &BaseUrl, path: &str) -> Response {
    let document = Discovery::new(cluster.oidc_issuer.as_str(), format!("{}{path}", base.url));
    let mut response = match serde_json::to_string(&document) {
        Ok(body) => cacheable_json(body, "application/json"),
        Err(err) => return (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    };
    if base.from_host {
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Host"));
    }
    response
}

fn jwks_response(keyring: &Keyring, cluster: &Cluster) -> Response {
    match keyring.cluster(cluster.name.as_str()) {
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

/// The URL this server is reached at: `--public-url`, or `http://<Host>` of this request.
struct BaseUrl {
    url: String,
    from_host: bool,
}

impl BaseUrl {
    /// A Host with characters that do not belong in an authority falls back to the
    /// loopback default rather than being echoed into a document.
    fn of<S: IssuerSource>(state: &S, headers: &HeaderMap) -> Self {
        if let Some(url) = state.public_url() {
            return Self {
                url: url.to_owned(),
                from_host: false,
            };
        }
        let host = headers
            .get(header::HOST)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .filter(|host| is_authority(host))
            .unwrap_or(crate::config::DEFAULT_LISTEN);
        Self {
            url: format!("http://{host}"),
            from_host: true,
        }
    }
}

fn is_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}
