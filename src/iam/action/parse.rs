//! [`IamAction::from_query`]: the action by name, a read or a write, with its parameters
//! read and checked in one pass; and the parameters many actions share.

use super::{IamAction, IamRead, IamWrite};
use crate::iam::error::IamError;
use crate::iam::input::{Params, ARN, POLICY_NAME, POLICY_PATH, ROLE_NAME};
use crate::protocol::query::QueryRequest;

impl IamAction {
    /// Parses the action and its parameters; an unknown action is `InvalidAction`, and a
    /// parameter the action does not take is refused.
    pub fn from_query(query: &QueryRequest) -> Result<Self, IamError> {
        let mut p = Params::new(query);
        let name = query.action.as_str();
        let action = if let Some(read) = IamRead::parse(name, &mut p)? {
            Self::Read(read)
        } else if let Some(write) = IamWrite::parse(name, &mut p)? {
            Self::Write(write)
        } else {
            return Err(IamError::UnknownAction(name.to_owned()));
        };
        p.finish()?;
        Ok(action)
    }
}

/// `OpenIDConnectProviderArn`.
pub(super) fn provider_arn(p: &mut Params) -> Result<String, IamError> {
    p.required("OpenIDConnectProviderArn", &ARN)
}

/// `RoleName`.
pub(super) fn role(p: &mut Params) -> Result<String, IamError> {
    p.required("RoleName", &ROLE_NAME)
}

/// `PolicyArn`.
pub(super) fn policy_arn(p: &mut Params) -> Result<String, IamError> {
    p.required("PolicyArn", &ARN)
}

/// `PolicyName`.
pub(super) fn policy_name(p: &mut Params) -> Result<String, IamError> {
    p.required("PolicyName", &POLICY_NAME)
}

/// `PathPrefix` of a policy listing, `/` when absent.
pub(super) fn policy_prefix(p: &mut Params) -> String {
    p.optional("PathPrefix", &POLICY_PATH)
        .unwrap_or_else(|| "/".to_owned())
}
