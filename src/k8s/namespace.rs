//! Namespaces as kube-apiserver serves them: the four every cluster starts with, each
//! namespace a ServiceAccount of the cluster lives in, and those created through the API.
//! Deleting one deletes what lives in it at once (there is no controller to finalize
//! it later); `default`, `kube-system` and `kube-public` cannot be deleted.

use std::collections::BTreeSet;

use serde::Serialize;

use serde::Deserialize;

use super::status::{Cause, Status};
use crate::clock::rfc3339;
use crate::world::{derived_uid, names as checks, Cluster, Namespace, World};

/// The namespaces that cannot be deleted.
const IMMORTAL: [&str; 3] = ["default", "kube-public", "kube-system"];

/// The namespaces every cluster has.
pub const BUILT_IN: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// A v1 Namespace.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceObject {
    kind: &'static str,
    api_version: &'static str,
    metadata: Metadata,
    spec: Spec,
    status: Phase,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    name: String,
    uid: String,
    resource_version: &'static str,
    creation_timestamp: String,
    labels: Labels,
}

#[derive(Debug, Serialize)]
struct Labels {
    #[serde(rename = "kubernetes.io/metadata.name")]
    name: String,
}

#[derive(Debug, Serialize)]
struct Spec {
    finalizers: [&'static str; 1],
}

#[derive(Debug, Serialize)]
struct Phase {
    phase: &'static str,
}

/// A v1 NamespaceList.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceList {
    kind: &'static str,
    api_version: &'static str,
    metadata: ListMetadata,
    items: Vec<NamespaceObject>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListMetadata {
    resource_version: &'static str,
}

/// Every namespace of `cluster`, by name; `created_at` is their creation time.
pub fn list(cluster: &Cluster, created_at: u64) -> NamespaceList {
    NamespaceList {
        kind: "NamespaceList",
        api_version: "v1",
        metadata: ListMetadata {
            resource_version: "1",
        },
        items: names(cluster)
            .into_iter()
            .map(|name| object(cluster, name, created_at))
            .collect(),
    }
}

/// The namespace `name` of `cluster`, or kube-apiserver's 404.
pub fn read(cluster: &Cluster, name: &str, created_at: u64) -> Result<NamespaceObject, Status> {
    if names(cluster).contains(name) {
        Ok(object(cluster, name, created_at))
    } else {
        Err(Status::not_found("namespaces", name))
    }
}

/// Whether `cluster` has the namespace `name`.
pub fn exists(cluster: &Cluster, name: &str) -> bool {
    names(cluster).contains(name)
}

/// The part of a posted Namespace that irsa-local keeps: its name.
#[derive(Debug, Default, Deserialize)]
pub struct NewNamespace {
    #[serde(default, deserialize_with = "super::null_as_default")]
    metadata: NewMetadata,
}

#[derive(Debug, Default, Deserialize)]
struct NewMetadata {
    name: Option<String>,
}

impl NewNamespace {
    /// A namespace named `name`, as a protobuf body carries it.
    pub fn named(name: Option<String>) -> Self {
        Self {
            metadata: NewMetadata { name },
        }
    }

