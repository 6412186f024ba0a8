//! EKS Auth's HTTP edge (rest-json, signing name `eks-auth`):
//! `POST /clusters/{clusterName}/assume-role-for-pod-identity` with `{"token": …}`,
//! authenticated and authorized (`eks-auth:AssumeRoleForPodIdentity` on the cluster) like
//! every AWS call, answered as JSON; errors name their code in `x-amzn-ErrorType`.

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{assume_role_for_pod_identity, EksAuthError, Services};
use crate::access::authenticate::{Service, Signature};
use crate::access::denied::ResourceName;
use crate::access::error::json_error;
use crate::access::http::Gate;
use crate::access::Request;
use crate::protocol::error::AwsError;
use crate::sigv4::PayloadHash;
use crate::state::AppState;

const ACTION: &str = "eks-auth:AssumeRoleForPodIdentity";

/// The body: the token, and what the agent adds about the node (not modelled).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    token: Option<String>,
}

/// Answers one EKS Auth request.
pub async fn handle(state: &AppState, parts: Parts, signature: &Signature, body: Body) -> Response {
    match run(state, &parts, signature, body).await {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(error) => error.json_response(),
    }
}

async fn run(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: Body,
) -> Result<String, AwsError> {
    let body = crate::eks::http::read_body(body).await?;
    let gate = Gate::new(state);
    let (caller, _) = gate
        .authenticate(parts, signature, Service::EksAuth, PayloadHash::of(&body))
        .map_err(json_error)?;
    let cluster = route(parts.method.as_str(), parts.uri.path())?;
    let world = gate.world();
    let resource = format!(
        "arn:aws:eks:{}:{}:cluster/{cluster}",
        world.account.region, world.account.id
    );
    let request = Request {
        action: ACTION,
        resource: &resource,
        service_keys: Vec::new(),
    };
    gate.authorize(&caller, &request).map_err(|denied| {
        denied.refusal(
            "AccessDeniedException",
            StatusCode::BAD_REQUEST,
            &caller.arn(),
            ACTION,
            ResourceName::Bare(&resource),
        )
    })?;
    let input: Input = serde_json::from_slice(&body).map_err(|err| {
        EksAuthError::InvalidParameter(format!(
            "The request body is not a valid AssumeRoleForPodIdentity request: {err}"
        ))
    })?;
    let token = input
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| EksAuthError::InvalidParameter("token is required".to_owned()))?;
    let keys = gate
        .snapshot()
        .keyring()
        .cluster(cluster)
        .map(|set| set.verification_keys())
        .unwrap_or_default();
    let services = Services {
        world,
        keys,
        secret: state.credential_secret(),
        now: gate.now(),
    };
    let output = assume_role_for_pod_identity(cluster, &token, &services)?;
    serde_json::to_string(&output).map_err(|err| EksAuthError::Internal(err.to_string()).into())
}

/// The cluster name of EKS Auth's one route.
fn route<'p>(method: &str, path: &'p str) -> Result<&'p str, EksAuthError> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match (method, segments.as_slice()) {
        ("POST", ["clusters", cluster, "assume-role-for-pod-identity"]) => Ok(cluster),
        _ => Err(EksAuthError::InvalidRequest(format!(
            "irsa-local's EKS Auth does not serve {method} {path}"
        ))),
    }
}
