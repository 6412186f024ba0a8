//! The IAM actions irsa-local serves, parsed from the query protocol with the service
//! model's constraints checked: a value of [`IamAction`] is a well-formed request. Policy
//! documents stay text here; [`super::apply`] parses them, so a malformed document is
//! reported only to a caller who is authenticated and allowed the action.

mod parse;

use super::input::{Page, Tags};
use crate::world::World;

/// One IAM request. Roles are named by `name` (IAM role names compare case-insensitively),
/// managed policies and providers by `arn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamAction {
    ListOpenIdConnectProviders,
    GetOpenIdConnectProvider {
        arn: String,
    },
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
    ListOpenIdConnectProviderTags {
        arn: String,
        page: Page,
    },
    CreateRole(CreateRole),
    GetRole {
        name: String,
    },
    ListRoles {
        path_prefix: String,
        page: Page,
    },
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
    ListRoleTags {
        name: String,
        page: Page,
    },
    ListPolicies(ListPolicies),
    GetPolicy {
        arn: String,
    },
    CreatePolicy(CreatePolicy),
    GetPolicyVersion {
        arn: String,
        version_id: String,
    },
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
    ListAttachedRolePolicies {
        name: String,
        path_prefix: String,
        page: Page,
    },
    PutRolePolicy {
        name: String,
        policy_name: String,
        document: String,
    },
    GetRolePolicy {
        name: String,
        policy_name: String,
    },
    DeleteRolePolicy {
        name: String,
        policy_name: String,
    },
    ListRolePolicies {
        name: String,
        page: Page,
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
            Self::ListOpenIdConnectProviders => "ListOpenIDConnectProviders",
            Self::GetOpenIdConnectProvider { .. } => "GetOpenIDConnectProvider",
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
            Self::ListOpenIdConnectProviderTags { .. } => "ListOpenIDConnectProviderTags",
            Self::CreateRole(_) => "CreateRole",
            Self::GetRole { .. } => "GetRole",
            Self::ListRoles { .. } => "ListRoles",
            Self::DeleteRole { .. } => "DeleteRole",
            Self::UpdateAssumeRolePolicy { .. } => "UpdateAssumeRolePolicy",
            Self::UpdateRole { .. } => "UpdateRole",
            Self::TagRole { .. } => "TagRole",
            Self::UntagRole { .. } => "UntagRole",
            Self::ListRoleTags { .. } => "ListRoleTags",
            Self::ListPolicies(_) => "ListPolicies",
            Self::GetPolicy { .. } => "GetPolicy",
            Self::CreatePolicy(_) => "CreatePolicy",
            Self::GetPolicyVersion { .. } => "GetPolicyVersion",
            Self::DeletePolicy { .. } => "DeletePolicy",
            Self::AttachRolePolicy { .. } => "AttachRolePolicy",
            Self::DetachRolePolicy { .. } => "DetachRolePolicy",
            Self::ListAttachedRolePolicies { .. } => "ListAttachedRolePolicies",
            Self::PutRolePolicy { .. } => "PutRolePolicy",
            Self::GetRolePolicy { .. } => "GetRolePolicy",
            Self::DeleteRolePolicy { .. } => "DeleteRolePolicy",
            Self::ListRolePolicies { .. } => "ListRolePolicies",
        }
    }

    /// The IAM action and resource a caller needs permission for. An existing role is
    /// named by its full ARN, path included, as IAM evaluates it; a role `world` does not
    /// have by `role/<name>`.
    pub fn permission(&self, world: &World) -> (String, String) {
        let account_id = world.account.id.as_str();
        let iam = |resource: String| format!("arn:aws:iam::{account_id}:{resource}");
        let resource = match self {
            Self::ListOpenIdConnectProviders | Self::ListRoles { .. } | Self::ListPolicies(_) => {
                "*".to_owned()
            }
            Self::CreateOpenIdConnectProvider(input) => {
                let host_and_path = input.url.strip_prefix("https://").unwrap_or(&input.url);
                iam(format!("oidc-provider/{host_and_path}"))
            }
            Self::CreateRole(input) => iam(format!("role{}{}", input.path, input.name)),
            Self::CreatePolicy(input) => iam(format!("policy{}{}", input.path, input.name)),
            Self::GetOpenIdConnectProvider { arn }
            | Self::DeleteOpenIdConnectProvider { arn }
            | Self::AddClientIdToOpenIdConnectProvider { arn, .. }
            | Self::RemoveClientIdFromOpenIdConnectProvider { arn, .. }
            | Self::UpdateOpenIdConnectProviderThumbprint { arn, .. }
            | Self::TagOpenIdConnectProvider { arn, .. }
            | Self::UntagOpenIdConnectProvider { arn, .. }
            | Self::ListOpenIdConnectProviderTags { arn, .. }
            | Self::GetPolicy { arn }
            | Self::GetPolicyVersion { arn, .. }
            | Self::DeletePolicy { arn } => arn.clone(),
            Self::GetRole { name }
            | Self::DeleteRole { name }
            | Self::UpdateAssumeRolePolicy { name, .. }
            | Self::UpdateRole { name, .. }
            | Self::TagRole { name, .. }
            | Self::UntagRole { name, .. }
            | Self::ListRoleTags { name, .. }
            | Self::AttachRolePolicy { name, .. }
            | Self::DetachRolePolicy { name, .. }
            | Self::ListAttachedRolePolicies { name, .. }
            | Self::PutRolePolicy { name, .. }
            | Self::GetRolePolicy { name, .. }
            | Self::DeleteRolePolicy { name, .. }
            | Self::ListRolePolicies { name, .. } => world
                .roles
                .iter()
                .find(|role| role.name.as_str().eq_ignore_ascii_case(name))
                .map_or_else(|| iam(format!("role/{name}")), |role| role.arn(account_id)),
        };
        (format!("iam:{}", self.name()), resource)
    }

    /// Whether the action changes the world (run it with [`super::apply`]).
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Self::ListOpenIdConnectProviders
                | Self::GetOpenIdConnectProvider { .. }
                | Self::ListOpenIdConnectProviderTags { .. }
                | Self::GetRole { .. }
                | Self::ListRoles { .. }
                | Self::ListRoleTags { .. }
                | Self::ListPolicies(_)
                | Self::GetPolicy { .. }
                | Self::GetPolicyVersion { .. }
                | Self::ListAttachedRolePolicies { .. }
                | Self::GetRolePolicy { .. }
                | Self::ListRolePolicies { .. }
        )
    }
}
