//! Pods as kube-apiserver admits and stores them: create (defaults, the ServiceAccount
//! admission plugin's `kube-api-access-*` volume, then the pod identity webhook's IRSA
//! mutation, as an EKS control plane runs them), get, list (label and field selectors),
//! delete ([`node`]: at once, or through the node that runs the pod). The node (the
//! `kubelet` module) runs them on a container engine; without one a created pod stays
//! `Pending`, with a `PodScheduled` condition that says so, never a made-up `Running`.
//!
//! Known gaps: PUT; a strategic merge patch is read as a JSON merge patch (right for
//! labels and annotations, the only things a patch may change here); protobuf pod bodies
//! (kubectl posts pods as JSON); `generateName` collisions beyond one retry; resource
//! quotas and limit ranges.

pub mod defaults;
pub mod node;
mod patch;
mod selector;
mod service_account;

use serde::Serialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::mutate::{self, Outcome, Settings};
use super::object_meta::check_json_metadata;
use super::status::{Cause, Status};
use crate::clock::rfc3339;
use crate::world::{names, random_uuid, Cluster, World};
pub use patch::patch;
pub use selector::Selectors;

/// The condition message of a pod that nothing will run.
pub const NOT_SCHEDULED: &str =
    "0/0 nodes are available: irsa-local has no container runtime configured, so pods are admitted and stored but not run.";

/// A v1 PodList.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodList {
    kind: &'static str,
    api_version: &'static str,
    metadata: ListMetadata,
    items: Vec<Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListMetadata {
    resource_version: String,
}

impl PodList {
    /// The items and the list's resourceVersion.
    pub fn into_parts(self) -> (Vec<Value>, String) {
        (self.items, self.metadata.resource_version)
    }
}

/// Admits `pod`, posted to `namespace` of `cluster` at `now`, and stores it; the stored
/// object. `settings` are the pod identity webhook's.
pub fn create(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    mut pod: Value,
    settings: &Settings,
    now: u64,
) -> Result<Value, Status> {
    let cluster = super::cluster_mut(world, cluster)?;
    let name = check(&mut pod, namespace)?;
    if !super::namespace::exists(cluster, namespace) {
        return Err(Status::not_found("namespaces", namespace));
    }
    let name = match name {
        Some(name) => name,
        None => generated_name(&pod),
    };
    if find(cluster, namespace, &name).is_some() {
        return Err(Status::already_exists("pods", &name));
    }
    super::quota::admit("pods", &name, cluster.pods.len())?;
    let spec = spec_mut(&mut pod)?;
    defaults::apply(spec);
    service_account::admit(cluster, namespace, &name, &mut pod)?;
    if let Ok(Outcome::Mutated(mutation)) =
        mutate::mutate_in_cluster(cluster, namespace, &pod, settings)
    {
        pod = mutation.pod;
        defaults::apply(spec_mut(&mut pod)?);
    }
    let resource_version = next_resource_version(cluster);
    let metadata = metadata_mut(&mut pod)?;
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(namespace));
    metadata.insert("uid".into(), json!(random_uuid()));
    metadata.insert(
        "resourceVersion".into(),
        json!(resource_version.to_string()),
    );
    metadata.insert("generation".into(), json!(1));
    metadata.insert("creationTimestamp".into(), json!(rfc3339(now)));
    let qos = qos_class(&pod);
    pod["status"] = json!({
        "phase": "Pending",
        "conditions": [{
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": null,
            "lastTransitionTime": rfc3339(now),
            "reason": "Unschedulable",
            "message": NOT_SCHEDULED,
        }],
        "qosClass": qos,
    });
    cluster.pods.push(pod.clone());
    Ok(pod)
}

/// The pod `name` in `namespace`, or 404.
pub fn read(cluster: &Cluster, namespace: &str, name: &str) -> Result<Value, Status> {
    find(cluster, namespace, name)
        .cloned()
        .ok_or_else(|| Status::not_found("pods", name))
}

/// The pods of `namespace` (every namespace when `None`) that `selectors` match.
pub fn list(cluster: &Cluster, namespace: Option<&str>, selectors: &Selectors) -> PodList {
    PodList {
        kind: "PodList",
        api_version: "v1",
        metadata: ListMetadata {
            resource_version: current_resource_version(cluster).to_string(),
        },
        items: cluster
            .pods
            .iter()
            .filter(|pod| namespace.is_none_or(|ns| text(pod, "/metadata/namespace") == ns))
            .filter(|pod| selectors.matches(pod))
            .map(|pod| Value::clone(pod))
            .collect(),
    }
}

