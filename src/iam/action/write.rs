//! [`IamWrite::parse`]: the parameters of each write, checked in one pass.

use super::parse::{policy_arn, policy_name, provider_arn, role};
use super::{CreatePolicy, CreateProvider, CreateRole, IamWrite};
use crate::iam::error::IamError;
use crate::iam::input::{
    Params, CLIENT_ID, PATH, POLICY_DESCRIPTION, POLICY_DOCUMENT, POLICY_PATH, PROVIDER_URL,
    ROLE_DESCRIPTION, THUMBPRINT,
};

impl IamWrite {
    /// The write named `action` with its parameters from `p`; `None` when `action` is no
    /// write.
    pub(super) fn parse(action: &str, p: &mut Params) -> Result<Option<Self>, IamError> {
        let write = match action {
            "CreateOpenIDConnectProvider" => {
                p.unsupported(&["IdentityCenterInstanceArn", "ContextProvider"])?;
                Self::CreateOpenIdConnectProvider(CreateProvider {
                    url: p.required("Url", &PROVIDER_URL)?,
                    client_ids: p.list("ClientIDList", &CLIENT_ID)?.unwrap_or_default(),
                    thumbprints: p.list("ThumbprintList", &THUMBPRINT)?.unwrap_or_default(),
                    tags: p.tags("Tags")?,
                })
            }
            "DeleteOpenIDConnectProvider" => Self::DeleteOpenIdConnectProvider {
                arn: provider_arn(p)?,
            },
            "AddClientIDToOpenIDConnectProvider" => Self::AddClientIdToOpenIdConnectProvider {
                arn: provider_arn(p)?,
                client_id: p.required("ClientID", &CLIENT_ID)?,
            },
            "RemoveClientIDFromOpenIDConnectProvider" => {
                Self::RemoveClientIdFromOpenIdConnectProvider {
                    arn: provider_arn(p)?,
                    client_id: p.required("ClientID", &CLIENT_ID)?,
                }
            }
            "UpdateOpenIDConnectProviderThumbprint" => {
                Self::UpdateOpenIdConnectProviderThumbprint {
                    arn: provider_arn(p)?,
                    thumbprints: p.required_list("ThumbprintList", &THUMBPRINT)?,
                }
            }
            "TagOpenIDConnectProvider" => Self::TagOpenIdConnectProvider {
                arn: provider_arn(p)?,
                tags: p.required_tags("Tags")?,
            },
            "UntagOpenIDConnectProvider" => Self::UntagOpenIdConnectProvider {
                arn: provider_arn(p)?,
                keys: p.tag_keys()?,
            },
            "CreateRole" => {
                p.unsupported(&["PermissionsBoundary", "MaxSigninSessionDuration"])?;
                Self::CreateRole(CreateRole {
                    name: role(p)?,
                    document: p.required("AssumeRolePolicyDocument", &POLICY_DOCUMENT)?,
                    path: p.optional("Path", &PATH).unwrap_or_else(|| "/".to_owned()),
                    description: p.optional("Description", &ROLE_DESCRIPTION),
                    max_session_duration: p
                        .integer("MaxSessionDuration", 3600, 43_200)
                        .unwrap_or(3600),
                    tags: p.tags("Tags")?,
                })
            }
            "DeleteRole" => Self::DeleteRole { name: role(p)? },
            "UpdateAssumeRolePolicy" => Self::UpdateAssumeRolePolicy {
                name: role(p)?,
                document: p.required("PolicyDocument", &POLICY_DOCUMENT)?,
            },
            "UpdateRole" => {
                p.unsupported(&["MaxSigninSessionDuration", "ResetMaxSigninSessionDuration"])?;
                Self::UpdateRole {
                    name: role(p)?,
                    description: p.optional("Description", &ROLE_DESCRIPTION),
                    max_session_duration: p.integer("MaxSessionDuration", 3600, 43_200),
                }
            }
            "TagRole" => Self::TagRole {
                name: role(p)?,
                tags: p.required_tags("Tags")?,
            },
            "UntagRole" => Self::UntagRole {
                name: role(p)?,
                keys: p.tag_keys()?,
            },
            "CreatePolicy" => Self::CreatePolicy(CreatePolicy {
                name: policy_name(p)?,
                document: p.required("PolicyDocument", &POLICY_DOCUMENT)?,
                path: p
                    .optional("Path", &POLICY_PATH)
                    .unwrap_or_else(|| "/".to_owned()),
                description: p.optional("Description", &POLICY_DESCRIPTION),
                tags: p.tags("Tags")?,
            }),
            "DeletePolicy" => Self::DeletePolicy {
                arn: policy_arn(p)?,
            },
            "AttachRolePolicy" => Self::AttachRolePolicy {
                name: role(p)?,
                arn: policy_arn(p)?,
            },
            "DetachRolePolicy" => Self::DetachRolePolicy {
                name: role(p)?,
                arn: policy_arn(p)?,
            },
            "PutRolePolicy" => Self::PutRolePolicy {
                name: role(p)?,
                policy_name: policy_name(p)?,
                document: p.required("PolicyDocument", &POLICY_DOCUMENT)?,
            },
            "DeleteRolePolicy" => Self::DeleteRolePolicy {
                name: role(p)?,
                policy_name: policy_name(p)?,
            },
            _ => return Ok(None),
        };
        Ok(Some(write))
    }
}
