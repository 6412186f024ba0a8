//! Managed policies: AWS's (the bundled catalogue) and the account's own. List, show,
//! show the default version's document, create, delete.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html>
//!
//! Known gaps: one version per policy (no CreatePolicyVersion, so GetPolicyVersion knows
//! only the default version); `PolicyUsageFilter` is checked but filters nothing, since no
//! policy is ever a permissions boundary here.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::action::{CreatePolicy, ListPolicies, Scope};
use super::error::IamError;
use super::input::{managed_document, merge_tags, policy_size};
use super::output::{encoded_document, optional_tags, paginate, Members, Tag};
use super::{check_quota, random_id};
use crate::clock::rfc3339;
use crate::world::{split_policy_arn, ManagedPolicy, World};

/// Customer managed policies per account.
const MAX_POLICIES: usize = 1500;
/// Characters of a managed policy, whitespace excluded.
const MAX_POLICY_SIZE: usize = 6144;

/// ListPoliciesResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesOutput {
    policies: Members<PolicyEntry>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
}

/// GetPolicyResult, CreatePolicyResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyOutput {
    policy: PolicyDetail,
}

/// GetPolicyVersionResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionOutput {
    policy_version: PolicyVersion,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersion {
    document: String,
    version_id: String,
    is_default_version: bool,
    create_date: String,
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDetail {
    #[serde(flatten)]
    entry: PolicyEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Members<Tag>>,
}

/// Managed policies by scope, attachment and path, a page at a time.
pub fn list(
    world: &World,
    input: &ListPolicies,
    created_at: u64,
) -> Result<ListPoliciesOutput, IamError> {
    let account = world.account.id.as_str();
    let mut matching = Vec::new();
    for policy in &world.managed_policies {
        let entry = entry(world, policy, created_at)?;
        let aws_owned = is_aws_owned(&policy.arn);
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
    let (member, is_truncated, marker) = paginate(matching, input.page);
    Ok(ListPoliciesOutput {
        policies: Members::new(member),
        is_truncated,
        marker,
    })
}

/// One managed policy by ARN.
pub fn show(world: &World, arn: &str, created_at: u64) -> Result<PolicyOutput, IamError> {
    let policy = find(world, arn)?;
    Ok(PolicyOutput {
        policy: detail(world, policy, created_at)?,
    })
}

/// A version of a policy's document: only the default version is kept.
pub fn version(
    world: &World,
    arn: &str,
    version_id: &str,
    created_at: u64,
) -> Result<PolicyVersionOutput, IamError> {
    let policy = find(world, arn)?;
    if policy.default_version_id != version_id {
        return Err(IamError::NoSuchPolicyVersion {
            arn: arn.to_owned(),
            version: version_id.to_owned(),
        });
    }
    let create_date = policy
        .update_date
        .clone()
        .or_else(|| policy.create_date.clone())
        .unwrap_or_else(|| rfc3339(created_at));
    Ok(PolicyVersionOutput {
        policy_version: PolicyVersion {
            document: encoded_document(policy.document.as_json()),
            version_id: policy.default_version_id.clone(),
            is_default_version: true,
            create_date,
        },
    })
}

/// Creates a customer managed policy, version `v1`, with a random `ANPA…` id.
pub fn create(world: &mut World, input: &CreatePolicy, now: u64) -> Result<PolicyOutput, IamError> {
    let account = world.account.id.to_string();
    let arn = format!("arn:aws:iam::{account}:policy{}{}", input.path, input.name);
    split_policy_arn(&arn, &account).map_err(IamError::InvalidInput)?;
    let document = managed_document(&input.document)?;
    let taken = world.managed_policies.iter().any(|policy| {
        !is_aws_owned(&policy.arn)
            && split_policy_arn(&policy.arn, &account)
                .is_ok_and(|(_, name)| name.eq_ignore_ascii_case(&input.name))
    });
    if taken {
        return Err(IamError::PolicyExists(input.name.clone()));
    }
    let local = world
        .managed_policies
        .iter()
        .filter(|policy| !is_aws_owned(&policy.arn))
        .count();
    check_quota("PoliciesPerAccount", local + 1, MAX_POLICIES)?;
    check_quota(
        "PolicySize",
        policy_size(document.as_json()),
        MAX_POLICY_SIZE,
    )?;
    let mut tags = BTreeMap::new();
    merge_tags(&mut tags, &input.tags);
    let policy = ManagedPolicy {
        arn,
        policy_id: random_id("ANPA"),
        default_version_id: "v1".to_owned(),
        description: input.description.clone().filter(|d| !d.is_empty()),
        create_date: Some(rfc3339(now)),
        update_date: Some(rfc3339(now)),
        document,
        tags,
    };
    let output = PolicyOutput {
        policy: detail(world, &policy, now)?,
    };
    world.managed_policies.push(policy);
    Ok(output)
}

/// Deletes a customer managed policy that no role has attached.
pub fn delete(world: &mut World, arn: &str) -> Result<(), IamError> {
    let policy = find(world, arn)?;
    if is_aws_owned(&policy.arn) {
        return Err(IamError::AwsOwnedPolicy(arn.to_owned()));
    }
    if attachment_count(world, arn) > 0 {
        return Err(IamError::PolicyInUse(arn.to_owned()));
    }
    world.managed_policies.remove(arn);
    Ok(())
}

/// The managed policy with this ARN; `InvalidArn` for something that is not a policy ARN.
pub(super) fn find<'w>(world: &'w World, arn: &str) -> Result<&'w ManagedPolicy, IamError> {
    check_arn(arn)?;
    world
        .managed_policies
        .iter()
        .find(|policy| policy.arn == arn)
        .map(Arc::as_ref)
        .ok_or_else(|| IamError::NoSuchPolicy(arn.to_owned()))
}

/// `InvalidArn` unless `arn` has the shape `arn:aws:iam::<owner>:policy/<path and name>`.
pub(super) fn check_arn(arn: &str) -> Result<(), IamError> {
    let well_formed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":policy/"))
        .is_some_and(|(owner, name)| !owner.is_empty() && !name.is_empty());
    if well_formed {
        Ok(())
    } else {
        Err(IamError::InvalidArn(arn.to_owned()))
    }
}

/// How many roles have the policy attached.
pub(super) fn attachment_count(world: &World, arn: &str) -> usize {
    world
        .roles
        .iter()
        .filter(|role| role.attached_policy_arns.iter().any(|a| a == arn))
        .count()
}

fn is_aws_owned(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:")
}

fn detail(
    world: &World,
    policy: &ManagedPolicy,
    created_at: u64,
) -> Result<PolicyDetail, IamError> {
    Ok(PolicyDetail {
        entry: entry(world, policy, created_at)?,
        description: policy.description.clone(),
        tags: optional_tags(&policy.tags),
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
        attachment_count: attachment_count(world, &policy.arn),
        permissions_boundary_usage_count: 0,
        is_attachable: true,
        update_date: policy
            .update_date
            .clone()
            .unwrap_or_else(|| created.clone()),
        create_date: created,
    })
}