/// Checks the posted object; its name, `None` when it asks for a generated one.
fn check(pod: &mut Value, namespace: &str) -> Result<Option<String>, Status> {
    if !pod.is_object() {
        return Err(Status::bad_request("the body is not a Pod object"));
    }
    for (field, want) in [("kind", "Pod"), ("apiVersion", "v1")] {
        match pod.get(field).and_then(Value::as_str) {
            None => {}
            Some(got) if got == want => {}
            Some(got) => {
                return Err(Status::bad_request(format!(
                    "the API version in the data ({got}) does not match the expected API version (v1) or kind (Pod)"
                )))
            }
        }
    }
    let metadata = metadata_mut(pod)?;
    if let Some(given) = metadata.get("namespace").and_then(Value::as_str) {
        if !given.is_empty() && given != namespace {
            return Err(Status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    let name = metadata
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    let generate = metadata.get("generateName").and_then(Value::as_str);
    let mut causes = Vec::new();
    match (&name, generate) {
        (Some(name), _) => {
            if let Err(problem) = names::dns1123_subdomain(name) {
                causes.push(Cause::invalid(
                    "metadata.name",
                    format!("{name:?}"),
                    &problem,
                ));
            }
        }
        (None, Some(prefix)) if !prefix.is_empty() => {}
        (None, _) => causes.push(Cause::required("metadata.name")),
    }
    if let Err(found) = check_json_metadata(metadata) {
        causes.extend(found);
    }
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    match containers {
        Some(containers) if !containers.is_empty() => {
            for (index, container) in containers.iter().enumerate() {
                for field in ["name", "image"] {
                    if container
                        .get(field)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .is_empty()
                    {
                        causes.push(Cause::required(&format!(
                            "spec.containers[{index}].{field}"
                        )));
                    }
                }
            }
        }
        _ => causes.push(Cause::required("spec.containers")),
    }
    if causes.is_empty() {
        Ok(name)
    } else {
        Err(Status::invalid(
            "Pod",
            "",
            name.as_deref().unwrap_or(""),
            causes,
        ))
    }
}

/// `generateName` and five random characters, as kube-apiserver names such pods.
fn generated_name(pod: &Value) -> String {
    let prefix = text(pod, "/metadata/generateName");
    format!("{prefix}{}", service_account::random_suffix())
}

/// `Guaranteed`, `Burstable` or `BestEffort`, from the containers' requests and limits.
fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|path| pod.pointer(path).and_then(Value::as_array))
        .flatten()
        .collect();
    let amounts = |container: &Value, kind: &str| -> Map<String, Value> {
        container
            .pointer(&format!("/resources/{kind}"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    if containers
        .iter()
        .all(|c| amounts(c, "requests").is_empty() && amounts(c, "limits").is_empty())
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let limits = amounts(c, "limits");
        let requests = amounts(c, "requests");
        ["cpu", "memory"].iter().all(|resource| {
            limits.get(*resource).is_some()
                && requests
                    .get(*resource)
                    .is_none_or(|r| Some(r) == limits.get(*resource))
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// The cluster's current resourceVersion: the last one a change of its pods was given.
fn current_resource_version(cluster: &Cluster) -> u64 {
    cluster
        .pods
        .iter()
        .filter_map(|pod| text(pod, "/metadata/resourceVersion").parse::<u64>().ok())
        .fold(cluster.resource_version, u64::max)
}

/// The resourceVersion of the next change, which becomes the cluster's current one.
fn next_resource_version(cluster: &mut Cluster) -> u64 {
    let next = current_resource_version(cluster).saturating_add(1);
    cluster.resource_version = next;
    next
}

/// Removes the pod `namespace/name` with a resourceVersion of its own for the removal, so
/// that a watch from any earlier version sees the `DELETED` event.
fn take(cluster: &mut Cluster, namespace: &str, name: &str) -> Option<Value> {
    let removed = cluster.pods.remove(&key(namespace, name))?;
    let version = next_resource_version(cluster);
    let mut pod = Arc::unwrap_or_clone(removed);
    pod["metadata"]["resourceVersion"] = json!(version.to_string());
    Some(pod)
}

/// A pod's key in its cluster's table.
fn key(namespace: &str, name: &str) -> String {
    format!("{namespace}/{name}")
}

fn find<'a>(cluster: &'a Cluster, namespace: &str, name: &str) -> Option<&'a Value> {
    cluster.pods.get(&key(namespace, name)).map(Arc::as_ref)
}

fn find_mut<'a>(cluster: &'a mut Cluster, namespace: &str, name: &str) -> Option<&'a mut Value> {
    cluster.pods.get_mut(&key(namespace, name))
}

fn text<'a>(pod: &'a Value, pointer: &str) -> &'a str {
    pod.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn metadata_mut(pod: &mut Value) -> Result<&mut Map<String, Value>, Status> {
    let object = pod
        .as_object_mut()
        .ok_or_else(|| Status::bad_request("the body is not a Pod object"))?;
    object
        .entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Status::bad_request("metadata is not an object"))
}

fn spec_mut(pod: &mut Value) -> Result<&mut Map<String, Value>, Status> {
    pod.get_mut("spec")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Status::bad_request("spec is not an object"))
}

#[cfg(test)]
mod tests;
