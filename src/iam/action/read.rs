//! [`IamRead::parse`]: the parameters of each read, checked in one pass.

use super::parse::{policy_arn, policy_name, policy_prefix, provider_arn, role};
use super::{IamRead, ListPolicies, Scope};
use crate::iam::error::IamError;
use crate::iam::input::{Params, PATH_PREFIX, VERSION_ID};

impl IamRead {
    /// The read named `action` with its parameters from `p`; `None` when `action` is no
    /// read.
    pub(super) fn parse(action: &str, p: &mut Params) -> Result<Option<Self>, IamError> {
        let read = match action {
            "ListOpenIDConnectProviders" => Self::ListOpenIdConnectProviders,
            "GetOpenIDConnectProvider" => Self::GetOpenIdConnectProvider {
                arn: provider_arn(p)?,
            },
            "ListOpenIDConnectProviderTags" => Self::ListOpenIdConnectProviderTags {
                arn: provider_arn(p)?,
                page: p.page()?,
            },
            "GetRole" => Self::GetRole { name: role(p)? },
            "ListRoles" => Self::ListRoles {
                path_prefix: p
                    .optional("PathPrefix", &PATH_PREFIX)
                    .unwrap_or_else(|| "/".to_owned()),
                page: p.page()?,
            },
            "ListRoleTags" => Self::ListRoleTags {
                name: role(p)?,
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
                    path_prefix: policy_prefix(p),
                    page: p.page()?,
                })
            }
            "GetPolicy" => Self::GetPolicy {
                arn: policy_arn(p)?,
            },
            "GetPolicyVersion" => Self::GetPolicyVersion {
                arn: policy_arn(p)?,
                version_id: p.required("VersionId", &VERSION_ID)?,
            },
            "ListAttachedRolePolicies" => Self::ListAttachedRolePolicies {
                name: role(p)?,
                path_prefix: policy_prefix(p),
                page: p.page()?,
            },
            "GetRolePolicy" => Self::GetRolePolicy {
                name: role(p)?,
                policy_name: policy_name(p)?,
            },
            "ListRolePolicies" => Self::ListRolePolicies {
                name: role(p)?,
                page: p.page()?,
            },
            _ => return Ok(None),
        };
        Ok(Some(read))
    }
}
