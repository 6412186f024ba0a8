//! The read actions: OIDC providers, managed policies and roles as IAM lists and shows
//! them. Policy documents are URL-encoded in responses, as IAM sends them.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListPolicies.html>

use serde::Serialize;

use super::error::IamError;
use crate::clock::rfc3339;
use crate::protocol::query::QueryRequest;
use crate::world::{split_policy_arn, ManagedPolicy, World};

/// `<member>` lists.
#[derive(Debug, Serialize)]
pub struct Members<T> {
    member: Vec<T>,
}

/// ListOpenIDConnectProvidersResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListProvidersOutput {
    #[serde(rename = "OpenIDConnectProviderList")]
    list: Members<ProviderEntry>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProviderEntry {
    arn: String,
}

/// GetOpenIDConnectProviderResult: the URL without its scheme.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderOutput {
    url: String,
    #[serde(rename = "ClientIDList")]
    client_ids: Members<String>,
    thumbprint_list: Members<String>,
    create_date: String,
}

/// ListPolicies parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPoliciesInput {
    scope: Scope,
    only_attached: bool,
    path_prefix: String,
    marker: usize,
    max_items: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Aws,
    Local,
}

impl ListPoliciesInput {
    /// Reads Scope, OnlyAttached, PathPrefix, Marker and MaxItems.
    pub fn from_query(query: &QueryRequest) -> Result<Self, IamError> {
        let scope = match query.get("Scope").unwrap_or("All") {
            "All" => Scope::All,
            "AWS" => Scope::Aws,
            "Local" => Scope::Local,
            other => {
                return Err(IamError::InvalidInput(format!(
                    "1 validation error detected: Value '{other}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"
                )))
            }
        };
        let max_items = match query.get("MaxItems") {
            None => 100,
            Some(text) => match text.parse::<usize>() {
                Ok(value @ 1..=1000) => value,
                _ => {
                    return Err(IamError::InvalidInput(format!(
                        "1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"
                    )))
                }
            },
        };
        let marker = match query.get("Marker") {
            None => 0,
            Some(text) => text
                .parse()
                .map_err(|_| IamError::InvalidInput(format!("Invalid Marker: {text}")))?,
        };
        Ok(Self {
            scope,
            only_attached: query
                .get("OnlyAttached")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            path_prefix: query.get("PathPrefix").unwrap_or("/").to_owned(),
            marker,
            max_items,
        })
    }
}

/// ListPoliciesResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesOutput {
    policies: Members<PolicyEntry>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyEntry {
    policy_name: String,
    policy_id: String,
    arn: String,
    path: String,
    default_version_id: String,
    attachment_count: usize,
    permissions_boundary_usage_count: usize,
    is_attachable: bool,
    create_date: String,
    update_date: String,
}

/// GetPolicyResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyOutput {
    policy: PolicyDetail,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDetail {
    #[serde(flatten)]
    entry: PolicyEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// GetRoleResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleOutput {
    role: RoleDetail,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    path: String,
    role_name: String,
    role_id: String,
    arn: String,
    create_date: String,
    assume_role_policy_document: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    max_session_duration: u32,
}

/// Every provider's ARN.
pub fn list_providers(world: &World) -> ListProvidersOutput {
    let member = world
        .oidc_providers
        .iter()
        .map(|provider| ProviderEntry {
            arn: world.oidc_provider_arn(provider),
        })
        .collect();
    ListProvidersOutput {
        list: Members { member },
    }
}

/// One provider by ARN.
pub fn provider(world: &World, arn: &str, created_at: u64) -> Result<ProviderOutput, IamError> {
    let provider = world
        .oidc_providers
        .iter()
        .find(|provider| world.oidc_provider_arn(provider) == arn)
        .ok_or_else(|| {
            IamError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}"))
        })?;
    Ok(ProviderOutput {
        url: provider.url.without_scheme().to_owned(),
        client_ids: Members {
            member: provider.client_ids.clone(),
        },
        thumbprint_list: Members {
            member: provider.thumbprints.clone(),
        },
        create_date: rfc3339(created_at),
    })
}

/// Managed policies by scope, attachment and path, a page at a time.
pub fn list_policies(
    world: &World,
    input: &ListPoliciesInput,
    created_at: u64,
) -> Result<ListPoliciesOutput, IamError> {
    let account = world.account.id.as_str();
    let mut matching = Vec::new();
    for policy in &world.managed_policies {
        let entry = entry(world, policy, created_at)?;
        let aws_owned = policy.arn.starts_with("arn:aws:iam::aws:");
        let in_scope = match input.scope {
            Scope::All => true,
            Scope::Aws => aws_owned,
            Scope::Local => !aws_owned,
        };
        if in_scope
            && entry.path.starts_with(&input.path_prefix)
            && (!input.only_attached || entry.attachment_count > 0)
            && (aws_owned || policy.arn.contains(account))
        {
            matching.push(entry);
        }
    }
    let end = (input.marker + input.max_items).min(matching.len());
    let is_truncated = end < matching.len();
    let page: Vec<PolicyEntry> = matching
        .into_iter()
        .skip(input.marker)
        .take(input.max_items)
        .collect();
    Ok(ListPoliciesOutput {
        policies: Members { member: page },
        is_truncated,
        marker: is_truncated.then(|| end.to_string()),
    })
}

/// One managed policy by ARN.
pub fn policy(world: &World, arn: &str, created_at: u64) -> Result<PolicyOutput, IamError> {
    let policy = world
        .managed_policies
        .iter()
        .find(|policy| policy.arn == arn)
        .ok_or_else(|| {
            IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
        })?;
    Ok(PolicyOutput {
        policy: PolicyDetail {
            entry: entry(world, policy, created_at)?,
            description: policy.description.clone(),
        },
    })
}

/// One role by name (IAM role names are case-insensitive).
pub fn role(world: &World, name: &str, created_at: u64) -> Result<RoleOutput, IamError> {
    let account = world.account.id.as_str();
    let role = world
        .roles
        .iter()
        .find(|role| role.name.as_str().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            IamError::NoSuchEntity(format!("The role with name {name} cannot be found."))
        })?;
    Ok(RoleOutput {
        role: RoleDetail {
            path: role.path.to_string(),
            role_name: role.name.to_string(),
            role_id: role.role_id(account),
            arn: role.arn(account),
            create_date: rfc3339(created_at),
            assume_role_policy_document: url_encode(
                &role.assume_role_policy_document.as_json().to_string(),
            ),
            description: role.description.clone(),
            max_session_duration: role.max_session_duration,
        },
    })
}

fn entry(world: &World, policy: &ManagedPolicy, created_at: u64) -> Result<PolicyEntry, IamError> {
    let (path, name) =
        split_policy_arn(&policy.arn, world.account.id.as_str()).map_err(IamError::InvalidInput)?;
    let created = policy
        .create_date
        .clone()
        .unwrap_or_else(|| rfc3339(created_at));
    Ok(PolicyEntry {
        policy_name: name.to_owned(),
        policy_id: policy.policy_id.clone(),
        arn: policy.arn.clone(),
        path,
        default_version_id: policy.default_version_id.clone(),
        attachment_count: world
            .roles
            .iter()
            .filter(|role| role.attached_policy_arns.contains(&policy.arn))
            .count(),
        permissions_boundary_usage_count: 0,
        is_attachable: true,
        update_date: policy
            .update_date
            .clone()
            .unwrap_or_else(|| created.clone()),
        create_date: created,
    })
}

/// Percent-encodes a policy document as IAM returns it (botocore unquotes it).
fn url_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
