//! STS's HTTP edge: a decoded query-protocol call becomes a typed [`StsAction`], is
//! authenticated where the action needs it, runs, and is answered in the query envelope.
//! AssumeRoleWithWebIdentity is answered before any signature check and ignores any
//! Authorization header, as botocore sends it unsigned.

use axum::http::request::Parts;
use axum::response::Response;

use super::{assume_role_with_web_identity, get_caller_identity, StsAction, NAMESPACE};
use crate::access::authenticate::{Service, Signature};
use crate::access::error::query_error;
use crate::access::http::Gate;
use crate::protocol::error::AwsError;
use crate::protocol::query::{self, QueryRequest};
use crate::sigv4::PayloadHash;
use crate::state::AppState;

/// Answers one STS call whose parameters are `query` and whose body was `body`.
pub fn handle(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: &[u8],
    query: &QueryRequest,
) -> Response {
    let request_id = crate::protocol::request_id(&parts.extensions);
    run(state, parts, signature, body, query, request_id)
        .unwrap_or_else(|error| error.query_response(NAMESPACE, request_id))
}

fn run(
    state: &AppState,
    parts: &Parts,
    signature: &Signature,
    body: &[u8],
    query: &QueryRequest,
    request_id: &str,
) -> Result<Response, AwsError> {
    let gate = Gate::new(state);
    match StsAction::from_query(query)? {
        StsAction::AssumeRoleWithWebIdentity(input) => {
            let services = assume_role_with_web_identity::Services {
                world: gate.world(),
                keys: gate.snapshot().keyring(),
                secret: state.credential_secret(),
                now: gate.now(),
            };
            let output = assume_role_with_web_identity::execute(&input, &services)?;
            Ok(answer("AssumeRoleWithWebIdentity", &output, request_id))
        }
        StsAction::GetCallerIdentity => {
            let (caller, _) = gate
                .authenticate(parts, signature, Service::Sts, PayloadHash::of(body))
                .map_err(query_error)?;
            let output = get_caller_identity::execute(&caller);
            Ok(answer("GetCallerIdentity", &output, request_id))
        }
    }
}

fn answer<T: serde::Serialize>(action: &str, output: &T, request_id: &str) -> Response {
    query::xml_response(action, NAMESPACE, Some(output), request_id)
}
