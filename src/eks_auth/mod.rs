//! EKS Auth's `AssumeRoleForPodIdentity`, and the EKS Pod Identity Agent's credentials
//! endpoint that calls it for pods: a pod identity token in, credentials for the role of
//! the pod's association out.
//! <https://docs.aws.amazon.com/eks/latest/APIReference/API_auth_AssumeRoleForPodIdentity.html>
//!
//! The checks, in order: the token verifies against the cluster's issuer and keys with
//! audience `pods.eks.amazonaws.com`, is not expired, names a service account whose uid it
//! carries and, when bound to a pod, a pod that still exists with that uid; the service
//! account has an association; the role exists and its trust policy lets the service
//! principal `pods.eks.amazonaws.com` do `sts:AssumeRole` and, with session tags,
//! `sts:TagSession`. The session carries EKS's six tags, so `aws:PrincipalTag/…`
//! conditions see them in every later request.
//!
//! Pure: the world, the cluster's keys, the credential secret and the time are given.

pub mod agent;
pub mod error;
pub mod http;
#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::Value;

use crate::credentials::{self, CredentialSecret, Session};
use crate::oidc::verify::{self, ProviderKeys, VerificationKey};
use crate::pod_identity::{AUDIENCE, SERVICE_PRINCIPAL};
use crate::policy::{self, ContextKeys, Decision, PrincipalRef, RequestContext};
use crate::world::{Cluster, OidcProvider, PodIdentityAssociation, Role, World};
pub use error::EksAuthError;

/// How long the credentials last: EKS Auth's six hours, or less when the role's maximum
/// session duration is shorter.
const SESSION_SECONDS: u64 = 6 * 3600;
/// The longest role session name STS allows.
const MAX_SESSION_NAME: usize = 64;

/// `AssumeRoleForPodIdentity`'s response, members in the model's order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub subject: Subject,
    pub audience: String,
    pub pod_identity_association: AssociationRef,
    pub assumed_role_user: AssumedRoleUser,
    pub credentials: Credentials,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub namespace: String,
    pub service_account: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationRef {
    pub association_arn: String,
    pub association_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumedRoleUser {
    pub arn: String,
    pub assume_role_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub session_token: String,
    pub secret_access_key: String,
    pub access_key_id: String,
    /// Epoch seconds.
    pub expiration: u64,
}

/// What the action reads.
pub struct Services<'a> {
    pub world: &'a World,
    /// The public keys of the cluster's issuer.
    pub keys: &'a [VerificationKey],
    pub secret: &'a CredentialSecret,
    pub now: u64,
}

/// The cluster's keys, as the verifier asks for them by issuer URL.
struct ClusterKeys<'a> {
    issuer: &'a str,
    keys: &'a [VerificationKey],
}

impl ProviderKeys for ClusterKeys<'_> {
    fn keys_for(&self, url: &str) -> Result<&[VerificationKey], String> {
        if url == self.issuer {
            Ok(self.keys)
        } else {
            Err(format!("{url} is not the cluster's issuer"))
        }
    }
}

/// Who the token says is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PodSubject {
    namespace: String,
    service_account: String,
    /// `(name, uid)` of the pod the token is bound to.
    pod: Option<(String, String)>,
}

/// Runs `AssumeRoleForPodIdentity` for `token` in the cluster `cluster_name`.
pub fn assume_role_for_pod_identity(
    cluster_name: &str,
    token: &str,
    services: &Services,
) -> Result<Output, EksAuthError> {
    let world = services.world;
    let cluster = world
        .cluster(cluster_name)
        .ok_or_else(|| EksAuthError::NoSuchCluster(cluster_name.to_owned()))?;
    let subject = verify_token(cluster, token, services)?;
    let association = cluster
        .pod_identity_association(&subject.namespace, &subject.service_account)
        .ok_or_else(|| EksAuthError::NoAssociation {
            cluster: cluster_name.to_owned(),
            namespace: subject.namespace.clone(),
            service_account: subject.service_account.clone(),
        })?;
    let cluster_arn = format!(
        "arn:aws:eks:{}:{}:cluster/{cluster_name}",
        world.account.region, world.account.id
    );
    let tags = if association.disable_session_tags {
        Vec::new()
    } else {
        session_tags(&cluster_arn, cluster_name, &subject)
    };
    let role = find_role(world, &association.role_arn)?;
    let keys = trust_context(world, &cluster_arn, &tags, services.now);
    let principal = PrincipalRef::Service(SERVICE_PRINCIPAL);
    authorize(
        role,
        &association.role_arn,
        principal,
        "sts:AssumeRole",
        &keys,
    )?;
    if !tags.is_empty() {
        authorize(
            role,
            &association.role_arn,
            principal,
            "sts:TagSession",
            &keys,
        )?;
    }
    let session_name = session_name(cluster_name, &subject);
    let mut session = session_for(world, role, association, &session_name, &tags, services);
    if let Some(target) = &association.target_role_arn {
        session = chain_into_target(world, association, target, &session, &tags, services)?;
    }
    let issued = credentials::issue(services.secret, &session).map_err(EksAuthError::Internal)?;
    Ok(Output {
        subject: Subject {
            namespace: subject.namespace,
            service_account: subject.service_account,
        },
        audience: AUDIENCE.to_owned(),
        pod_identity_association: AssociationRef {
            association_arn: crate::eks::association::arn(
                world,
                cluster_name,
                &association.association_id,
            ),
            association_id: association.association_id.clone(),
        },
        assumed_role_user: AssumedRoleUser {
            arn: session.assumed_role_arn(),
            assume_role_id: session.assumed_role_id(),
        },
        credentials: Credentials {
            session_token: issued.session_token,
            secret_access_key: issued.secret_access_key,
            access_key_id: issued.access_key_id,
            expiration: issued.expiration,
        },
    })
}