    /// `metadata.name`, if given.
    pub fn name(&self) -> Option<&str> {
        self.metadata.name.as_deref()
    }
}

/// Creates the namespace `new` in `cluster` at `now`; the stored object.
pub fn create(
    world: &mut World,
    cluster: &str,
    new: &NewNamespace,
    created_at: u64,
) -> Result<NamespaceObject, Status> {
    let cluster = super::cluster_mut(world, cluster)?;
    let name = new.name().unwrap_or_default();
    if name.is_empty() {
        return Err(Status::invalid(
            "Namespace",
            "",
            "",
            vec![Cause::required("metadata.name")],
        ));
    }
    let checked = Namespace::try_from(name.to_owned()).map_err(|_| {
        let problem = checks::dns1123_label(name).err().unwrap_or_default();
        Status::invalid(
            "Namespace",
            "",
            name,
            vec![Cause::invalid(
                "metadata.name",
                format!("{name:?}"),
                &problem,
            )],
        )
    })?;
    if exists(cluster, name) {
        return Err(Status::already_exists("namespaces", name));
    }
    super::quota::admit("namespaces", name, cluster.namespaces.len())?;
    cluster.namespaces.push(checked);
    Ok(object(cluster, name, created_at))
}

/// Deletes the namespace `name` and everything in it; the object as it was, terminating.
pub fn delete(
    world: &mut World,
    cluster: &str,
    name: &str,
    created_at: u64,
) -> Result<NamespaceObject, Status> {
    let cluster = super::cluster_mut(world, cluster)?;
    if !exists(cluster, name) {
        return Err(Status::not_found("namespaces", name));
    }
    if IMMORTAL.contains(&name) {
        return Err(Status::forbidden(
            "namespaces",
            name,
            "this namespace may not be deleted",
        ));
    }
    let mut gone = object(cluster, name, created_at);
    gone.status.phase = "Terminating";
    cluster.namespaces.retain(|ns| ns.as_str() != name);
    cluster
        .service_accounts
        .retain(|sa| sa.namespace.as_str() != name);
    cluster.pods.retain(|pod| {
        pod.pointer("/metadata/namespace")
            .and_then(serde_json::Value::as_str)
            != Some(name)
    });
    Ok(gone)
}

/// The names of `cluster`'s namespaces, sorted.
pub(super) fn names(cluster: &Cluster) -> BTreeSet<&str> {
    BUILT_IN
        .into_iter()
        .chain(cluster.namespaces.iter().map(Namespace::as_str))
        .chain(
            cluster
                .service_accounts
                .iter()
                .map(|account| account.namespace.as_str()),
        )
        .collect()
}

fn object(cluster: &Cluster, name: &str, created_at: u64) -> NamespaceObject {
    NamespaceObject {
        kind: "Namespace",
        api_version: "v1",
        metadata: Metadata {
            name: name.to_owned(),
            uid: derived_uid(&["namespace", cluster.name.as_str(), name]),
            resource_version: "1",
            creation_timestamp: rfc3339(created_at),
            labels: Labels {
                name: name.to_owned(),
            },
        },
        spec: Spec {
            finalizers: ["kubernetes"],
        },
        status: Phase { phase: "Active" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_created_and_deleted_with_what_lives_in_them() {
        let mut world = crate::world::load_default().unwrap();
        let cluster = "eksworkshop-eksctl";
        let new = NewNamespace::named(Some("apps".into()));
        create(&mut world, cluster, &new, 0).unwrap();
        assert_eq!(
            create(&mut world, cluster, &new, 0).unwrap_err().reason,
            "AlreadyExists"
        );
        assert!(exists(world.default_cluster(), "apps"));
        let cases = [
            ("bad_name", Some("Apps_1"), "Invalid"),
            ("no_name", None, "Invalid"),
        ];
        for (case, name, reason) in cases {
            let new = NewNamespace::named(name.map(str::to_owned));
            assert_eq!(
                create(&mut world, cluster, &new, 0).unwrap_err().reason,
                reason,
                "case {case}"
            );
        }
        let gone = serde_json::to_value(delete(&mut world, cluster, "apps", 0).unwrap()).unwrap();
        assert_eq!(gone["status"]["phase"], "Terminating");
        assert!(!exists(world.default_cluster(), "apps"));
        assert_eq!(
            delete(&mut world, cluster, "default", 0)
                .unwrap_err()
                .reason,
            "Forbidden"
        );
        assert_eq!(
            delete(&mut world, cluster, "nope", 0).unwrap_err().reason,
            "NotFound"
        );
        // The workshop account's namespace goes with its accounts.
        delete(&mut world, cluster, "kube-node-lease", 0).unwrap();
    }

    #[test]
    fn namespaces_past_the_object_count_quota_are_forbidden() {
        let mut world = crate::world::load_default().unwrap();
        let cluster = "eksworkshop-eksctl";
        let filler: Vec<Namespace> = (0..crate::k8s::quota::MAX_OBJECTS_PER_KIND)
            .map(|n| Namespace::try_from(format!("ns-{n}")).unwrap())
            .collect();
        world.cluster_mut(cluster).unwrap().namespaces = filler;
        let refused = create(
            &mut world,
            cluster,
            &NewNamespace::named(Some("one-more".into())),
            0,
        )
        .unwrap_err();
        assert_eq!((refused.code.as_u16(), refused.reason), (403, "Forbidden"));
    }

    #[test]
    fn a_cluster_has_the_built_in_namespaces_and_those_of_its_accounts() {
        let world = crate::world::load_default().unwrap();
        let cluster = world.default_cluster();
        let listed = serde_json::to_value(list(cluster, 0)).unwrap();
        let names: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["default", "kube-node-lease", "kube-public", "kube-system"]
        );
        let cases = [
            ("built_in", "kube-system", true),
            ("unknown", "nope", false),
        ];
        for (case, name, found) in cases {
            assert_eq!(read(cluster, name, 0).is_ok(), found, "case {case}");
        }
        let first = serde_json::to_value(read(cluster, "default", 0).unwrap()).unwrap();
        let again = serde_json::to_value(read(cluster, "default", 0).unwrap()).unwrap();
        assert_eq!(
            first["metadata"]["uid"], again["metadata"]["uid"],
            "a stable uid"
        );
        assert_eq!(first["status"]["phase"], "Active");
    }
}
