//! ServiceAccounts as kube-apiserver serves them: read, list, create, patch (JSON merge
//! patch and strategic merge patch, which agree on metadata maps) and delete. The
//! changing actions are pure functions over the world; the handlers run them through the
//! world store. Only metadata is kept: name, namespace, uid, labels, annotations.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::object_meta::check_metadata;
#[cfg(test)]
use super::object_meta::qualified_name;
use super::status::{Cause, Status};
use crate::clock::rfc3339;
use crate::world::{random_uuid, Cluster, ServiceAccount, World};

/// A v1 ServiceAccount.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountObject {
    kind: &'static str,
    api_version: &'static str,
    metadata: Metadata,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    name: String,
    namespace: String,
    uid: String,
    resource_version: &'static str,
    creation_timestamp: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

/// A v1 ServiceAccountList.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountList {
    kind: &'static str,
    api_version: &'static str,
    metadata: serde_json::Map<String, Value>,
    items: Vec<ServiceAccountObject>,
}

/// The object for `account`; `created_at` stands in for a missing creation date.
pub fn object(
    cluster: &Cluster,
    account: &ServiceAccount,
    created_at: u64,
) -> ServiceAccountObject {
    let (namespace, name) = (account.namespace.as_str(), account.name.as_str());
    ServiceAccountObject {
        kind: "ServiceAccount",
        api_version: "v1",
        metadata: Metadata {
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            // The account's own uid: a deleted account is no longer in the cluster.
            uid: account
                .uid
                .clone()
                .unwrap_or_else(|| cluster.service_account_uid(namespace, name)),
            resource_version: "1",
            creation_timestamp: account
                .create_date
                .clone()
                .unwrap_or_else(|| rfc3339(created_at)),
            labels: account.labels.clone(),
            annotations: account.annotations.clone(),
        },
    }
}

/// The declared service account, or the 404 Status kube-apiserver gives.
pub fn read(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    created_at: u64,
) -> Result<ServiceAccountObject, Status> {
    if let Some(account) = cluster.service_account(namespace, name) {
        return Ok(object(cluster, account, created_at));
    }
    match implicit_default(cluster, namespace) {
        Some(account) if name == DEFAULT_ACCOUNT => Ok(object(cluster, &account, created_at)),
        _ => Err(Status::not_found("serviceaccounts", name)),
    }
}

/// The account every namespace has, as the controller manager makes it.
pub const DEFAULT_ACCOUNT: &str = "default";

/// The namespace's `default` account when the world does not declare one and the
/// namespace exists.
fn implicit_default(cluster: &Cluster, namespace: &str) -> Option<ServiceAccount> {
    if cluster
        .service_account(namespace, DEFAULT_ACCOUNT)
        .is_some()
        || !super::namespace::exists(cluster, namespace)
    {
        return None;
    }
    Some(ServiceAccount {
        namespace: namespace.to_owned().try_into().ok()?,
        name: DEFAULT_ACCOUNT.to_owned().try_into().ok()?,
        uid: None,
        annotations: BTreeMap::new(),
        labels: BTreeMap::new(),
        create_date: None,
    })
}

/// Every service account of `namespace`, sorted by name.
pub fn list(cluster: &Cluster, namespace: &str, created_at: u64) -> ServiceAccountList {
    let implicit = implicit_default(cluster, namespace);
    let mut accounts: Vec<&ServiceAccount> = cluster
        .service_accounts
        .iter()
        .filter(|account| account.namespace.as_str() == namespace)
        .map(Arc::as_ref)
        .chain(implicit.as_ref())
        .collect();
    accounts.sort_by(|a, b| a.name.cmp(&b.name));
    ServiceAccountList {
        kind: "ServiceAccountList",
        api_version: "v1",
        // A list's version, so that `kubectl get -w` watches from it rather than again
        // from the start.
        metadata: [("resourceVersion".to_owned(), Value::from("1"))]
            .into_iter()
            .collect(),
        items: accounts
            .into_iter()
            .map(|account| object(cluster, account, created_at))
            .collect(),
    }
}

/// The part of a posted ServiceAccount that irsa-local keeps. `null` stands for an
/// absent field, as client-go sends it.
#[derive(Debug, Default, Deserialize)]
pub struct NewServiceAccount {
    #[serde(default, deserialize_with = "super::null_as_default")]
    metadata: NewMetadata,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewMetadata {
    name: Option<String>,
    namespace: Option<String>,
    #[serde(default, deserialize_with = "super::null_as_default")]
    labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "super::null_as_default")]
    annotations: BTreeMap<String, String>,
}

