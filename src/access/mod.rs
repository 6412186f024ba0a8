//! Who is calling and what they may do. A verified caller is the account's root (the
//! world's admin credentials: everything is allowed) or a role session (its role's attached
//! and inline policies, intersected with the session's own policies; an explicit deny in
//! any of them wins). A session belongs to the role that issued it, by the role's unique
//! id: once that role is gone (deleted, or deleted and created again under the same name)
//! the session is denied everything that needs a permission, while its credentials still
//! authenticate until they expire, as AWS's do. Pure over the world and the session: no HTTP.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

pub mod authenticate;
pub mod denied;
pub mod error;
pub mod http;
pub mod regions;

pub use denied::{Denied, Deny, PolicyType};

use crate::clock::rfc3339;
use crate::credentials::Session;
use crate::policy::{self, ContextKeys, Decision, Policy, RequestContext, SessionPolicies};
use crate::world::{Role, World};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The account's root user, signing with the world's admin credentials.
    Root {
        account_id: String,
        access_key_id: String,
    },
    /// A role session from AssumeRoleWithWebIdentity.
    Session {
        access_key_id: String,
        session: Box<Session>,
    },
}

impl Caller {
    /// `GetCallerIdentity`'s `Arn`.
    pub fn arn(&self) -> String {
        match self {
            Self::Root { account_id, .. } => format!("arn:aws:iam::{account_id}:root"),
            Self::Session { session, .. } => session.assumed_role_arn(),
        }
    }

    /// `GetCallerIdentity`'s `UserId`: the account id for root, `<role id>:<session>`.
    pub fn user_id(&self) -> String {
        match self {
            Self::Root { account_id, .. } => account_id.clone(),
            Self::Session { session, .. } => session.assumed_role_id(),
        }
    }

    /// The caller's account.
    pub fn account_id(&self) -> &str {
        match self {
            Self::Root { account_id, .. } => account_id,
            Self::Session { session, .. } => &session.account_id,
        }
    }
}

/// What was asked: an action on a resource, with the service's own condition keys.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub service_keys: Vec<(String, String)>,
}

/// Decides whether `caller` may make `request` at `now`; a session's inline policy is
/// parsed through `session_policies`. An explicit deny in any policy wins over an
/// implicit one (the role's policies are named first when both deny alike), as AWS
/// reports one policy type when several refuse.
pub fn authorize(
    world: &World,
    caller: &Caller,
    request: &Request,
    now: u64,
    session_policies: &SessionPolicies,
) -> Result<(), Denied> {
    let Caller::Session { session, .. } = caller else {
        return Ok(());
    };
    let identity_based = |deny, reason| Denied::new(deny, PolicyType::IdentityBased, reason);
    let session_type = |deny, reason| Denied::new(deny, PolicyType::Session, reason);
    let role = world
        .roles
        .iter()
        .find(|role| issued(role, session))
        .ok_or_else(|| {
            identity_based(
                Deny::Implicit,
                format!(
                    "role {} (id {}) that issued the session no longer exists",
                    session.role_arn, session.role_id
                ),
            )
        })?;
    let context = RequestContext {
        principal: None,
        action: request.action,
        resource: Some(request.resource),
        keys: context_keys(session, request, now),
    };

    let mut identity: Vec<(String, &Policy)> = Vec::new();
    for arn in &role.attached_policy_arns {
        if let Some(managed) = world.managed_policies.iter().find(|p| &p.arn == arn) {
            identity.push((arn.clone(), managed.document.policy()));
        }
    }
    for (name, document) in &role.inline_policies {
        identity.push((
            format!("inline policy {name} of role {}", role.name),
            document.policy(),
        ));
    }
    let role_decision = evaluate(&identity, &context);
    let role_reason = || format!("role {}'s policies: {role_decision}", role.name);
    if matches!(role_decision, Decision::ExplicitDeny(_)) {
        return Err(identity_based(Deny::Explicit, role_reason()));
    }

    // Session policies can only narrow what the role allows.
    let inline = session
        .session_policy
        .as_deref()
        .map(|text| session_policies.parse(text))
        .transpose()
        .map_err(|err| {
            session_type(
                Deny::Implicit,
                format!("the session policy no longer parses: {err}"),
            )
        })?;
    let mut named: Vec<(String, &Policy)> = Vec::new();
    if let Some(inline) = &inline {
        named.push(("session policy".to_owned(), inline.as_ref()));
    }
    for arn in &session.policy_arns {
        let managed = world
            .managed_policies
            .iter()
            .find(|p| &p.arn == arn)
            .ok_or_else(|| {
                session_type(
                    Deny::Implicit,
                    format!("session policy {arn} no longer exists"),
                )
            })?;
        named.push((format!("session policy {arn}"), managed.document.policy()));
    }
    let session_decision = (!named.is_empty()).then(|| evaluate(&named, &context));
    let session_reason = |decision: &Decision| format!("session policies: {decision}");
    match &session_decision {
        Some(decision @ Decision::ExplicitDeny(_)) => {
            Err(session_type(Deny::Explicit, session_reason(decision)))
        }
        _ if !role_decision.is_allow() => Err(identity_based(Deny::Implicit, role_reason())),
        Some(decision) if !decision.is_allow() => {
            Err(session_type(Deny::Implicit, session_reason(decision)))
        }
        _ => Ok(()),
    }
}

