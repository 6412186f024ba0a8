//! Roles: create, show, list, change the trust policy, description, session length and
//! tags, delete. <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
//!
//! Roles under `/aws-service-role/` or `/aws-reserved/` are AWS's (service-linked, SSO):
//! they can be read but not changed, and CreateRole refuses those paths.
//! Known gaps: permissions boundaries (CreateRole refuses `PermissionsBoundary`), instance
//! profiles, and `RoleLastUsed`, which is always empty.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::action::CreateRole;
use super::error::IamError;
use super::input::{merge_tags, policy_size, remove_tags, trust_document, Page};
use super::output::{
    encoded_document, optional_tags, paginate, Empty, ListTagsOutput, Members, Tag,
};
use super::{check_quota, random_id};
use crate::clock::rfc3339;
use crate::world::{IamPath, Role, RoleName, World};

/// Roles per account.
const MAX_ROLES: usize = 1000;
/// Characters of a trust policy, whitespace excluded (IAM's `ACLSizePerRole`).
const MAX_TRUST_POLICY_SIZE: usize = 2048;
/// Tags per role.
const MAX_TAGS: usize = 50;
/// Paths under which roles belong to AWS.
const PROTECTED_PATHS: [&str; 2] = ["/aws-service-role/", "/aws-reserved/"];

/// GetRoleResult, CreateRoleResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleOutput {
    role: RoleDetail,
}

/// ListRolesResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesOutput {
    roles: Members<RoleDetail>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
}

/// A role, in the element order IAM sends (REFERENCE 5.3).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    path: String,
    assume_role_policy_document: String,
    role_id: String,
    role_name: String,
    arn: String,
    create_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    max_session_duration: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Members<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_last_used: Option<Empty>,
}

/// How much of a role a response shows: ListRoles leaves out tags and last use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Listed,
    Created,
    Full,
}

/// One role by name; `created_at` stands in for a world file's role without a date.
pub fn show(world: &World, name: &str, created_at: u64) -> Result<RoleOutput, IamError> {
    let role = find(world, name)?;
    Ok(RoleOutput {
        role: detail(world, role, created_at, View::Full),
    })
}

/// Roles whose path starts with `path_prefix`, by name, a page at a time.
pub fn list(world: &World, path_prefix: &str, page: Page, created_at: u64) -> ListRolesOutput {
    let mut matching: Vec<&Role> = world
        .roles
        .iter()
        .filter(|role| role.path.as_str().starts_with(path_prefix))
        .map(Arc::as_ref)
        .collect();
    matching.sort_by_key(|role| role.name.as_str().to_ascii_lowercase());
    let (roles, is_truncated, marker) = paginate(matching, page);
    let member = roles
        .into_iter()
        .map(|role| detail(world, role, created_at, View::Listed))
        .collect();
    ListRolesOutput {
        roles: Members::new(member),
        is_truncated,
        marker,
    }
}

/// A page of a role's tags.
pub fn list_tags(world: &World, name: &str, page: Page) -> Result<ListTagsOutput, IamError> {
    Ok(ListTagsOutput::new(&find(world, name)?.tags, page))
}

/// Creates a role with a random `AROA…` id.
pub fn create(world: &mut World, input: &CreateRole, now: u64) -> Result<RoleOutput, IamError> {
    if PROTECTED_PATHS.iter().any(|p| input.path.starts_with(p)) {
        return Err(IamError::InvalidInput(format!(
            "The path {} is reserved for roles that AWS manages.",
            input.path
        )));
    }
    let name = RoleName::try_from(input.name.clone()).map_err(IamError::InvalidInput)?;
    let path = IamPath::try_from(input.path.clone()).map_err(IamError::InvalidInput)?;
    let document = trust_document(&input.document)?;
    if find(world, &input.name).is_ok() {
        return Err(IamError::RoleExists(input.name.clone()));
    }
    check_quota("RolesPerAccount", world.roles.len() + 1, MAX_ROLES)?;
    check_quota(
        "ACLSizePerRole",
        policy_size(document.as_json()),
        MAX_TRUST_POLICY_SIZE,
    )?;
    let mut tags = BTreeMap::new();
    merge_tags(&mut tags, &input.tags);
    let role = Role {
        name,
        path,
        description: input.description.clone().filter(|d| !d.is_empty()),
        assume_role_policy_document: document,
        attached_policy_arns: Vec::new(),
        inline_policies: BTreeMap::new(),
        max_session_duration: input.max_session_duration,
        role_id: Some(random_id("AROA")),
        create_date: Some(rfc3339(now)),
        tags,
    };
    let output = RoleOutput {
        role: detail(world, &role, now, View::Created),
    };
    world.roles.push(role);
    Ok(output)
}

