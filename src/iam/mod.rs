//! IAM over the query protocol (version 2010-05-08): the read-only subset the EKS
//! workshop's commands use, over the world. Every action is signed and checked against the
//! caller's policies by the protocol layer.
//!
//! Known gaps (the rest of issue 5): creating, changing and deleting providers, roles and
//! policies, tags, inline policies and attachments answer `InvalidAction`.

pub mod error;
mod read;

use serde::Serialize;

use crate::protocol::query::QueryRequest;
use crate::world::World;
use error::IamError;

/// The query API version of IAM.
pub const VERSION: &str = "2010-05-08";
/// The XML namespace of IAM responses.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The IAM actions irsa-local serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamAction {
    ListOpenIdConnectProviders,
    GetOpenIdConnectProvider { arn: String },
    ListPolicies(read::ListPoliciesInput),
    GetPolicy { arn: String },
    GetRole { name: String },
}

impl IamAction {
    /// Parses the action and its parameters.
    pub fn from_query(query: &QueryRequest) -> Result<Self, IamError> {
        let required = |name: &str| {
            query
                .get(name)
                .map(str::to_owned)
                .ok_or_else(|| IamError::MissingParameter(name.to_owned()))
        };
        match query.action.as_str() {
            "ListOpenIDConnectProviders" => Ok(Self::ListOpenIdConnectProviders),
            "GetOpenIDConnectProvider" => Ok(Self::GetOpenIdConnectProvider {
                arn: required("OpenIDConnectProviderArn")?,
            }),
            "ListPolicies" => Ok(Self::ListPolicies(read::ListPoliciesInput::from_query(
                query,
            )?)),
            "GetPolicy" => Ok(Self::GetPolicy {
                arn: required("PolicyArn")?,
            }),
            "GetRole" => Ok(Self::GetRole {
                name: required("RoleName")?,
            }),
            other => Err(IamError::UnknownAction(other.to_owned())),
        }
    }

    /// The action's name as AWS spells it, for the response envelope.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ListOpenIdConnectProviders => "ListOpenIDConnectProviders",
            Self::GetOpenIdConnectProvider { .. } => "GetOpenIDConnectProvider",
            Self::ListPolicies(_) => "ListPolicies",
            Self::GetPolicy { .. } => "GetPolicy",
            Self::GetRole { .. } => "GetRole",
        }
    }

    /// The IAM action and resource a caller needs permission for.
    pub fn permission(&self, account_id: &str) -> (String, String) {
        let resource = match self {
            Self::GetOpenIdConnectProvider { arn } | Self::GetPolicy { arn } => arn.clone(),
            Self::GetRole { name } => format!("arn:aws:iam::{account_id}:role/{name}"),
            Self::ListOpenIdConnectProviders | Self::ListPolicies(_) => "*".to_owned(),
        };
        (format!("iam:{}", self.name()), resource)
    }
}

/// A result element, serialized inside `<{Action}Result>`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Output {
    Providers(read::ListProvidersOutput),
    Provider(read::ProviderOutput),
    Policies(read::ListPoliciesOutput),
    Policy(read::PolicyOutput),
    Role(read::RoleOutput),
}

/// Runs `action` over `world`; `created_at` stands in for creation dates the world does
/// not give.
pub fn execute(world: &World, action: &IamAction, created_at: u64) -> Result<Output, IamError> {
    match action {
        IamAction::ListOpenIdConnectProviders => Ok(Output::Providers(read::list_providers(world))),
        IamAction::GetOpenIdConnectProvider { arn } => {
            read::provider(world, arn, created_at).map(Output::Provider)
        }
        IamAction::ListPolicies(input) => {
            read::list_policies(world, input, created_at).map(Output::Policies)
        }
        IamAction::GetPolicy { arn } => read::policy(world, arn, created_at).map(Output::Policy),
        IamAction::GetRole { name } => read::role(world, name, created_at).map(Output::Role),
    }
}
