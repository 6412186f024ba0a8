//! Managed policies attached to roles: attach, detach, list.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html>

use serde::Serialize;

use super::error::IamError;
use super::input::Page;
use super::output::{paginate, Members};
use super::{check_quota, policies, roles};
use crate::world::{split_policy_arn, World};

/// Managed policies per role (IAM's default quota).
const MAX_ATTACHED: usize = 10;

/// ListAttachedRolePoliciesResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAttachedOutput {
    attached_policies: Members<AttachedPolicy>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedPolicy {
    policy_name: String,
    policy_arn: String,
}

/// Attaches a managed policy; attaching one that is attached already changes nothing.
pub fn attach(world: &mut World, role_name: &str, arn: &str) -> Result<(), IamError> {
    let role = roles::modifiable(world, role_name)?;
    policies::find(world, arn)?;
    if role.attached_policy_arns.iter().any(|a| a == arn) {
        return Ok(());
    }
    check_quota(
        "PoliciesPerRole",
        role.attached_policy_arns.len() + 1,
        MAX_ATTACHED,
    )?;
    roles::modifiable_mut(world, role_name)?
        .attached_policy_arns
        .push(arn.to_owned());
    Ok(())
}

/// Detaches a managed policy that is attached.
pub fn detach(world: &mut World, role_name: &str, arn: &str) -> Result<(), IamError> {
    policies::check_arn(arn)?;
    let role = roles::modifiable_mut(world, role_name)?;
    if !role.attached_policy_arns.iter().any(|a| a == arn) {
        return Err(IamError::PolicyNotAttached(arn.to_owned()));
    }
    role.attached_policy_arns.retain(|a| a != arn);
    Ok(())
}

/// The role's managed policies whose path starts with `path_prefix`, in attachment order.
pub fn list(
    world: &World,
    role_name: &str,
    path_prefix: &str,
    page: Page,
) -> Result<ListAttachedOutput, IamError> {
    let role = roles::find(world, role_name)?;
    let account = world.account.id.as_str();
    let matching: Vec<AttachedPolicy> = role
        .attached_policy_arns
        .iter()
        .filter_map(|arn| {
            let (path, name) = split_policy_arn(arn, account).ok()?;
            path.starts_with(path_prefix).then(|| AttachedPolicy {
                policy_name: name.to_owned(),
                policy_arn: arn.clone(),
            })
        })
        .collect();
    let (member, is_truncated, marker) = paginate(matching, page);
    Ok(ListAttachedOutput {
        attached_policies: Members::new(member),
        is_truncated,
        marker,
    })
}
