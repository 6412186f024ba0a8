//! Inline policies embedded in roles: put, get, delete, list.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html>

use serde::Serialize;

use super::error::IamError;
use super::input::{permissions_document, policy_size, Page};
use super::output::{encoded_document, paginate, Members};
use super::roles;
use crate::world::World;

/// Characters of all of a role's inline policies together, whitespace excluded.
const MAX_INLINE_SIZE: usize = 10_240;

/// GetRolePolicyResult: the document URL-encoded, as IAM sends it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicyOutput {
    role_name: String,
    policy_name: String,
    policy_document: String,
}

/// ListRolePoliciesResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolePoliciesOutput {
    policy_names: Members<String>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
}

/// Adds or replaces an inline policy.
pub fn put(
    world: &mut World,
    role_name: &str,
    policy_name: &str,
    text: &str,
) -> Result<(), IamError> {
    let role = roles::modifiable(world, role_name)?;
    let document = permissions_document(text)?;
    let others: usize = role
        .inline_policies
        .iter()
        .filter(|(name, _)| name.as_str() != policy_name)
        .map(|(_, other)| policy_size(other.as_json()))
        .sum();
    if others + policy_size(document.as_json()) > MAX_INLINE_SIZE {
        return Err(IamError::InlinePolicySizeExceeded {
            role: role.name.to_string(),
            limit: MAX_INLINE_SIZE,
        });
    }
    roles::modifiable_mut(world, role_name)?
        .inline_policies
        .insert(policy_name.to_owned(), document);
    Ok(())
}

/// One inline policy.
pub fn get(
    world: &World,
    role_name: &str,
    policy_name: &str,
) -> Result<RolePolicyOutput, IamError> {
    let role = roles::find(world, role_name)?;
    let document = role
        .inline_policies
        .get(policy_name)
        .ok_or_else(|| no_such(role_name, policy_name))?;
    Ok(RolePolicyOutput {
        role_name: role.name.to_string(),
        policy_name: policy_name.to_owned(),
        policy_document: encoded_document(document.as_json()),
    })
}

/// Deletes an inline policy.
pub fn delete(world: &mut World, role_name: &str, policy_name: &str) -> Result<(), IamError> {
    roles::modifiable_mut(world, role_name)?
        .inline_policies
        .remove(policy_name)
        .map(|_| ())
        .ok_or_else(|| no_such(role_name, policy_name))
}

/// The names of a role's inline policies, sorted, a page at a time.
pub fn list(
    world: &World,
    role_name: &str,
    page: Page,
) -> Result<ListRolePoliciesOutput, IamError> {
    let names = roles::find(world, role_name)?
        .inline_policies
        .keys()
        .cloned()
        .collect();
    let (member, is_truncated, marker) = paginate(names, page);
    Ok(ListRolePoliciesOutput {
        policy_names: Members::new(member),
        is_truncated,
        marker,
    })
}

fn no_such(role_name: &str, policy_name: &str) -> IamError {
    IamError::NoSuchRolePolicy {
        role: role_name.to_owned(),
        policy: policy_name.to_owned(),
    }
}
