//! IAM's HTTP edge: a decoded query-protocol call becomes a typed [`IamAction`], is
//! authenticated and authorized (every IAM action is signed and checked against the
//! caller's policies), runs — reads on one snapshot, writes through the store, which
//! saves before it answers — and is answered in the query envelope.

use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;

use super::{IamAction, NAMESPACE};
use crate::access::authenticate::{Service, Signature};
use crate::access::denied::ResourceName;
use crate::access::error::query_error;
use crate::access::http::{update_error, Gate};
use crate::access::Request;
use crate::protocol::error::AwsError;
use crate::protocol::query::{self, QueryRequest};
use crate::sigv4::PayloadHash;
use crate::state::AppState;

/// Answers one IAM call whose parameters are `query` and whose body was `body`.
pub async fn handle(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: &[u8],
    query: &QueryRequest,
) -> Response {
    let request_id = crate::protocol::request_id(&parts.extensions);
    match run(state, parts, signature, body, query).await {
        Ok((action, output)) => query::xml_response(action, NAMESPACE, output.as_ref(), request_id),
        Err(error) => error.query_response(NAMESPACE, request_id),
    }
}

async fn run(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: &[u8],
    query: &QueryRequest,
) -> Result<(&'static str, Option<super::Output>), AwsError> {
    let action = IamAction::from_query(query)?;
    let gate = Gate::new(state);
    let (caller, _) = gate
        .authenticate(parts, signature, Service::Iam, PayloadHash::of(body))
        .map_err(query_error)?;
    let (permission, resource) = action.permission(gate.world());
    let request = Request {
        action: &permission,
        resource: &resource,
        service_keys: Vec::new(),
    };
    gate.authorize(&caller, &request).map_err(|denied| {
        denied.refusal(
            "AccessDenied",
            StatusCode::FORBIDDEN,
            &caller.arn(),
            &permission,
            ResourceName::Bare(&action.denied_resource(&resource)),
        )
    })?;
    let name = action.name();
    match action {
        IamAction::Read(read) => {
            let output = super::execute(gate.world(), &read, state.started_at())?;
            Ok((name, Some(output)))
        }
        IamAction::Write(write) => {
            let now = gate.now();
            let output = state
                .update(move |world| super::apply(world, &write, now))
                .await
                .map_err(|err| update_error(err, "ServiceFailure"))?;
            Ok((name, output))
        }
    }
}