/// Deletes a role that has no policies left.
pub fn delete(world: &mut World, name: &str) -> Result<(), IamError> {
    let role = modifiable(world, name)?;
    if !role.attached_policy_arns.is_empty() {
        return Err(IamError::RoleHasAttachedPolicies(role.name.to_string()));
    }
    if !role.inline_policies.is_empty() {
        return Err(IamError::RoleHasInlinePolicies(role.name.to_string()));
    }
    world.roles.remove(&name.to_ascii_lowercase());
    Ok(())
}

/// Replaces the trust policy.
pub fn update_trust_policy(world: &mut World, name: &str, text: &str) -> Result<(), IamError> {
    modifiable(world, name)?;
    let document = trust_document(text)?;
    check_quota(
        "ACLSizePerRole",
        policy_size(document.as_json()),
        MAX_TRUST_POLICY_SIZE,
    )?;
    modifiable_mut(world, name)?.assume_role_policy_document = document;
    Ok(())
}

/// Changes the description (an empty one clears it) and the longest session.
pub fn update(
    world: &mut World,
    name: &str,
    description: Option<&str>,
    max_session_duration: Option<u32>,
) -> Result<Empty, IamError> {
    let role = modifiable_mut(world, name)?;
    if let Some(description) = description {
        role.description = Some(description.to_owned()).filter(|d| !d.is_empty());
    }
    if let Some(seconds) = max_session_duration {
        role.max_session_duration = seconds;
    }
    Ok(Empty {})
}

/// Adds or replaces tags (AWS's own roles can be tagged too).
pub fn tag(world: &mut World, name: &str, tags: &[(String, String)]) -> Result<(), IamError> {
    let role = find_mut(world, name)?;
    let mut merged = role.tags.clone();
    merge_tags(&mut merged, tags);
    check_quota("TagsPerRole", merged.len(), MAX_TAGS)?;
    role.tags = merged;
    Ok(())
}

/// Removes tags by key.
pub fn untag(world: &mut World, name: &str, keys: &[String]) -> Result<(), IamError> {
    remove_tags(&mut find_mut(world, name)?.tags, keys);
    Ok(())
}

/// The role named `name`, compared case-insensitively as IAM does.
pub(super) fn find<'w>(world: &'w World, name: &str) -> Result<&'w Role, IamError> {
    world
        .roles
        .get(&name.to_ascii_lowercase())
        .map(Arc::as_ref)
        .ok_or_else(|| IamError::NoSuchRole(name.to_owned()))
}

fn find_mut<'w>(world: &'w mut World, name: &str) -> Result<&'w mut Role, IamError> {
    world
        .roles
        .get_mut(&name.to_ascii_lowercase())
        .ok_or_else(|| IamError::NoSuchRole(name.to_owned()))
}

/// A role the account may change: not one of AWS's own.
pub(super) fn modifiable<'w>(world: &'w World, name: &str) -> Result<&'w Role, IamError> {
    let role = find(world, name)?;
    if is_protected(role) {
        return Err(IamError::ProtectedRole(role.name.to_string()));
    }
    Ok(role)
}

/// [`modifiable`], to change.
pub(super) fn modifiable_mut<'w>(
    world: &'w mut World,
    name: &str,
) -> Result<&'w mut Role, IamError> {
    let role = find_mut(world, name)?;
    if is_protected(role) {
        return Err(IamError::ProtectedRole(role.name.to_string()));
    }
    Ok(role)
}

fn is_protected(role: &Role) -> bool {
    PROTECTED_PATHS
        .iter()
        .any(|p| role.path.as_str().starts_with(p))
}

fn detail(world: &World, role: &Role, created_at: u64, view: View) -> RoleDetail {
    let account = world.account.id.as_str();
    RoleDetail {
        path: role.path.to_string(),
        assume_role_policy_document: encoded_document(role.assume_role_policy_document.as_json()),
        role_id: role.role_id(account),
        role_name: role.name.to_string(),
        arn: role.arn(account),
        create_date: role
            .create_date
            .clone()
            .unwrap_or_else(|| rfc3339(created_at)),
        description: role.description.clone(),
        max_session_duration: role.max_session_duration,
        tags: (view != View::Listed)
            .then(|| optional_tags(&role.tags))
            .flatten(),
        role_last_used: (view == View::Full).then_some(Empty {}),
    }
}
