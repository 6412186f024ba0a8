//! EKS Pod Identity associations: Create, Describe, List, Update and Delete over a
//! cluster's table, one association per (namespace, service account).
//! <https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html>
//!
//! As EKS does, Create and Update check that the role exists and that its trust policy
//! lets `pods.eks.amazonaws.com` in at all ("Trust policy of the role provided is
//! invalid"); whether it also allows `sts:TagSession`, and every condition, is decided
//! when a pod assumes it (`AssumeRoleForPodIdentity`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::EksError;
use crate::pod_identity::SERVICE_PRINCIPAL;
use crate::sigv4::query_pairs;
use crate::world::table::Keyed;
use crate::world::{Cluster, PodIdentityAssociation, World};

/// ListPodIdentityAssociations' page size when the caller names none, and its largest.
const MAX_RESULTS: usize = 100;
/// Most tags on one association.
const MAX_TAGS: usize = 50;

/// CreatePodIdentityAssociation's body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateInput {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
    #[serde(default)]
    pub target_role_arn: Option<String>,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub disable_session_tags: Option<bool>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Idempotency token; accepted, not remembered.
    #[serde(default)]
    pub client_request_token: Option<String>,
}

/// UpdatePodIdentityAssociation's body: only what is present changes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInput {
    #[serde(default)]
    pub role_arn: Option<String>,
    /// An empty string removes the target role.
    #[serde(default)]
    pub target_role_arn: Option<String>,
    /// An empty string removes the policy.
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub disable_session_tags: Option<bool>,
    #[serde(default)]
    pub client_request_token: Option<String>,
}

/// ListPodIdentityAssociations' query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListInput {
    pub namespace: Option<String>,
    pub service_account: Option<String>,
    pub max_results: usize,
    /// The key (`namespace/service account`) of the first association of the page.
    pub next_token: Option<String>,
}

/// `arn:aws:eks:<region>:<account>:podidentityassociation/<cluster>/<id>`.
pub fn arn(world: &World, cluster: &str, id: &str) -> String {
    format!(
        "arn:aws:eks:{}:{}:podidentityassociation/{cluster}/{id}",
        world.account.region, world.account.id
    )
}

/// A fresh id: `a-` and 17 lowercase letters and digits.
fn new_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let bytes: [u8; 17] = rand::random();
    std::iter::once("a-".to_owned())
        .chain(
            bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]).to_string()),
        )
        .collect()
}

/// Whether `id` has the shape of an association id.
pub fn is_id(id: &str) -> bool {
    id.strip_prefix("a-").is_some_and(|rest| {
        rest.len() == 17
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8], operation: &str) -> Result<T, EksError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| {
        EksError::InvalidParameter(format!(
            "The request body is not a valid {operation} request: {err}"
        ))
    })
}

/// CreatePodIdentityAssociation's body, checked as EKS checks it.
pub fn parse_create(body: &[u8]) -> Result<CreateInput, EksError> {
    let input: CreateInput = parse_body(body, "CreatePodIdentityAssociation")?;
    if let Err(problem) = crate::world::names::dns1123_label(&input.namespace) {
        return Err(EksError::InvalidParameter(format!(
            "Namespace {:?} is invalid: {problem}",
            input.namespace
        )));
    }
    if let Err(problem) = crate::world::names::dns1123_subdomain(&input.service_account) {
        return Err(EksError::InvalidParameter(format!(
            "Service account {:?} is invalid: {problem}",
            input.service_account
        )));
    }
    check_role_arn("roleArn", &input.role_arn)?;
    if let Some(target) = &input.target_role_arn {
        check_role_arn("targetRoleArn", target)?;
    }
    check_tags(&input.tags)?;
    Ok(input)
}

/// UpdatePodIdentityAssociation's body.
pub fn parse_update(body: &[u8]) -> Result<UpdateInput, EksError> {
    let input: UpdateInput = parse_body(body, "UpdatePodIdentityAssociation")?;
    if let Some(role) = &input.role_arn {
        check_role_arn("roleArn", role)?;
    }
    if let Some(target) = input.target_role_arn.as_deref().filter(|t| !t.is_empty()) {
        check_role_arn("targetRoleArn", target)?;
    }
    Ok(input)
}

