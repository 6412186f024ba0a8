//! AWS wire protocols on the one port. [`dispatch`] classifies every request that no
//! OIDC or Kubernetes route took: by the service in its SigV4 credential scope (`sts`,
//! `iam` → query protocol; `s3` → rest-xml), and for unsigned requests by shape (`/` with
//! an `Action` → query protocol, anything else → S3, which refuses anonymous callers).
//! `error` is the one place a domain error becomes an AWS error body.

pub mod error;
pub mod query;
pub mod rest_json;
pub mod rest_xml;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::Response;

use crate::access;
use crate::access::authenticate::{authenticate, Signature};
use crate::iam;
use crate::router::RequestId;
use crate::sigv4::{self, PayloadHash, Rules};
use crate::state::AppState;
use crate::sts::{self, StsAction};
use error::AwsError;
use query::QueryRequest;

/// Largest query-protocol body accepted (a 20,000-character token and a 2,048-character
/// session policy, URL-encoded, fit many times over).
pub const MAX_QUERY_BODY_BYTES: usize = 256 * 1024;

/// Which wire protocol a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Query,
    S3,
    RestJson,
}

/// Every request no other route took.
pub async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map_or_else(String::new, |id| id.0.clone());
    let (parts, body) = request.into_parts();
    let signature = sigv4::parse(&parts);
    match classify(&parts, &signature) {
        Protocol::Query => query_protocol(&state, parts, &signature, body, &request_id).await,
        Protocol::S3 => rest_xml::handle(&state, parts, &signature, body, &request_id).await,
        Protocol::RestJson => rest_json::handle(&state, parts, &signature, body, &request_id).await,
    }
}

fn classify(parts: &Parts, signature: &Signature) -> Protocol {
    // A malformed signature names no service: judge by shape, and let that protocol report it.
    if let Ok(Some(auth)) = signature {
        return match auth.scope.service.as_str() {
            "s3" => Protocol::S3,
            "eks" => Protocol::RestJson,
            _ => Protocol::Query,
        };
    }
    let has_action = parts.uri.query().is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == "Action")
    });
    let is_form_post = parts.method == Method::POST && is_form(parts);
    if parts.uri.path() == "/" && (has_action || is_form_post) {
        Protocol::Query
    } else {
        Protocol::S3
    }
}

fn is_form(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| {
            value
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The query protocol: parameters from the URL and a form body, then STS or IAM by
/// `Version`. AssumeRoleWithWebIdentity is answered before any signature check and
/// ignores any Authorization header, as botocore sends it unsigned.
async fn query_protocol(
    state: &AppState,
    parts: Parts,
    signature: &Signature,
    body: Body,
    request_id: &str,
) -> Response {
    let body = if parts.method == Method::POST {
        match read_body(body).await {
            Ok(body) => body,
            Err(error) => return refuse(error, sts::NAMESPACE, request_id, "-"),
        }
    } else {
        Bytes::new()
    };
    let form = Some(body.as_ref()).filter(|_| is_form(&parts));
    let query = match QueryRequest::parse(parts.uri.query(), form) {
        Ok(query) => query,
        Err(err) => return refuse(err.into(), sts::NAMESPACE, request_id, "-"),
    };
    let namespace = match query.version.as_deref() {
        Some(iam::VERSION) => iam::NAMESPACE,
        _ => sts::NAMESPACE,
    };
    match query.version.as_deref() {
        None | Some(sts::VERSION) => {
            let action = match StsAction::from_query(&query) {
                Ok(action) => action,
                Err(err) => return refuse(err.into(), sts::NAMESPACE, request_id, &query.action),
            };
            let caller = if action.requires_signature() {
                let payload = PayloadHash::of(&body);
                let now = state.now();
                match authenticate(
                    state.current().world(),
                    state.credential_secret(),
                    &parts,
                    signature,
                    Rules::Standard,
                    payload,
                    now,
                ) {
                    Ok((caller, _)) => Some(caller),
                    Err(err) => {
                        return refuse(
                            AwsError::from_query_auth(err),
                            sts::NAMESPACE,
                            request_id,
                            &query.action,
                        )
                    }
                }
            } else {
                None
            };
            sts::execute(state, action, caller.as_ref(), request_id)
                .unwrap_or_else(|err| refuse(err.into(), sts::NAMESPACE, request_id, &query.action))
        }
        Some(iam::VERSION) => iam_query(state, &parts, signature, &body, &query, request_id).await,
        Some(version) => refuse(
            AwsError::sender(
                "InvalidAction",
                StatusCode::BAD_REQUEST,
                format!(
                    "Could not find operation {} for version {version}",
                    query.action
                ),
            ),
            namespace,
            request_id,
            &query.action,
        ),
    }
}

/// IAM: every action is signed and checked against the caller's policies. Reads run on
/// one snapshot; writes go through `AppState::update`, which saves before it returns.
async fn iam_query(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: &[u8],
    query: &QueryRequest,
    request_id: &str,
) -> Response {
    let refuse_iam = |error: AwsError| refuse(error, iam::NAMESPACE, request_id, &query.action);
    let action = match iam::IamAction::from_query(query) {
        Ok(action) => action,
        Err(err) => return refuse_iam(err.into()),
    };
    let now = state.now();
    let snapshot = state.current();
    let world = snapshot.world();
    let caller = match authenticate(
        world,
        state.credential_secret(),
        parts,
        signature,
        Rules::Standard,
        PayloadHash::of(body),
        now,
    ) {
        Ok((caller, _)) => caller,
        Err(err) => return refuse_iam(AwsError::from_query_auth(err)),
    };
    let (permission, resource) = action.permission(world);
    let request = access::Request {
        action: &permission,
        resource: &resource,
        service_keys: Vec::new(),
    };
    if let Err(denied) = access::authorize(world, &caller, &request, now) {
        return refuse_iam(
            AwsError::sender(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!(
                    "User: {} is not authorized to perform: {permission} on resource: {resource}",
                    caller.arn()
                ),
            )
            .because(denied.to_string()),
        );
    }
    if action.is_write() {
        let name = action.name();
        return match state
            .update(move |world| iam::apply(world, &action, now))
            .await
        {
            Ok(output) => query::xml_response(name, iam::NAMESPACE, output.as_ref(), request_id),
            Err(err) => refuse_iam(AwsError::from_update(err, "ServiceFailure")),
        };
    }
    match iam::execute(world, &action, state.started_at()) {
        Ok(output) => {
            query::xml_response(action.name(), iam::NAMESPACE, output.as_ref(), request_id)
        }
        Err(err) => refuse_iam(err.into()),
    }
}

/// Logs a refusal with its reason and answers it in the query protocol's envelope.
fn refuse(error: AwsError, namespace: &str, request_id: &str, action: &str) -> Response {
    tracing::info!(
        target: "irsa_local::refusal",
        request_id,
        action,
        code = error.code,
        reason = %error.reason,
    );
    error.query_response(namespace, request_id)
}

async fn read_body(body: Body) -> Result<Bytes, AwsError> {
    axum::body::to_bytes(body, MAX_QUERY_BODY_BYTES)
        .await
        .map_err(|err| {
            AwsError::sender(
                "RequestEntityTooLarge",
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body must be at most {MAX_QUERY_BODY_BYTES} bytes"),
            )
            .because(format!("cannot read the body: {err}"))
        })
}
