//! The IAM actions irsa-local serves, parsed from the query protocol with the service
//! model's constraints checked: a value of [`IamAction`] is a well-formed request. Policy
//! documents stay text here; [`super::apply`] parses them, so a malformed document is
//! reported only to a caller who is authenticated and allowed the action.

mod denied_resource;
mod parse;
mod read;
mod write;

use super::input::{Page, Tags};
use crate::world::World;

/// One IAM request: a read, answered from a snapshot of the world, or a write, applied
/// through the store. The two are separate types, so a write can never be answered as a
/// read, and each is matched exhaustively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamAction {
    Read(IamRead),
    Write(IamWrite),
}

/// An IAM request that changes nothing. Roles are named by `name` (IAM role names compare
/// case-insensitively), managed policies and providers by `arn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamRead {
    ListOpenIdConnectProviders,
    GetOpenIdConnectProvider {
        arn: String,
    },
    ListOpenIdConnectProviderTags {
        arn: String,
        page: Page,
    },
    GetRole {
        name: String,
    },
    ListRoles {
        path_prefix: String,
        page: Page,
    },
    ListRoleTags {
        name: String,
        page: Page,
    },
    ListPolicies(ListPolicies),
    GetPolicy {
        arn: String,
    },
    GetPolicyVersion {
        arn: String,
        version_id: String,
    },
    ListAttachedRolePolicies {
        name: String,
        path_prefix: String,
        page: Page,
    },
    GetRolePolicy {
        name: String,
        policy_name: String,
    },
    ListRolePolicies {
        name: String,
        page: Page,
    },
}

/// An IAM request that changes the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamWrite {
    CreateOpenIdConnectProvider(CreateProvider),
    DeleteOpenIdConnectProvider {
        arn: String,
    },
    AddClientIdToOpenIdConnectProvider {
        arn: String,
        client_id: String,
    },
    RemoveClientIdFromOpenIdConnectProvider {
        arn: String,
        client_id: String,
    },
    UpdateOpenIdConnectProviderThumbprint {
        arn: String,
        thumbprints: Vec<String>,
    },
    TagOpenIdConnectProvider {
        arn: String,
        tags: Tags,
    },
    UntagOpenIdConnectProvider {
        arn: String,
        keys: Vec<String>,
    },
    CreateRole(CreateRole),
    DeleteRole {
        name: String,
    },
    UpdateAssumeRolePolicy {
        name: String,
        document: String,
    },
    UpdateRole {
        name: String,
        description: Option<String>,
        max_session_duration: Option<u32>,
    },
    TagRole {
        name: String,
        tags: Tags,
    },
    UntagRole {
        name: String,
        keys: Vec<String>,
    },
    CreatePolicy(CreatePolicy),
    DeletePolicy {
        arn: String,
    },
    AttachRolePolicy {
        name: String,
        arn: String,
    },
    DetachRolePolicy {
        name: String,
        arn: String,
    },
    PutRolePolicy {
        name: String,
        policy_name: String,
        document: String,
    },
    DeleteRolePolicy {
        name: String,
        policy_name: String,
    },
}

/// CreateOpenIDConnectProvider's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateProvider {
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub tags: Tags,
}

/// CreateRole's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRole {
    pub name: String,
    pub path: String,
    pub document: String,
    pub description: Option<String>,
    pub max_session_duration: u32,
    pub tags: Tags,
}

/// CreatePolicy's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePolicy {
    pub name: String,
    pub path: String,
    pub document: String,
    pub description: Option<String>,
    pub tags: Tags,
}

/// ListPolicies' parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPolicies {
    pub scope: Scope,
    pub only_attached: bool,
    pub path_prefix: String,
    pub page: Page,
}

/// Whose managed policies ListPolicies lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Aws,
    Local,
}

impl IamAction {
    /// The action's name as AWS spells it, for the response envelope.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Read(read) => read.name(),
            Self::Write(write) => write.name(),
        }
    }

    /// The IAM action and resource a caller needs permission for. An existing role is
    /// named by its full ARN, path included, as IAM evaluates it; a role `world` does not
    /// have by `role/<name>`.
    pub fn permission(&self, world: &World) -> (String, String) {
        let resource = match self {
            Self::Read(read) => read.resource(world),
            Self::Write(write) => write.resource(world),
        };
        (format!("iam:{}", self.name()), resource)
    }
}

