//! AssumeRoleWithWebIdentity: parameters, token, role, trust policy, session policies,
//! then credentials. <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>

use serde::Serialize;
use serde_json::Value;

mod input;

use input::check_session_name;
pub use input::Input;

use super::error::{StsError, ValidationProblems};
use crate::clock::rfc3339;
use crate::credentials::{self, CredentialSecret, Session};
use crate::oidc::verify::{self, ProviderKeys, VerifiedClaims};
use crate::policy::{self, ContextKeys, Decision, PolicyKind, PrincipalRef, RequestContext};
use crate::world::{Role, World};

const ACTION: &str = "sts:AssumeRoleWithWebIdentity";
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

/// `AssumeRoleWithWebIdentityResult`, members in the model's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    credentials: CredentialsElement,
    subject_from_web_identity_token: String,
    assumed_role_user: AssumedRoleUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    packed_policy_size: Option<u32>,
    provider: String,
    audience: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_identity: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsElement {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct AssumedRoleUser {
    arn: String,
    assumed_role_id: String,
}

/// What the action reads: the account, the keys, the credential secret and the time.
pub struct Services<'a> {
    pub world: &'a World,
    pub keys: &'a dyn ProviderKeys,
    pub secret: &'a CredentialSecret,
    pub now: u64,
}

/// What the trust policy is asked, once the token checked out and the role was found:
/// the same request [`execute`] decides, for `irsa-local explain` to trace.
#[derive(Debug, Clone)]
pub struct TrustRequest<'w> {
    pub claims: VerifiedClaims,
    pub provider_arn: String,
    pub role: &'w Role,
    /// The condition keys the trust policy can test.
    pub keys: ContextKeys,
    /// Session tags from the token; with any, `sts:TagSession` is asked too.
    pub tags: Vec<(String, String)>,
    pub source_identity: Option<String>,
}

impl TrustRequest<'_> {
    /// The actions the trust policy must allow: web identity, and `sts:TagSession` when
    /// the token carries session tags.
    pub fn actions(&self) -> Vec<&'static str> {
        let mut actions = vec![ACTION];
        if !self.tags.is_empty() {
            actions.push("sts:TagSession");
        }
        actions
    }
}

/// The steps of [`execute`] before the trust policy: the parameters, the token, its
/// session tags and source identity, the role.
pub fn prepare<'w>(input: &Input, services: &Services<'w>) -> Result<TrustRequest<'w>, StsError> {
    let world = services.world;
    if input.provider_id.is_some() {
        return Err(StsError::ProviderIdWithOidcToken);
    }
    let role_account = role_arn_account(&input.role_arn).ok_or(StsError::InvalidRoleArn)?;
    // A role in another account: that account's providers are not ours to know.
    let ours = role_account == world.account.id.as_str();
    let claims = verify::verify(
        &input.web_identity_token,
        |issuer| {
            ours.then(|| world.oidc_providers.get(issuer))
                .flatten()
                .map(std::sync::Arc::as_ref)
        },
        services.keys,
        services.now,
    )?;
    let provider_arn = world.oidc_provider_arn(&claims.provider);
    let source_identity = source_identity(&claims)?;
    let tags = session_tags(&claims)?;

    let role = world
        .role_by_arn(&input.role_arn)
        .ok_or_else(|| StsError::NotAuthorized {
            action: ACTION,
            reason: format!("role {} does not exist", input.role_arn),
        })?;
    let keys = trust_context(
        &claims,
        &provider_arn,
        input,
        source_identity.as_deref(),
        &tags,
        services.now,
    );
    Ok(TrustRequest {
        claims,
        provider_arn,
        role,
        keys,
        tags,
        source_identity,
    })
}

/// Runs the action: token, role, trust, session policies, credentials.
pub fn execute(input: &Input, services: &Services) -> Result<Output, StsError> {
    let world = services.world;
    let TrustRequest {
        claims,
        provider_arn,
        role,
        keys: context_keys,
        tags,
        source_identity,
    } = prepare(input, services)?;
    authorize(role, ACTION, &provider_arn, &input.role_arn, &context_keys)?;
    if !tags.is_empty() {
        authorize(
            role,
            "sts:TagSession",
            &provider_arn,
            &input.role_arn,
            &context_keys,
        )?;
    }
    if input.duration_seconds > role.max_session_duration {
        return Err(StsError::DurationExceedsRoleMaximum {
            requested: input.duration_seconds,
            maximum: role.max_session_duration,
        });
    }
    if let Some(document) = &input.policy {
        policy::parse(document, PolicyKind::Identity)
            .map_err(|err| StsError::MalformedSessionPolicy(err.to_string()))?;
    }
    for arn in &input.policy_arns {
        if !world.managed_policies.iter().any(|p| &p.arn == arn) {
            return Err(StsError::UnknownPolicyArn(arn.clone()));
        }
    }

    let session = Session {
        account_id: world.account.id.to_string(),
        role_arn: input.role_arn.clone(),
        role_name: role.name.to_string(),
        role_id: role.role_id(world.account.id.as_str()),
        session_name: input.role_session_name.clone(),
        subject: claims.subject.clone(),
        audience: claims.audience.clone(),
        provider_arn: provider_arn.clone(),
        source_identity: source_identity.clone(),
        session_policy: input.policy.clone(),
        policy_arns: input.policy_arns.clone(),
        tags,
        issued_at: services.now,
        expires_at: services.now + u64::from(input.duration_seconds),
    };
    let packed_policy_size = packed_policy_size(&session)?;
    let issued = credentials::issue(services.secret, &session).map_err(StsError::Internal)?;
    Ok(Output {
        credentials: CredentialsElement {
            access_key_id: issued.access_key_id,
            secret_access_key: issued.secret_access_key,
            session_token: issued.session_token,
            expiration: rfc3339(issued.expiration),
        },
        subject_from_web_identity_token: claims.subject.clone(),
        assumed_role_user: AssumedRoleUser {
            arn: session.assumed_role_arn(),
            assumed_role_id: session.assumed_role_id(),
        },
        packed_policy_size,
        provider: provider_arn,
        audience: claims.audience,
        source_identity,
    })
}

