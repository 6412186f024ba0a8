//! STS over the query protocol (version 2011-06-15). Actions are an enum parsed from
//! `Action`; an action irsa-local does not serve answers `InvalidAction`, as AWS answers
//! one it does not know. AssumeRoleWithWebIdentity is unsigned; every other action needs a
//! verified caller, which the edge ([`http`]) supplies.
//!
//! Known gaps: AssumeRole, AssumeRoleWithSAML, GetSessionToken, GetFederationToken,
//! DecodeAuthorizationMessage and GetAccessKeyInfo answer `InvalidAction`.

pub mod assume_role_with_web_identity;
pub mod error;
pub mod get_caller_identity;
pub mod http;

use crate::protocol::query::QueryRequest;
use error::StsError;

/// The query API version of STS.
pub const VERSION: &str = "2011-06-15";
/// The XML namespace of STS responses.
pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The STS actions irsa-local serves.
#[derive(Debug)]
pub enum StsAction {
    AssumeRoleWithWebIdentity(assume_role_with_web_identity::Input),
    GetCallerIdentity,
}

impl StsAction {
    /// Parses the action and its parameters.
    pub fn from_query(query: &QueryRequest) -> Result<Self, StsError> {
        match query.action.as_str() {
            "AssumeRoleWithWebIdentity" => Ok(Self::AssumeRoleWithWebIdentity(
                assume_role_with_web_identity::Input::from_query(query)?,
            )),
            "GetCallerIdentity" => Ok(Self::GetCallerIdentity),
            other => Err(StsError::UnknownAction {
                action: other.to_owned(),
                version: query.version.clone().unwrap_or_else(|| VERSION.to_owned()),
            }),
        }
    }

    /// Whether the action needs a SigV4-signed request (all but AssumeRoleWithWebIdentity,
    /// which ignores any signature).
    pub fn requires_signature(&self) -> bool {
        !matches!(self, Self::AssumeRoleWithWebIdentity(_))
    }
}