/// ListPodIdentityAssociations' query string.
pub fn parse_list(query: &str) -> Result<ListInput, EksError> {
    let mut input = ListInput {
        max_results: MAX_RESULTS,
        ..ListInput::default()
    };
    for (name, value) in query_pairs(query) {
        match name.as_str() {
            "namespace" => input.namespace = Some(value),
            "serviceAccount" => input.service_account = Some(value),
            "maxResults" => {
                input.max_results = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_RESULTS).contains(n))
                    .ok_or_else(|| {
                        EksError::InvalidParameter(format!(
                            "maxResults must be between 1 and {MAX_RESULTS}, not {value:?}"
                        ))
                    })?;
            }
            "nextToken" => {
                let key = crate::hex::decode(&value)
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .filter(|key| key.contains('/'))
                    .ok_or_else(|| {
                        EksError::InvalidParameter("The nextToken provided is invalid".to_owned())
                    })?;
                input.next_token = Some(key);
            }
            _ => {}
        }
    }
    Ok(input)
}

fn check_role_arn(field: &str, arn: &str) -> Result<(), EksError> {
    if super::cluster::is_iam_role_arn(arn) {
        Ok(())
    } else {
        Err(EksError::InvalidParameter(format!(
            "{field} {arn} is not a valid IAM role ARN"
        )))
    }
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), EksError> {
    if tags.len() > MAX_TAGS {
        return Err(EksError::InvalidParameter(format!(
            "an association can have at most {MAX_TAGS} tags"
        )));
    }
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(EksError::InvalidParameter(format!(
                "tag {key:?}: keys are 1 to 128 characters, values at most 256"
            )));
        }
    }
    Ok(())
}

/// The role `arn` names in this account, checked as EKS checks it on Create and Update:
/// it exists, and some `Allow` statement of its trust policy names the service principal.
fn check_role(world: &World, arn: &str) -> Result<(), EksError> {
    let role = world.role_by_arn(arn).ok_or_else(|| {
        EksError::InvalidParameter("Role provided in the request does not exist".to_owned())
    })?;
    if trusts_pods(role.assume_role_policy_document.as_json()) {
        Ok(())
    } else {
        Err(EksError::InvalidParameter(format!(
            "Trust policy of the role provided is invalid: no Allow statement names the \
             service principal {SERVICE_PRINCIPAL} (see the EKS user guide, pod-id-role)"
        )))
    }
}

/// Whether an `Allow` statement's `Principal.Service` names `pods.eks.amazonaws.com`.
fn trusts_pods(document: &Value) -> bool {
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    statements.into_iter().any(|statement| {
        let allows = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
        let service = statement.pointer("/Principal/Service");
        let names = match service {
            Some(Value::String(one)) => one == SERVICE_PRINCIPAL,
            Some(Value::Array(list)) => list.iter().any(|v| v.as_str() == Some(SERVICE_PRINCIPAL)),
            _ => false,
        };
        allows && names
    })
}

/// The full association object.
pub fn describe(world: &World, cluster: &str, association: &PodIdentityAssociation) -> Value {
    let mut object = json!({
        "clusterName": cluster,
        "namespace": association.namespace.as_str(),
        "serviceAccount": association.service_account.as_str(),
        "roleArn": association.role_arn,
        "associationArn": arn(world, cluster, &association.association_id),
        "associationId": association.association_id,
        "tags": association.tags,
        "createdAt": association.created_at,
        "modifiedAt": association.modified_at,
        "disableSessionTags": association.disable_session_tags,
    });
    let optional = [
        ("ownerArn", &association.owner_arn),
        ("targetRoleArn", &association.target_role_arn),
        ("externalId", &association.external_id),
        ("policy", &association.policy),
    ];
    for (name, value) in optional {
        if let (Some(value), Some(map)) = (value, object.as_object_mut()) {
            map.insert(name.to_owned(), Value::String(value.clone()));
        }
    }
    object
}

/// A list entry: only the fields ListPodIdentityAssociations returns.
fn summary(world: &World, cluster: &str, association: &PodIdentityAssociation) -> Value {
    let mut object = json!({
        "clusterName": cluster,
        "namespace": association.namespace.as_str(),
        "serviceAccount": association.service_account.as_str(),
        "associationArn": arn(world, cluster, &association.association_id),
        "associationId": association.association_id,
    });
    if let (Some(owner), Some(map)) = (&association.owner_arn, object.as_object_mut()) {
        map.insert("ownerArn".to_owned(), Value::String(owner.clone()));
    }
    object
}

fn find<'a>(cluster: &'a Cluster, id: &str) -> Result<&'a PodIdentityAssociation, EksError> {
    cluster
        .pod_identity_associations
        .iter()
        .map(AsRef::as_ref)
        .find(|a| a.association_id == id)
        .ok_or_else(|| EksError::NoSuchAssociation(id.to_owned()))
}

fn cluster<'a>(world: &'a World, name: &str) -> Result<&'a Cluster, EksError> {
    world
        .cluster(name)
        .ok_or_else(|| EksError::NoSuchCluster(name.to_owned()))
}