impl IamRead {
    /// The action's name as AWS spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ListOpenIdConnectProviders => "ListOpenIDConnectProviders",
            Self::GetOpenIdConnectProvider { .. } => "GetOpenIDConnectProvider",
            Self::ListOpenIdConnectProviderTags { .. } => "ListOpenIDConnectProviderTags",
            Self::GetRole { .. } => "GetRole",
            Self::ListRoles { .. } => "ListRoles",
            Self::ListRoleTags { .. } => "ListRoleTags",
            Self::ListPolicies(_) => "ListPolicies",
            Self::GetPolicy { .. } => "GetPolicy",
            Self::GetPolicyVersion { .. } => "GetPolicyVersion",
            Self::ListAttachedRolePolicies { .. } => "ListAttachedRolePolicies",
            Self::GetRolePolicy { .. } => "GetRolePolicy",
            Self::ListRolePolicies { .. } => "ListRolePolicies",
        }
    }

    /// The resource the action names.
    fn resource(&self, world: &World) -> String {
        let account_id = world.account.id.as_str();
        match self {
            Self::ListOpenIdConnectProviders | Self::ListRoles { .. } | Self::ListPolicies(_) => {
                "*".to_owned()
            }
            Self::GetOpenIdConnectProvider { arn }
            | Self::ListOpenIdConnectProviderTags { arn, .. }
            | Self::GetPolicy { arn }
            | Self::GetPolicyVersion { arn, .. } => arn.clone(),
            Self::GetRole { name }
            | Self::ListRoleTags { name, .. }
            | Self::ListAttachedRolePolicies { name, .. }
            | Self::GetRolePolicy { name, .. }
            | Self::ListRolePolicies { name, .. } => role_arn(world, account_id, name),
        }
    }
}

impl IamWrite {
    /// The action's name as AWS spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateOpenIdConnectProvider(_) => "CreateOpenIDConnectProvider",
            Self::DeleteOpenIdConnectProvider { .. } => "DeleteOpenIDConnectProvider",
            Self::AddClientIdToOpenIdConnectProvider { .. } => "AddClientIDToOpenIDConnectProvider",
            Self::RemoveClientIdFromOpenIdConnectProvider { .. } => {
                "RemoveClientIDFromOpenIDConnectProvider"
            }
            Self::UpdateOpenIdConnectProviderThumbprint { .. } => {
                "UpdateOpenIDConnectProviderThumbprint"
            }
            Self::TagOpenIdConnectProvider { .. } => "TagOpenIDConnectProvider",
            Self::UntagOpenIdConnectProvider { .. } => "UntagOpenIDConnectProvider",
            Self::CreateRole(_) => "CreateRole",
            Self::DeleteRole { .. } => "DeleteRole",
            Self::UpdateAssumeRolePolicy { .. } => "UpdateAssumeRolePolicy",
            Self::UpdateRole { .. } => "UpdateRole",
            Self::TagRole { .. } => "TagRole",
            Self::UntagRole { .. } => "UntagRole",
            Self::CreatePolicy(_) => "CreatePolicy",
            Self::DeletePolicy { .. } => "DeletePolicy",
            Self::AttachRolePolicy { .. } => "AttachRolePolicy",
            Self::DetachRolePolicy { .. } => "DetachRolePolicy",
            Self::PutRolePolicy { .. } => "PutRolePolicy",
            Self::DeleteRolePolicy { .. } => "DeleteRolePolicy",
        }
    }

    /// The resource the action names (the one it would create, for a create).
    fn resource(&self, world: &World) -> String {
        let account_id = world.account.id.as_str();
        let iam = |resource: String| format!("arn:aws:iam::{account_id}:{resource}");
        match self {
            Self::CreateOpenIdConnectProvider(input) => {
                let host_and_path = input.url.strip_prefix("https://").unwrap_or(&input.url);
                iam(format!("oidc-provider/{host_and_path}"))
            }
            Self::CreateRole(input) => iam(format!("role{}{}", input.path, input.name)),
            Self::CreatePolicy(input) => iam(format!("policy{}{}", input.path, input.name)),
            Self::DeleteOpenIdConnectProvider { arn }
            | Self::AddClientIdToOpenIdConnectProvider { arn, .. }
            | Self::RemoveClientIdFromOpenIdConnectProvider { arn, .. }
            | Self::UpdateOpenIdConnectProviderThumbprint { arn, .. }
            | Self::TagOpenIdConnectProvider { arn, .. }
            | Self::UntagOpenIdConnectProvider { arn, .. }
            | Self::DeletePolicy { arn } => arn.clone(),
            Self::DeleteRole { name }
            | Self::UpdateAssumeRolePolicy { name, .. }
            | Self::UpdateRole { name, .. }
            | Self::TagRole { name, .. }
            | Self::UntagRole { name, .. }
            | Self::AttachRolePolicy { name, .. }
            | Self::DetachRolePolicy { name, .. }
            | Self::PutRolePolicy { name, .. }
            | Self::DeleteRolePolicy { name, .. } => role_arn(world, account_id, name),
        }
    }
}

/// An existing role's ARN (path included), or `role/<name>` for one the world lacks.
fn role_arn(world: &World, account_id: &str, name: &str) -> String {
    world
        .roles
        .iter()
        .find(|role| role.name.as_str().eq_ignore_ascii_case(name))
        .map_or_else(
            || format!("arn:aws:iam::{account_id}:role/{name}"),
            |role| role.arn(account_id),
        )
}
