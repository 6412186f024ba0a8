//! The writes a node makes to the pods it runs, and graceful deletion: binding a pod to
//! the node, replacing its `status`, and, for a pod a node runs, deletion in two steps
//! as kube-apiserver does it: the API marks the pod (`deletionTimestamp`,
//! `deletionGracePeriodSeconds`), the node stops its containers within the grace period
//! and then removes it.

use serde_json::{json, Value};
use std::sync::Arc;

use super::super::status::Status;
use super::{find_mut, next_resource_version, text};
use crate::clock::rfc3339;
use crate::world::World;

/// The grace period of a pod that names none (`terminationGracePeriodSeconds`).
pub const DEFAULT_GRACE_SECONDS: u64 = 30;

/// What a delete did.
#[derive(Debug, Clone)]
pub enum Deleted {
    /// The pod is gone (nothing ran it, or the grace period was 0).
    Gone(Value),
    /// The pod is marked; its node stops it and then removes it.
    Terminating(Value),
}

/// Binds the pod `uid` to `node` (`spec.nodeName`); the pod as stored.
pub fn bind(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    uid: &str,
    node: &str,
) -> Result<Value, Status> {
    change(world, cluster, namespace, name, uid, |pod| {
        pod["spec"]["nodeName"] = json!(node);
    })
}

/// Replaces the `status` of the pod `uid`; the pod as stored.
pub fn set_status(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    uid: &str,
    status: Value,
) -> Result<Value, Status> {
    change(world, cluster, namespace, name, uid, |pod| {
        pod["status"] = status;
    })
}

/// A delete of the pod `name`. A pod bound to a running node, with a grace period above
/// 0, is marked for its node (`grace`: the request's, else the pod's
/// `terminationGracePeriodSeconds`; a second delete may shorten it); any other pod goes
/// at once. `nodes_run` says whether a node runs pods.
pub fn delete(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    grace: Option<u64>,
    nodes_run: bool,
    now: u64,
) -> Result<Deleted, Status> {
    let cluster = super::super::cluster_mut(world, cluster)?;
    let pod =
        super::find(cluster, namespace, name).ok_or_else(|| Status::not_found("pods", name))?;
    let grace = grace.unwrap_or_else(|| {
        pod.pointer("/spec/terminationGracePeriodSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_GRACE_SECONDS)
    });
    let bound = !text(pod, "/spec/nodeName").is_empty();
    if !(nodes_run && bound && grace > 0) {
        return super::take(cluster, namespace, name)
            .map(Deleted::Gone)
            .ok_or_else(|| Status::not_found("pods", name));
    }
    let marked_grace = pod
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_u64);
    if marked_grace.is_some_and(|marked| marked <= grace) {
        return Ok(Deleted::Terminating(pod.clone()));
    }
    let version = next_resource_version(cluster);
    let pod = find_mut(cluster, namespace, name).ok_or_else(|| Status::not_found("pods", name))?;
    pod["metadata"]["deletionTimestamp"] = json!(rfc3339(now.saturating_add(grace)));
    pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
    pod["metadata"]["resourceVersion"] = json!(version.to_string());
    Ok(Deleted::Terminating(pod.clone()))
}

/// Removes the pod `uid` once its node has stopped it; the pod as it was.
pub fn remove(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    uid: &str,
) -> Result<Value, Status> {
    let cluster = super::super::cluster_mut(world, cluster)?;
    let same_pod =
        super::find(cluster, namespace, name).is_some_and(|pod| text(pod, "/metadata/uid") == uid);
    if !same_pod {
        return Err(Status::not_found("pods", name));
    }
    super::take(cluster, namespace, name).ok_or_else(|| Status::not_found("pods", name))
}

/// What an event says about a pod.
#[derive(Debug, Clone)]
pub struct Happened<'a> {
    /// `Normal` or `Warning`.
    pub kind: &'a str,
    pub reason: &'a str,
    pub message: String,
    /// The container it concerns (`spec.containers{app}`), if one.
    pub field_path: Option<String>,
}

/// Records an event about `pod` from the node `node` at `now`; the Event.
pub fn record_event(
    world: &mut World,
    cluster: &str,
    pod: &Value,
    node: &str,
    happened: Happened<'_>,
    now: u64,
) -> Result<Value, Status> {
    let cluster = super::super::cluster_mut(world, cluster)?;
    let at = rfc3339(now);
    let name = text(pod, "/metadata/name");
    let mut involved = json!({
        "kind": "Pod",
        "namespace": text(pod, "/metadata/namespace"),
        "name": name,
        "uid": text(pod, "/metadata/uid"),
        "apiVersion": "v1",
        "resourceVersion": text(pod, "/metadata/resourceVersion"),
    });
    if let Some(path) = happened.field_path {
        involved["fieldPath"] = json!(path);
    }
    let event = json!({
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": format!("{name}.{:016x}", rand::random::<u64>()),
            "namespace": text(pod, "/metadata/namespace"),
            "uid": crate::world::random_uuid(),
            "resourceVersion": "1",
            "creationTimestamp": at,
        },
        "involvedObject": involved,
        "reason": happened.reason,
        "message": happened.message,
        "source": {"component": "kubelet", "host": node},
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "type": happened.kind,
        "eventTime": null,
        "reportingComponent": "kubelet",
        "reportingInstance": node,
    });
    if cluster.events.len() >= crate::world::MAX_EVENTS {
        cluster.events.remove(0);
    }
    cluster.events.push(Arc::new(event.clone()));
    Ok(event)
}

/// Changes the pod `uid` and gives it the next resourceVersion.
fn change(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    uid: &str,
    edit: impl FnOnce(&mut Value),
) -> Result<Value, Status> {
    let cluster = super::super::cluster_mut(world, cluster)?;
    let version = next_resource_version(cluster);
    let pod = find_mut(cluster, namespace, name)
        .filter(|pod| text(pod, "/metadata/uid") == uid)
        .ok_or_else(|| Status::not_found("pods", name))?;
    edit(pod);
    pod["metadata"]["resourceVersion"] = json!(version.to_string());
    Ok(pod.clone())
}
