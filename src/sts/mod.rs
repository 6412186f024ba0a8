//! STS over the query protocol (version 2011-06-15). Actions are an enum parsed from
//! `Action`; an action irsa-local does not serve answers `InvalidAction`, as AWS answers
//! one it does not know.
//!
//! Known gaps: AssumeRole, GetCallerIdentity and the other signed actions come with the
//! SigV4 work; until then they answer `InvalidAction`.

pub mod assume_role_with_web_identity;
pub mod error;

use axum::response::Response;

use crate::protocol::error::AwsError;
use crate::protocol::query::{self, QueryRequest};
use crate::state::AppState;
use error::StsError;

/// The query API version of STS.
pub const VERSION: &str = "2011-06-15";
/// The XML namespace of STS responses.
pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The STS actions irsa-local serves.
#[derive(Debug)]
pub enum StsAction {
    AssumeRoleWithWebIdentity(assume_role_with_web_identity::Input),
}

impl StsAction {
    /// Parses the action and its parameters.
    pub fn from_query(query: &QueryRequest) -> Result<Self, StsError> {
        match query.action.as_str() {
            "AssumeRoleWithWebIdentity" => Ok(Self::AssumeRoleWithWebIdentity(
                assume_role_with_web_identity::Input::from_query(query)?,
            )),
            other => Err(StsError::UnknownAction {
                action: other.to_owned(),
                version: query.version.clone().unwrap_or_else(|| VERSION.to_owned()),
            }),
        }
    }
}

/// Answers one STS request. Refusals are logged with the request id and the check that
/// failed, and carry that reason in `x-irsa-local-reason`.
pub fn handle(state: &AppState, query: &QueryRequest, request_id: &str) -> Response {
    run(state, query, request_id).unwrap_or_else(|err| {
        let error = AwsError::from(err);
        tracing::info!(
            target: "irsa_local::refusal",
            request_id,
            action = %query.action,
            code = error.code,
            reason = %error.reason,
        );
        error.query_response(NAMESPACE, request_id)
    })
}

fn run(state: &AppState, query: &QueryRequest, request_id: &str) -> Result<Response, StsError> {
    match StsAction::from_query(query)? {
        StsAction::AssumeRoleWithWebIdentity(input) => {
            let services = assume_role_with_web_identity::Services {
                world: state.world(),
                keys: state.keyring(),
                secret: state.credential_secret(),
                now: state.now(),
            };
            let output = assume_role_with_web_identity::execute(&input, &services)?;
            Ok(query::xml_response(
                "AssumeRoleWithWebIdentity",
                NAMESPACE,
                Some(&output),
                request_id,
            ))
        }
    }
}