/// Whether `role` issued `session`: it has the session's role ARN and unique id. A role deleted
/// and created again under the same name is another principal with another id, and its
/// policies do not apply to the old role's sessions, as in AWS
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles>;
/// EKS access entries, `principalArn`:
/// <https://docs.aws.amazon.com/eks/latest/APIReference/API_AccessEntry.html>).
fn issued(role: &Role, session: &Session) -> bool {
    role.arn(&session.account_id) == session.role_arn
        && role.role_id(&session.account_id) == session.role_id
}

/// [`policy::evaluate`] over policies named by owned strings.
fn evaluate(policies: &[(String, &Policy)], context: &RequestContext<'_>) -> Decision {
    let named: Vec<(&str, &Policy)> = policies
        .iter()
        .map(|(name, policy)| (name.as_str(), *policy))
        .collect();
    policy::evaluate(&named, context)
}

/// The global condition keys of a role session, plus the service's own.
fn context_keys(session: &Session, request: &Request, now: u64) -> ContextKeys {
    let mut keys = ContextKeys::new();
    keys.insert("aws:PrincipalArn", session.role_arn.clone());
    keys.insert("aws:PrincipalAccount", session.account_id.clone());
    keys.insert("aws:PrincipalType", "AssumedRole");
    keys.insert("aws:userid", session.assumed_role_id());
    if !session.provider_arn.is_empty() {
        keys.insert("aws:FederatedProvider", session.provider_arn.clone());
    }
    keys.insert("aws:CurrentTime", rfc3339(now));
    keys.insert("aws:EpochTime", now.to_string());
    keys.insert("aws:TokenIssueTime", rfc3339(session.issued_at));
    if let Some(source_identity) = &session.source_identity {
        keys.insert("aws:SourceIdentity", source_identity.clone());
    }
    for (key, value) in &session.tags {
        keys.insert(&format!("aws:PrincipalTag/{key}"), value.clone());
    }
    let provider = session
        .provider_arn
        .split_once(":oidc-provider/")
        .map_or("", |(_, url)| url);
    if !provider.is_empty() {
        keys.insert(&format!("{provider}:sub"), session.subject.clone());
        keys.insert(&format!("{provider}:aud"), session.audience.clone());
    }
    for (key, value) in &request.service_keys {
        keys.insert(key, value.clone());
    }
    keys
}

#[cfg(test)]
mod tests;
