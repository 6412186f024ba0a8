//! The front door: every request passes one classifier ([`classify`]) before any route.
//! An AWS call goes to its service's edge whatever its path; only what is not an AWS
//! call reaches irsa-local's own routes (OIDC, Kubernetes, webhook, health), and what no
//! route takes is an unsigned S3 request. Before that, the Host is checked ([`hosts`]):
//! it must be present, and on a loopback listener it must be a loopback name.
//!
//! Around it: a request id on every request and response (`x-amzn-RequestId`), and one
//! log line per request in a span that carries the id, with the refusal's code and
//! reason when the answer is a refusal.

mod classify;
mod hosts;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use classify::{classify, ScopeService, Target};
use hosts::{HostPolicy, HostRefusal};

use crate::access::authenticate::Signature;
use crate::k8s::status::Status;
use crate::protocol::body::{self, BodyError};
use crate::protocol::error::{AwsError, Refusal};
use crate::protocol::query::{QueryRequest, MAX_QUERY_BODY_BYTES};
use crate::s3::S3Store;
use crate::state::AppState;
use crate::world::random_uuid;
use crate::{eks, iam, k8s, oidc, s3, sigv4, sts};

/// The header that carries the request id, on requests (set here) and responses.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");

/// What the front door holds: the services' shared state, S3's object store, and the
/// Host policy.
#[derive(Debug, Clone)]
struct FrontDoor {
    state: AppState,
    s3: Arc<S3Store>,
    hosts: HostPolicy,
}

/// Every route of the server over `state`, with S3 objects in `s3`.
pub fn build(state: AppState, s3: Arc<S3Store>) -> Router {
    let hosts = HostPolicy::from_config(state.config());
    let door = FrontDoor {
        state: state.clone(),
        s3,
        hosts,
    };
    let own = Router::new()
        .route("/_irsa/health", get(health))
        .merge(oidc::http::routes())
        .merge(k8s::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    let unsigned_s3 = door.clone();
    own.fallback(move |request: Request| unsigned(unsigned_s3.clone(), request))
        .layer(middleware::from_fn_with_state(door, front_door))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                    )
                })
                .on_request(())
                .on_response(log_response)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, NewRequestId))
        .layer(middleware::map_request(forget_client_request_id))
}

/// Classifies the request, checks its Host, and sends an AWS call to its service; lets
/// anything else through to the own routes.
async fn front_door(State(door): State<FrontDoor>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let signature = sigv4::parse(&parts);
    let scope_service = match &signature {
        Ok(Some(auth)) => Some(auth.scope.service.as_str()),
        _ => None,
    };
    let target = classify(
        &parts.method,
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
        scope_service,
    );
    if let Err(refusal) = door.hosts.check(&parts) {
        return refuse_host(&target, &parts, &refusal);
    }
    match target {
        Target::Query => query_call(&door.state, parts, &signature, body).await,
        Target::Signed(ScopeService::Eks) => {
            eks::http::handle(&door.state, parts, &signature, body).await
        }
        Target::Signed(ScopeService::S3) => {
            s3::http::handle(&door.state, &door.s3, parts, &signature, body).await
        }
        Target::Own => next.run(Request::from_parts(parts, body)).await,
    }
}

/// What no own route took: an unsigned S3 request, refused as S3 refuses anonymous
/// callers (after its own checks of the request).
async fn unsigned(door: FrontDoor, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let signature: Signature = Ok(None);
    s3::http::handle(&door.state, &door.s3, parts, &signature, body).await
}

/// A query-protocol call: parameters from the URL and a form body, then STS or IAM by
/// `Version` (STS when it has none). Failures before the service is known answer in
/// STS's namespace.
async fn query_call(state: &AppState, parts: Parts, signature: &Signature, body: Body) -> Response {
    let request_id = crate::protocol::request_id(&parts.extensions);
    let refuse = |error: AwsError| error.query_response(sts::NAMESPACE, request_id);
    let body = if parts.method == Method::POST {
        match body::read(body, MAX_QUERY_BODY_BYTES).await {
            Ok(body) => body,
            Err(err) => return refuse(query_body_error(err)),
        }
    } else {
        Default::default()
    };
    let form = Some(body.as_ref()).filter(|_| declares_form_or_nothing(&parts));
    let query = match QueryRequest::parse(parts.uri.query(), form) {
        Ok(query) => query,
        Err(err) => return refuse(err.into()),
    };
    match query.version.as_deref() {
        None | Some(sts::VERSION) => sts::http::handle(state, &parts, signature, &body, &query),
        Some(iam::VERSION) => iam::http::handle(state, &parts, signature, &body, &query).await,
        Some(version) => refuse(AwsError::sender(
            "InvalidAction",
            StatusCode::BAD_REQUEST,
            format!(
                "Could not find operation {} for version {version}",
                query.action
            ),
        )),
    }
}

fn query_body_error(err: BodyError) -> AwsError {
    let reason = err.to_string();
    AwsError::sender(
        "RequestEntityTooLarge",
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body must be at most {MAX_QUERY_BODY_BYTES} bytes"),
    )
    .because(reason)
}

/// Whether the body is a form: a declared one, or one that declares no type.
fn declares_form_or_nothing(parts: &Parts) -> bool {
    parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// A Host refusal in the words of the protocol the request speaks.
fn refuse_host(target: &Target, parts: &Parts, refusal: &HostRefusal) -> Response {
    let (code, status) = match refusal {
        HostRefusal::Missing | HostRefusal::Conflicting { .. } => {
            ("InvalidRequest", StatusCode::BAD_REQUEST)
        }
        HostRefusal::NotAllowed { .. } => ("AccessDenied", StatusCode::FORBIDDEN),
    };
    let error = AwsError::sender(code, status, refusal.to_string());
    let request_id = crate::protocol::request_id(&parts.extensions);
    match target {
        Target::Query => error.query_response(sts::NAMESPACE, request_id),
        Target::Signed(ScopeService::Eks) => {
            let mut error = error;
            if error.code == "AccessDenied" {
                error.code = "AccessDeniedException";
            }
            error.json_response()
        }
        Target::Signed(ScopeService::S3) => {
            error.s3_response(parts.uri.path(), request_id, parts.method == Method::HEAD)
        }
        Target::Own => {
            let mut response = (status, format!("{refusal}\n")).into_response();
            response.extensions_mut().insert(Refusal {
                code,
                reason: refusal.to_string(),
            });
            response
        }
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn method_not_allowed() -> Response {
    Status::method_not_allowed().into_response()
}

/// Request ids are the server's own: one a client sent is dropped, not echoed.
async fn forget_client_request_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID);
    request
}

/// A new random request id.
#[derive(Debug, Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&random_uuid())
            .ok()
            .map(RequestId::new)
    }
}

/// The request log's line, in the request's span; a refusal adds its code and reason.
fn log_response(response: &Response, latency: Duration, _span: &tracing::Span) {
    let status = response.status().as_u16();
    let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    match response.extensions().get::<Refusal>() {
        Some(refusal) => tracing::info!(
            target: "irsa_local::request",
            status,
            latency_us,
            code = refusal.code,
            reason = %refusal.reason,
        ),
        None => tracing::info!(target: "irsa_local::request", status, latency_us),
    }
}