/// The cluster whose issuer the token's (unverified) claims name in `iss`: where the
/// agent sends a pod's token, as a node's agent knows its own cluster.
pub fn cluster_of_claims<'w>(
    world: &'w World,
    claims: &serde_json::Map<String, Value>,
) -> Option<&'w Cluster> {
    let issuer = claims.get("iss")?.as_str()?;
    world
        .clusters
        .iter()
        .find(|c| c.oidc_issuer.as_str() == issuer)
}

/// The payload of a JWT, decoded but not verified.
pub fn unverified_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    use base64::Engine;
    let payload = token.trim().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Signature, issuer, audience and lifetime; then the service account and pod the token
/// names must be the ones that exist.
fn verify_token(
    cluster: &Cluster,
    token: &str,
    services: &Services,
) -> Result<PodSubject, EksAuthError> {
    let issuer = cluster.oidc_issuer.as_str();
    // The cluster's issuer, as a provider whose one client id is the pod identity
    // audience: the verifier's own audience check then refuses every other token.
    let provider = OidcProvider {
        url: cluster.oidc_issuer.clone(),
        client_ids: vec![AUDIENCE.to_owned()],
        thumbprints: Vec::new(),
        jwks: None,
        jwks_file: None,
        create_date: None,
        tags: std::collections::BTreeMap::new(),
    };
    let keys = ClusterKeys {
        issuer,
        keys: services.keys,
    };
    let claims = verify::verify(
        token,
        |iss| (iss == issuer).then_some(&provider),
        &keys,
        services.now,
    )
    .map_err(EksAuthError::from)?;
    let subject = subject_of(&claims.subject, &claims.claims)?;
    let expected_uid = cluster.service_account_uid(&subject.namespace, &subject.service_account);
    let token_uid = claims
        .claims
        .get("kubernetes.io")
        .and_then(|k| k.pointer("/serviceaccount/uid"))
        .and_then(Value::as_str);
    if token_uid.is_some_and(|uid| uid != expected_uid) {
        return Err(EksAuthError::InvalidToken(format!(
            "the token's service account {}/{} has uid {}, but the service account now has uid {expected_uid}",
            subject.namespace,
            subject.service_account,
            token_uid.unwrap_or_default()
        )));
    }
    if let Some((name, uid)) = &subject.pod {
        let key = format!("{}/{name}", subject.namespace);
        let current = cluster
            .pods
            .get(&key)
            .and_then(|pod| pod.pointer("/metadata/uid"))
            .and_then(Value::as_str);
        if current != Some(uid.as_str()) {
            return Err(EksAuthError::InvalidToken(format!(
                "the token is bound to pod {key} with uid {uid}, which does not exist"
            )));
        }
    }
    Ok(subject)
}

/// `system:serviceaccount:<namespace>:<name>`, and the `kubernetes.io` claim's pod.
fn subject_of(
    sub: &str,
    claims: &serde_json::Map<String, Value>,
) -> Result<PodSubject, EksAuthError> {
    let (namespace, service_account) = sub
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
        .filter(|(ns, sa)| !ns.is_empty() && !sa.is_empty() && !sa.contains(':'))
        .ok_or_else(|| {
            EksAuthError::InvalidToken(format!(
                "the token's sub {sub:?} is not a service account (system:serviceaccount:<namespace>:<name>)"
            ))
        })?;
    let kubernetes = claims.get("kubernetes.io");
    let claimed_namespace = kubernetes
        .and_then(|k| k.get("namespace"))
        .and_then(Value::as_str);
    if claimed_namespace.is_some_and(|ns| ns != namespace) {
        return Err(EksAuthError::InvalidToken(format!(
            "the token's sub names namespace {namespace} but its kubernetes.io claim names {}",
            claimed_namespace.unwrap_or_default()
        )));
    }
    let pod = kubernetes.and_then(|k| k.get("pod")).map(|pod| {
        let text = |field: &str| {
            pod.get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        (text("name"), text("uid"))
    });
    Ok(PodSubject {
        namespace: namespace.to_owned(),
        service_account: service_account.to_owned(),
        pod,
    })
}

/// EKS's six session tags; a token bound to no pod has no pod name or uid to give.
fn session_tags(
    cluster_arn: &str,
    cluster_name: &str,
    subject: &PodSubject,
) -> Vec<(String, String)> {
    let mut tags = vec![
        ("eks-cluster-arn".to_owned(), cluster_arn.to_owned()),
        ("eks-cluster-name".to_owned(), cluster_name.to_owned()),
        ("kubernetes-namespace".to_owned(), subject.namespace.clone()),
        (
            "kubernetes-service-account".to_owned(),
            subject.service_account.clone(),
        ),
    ];
    if let Some((name, uid)) = &subject.pod {
        tags.push(("kubernetes-pod-name".to_owned(), name.clone()));
        tags.push(("kubernetes-pod-uid".to_owned(), uid.clone()));
    }
    tags
}

/// `eks-<cluster>-<pod>-<uuid>` (the service account's name for a token bound to no
/// pod), cut to STS's 64 characters.
fn session_name(cluster_name: &str, subject: &PodSubject) -> String {
    let who = subject
        .pod
        .as_ref()
        .map_or(subject.service_account.as_str(), |(name, _)| name.as_str());
    let mut name = format!("eks-{cluster_name}-{who}-{}", crate::world::random_uuid());
    name.truncate(MAX_SESSION_NAME);
    name
}

fn find_role<'w>(world: &'w World, arn: &str) -> Result<&'w Role, EksAuthError> {
    world
        .role_by_arn(arn)
        .ok_or_else(|| EksAuthError::AccessDenied(format!("the role {arn} does not exist")))
}