/// The account of `arn:aws:iam::<account>:role/<path><name>`.
fn role_arn_account(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty())
        .then_some(account)
}

/// Evaluates the role's trust policy for `action`.
fn authorize(
    role: &Role,
    action: &'static str,
    provider_arn: &str,
    role_arn: &str,
    keys: &ContextKeys,
) -> Result<(), StsError> {
    let trust = role.trust_policy();
    let context = RequestContext {
        principal: Some(PrincipalRef::Federated(provider_arn)),
        action,
        resource: Some(role_arn),
        keys: keys.clone(),
    };
    match policy::evaluate(&[("trust policy", trust)], &context) {
        Decision::Allow(_) => Ok(()),
        denied => Err(StsError::NotAuthorized {
            action,
            reason: format!("trust policy of role {}: {denied}", role.name),
        }),
    }
}

/// The condition keys a trust policy can test for this request.
fn trust_context(
    claims: &VerifiedClaims,
    provider_arn: &str,
    input: &Input,
    source_identity: Option<&str>,
    tags: &[(String, String)],
    now: u64,
) -> ContextKeys {
    let prefix = claims.provider.url.without_scheme();
    let mut keys = ContextKeys::new();
    keys.insert(&format!("{prefix}:sub"), claims.subject.clone());
    keys.insert(&format!("{prefix}:aud"), claims.audience.clone());
    if let Some(azp) = claims.claims.get("azp").and_then(Value::as_str) {
        keys.insert(&format!("{prefix}:azp"), azp);
    }
    match claims.claims.get("amr") {
        Some(Value::String(amr)) => keys.insert(&format!("{prefix}:amr"), amr.clone()),
        Some(Value::Array(values)) => {
            for amr in values.iter().filter_map(Value::as_str) {
                keys.insert(&format!("{prefix}:amr"), amr);
            }
        }
        _ => {}
    }
    keys.insert("sts:RoleSessionName", input.role_session_name.clone());
    keys.insert("aws:FederatedProvider", provider_arn);
    if let Some(source_identity) = source_identity {
        keys.insert("sts:SourceIdentity", source_identity);
    }
    for (key, value) in tags {
        keys.insert(&format!("aws:RequestTag/{key}"), value.clone());
        keys.insert("aws:TagKeys", key.clone());
    }
    keys.insert("aws:CurrentTime", rfc3339(now));
    keys.insert("aws:EpochTime", now.to_string());
    keys
}

/// The `https://aws.amazon.com/source_identity` claim, checked like the parameter.
fn source_identity(claims: &VerifiedClaims) -> Result<Option<String>, StsError> {
    let Some(value) = claims.claims.get(SOURCE_IDENTITY_CLAIM) else {
        return Ok(None);
    };
    let value = value.as_str().unwrap_or_default();
    let mut problems = ValidationProblems::default();
    check_session_name(value, "sourceIdentity", &mut problems);
    problems.check().map_err(StsError::Validation)?;
    Ok(Some(value.to_owned()))
}

/// Session tags from the `https://aws.amazon.com/tags` claim's `principal_tags`.
fn session_tags(claims: &VerifiedClaims) -> Result<Vec<(String, String)>, StsError> {
    let Some(tags) = claims.claims.get(TAGS_CLAIM) else {
        return Ok(Vec::new());
    };
    let mut problems = ValidationProblems::default();
    let mut list = Vec::new();
    let principal_tags = tags.get("principal_tags").and_then(Value::as_object);
    for (key, values) in principal_tags.into_iter().flatten() {
        let value = match values {
            Value::Array(items) => items.first().and_then(Value::as_str).unwrap_or_default(),
            Value::String(single) => single,
            _ => "",
        };
        if key.is_empty() || key.chars().count() > 128 {
            problems.add(
                "tags.member.key",
                Some(key),
                "Member must have length less than or equal to 128",
            );
        }
        if value.chars().count() > 256 {
            problems.add(
                "tags.member.value",
                Some(value),
                "Member must have length less than or equal to 256",
            );
        }
        list.push((key.clone(), value.to_owned()));
    }
    if list.len() > 50 {
        problems.add(
            "tags",
            None,
            "Member must have length less than or equal to 50",
        );
    }
    problems.check().map_err(StsError::Validation)?;
    Ok(list)
}

/// AWS reports the packed size of session policies and tags as a percentage of the limit
/// when there are any. irsa-local does not compress; it reports the plaintext share of
/// the 2048-character budget, rounded up, and refuses more than 100%.
fn packed_policy_size(session: &Session) -> Result<Option<u32>, StsError> {
    let plaintext = session.session_policy.as_deref().map_or(0, str::len)
        + session.policy_arns.iter().map(String::len).sum::<usize>()
        + session
            .tags
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>();
    if plaintext == 0 {
        return Ok(None);
    }
    let percent = u32::try_from((plaintext * 100).div_ceil(2048)).unwrap_or(u32::MAX);
    if percent > 100 {
        return Err(StsError::PackedPolicyTooLarge(percent));
    }
    Ok(Some(percent))
}
