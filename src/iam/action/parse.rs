//! [`IamAction::from_query`]: each action's parameters, read and checked in one pass.

use super::{CreatePolicy, CreateProvider, CreateRole, IamAction, ListPolicies, Scope};
use crate::iam::error::IamError;
use crate::iam::input::{
    Params, ARN, CLIENT_ID, PATH, PATH_PREFIX, POLICY_DESCRIPTION, POLICY_DOCUMENT, POLICY_NAME,
    POLICY_PATH, PROVIDER_URL, ROLE_DESCRIPTION, ROLE_NAME, THUMBPRINT, VERSION_ID,
};
use crate::protocol::query::QueryRequest;

impl IamAction {
    /// Parses the action and its parameters.
    pub fn from_query(query: &QueryRequest) -> Result<Self, IamError> {
        let mut p = Params::new(query);
        let provider_arn = |p: &mut Params| p.required("OpenIDConnectProviderArn", &ARN);
        let role = |p: &mut Params| p.required("RoleName", &ROLE_NAME);
        let policy_arn = |p: &mut Params| p.required("PolicyArn", &ARN);
        let policy_name = |p: &mut Params| p.required("PolicyName", &POLICY_NAME);
        let policy_prefix = |p: &mut Params| {
            p.optional("PathPrefix", &POLICY_PATH)
                .unwrap_or_else(|| "/".to_owned())
        };
        let action = match query.action.as_str() {
            "ListOpenIDConnectProviders" => Self::ListOpenIdConnectProviders,
            "GetOpenIDConnectProvider" => Self::GetOpenIdConnectProvider {
                arn: provider_arn(&mut p)?,
            },
            "CreateOpenIDConnectProvider" => {
                p.unsupported(&["IdentityCenterInstanceArn", "ContextProvider"])?;
                Self::CreateOpenIdConnectProvider(CreateProvider {
                    url: p.required("Url", &PROVIDER_URL)?,
                    client_ids: p.list("ClientIDList", &CLIENT_ID).unwrap_or_default(),
                    thumbprints: p.list("ThumbprintList", &THUMBPRINT).unwrap_or_default(),
                    tags: p.tags("Tags")?,
                })
            }
            "DeleteOpenIDConnectProvider" => Self::DeleteOpenIdConnectProvider {
                arn: provider_arn(&mut p)?,
            },
            "AddClientIDToOpenIDConnectProvider" => Self::AddClientIdToOpenIdConnectProvider {
                arn: provider_arn(&mut p)?,
                client_id: p.required("ClientID", &CLIENT_ID)?,
            },
            "RemoveClientIDFromOpenIDConnectProvider" => {
                Self::RemoveClientIdFromOpenIdConnectProvider {
                    arn: provider_arn(&mut p)?,
                    client_id: p.required("ClientID", &CLIENT_ID)?,
                }
            }
            "UpdateOpenIDConnectProviderThumbprint" => {
                Self::UpdateOpenIdConnectProviderThumbprint {
                    arn: provider_arn(&mut p)?,
                    thumbprints: p.required_list("ThumbprintList", &THUMBPRINT)?,
                }
            }
            "TagOpenIDConnectProvider" => Self::TagOpenIdConnectProvider {
                arn: provider_arn(&mut p)?,
                tags: p.required_tags("Tags")?,
            },
            "UntagOpenIDConnectProvider" => Self::UntagOpenIdConnectProvider {
                arn: provider_arn(&mut p)?,
                keys: p.tag_keys()?,
            },
            "ListOpenIDConnectProviderTags" => Self::ListOpenIdConnectProviderTags {
                arn: provider_arn(&mut p)?,
                page: p.page()?,
            },
            "CreateRole" => {
                p.unsupported(&["PermissionsBoundary", "MaxSigninSessionDuration"])?;
                Self::CreateRole(CreateRole {
                    name: role(&mut p)?,
                    document: p.required("AssumeRolePolicyDocument", &POLICY_DOCUMENT)?,
                    path: p.optional("Path", &PATH).unwrap_or_else(|| "/".to_owned()),
                    description: p.optional("Description", &ROLE_DESCRIPTION),
                    max_session_duration: p
                        .integer("MaxSessionDuration", 3600, 43_200)
                        .unwrap_or(3600),
                    tags: p.tags("Tags")?,
                })
            }
            "GetRole" => Self::GetRole {
                name: role(&mut p)?,
            },
            "ListRoles" => Self::ListRoles {
                path_prefix: p
                    .optional("PathPrefix", &PATH_PREFIX)
                    .unwrap_or_else(|| "/".to_owned()),
                page: p.page()?,
            },
            "DeleteRole" => Self::DeleteRole {
                name: role(&mut p)?,
            },
            "UpdateAssumeRolePolicy" => Self::UpdateAssumeRolePolicy {
                name: role(&mut p)?,
                document: p.required("PolicyDocument", &POLICY_DOCUMENT)?,
            },
            "UpdateRole" => {
                p.unsupported(&["MaxSigninSessionDuration", "ResetMaxSigninSessionDuration"])?;
                Self::UpdateRole {
                    name: role(&mut p)?,
                    description: p.optional("Description", &ROLE_DESCRIPTION),
                    max_session_duration: p.integer("MaxSessionDuration", 3600, 43_200),
                }
            }
            "TagRole" => Self::TagRole {
                name: role(&mut p)?,
                tags: p.required_tags("Tags")?,
            },
            "UntagRole" => Self::UntagRole {
                name: role(&mut p)?,
                keys: p.tag_keys()?,
            },
            "ListRoleTags" => Self::ListRoleTags {
                name: role(&mut p)?,
                page: p.page()?,
            },
            "ListPolicies" => {
                let scope = match p.one_of("Scope", &["All", "AWS", "Local"]) {
                    Some("AWS") => Scope::Aws,
                    Some("Local") => Scope::Local,
                    _ => Scope::All,
                };
                p.one_of(
                    "PolicyUsageFilter",
                    &["PermissionsPolicy", "PermissionsBoundary"],
                );
                Self::ListPolicies(ListPolicies {
                    scope,
                    only_attached: p.boolean("OnlyAttached"),
                    path_prefix: policy_prefix(&mut p),
                    page: p.page()?,
                })
            }
            "GetPolicy" => Self::GetPolicy {
                arn: policy_arn(&mut p)?,
            },
            "CreatePolicy" => Self::CreatePolicy(CreatePolicy {
                name: policy_name(&mut p)?,
                document: p.required("PolicyDocument", &POLICY_DOCUMENT)?,
                path: p
                    .optional("Path", &POLICY_PATH)
                    .unwrap_or_else(|| "/".to_owned()),
                description: p.optional("Description", &POLICY_DESCRIPTION),
                tags: p.tags("Tags")?,
            }),
            "GetPolicyVersion" => Self::GetPolicyVersion {
                arn: policy_arn(&mut p)?,
                version_id: p.required("VersionId", &VERSION_ID)?,
            },
            "DeletePolicy" => Self::DeletePolicy {
                arn: policy_arn(&mut p)?,
            },
            "AttachRolePolicy" => Self::AttachRolePolicy {
                name: role(&mut p)?,
                arn: policy_arn(&mut p)?,
            },
            "DetachRolePolicy" => Self::DetachRolePolicy {
                name: role(&mut p)?,
                arn: policy_arn(&mut p)?,
            },
            "ListAttachedRolePolicies" => Self::ListAttachedRolePolicies {
                name: role(&mut p)?,
                path_prefix: policy_prefix(&mut p),
                page: p.page()?,
            },
            "PutRolePolicy" => Self::PutRolePolicy {
                name: role(&mut p)?,
                policy_name: policy_name(&mut p)?,
                document: p.required("PolicyDocument", &POLICY_DOCUMENT)?,
            },
            "GetRolePolicy" => Self::GetRolePolicy {
                name: role(&mut p)?,
                policy_name: policy_name(&mut p)?,
            },
            "DeleteRolePolicy" => Self::DeleteRolePolicy {
                name: role(&mut p)?,
                policy_name: policy_name(&mut p)?,
            },
            "ListRolePolicies" => Self::ListRolePolicies {
                name: role(&mut p)?,
                page: p.page()?,
            },
            other => return Err(IamError::UnknownAction(other.to_owned())),
        };
        p.finish()?;
        Ok(action)
    }
}
