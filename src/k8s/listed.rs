//! The kinds `kubectl describe` reads beside the ones irsa-local keeps: each namespace's
//! `kube-root-ca.crt` ConfigMap (which every pod's `kube-api-access-*` volume projects),
//! the Events the node records about the pods it runs, and Secrets, ResourceQuotas and
//! LimitRanges, of which there are none here (service accounts have no token Secrets
//! since Kubernetes 1.24). All are read-only through the API: get, list and watch.

use serde_json::{json, Value};

use super::namespace;
use super::status::Status;
use crate::clock::rfc3339;
use crate::world::{derived_uid, Cluster};

/// The ConfigMap kube-controller-manager publishes in every namespace.
pub const ROOT_CA: &str = "kube-root-ca.crt";

/// A kind served read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    ConfigMap,
    Secret,
    Event,
    ResourceQuota,
    LimitRange,
}

impl Listed {
    /// Every kind served read-only.
    pub const ALL: [Self; 5] = [
        Self::ConfigMap,
        Self::Secret,
        Self::Event,
        Self::ResourceQuota,
        Self::LimitRange,
    ];

    /// The resource's name in a path (`configmaps`).
    pub fn resource(self) -> &'static str {
        match self {
            Self::ConfigMap => "configmaps",
            Self::Secret => "secrets",
            Self::Event => "events",
            Self::ResourceQuota => "resourcequotas",
            Self::LimitRange => "limitranges",
        }
    }

    /// The kind (`ConfigMap`).
    pub fn kind(self) -> &'static str {
        match self {
            Self::ConfigMap => "ConfigMap",
            Self::Secret => "Secret",
            Self::Event => "Event",
            Self::ResourceQuota => "ResourceQuota",
            Self::LimitRange => "LimitRange",
        }
    }

    /// The objects of this kind in `namespace` (every namespace when `None`) of `cluster`,
    /// by namespace then name. `ca_pem` is the cluster's CA (empty without one);
    /// `created_at` is when the namespaces came to be.
    pub fn items(
        self,
        cluster: &Cluster,
        namespace: Option<&str>,
        ca_pem: &str,
        created_at: u64,
    ) -> Vec<Value> {
        match self {
            Self::ConfigMap => namespace::names(cluster)
                .into_iter()
                .filter(|name| namespace.is_none_or(|wanted| wanted == *name))
                .map(|name| root_ca(cluster, name, ca_pem, created_at))
                .collect(),
            Self::Event => cluster
                .events
                .iter()
                .filter(|event| {
                    namespace.is_none_or(|wanted| {
                        event.pointer("/metadata/namespace").and_then(Value::as_str) == Some(wanted)
                    })
                })
                .map(|event| Value::clone(event))
                .collect(),
            Self::Secret | Self::ResourceQuota | Self::LimitRange => Vec::new(),
        }
    }

    /// The list answer: a `<Kind>List` of `items`.
    pub fn list(self, items: Vec<Value>) -> Value {
        json!({
            "kind": format!("{}List", self.kind()),
            "apiVersion": "v1",
            "metadata": { "resourceVersion": "1" },
            "items": items,
        })
    }

    /// The object `name` in `namespace`, or kube-apiserver's 404.
    pub fn read(
        self,
        cluster: &Cluster,
        namespace: &str,
        name: &str,
        ca_pem: &str,
        created_at: u64,
    ) -> Result<Value, Status> {
        if !namespace::exists(cluster, namespace) {
            return Err(Status::not_found("namespaces", namespace));
        }
        self.items(cluster, Some(namespace), ca_pem, created_at)
            .into_iter()
            .find(|item| item.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
            .ok_or_else(|| Status::not_found(self.resource(), name))
    }
}

/// Whether `object` matches `selector`: comma-separated `field=value` (or `==`, `!=`)
/// terms over the object's own fields (`involvedObject.uid`, `metadata.name`, `reason`),
/// as `kubectl describe` asks for a pod's events. A field the object lacks reads empty.
pub fn field_selector_matches(object: &Value, selector: &str) -> bool {
    selector
        .split(',')
        .filter(|term| !term.trim().is_empty())
        .all(|term| {
            let (field, want, equal) = match term.split_once("!=") {
                Some((field, want)) => (field, want, false),
                None => match term.split_once("==").or_else(|| term.split_once('=')) {
                    Some((field, want)) => (field, want, true),
                    None => return false,
                },
            };
            let pointer = format!("/{}", field.trim().replace('.', "/"));
            let got = object
                .pointer(&pointer)
                .and_then(Value::as_str)
                .unwrap_or("");
            (got == want.trim()) == equal
        })
}

/// The CA a pod trusts for the API: the one `serve --tls` generated into `data_dir`,
/// else none (an empty bundle).
pub fn root_ca_pem(data_dir: &std::path::Path) -> String {
    let file = data_dir.join(crate::tls::TLS_DIR).join(crate::tls::CA_FILE);
    std::fs::read_to_string(file).unwrap_or_default()
}

/// The `kube-root-ca.crt` ConfigMap of `namespace`.
fn root_ca(cluster: &Cluster, namespace: &str, ca_pem: &str, created_at: u64) -> Value {
    json!({
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "name": ROOT_CA,
            "namespace": namespace,
            "uid": derived_uid(&["configmap", cluster.name.as_str(), namespace, ROOT_CA]),
            "resourceVersion": "1",
            "creationTimestamp": rfc3339(created_at),
            "annotations": {
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
            },
        },
        "data": { "ca.crt": ca_pem },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        crate::world::load_default()
            .unwrap()
            .default_cluster()
            .clone()
    }

    #[test]
    fn every_namespace_has_its_root_ca_and_nothing_else_exists() {
        let cluster = cluster();
        let all = Listed::ConfigMap.items(&cluster, None, "PEM", 0);
        let namespaces: Vec<&str> = all
            .iter()
            .map(|item| item["metadata"]["namespace"].as_str().unwrap())
            .collect();
        assert_eq!(
            namespaces,
            ["default", "kube-node-lease", "kube-public", "kube-system"]
        );
        assert!(all.iter().all(|item| item["data"]["ca.crt"] == "PEM"));
        let in_default = Listed::ConfigMap.items(&cluster, Some("default"), "PEM", 0);
        assert_eq!(in_default.len(), 1);
        for kind in [
            Listed::Secret,
            Listed::Event,
            Listed::ResourceQuota,
            Listed::LimitRange,
        ] {
            assert!(kind.items(&cluster, None, "PEM", 0).is_empty(), "{kind:?}");
        }
        assert_eq!(Listed::Event.list(Vec::new())["kind"], "EventList");
    }

    #[test]
    fn reads_answer_the_object_or_kube_apiservers_404() {
        let cluster = cluster();
        let cases = [
            ("root_ca", Listed::ConfigMap, "default", ROOT_CA, 200),
            ("other_config_map", Listed::ConfigMap, "default", "app", 404),
            (
                "missing_namespace",
                Listed::ConfigMap,
                "nowhere",
                ROOT_CA,
                404,
            ),
            ("secret", Listed::Secret, "default", "token", 404),
        ];
        for (name, kind, namespace, object, code) in cases {
            let got = kind
                .read(&cluster, namespace, object, "", 0)
                .map_or_else(|status| status.code.as_u16(), |_| 200);
            assert_eq!(got, code, "case {name}");
        }
        let stable = |_| {
            Listed::ConfigMap
                .read(&cluster, "default", ROOT_CA, "", 0)
                .unwrap()["metadata"]["uid"]
                .clone()
        };
        assert_eq!(stable(1), stable(2));
    }
}