/// The condition keys a trust policy can test: the request's tags, the account and
/// cluster on whose behalf EKS calls (`aws:SourceAccount`, `aws:SourceArn`), the time.
fn trust_context(
    world: &World,
    cluster_arn: &str,
    tags: &[(String, String)],
    now: u64,
) -> ContextKeys {
    let mut keys = ContextKeys::new();
    for (key, value) in tags {
        keys.insert(&format!("aws:RequestTag/{key}"), value.clone());
        keys.insert("aws:TagKeys", key.clone());
    }
    keys.insert("aws:SourceAccount", world.account.id.to_string());
    keys.insert("aws:SourceArn", cluster_arn);
    keys.insert("aws:CurrentTime", crate::clock::rfc3339(now));
    keys.insert("aws:EpochTime", now.to_string());
    keys
}

/// Evaluates `role`'s trust policy for `principal` doing `action`.
fn authorize(
    role: &Role,
    role_arn: &str,
    principal: PrincipalRef<'_>,
    action: &'static str,
    keys: &ContextKeys,
) -> Result<(), EksAuthError> {
    let context = RequestContext {
        principal: Some(principal),
        action,
        resource: Some(role_arn),
        keys: keys.clone(),
    };
    match policy::evaluate(&[("trust policy", role.trust_policy())], &context) {
        Decision::Allow(_) => Ok(()),
        denied => Err(EksAuthError::AccessDenied(format!(
            "the trust policy of role {} does not allow {action} for the principal: {denied}",
            role.name
        ))),
    }
}

/// The role session the association gives.
fn session_for(
    world: &World,
    role: &Role,
    association: &PodIdentityAssociation,
    session_name: &str,
    tags: &[(String, String)],
    services: &Services,
) -> Session {
    let duration = SESSION_SECONDS.min(u64::from(role.max_session_duration));
    Session {
        account_id: world.account.id.to_string(),
        role_arn: role.arn(world.account.id.as_str()),
        role_name: role.name.to_string(),
        role_id: role.role_id(world.account.id.as_str()),
        session_name: session_name.to_owned(),
        subject: format!(
            "system:serviceaccount:{}:{}",
            association.namespace, association.service_account
        ),
        audience: AUDIENCE.to_owned(),
        provider_arn: String::new(),
        source_identity: None,
        session_policy: association.policy.clone(),
        policy_arns: Vec::new(),
        tags: tags.to_vec(),
        issued_at: services.now,
        expires_at: services.now + duration,
    }
}

/// The association's target role, assumed by the first role's session as EKS does it
/// (`sts:AssumeRole` with the association's external id, the tags passed on): the target
/// role's trust policy must let the first role's session in.
fn chain_into_target(
    world: &World,
    association: &PodIdentityAssociation,
    target: &str,
    first: &Session,
    tags: &[(String, String)],
    services: &Services,
) -> Result<Session, EksAuthError> {
    let role = find_role(world, target)?;
    let caller = first.assumed_role_arn();
    let mut keys = ContextKeys::new();
    for (key, value) in tags {
        keys.insert(&format!("aws:RequestTag/{key}"), value.clone());
        keys.insert("aws:TagKeys", key.clone());
        keys.insert(&format!("aws:PrincipalTag/{key}"), value.clone());
    }
    if let Some(external_id) = &association.external_id {
        keys.insert("sts:ExternalId", external_id.clone());
    }
    keys.insert("aws:PrincipalArn", first.role_arn.clone());
    keys.insert("aws:PrincipalAccount", first.account_id.clone());
    let principal = PrincipalRef::Aws(&caller);
    authorize(role, target, principal, "sts:AssumeRole", &keys)?;
    if !tags.is_empty() {
        authorize(role, target, principal, "sts:TagSession", &keys)?;
    }
    Ok(session_for(
        world,
        role,
        association,
        &first.session_name,
        tags,
        services,
    ))
}
