//! IAM over the query protocol (version 2010-05-08): OIDC providers, roles, managed and
//! inline policies and attachments, as pure functions over the world. [`execute`] answers
//! reads from a snapshot; [`apply`] makes a change to a world the caller owns (a clone it
//! swaps in only on `Ok`). The edge ([`http`]) authenticates, authorizes with
//! [`IamAction::permission`] and renders the [`Output`].
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html>
//!
//! Known gaps: users, groups, instance profiles, policy versions beyond the default and
//! service-linked role creation answer `InvalidAction`. Parameters that would change the
//! outcome and are not implemented are refused with `InvalidInput` rather than ignored:
//! `PermissionsBoundary` and `MaxSigninSessionDuration` (CreateRole),
//! `MaxSigninSessionDuration` and `ResetMaxSigninSessionDuration` (UpdateRole),
//! `IdentityCenterInstanceArn` and `ContextProvider` (CreateOpenIDConnectProvider). Each
//! area's file lists its own gaps.

mod action;
mod attachments;
pub mod error;
pub mod http;
mod inline;
mod input;
mod output;
mod policies;
mod providers;
mod roles;

#[cfg(test)]
mod tests;

use rand::Rng;
use serde::Serialize;

use crate::world::World;
pub use action::{
    CreatePolicy, CreateProvider, CreateRole, IamAction, IamRead, IamWrite, ListPolicies, Scope,
};
use error::IamError;

/// The query API version of IAM.
pub const VERSION: &str = "2010-05-08";
/// The XML namespace of IAM responses.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// A result element, serialized inside `<{Action}Result>`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Output {
    Providers(providers::ListProvidersOutput),
    Provider(providers::ProviderOutput),
    ProviderCreated(providers::CreateProviderOutput),
    Tags(output::ListTagsOutput),
    Roles(roles::ListRolesOutput),
    Role(Box<roles::RoleOutput>),
    Policies(policies::ListPoliciesOutput),
    Policy(Box<policies::PolicyOutput>),
    PolicyVersion(policies::PolicyVersionOutput),
    AttachedPolicies(attachments::ListAttachedOutput),
    RolePolicy(inline::RolePolicyOutput),
    RolePolicyNames(inline::ListRolePoliciesOutput),
    Empty(output::Empty),
}

/// Answers a read over a snapshot of the world; `created_at` stands in for creation dates
/// the world does not give (a world file's entities).
pub fn execute(world: &World, action: &IamRead, created_at: u64) -> Result<Output, IamError> {
    use IamRead as A;
    let output = match action {
        A::ListOpenIdConnectProviders => Output::Providers(providers::list(world)),
        A::GetOpenIdConnectProvider { arn } => {
            Output::Provider(providers::show(world, arn, created_at)?)
        }
        A::ListOpenIdConnectProviderTags { arn, page } => {
            Output::Tags(providers::list_tags(world, arn, *page)?)
        }
        A::GetRole { name } => Output::Role(Box::new(roles::show(world, name, created_at)?)),
        A::ListRoles { path_prefix, page } => {
            Output::Roles(roles::list(world, path_prefix, *page, created_at))
        }
        A::ListRoleTags { name, page } => Output::Tags(roles::list_tags(world, name, *page)?),
        A::ListPolicies(input) => Output::Policies(policies::list(world, input, created_at)?),
        A::GetPolicy { arn } => Output::Policy(Box::new(policies::show(world, arn, created_at)?)),
        A::GetPolicyVersion { arn, version_id } => {
            Output::PolicyVersion(policies::version(world, arn, version_id, created_at)?)
        }
        A::ListAttachedRolePolicies {
            name,
            path_prefix,
            page,
        } => Output::AttachedPolicies(attachments::list(world, name, path_prefix, *page)?),
        A::GetRolePolicy { name, policy_name } => {
            Output::RolePolicy(inline::get(world, name, policy_name)?)
        }
        A::ListRolePolicies { name, page } => {
            Output::RolePolicyNames(inline::list(world, name, *page)?)
        }
    };
    Ok(output)
}

/// Makes a change to `world`; `now` is the request time (creation dates). `None` means the
/// action has no result element. Each action checks everything before it changes
/// anything, so on `Err` the world is as it was (callers may discard it anyway).
pub fn apply(world: &mut World, action: &IamWrite, now: u64) -> Result<Option<Output>, IamError> {
    use IamWrite as A;
    let output = match action {
        A::CreateOpenIdConnectProvider(input) => Some(Output::ProviderCreated(providers::create(
            world, input, now,
        )?)),
        A::DeleteOpenIdConnectProvider { arn } => none(providers::delete(world, arn))?,
        A::AddClientIdToOpenIdConnectProvider { arn, client_id } => {
            none(providers::add_client_id(world, arn, client_id))?
        }
        A::RemoveClientIdFromOpenIdConnectProvider { arn, client_id } => {
            none(providers::remove_client_id(world, arn, client_id))?
        }
        A::UpdateOpenIdConnectProviderThumbprint { arn, thumbprints } => {
            none(providers::update_thumbprints(world, arn, thumbprints))?
        }
        A::TagOpenIdConnectProvider { arn, tags } => none(providers::tag(world, arn, tags))?,
        A::UntagOpenIdConnectProvider { arn, keys } => none(providers::untag(world, arn, keys))?,
        A::CreateRole(input) => Some(Output::Role(Box::new(roles::create(world, input, now)?))),
        A::DeleteRole { name } => none(roles::delete(world, name))?,
        A::UpdateAssumeRolePolicy { name, document } => {
            none(roles::update_trust_policy(world, name, document))?
        }
        A::UpdateRole {
            name,
            description,
            max_session_duration,
        } => Some(Output::Empty(roles::update(
            world,
            name,
            description.as_deref(),
            *max_session_duration,
        )?)),
        A::TagRole { name, tags } => none(roles::tag(world, name, tags))?,
        A::UntagRole { name, keys } => none(roles::untag(world, name, keys))?,
        A::CreatePolicy(input) => Some(Output::Policy(Box::new(policies::create(
            world, input, now,
        )?))),
        A::DeletePolicy { arn } => none(policies::delete(world, arn))?,
        A::AttachRolePolicy { name, arn } => none(attachments::attach(world, name, arn))?,
        A::DetachRolePolicy { name, arn } => none(attachments::detach(world, name, arn))?,
        A::PutRolePolicy {
            name,
            policy_name,
            document,
        } => none(inline::put(world, name, policy_name, document))?,
        A::DeleteRolePolicy { name, policy_name } => {
            none(inline::delete(world, name, policy_name))?
        }
    };
    Ok(output)
}

/// An action without a result element.
fn none(result: Result<(), IamError>) -> Result<Option<Output>, IamError> {
    result.map(|()| None)
}

/// `LimitExceeded` when `count` would pass the quota.
fn check_quota(quota: &'static str, count: usize, limit: usize) -> Result<(), IamError> {
    if count > limit {
        Err(IamError::LimitExceeded { quota, limit })
    } else {
        Ok(())
    }
}

/// An IAM unique id: `prefix` (`AROA`, `ANPA`) and 17 random characters of `A-Z2-7`.
fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let tail: String = (0..17)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("{prefix}{tail}")
}
