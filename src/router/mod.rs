//! The front door: every request passes one classifier (`classify`) before any route.
//! An AWS call goes to its service's edge whatever its path; only what is not an AWS
//! call reaches irsa-local's own routes (OIDC, Kubernetes, webhook, health), and what no
//! route takes is an unsigned S3 request. Before that, the Host is checked (`hosts`):
//! it must be present, and on a loopback listener it must be a loopback name.
//!
//! Around it: a request id on every request (an extension the edges read) and response
//! (`x-amzn-RequestId`, or S3's `x-amz-request-id` alone on an S3 answer; one a client
//! sends is not used), and one log line per request in
//! a span that carries the id, with the refusal's code and reason when the answer is a
//! refusal. (tower-http's request-id layers did this at a measured 15–20% of the
//! throughput of the cheapest endpoints; the id is one line here.)

mod busy;
mod classify;
mod hosts;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tracing::Instrument;

use classify::{classify, ScopeService, Target};
use hosts::{HostPolicy, HostRefusal};

use crate::access::authenticate::Signature;
use crate::k8s::status::Status;
use crate::protocol::body::{self, BodyError};
use crate::protocol::error::{AwsError, Refusal};
use crate::protocol::query::{QueryRequest, MAX_QUERY_BODY_BYTES};
use crate::protocol::RequestId;
use crate::s3::S3Store;
use crate::server::AtCapacity;
use crate::state::AppState;
use crate::world::random_uuid;
use crate::{eks, eks_auth, iam, k8s, kubelet, oidc, s3, sigv4, sts};

/// The header that carries the request id, on requests (set here) and responses.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const S3_REQUEST_ID: HeaderName = HeaderName::from_static("x-amz-request-id");

/// What the front door holds: the services' shared state, S3's object store, and the
/// Host policy.
#[derive(Debug)]
struct FrontDoor {
    state: AppState,
    s3: Arc<S3Store>,
    hosts: HostPolicy,
}

/// Every route of the server over `state`, with S3 objects in `s3`.
pub fn build(state: AppState, s3: Arc<S3Store>, node: Option<kubelet::Node>) -> Router {
    let hosts = HostPolicy::from_config(state.config());
    // Shared, not cloned per request: the door is read by every request.
    let door = Arc::new(FrontDoor {
        state: state.clone(),
        s3,
        hosts,
    });
    let own = Router::new()
        .route(busy::HEALTH_PATH, get(health))
        .merge(oidc::http::routes())
        .merge(oidc::defect::http::routes(
            state.config().kube_token.clone(),
            AppState::now,
        ))
        .merge(eks_auth::agent::routes())
        .merge(k8s::routes(&state, kubelet::http::routes(node)))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    let unsigned_s3 = Arc::clone(&door);
    own.fallback(move |request: Request| unsigned(Arc::clone(&unsigned_s3), request))
        .layer(middleware::from_fn_with_state(door, front_door))
}

/// Gives the request its id and its span, routes it, and writes the request log's line.
async fn front_door(
    State(door): State<Arc<FrontDoor>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = random_uuid();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    );
    let header = HeaderValue::from_str(&id).ok();
    request.extensions_mut().insert(RequestId(id));
    let mut response = route(&door, request, next).instrument(span.clone()).await;
    // S3 names the id `x-amz-request-id` (its edge sets that) and sends no
    // `x-amzn-RequestId`; botocore reads S3's `HostId` only when the latter is absent.
    if let (Some(header), false) = (header, response.headers().contains_key(S3_REQUEST_ID)) {
        response.headers_mut().insert(REQUEST_ID, header);
    }
    span.in_scope(|| log_response(&response, started.elapsed()));
    response
}

/// Classifies the request, checks its Host, and sends an AWS call to its service; lets
/// anything else through to the own routes.
async fn route(door: &FrontDoor, request: Request, next: Next) -> Response {
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
    if parts.extensions.get::<AtCapacity>().is_some() && !busy::is_served(&parts) {
        return busy::refuse(&target, &parts);
    }
    // Each service's future is boxed, so this one stays small for the own routes.
    match target {
        Target::Query => Box::pin(query_call(&door.state, parts, &signature, body)).await,
        Target::Signed(ScopeService::Eks) => {
            Box::pin(eks::http::handle(&door.state, parts, &signature, body)).await
        }
        Target::Signed(ScopeService::EksAuth) => {
            Box::pin(eks_auth::http::handle(&door.state, parts, &signature, body)).await
        }
        Target::Signed(ScopeService::S3) => {
            Box::pin(s3::http::handle(
                &door.state,
                &door.s3,
                parts,
                &signature,
                body,
            ))
            .await
        }
        Target::Own => next.run(Request::from_parts(parts, body)).await,
    }
}

/// What no own route took: an unsigned S3 request, refused as S3 refuses anonymous
/// callers (after its own checks of the request).
async fn unsigned(door: Arc<FrontDoor>, request: Request) -> Response {
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
    if err == BodyError::TimedOut {
        return AwsError::sender(
            "RequestTimeout",
            StatusCode::BAD_REQUEST,
            body::TIMEOUT_MESSAGE,
        )
        .because(reason);
    }
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
        Target::Signed(ScopeService::Eks | ScopeService::EksAuth) => {
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

/// The request log's line, in the request's span; a refusal adds its code and reason.
fn log_response(response: &Response, latency: Duration) {
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
