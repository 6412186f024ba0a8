//! Namespaces as kube-apiserver serves them, read-only for now: the four every cluster
//! starts with, and each namespace a ServiceAccount of the cluster lives in.

use std::collections::BTreeSet;

use serde::Serialize;

use super::status::Status;
use crate::clock::rfc3339;
use crate::world::{derived_uid, Cluster};

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

fn names(cluster: &Cluster) -> BTreeSet<&str> {
    BUILT_IN
        .into_iter()
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