impl NewServiceAccount {
    /// An account from its metadata, as a protobuf body carries it.
    pub fn from_metadata(
        name: Option<String>,
        namespace: Option<String>,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
    ) -> Self {
        Self {
            metadata: NewMetadata {
                name,
                namespace,
                labels,
                annotations,
            },
        }
    }

    /// `metadata.name`, if given.
    pub fn name(&self) -> Option<&str> {
        self.metadata.name.as_deref()
    }

    /// `metadata.namespace`, if given.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }
}

/// Creates a service account in `namespace` of `cluster`.
pub fn create(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    new: NewServiceAccount,
    now: u64,
) -> Result<ServiceAccount, Status> {
    let metadata = new.metadata;
    if let Some(body_namespace) = metadata.namespace.as_deref() {
        if body_namespace != namespace {
            return Err(Status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    let name = metadata.name.unwrap_or_default();
    let invalid = |causes| Status::invalid("ServiceAccount", "", &name, causes);
    if name.is_empty() {
        return Err(invalid(vec![Cause::required("metadata.name")]));
    }
    let account_name = name.clone().try_into().map_err(|problem: String| {
        invalid(vec![Cause::invalid("metadata.name", &name, &problem)])
    })?;
    let account_namespace = namespace.to_owned().try_into().map_err(|problem: String| {
        invalid(vec![Cause::invalid(
            "metadata.namespace",
            namespace,
            &problem,
        )])
    })?;
    check_metadata(&metadata.labels, &metadata.annotations).map_err(invalid)?;
    let cluster = super::cluster_mut(world, cluster)?;
    if cluster.service_account(namespace, &name).is_some() {
        return Err(Status::already_exists("serviceaccounts", &name));
    }
    super::quota::admit("serviceaccounts", &name, cluster.service_accounts.len())?;
    let account = ServiceAccount {
        namespace: account_namespace,
        name: account_name,
        uid: Some(random_uuid()),
        annotations: metadata.annotations,
        labels: metadata.labels,
        create_date: Some(rfc3339(now)),
    };
    cluster.service_accounts.push(account.clone());
    Ok(account)
}

/// Applies a JSON merge patch (RFC 7386) to the service account's labels and annotations;
/// a `null` removes a key. Anything else in the patch outside metadata is ignored, as a
/// ServiceAccount here has nothing else to change.
pub fn patch(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    patch: &Value,
) -> Result<ServiceAccount, Status> {
    let metadata = match patch.get("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::Object(metadata)) => Some(metadata),
        Some(_) => {
            return Err(Status::bad_request(
                "metadata in the patch must be an object",
            ))
        }
    };
    if !patch.is_object() {
        return Err(Status::bad_request("a merge patch must be a JSON object"));
    }
    let cluster = super::cluster_mut(world, cluster)?;
    let account = cluster
        .service_accounts
        .get_mut(&format!("{namespace}/{name}"))
        .ok_or_else(|| Status::not_found("serviceaccounts", name))?;
    if let Some(metadata) = metadata {
        for (field, value) in metadata {
            match field.as_str() {
                "labels" => merge_map(&mut account.labels, value, "metadata.labels")?,
                "annotations" => {
                    merge_map(&mut account.annotations, value, "metadata.annotations")?;
                }
                "name" | "namespace" if value.as_str() != Some(account_field(account, field)) => {
                    return Err(Status::bad_request(format!(
                        "metadata.{field} cannot be changed by a patch"
                    )));
                }
                _ => {}
            }
        }
    }
    check_metadata(&account.labels, &account.annotations)
        .map_err(|causes| Status::invalid("ServiceAccount", "", name, causes))?;
    Ok(account.clone())
}

/// Deletes the service account; answers the deleted object.
pub fn delete(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
) -> Result<ServiceAccount, Status> {
    let cluster = super::cluster_mut(world, cluster)?;
    cluster
        .service_accounts
        .remove(&format!("{namespace}/{name}"))
        .map(Arc::unwrap_or_clone)
        .ok_or_else(|| Status::not_found("serviceaccounts", name))
}

fn account_field<'a>(account: &'a ServiceAccount, field: &str) -> &'a str {
    if field == "name" {
        account.name.as_str()
    } else {
        account.namespace.as_str()
    }
}

fn merge_map(map: &mut BTreeMap<String, String>, patch: &Value, field: &str) -> Result<(), Status> {
    match patch {
        Value::Null => map.clear(),
        Value::Object(entries) => {
            for (key, value) in entries {
                match value {
                    Value::Null => {
                        map.remove(key);
                    }
                    Value::String(value) => {
                        map.insert(key.clone(), value.clone());
                    }
                    _ => {
                        return Err(Status::bad_request(format!(
                            "{field}.{key} must be a string or null"
                        )))
                    }
                }
            }
        }
        _ => {
            return Err(Status::bad_request(format!(
                "{field} must be an object or null"
            )))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