/// DescribePodIdentityAssociation.
pub fn get(world: &World, cluster_name: &str, id: &str) -> Result<Value, EksError> {
    let association = find(cluster(world, cluster_name)?, id)?;
    Ok(json!({ "association": describe(world, cluster_name, association) }))
}

/// ListPodIdentityAssociations: filtered, ordered by namespace and service account, paged.
pub fn list(world: &World, cluster_name: &str, input: &ListInput) -> Result<Value, EksError> {
    let cluster = cluster(world, cluster_name)?;
    let mut matching: Vec<(String, &PodIdentityAssociation)> = cluster
        .pod_identity_associations
        .iter()
        .map(AsRef::as_ref)
        .filter(|a| {
            input
                .namespace
                .as_deref()
                .is_none_or(|ns| a.namespace.as_str() == ns)
                && input
                    .service_account
                    .as_deref()
                    .is_none_or(|sa| a.service_account.as_str() == sa)
        })
        .map(|a| (a.key(), a))
        .collect();
    matching.sort_by(|a, b| a.0.cmp(&b.0));
    let start = input.next_token.as_deref().map_or(0, |from| {
        matching.partition_point(|(key, _)| key.as_str() < from)
    });
    let page = matching
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take(input.max_results);
    let associations: Vec<Value> = page
        .clone()
        .map(|(_, a)| summary(world, cluster_name, a))
        .collect();
    let mut answer = json!({ "associations": associations });
    if let Some((next, _)) = matching.get(start + input.max_results) {
        answer["nextToken"] = Value::String(crate::hex::encode(next.as_bytes()));
    }
    Ok(answer)
}

/// CreatePodIdentityAssociation at `now`.
pub fn create(
    world: &mut World,
    cluster_name: &str,
    input: &CreateInput,
    now: u64,
) -> Result<Value, EksError> {
    let existing = cluster(world, cluster_name)?
        .pod_identity_association(&input.namespace, &input.service_account)
        .map(|a| a.association_id.clone());
    if let Some(id) = existing {
        return Err(EksError::AssociationExists(id));
    }
    check_role(world, &input.role_arn)?;
    let invalid = EksError::InvalidParameter;
    let association = PodIdentityAssociation {
        association_id: new_id(),
        namespace: input.namespace.clone().try_into().map_err(invalid)?,
        service_account: input.service_account.clone().try_into().map_err(invalid)?,
        role_arn: input.role_arn.clone(),
        external_id: input
            .target_role_arn
            .as_ref()
            .map(|_| crate::world::random_uuid()),
        target_role_arn: input.target_role_arn.clone(),
        policy: input.policy.clone(),
        disable_session_tags: input.disable_session_tags.unwrap_or(false),
        tags: input.tags.clone(),
        owner_arn: None,
        created_at: now,
        modified_at: now,
    };
    let answer = json!({ "association": describe(world, cluster_name, &association) });
    if let Some(cluster) = world.cluster_mut(cluster_name) {
        cluster.pod_identity_associations.push(association);
    }
    Ok(answer)
}

/// UpdatePodIdentityAssociation at `now`.
pub fn update(
    world: &mut World,
    cluster_name: &str,
    id: &str,
    input: &UpdateInput,
    now: u64,
) -> Result<Value, EksError> {
    let mut association = find(cluster(world, cluster_name)?, id)?.clone();
    if let Some(role) = &input.role_arn {
        check_role(world, role)?;
        association.role_arn = role.clone();
    }
    match input.target_role_arn.as_deref() {
        Some("") => {
            association.target_role_arn = None;
            association.external_id = None;
        }
        Some(target) => {
            if association.target_role_arn.as_deref() != Some(target) {
                association.external_id = Some(crate::world::random_uuid());
            }
            association.target_role_arn = Some(target.to_owned());
        }
        None => {}
    }
    match input.policy.as_deref() {
        Some("") => association.policy = None,
        Some(policy) => association.policy = Some(policy.to_owned()),
        None => {}
    }
    if let Some(disable) = input.disable_session_tags {
        association.disable_session_tags = disable;
    }
    association.modified_at = now;
    let answer = json!({ "association": describe(world, cluster_name, &association) });
    let key = association.key();
    if let Some(slot) = world
        .cluster_mut(cluster_name)
        .and_then(|c| c.pod_identity_associations.get_mut(&key))
    {
        *slot = association;
    }
    Ok(answer)
}

/// DeletePodIdentityAssociation.
pub fn delete(world: &mut World, cluster_name: &str, id: &str) -> Result<Value, EksError> {
    let association = find(cluster(world, cluster_name)?, id)?.clone();
    let answer = json!({ "association": describe(world, cluster_name, &association) });
    if let Some(cluster) = world.cluster_mut(cluster_name) {
        cluster.pod_identity_associations.remove(&association.key());
    }
    Ok(answer)
}
