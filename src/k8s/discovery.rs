//! What kubectl reads before it does anything: `/version`, the core group's discovery
//! (`/api`, `/api/v1`: the kinds kept, and the read-only ones `kubectl describe` reads),
//! the group list (`/apis`, empty: every kind served is in the core
//! group, and TokenRequest is a subresource of it), and the OpenAPI v3 documents kubectl
//! checks before `apply` and `create -f` to learn that the server validates fields itself.
//! Plain JSON discovery (`APIVersions`, `APIGroupList`, `APIResourceList`), which every
//! kubectl accepts; the aggregated format is optional and not served.
//! <https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api>

use serde::Serialize;
use serde_json::{json, Value};

use crate::world::{Cluster, DEFAULT_KUBERNETES_VERSION};

/// `/version`, as an EKS control plane answers it: `gitVersion` `v1.31.0-eks-…`, `minor`
/// with a `+`.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    major: String,
    minor: String,
    git_version: String,
    git_commit: &'static str,
    git_tree_state: &'static str,
    build_date: &'static str,
    go_version: &'static str,
    compiler: &'static str,
    platform: &'static str,
}

/// The version of `cluster`'s control plane.
pub fn version(cluster: &Cluster) -> Version {
    let version = cluster
        .version
        .as_deref()
        .unwrap_or(DEFAULT_KUBERNETES_VERSION);
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    Version {
        major: major.to_owned(),
        minor: format!("{minor}+"),
        git_version: format!("v{major}.{minor}.0-eks-irsalocal"),
        git_commit: "0000000000000000000000000000000000000000",
        git_tree_state: "clean",
        build_date: "2026-01-01T00:00:00Z",
        go_version: "go1.24.0",
        compiler: "gc",
        platform: "linux/amd64",
    }
}

/// `/api`: the core group's one version, reached at `server_address`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersions {
    kind: &'static str,
    versions: [&'static str; 1],
    #[serde(rename = "serverAddressByClientCIDRs")]
    server_address_by_client_cidrs: [ServerAddress; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerAddress {
    #[serde(rename = "clientCIDR")]
    client_cidr: &'static str,
    server_address: String,
}

/// `/api`.
pub fn api_versions(server_address: &str) -> ApiVersions {
    ApiVersions {
        kind: "APIVersions",
        versions: ["v1"],
        server_address_by_client_cidrs: [ServerAddress {
            client_cidr: "0.0.0.0/0",
            server_address: server_address.to_owned(),
        }],
    }
}

/// `/apis`: no group beyond the core one is served.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupList {
    kind: &'static str,
    api_version: &'static str,
    groups: [(); 0],
}

/// `/apis`.
pub fn api_groups() -> ApiGroupList {
    ApiGroupList {
        kind: "APIGroupList",
        api_version: "v1",
        groups: [],
    }
}

/// One resource of `/api/v1`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResource {
    name: &'static str,
    singular_name: &'static str,
    namespaced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'static str>,
    kind: &'static str,
    verbs: &'static [&'static str],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    short_names: &'static [&'static str],
}

/// The resources served, by name, with the verbs each answers.
const RESOURCES: &[ApiResource] = &[
    ApiResource {
        name: "configmaps",
        singular_name: "configmap",
        namespaced: true,
        group: None,
        version: None,
        kind: "ConfigMap",
        verbs: &["get", "list", "watch"],
        short_names: &["cm"],
    },
    ApiResource {
        name: "events",
        singular_name: "event",
        namespaced: true,
        group: None,
        version: None,
        kind: "Event",
        verbs: &["get", "list", "watch"],
        short_names: &["ev"],
    },
    ApiResource {
        name: "limitranges",
        singular_name: "limitrange",
        namespaced: true,
        group: None,
        version: None,
        kind: "LimitRange",
        verbs: &["get", "list", "watch"],
        short_names: &["limits"],
    },
    ApiResource {
        name: "namespaces",
        singular_name: "namespace",
        namespaced: false,
        group: None,
        version: None,
        kind: "Namespace",
        verbs: &["create", "delete", "get", "list", "watch"],
        short_names: &["ns"],
    },
    ApiResource {
        name: "pods",
        singular_name: "pod",
        namespaced: true,
        group: None,
        version: None,
        kind: "Pod",
        verbs: &["create", "delete", "get", "list", "patch", "watch"],
        short_names: &["po"],
    },
    ApiResource {
        name: "resourcequotas",
        singular_name: "resourcequota",
        namespaced: true,
        group: None,
        version: None,
        kind: "ResourceQuota",
        verbs: &["get", "list", "watch"],
        short_names: &["quota"],
    },
    ApiResource {
        name: "secrets",
        singular_name: "secret",
        namespaced: true,
        group: None,
        version: None,
        kind: "Secret",
        verbs: &["get", "list", "watch"],
        short_names: &[],
    },
    ApiResource {
        name: "serviceaccounts",
        singular_name: "serviceaccount",
        namespaced: true,
        group: None,
        version: None,
        kind: "ServiceAccount",
        verbs: &["create", "delete", "get", "list", "patch", "watch"],
        short_names: &["sa"],
    },
    ApiResource {
        name: "serviceaccounts/token",
        singular_name: "",
        namespaced: true,
        group: Some("authentication.k8s.io"),
        version: Some("v1"),
        kind: "TokenRequest",
        verbs: &["create"],
        short_names: &[],
    },
];

/// `/api/v1`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceList {
    kind: &'static str,
    group_version: &'static str,
    resources: &'static [ApiResource],
}

/// `/api/v1`.
pub fn core_resources() -> ApiResourceList {
    ApiResourceList {
        kind: "APIResourceList",
        group_version: "v1",
        resources: RESOURCES,
    }
}

/// The hash that pins the `api/v1` document's URL in `/openapi/v3`.
const OPENAPI_HASH: &str = "irsa-local-1";

/// `/openapi/v3`: where the core group's document is.
pub fn openapi_root() -> Value {
    json!({
        "paths": {
            "api/v1": { "serverRelativeURL": format!("/openapi/v3/api/v1?hash={OPENAPI_HASH}") }
        }
    })
}

/// The object path and kind of each kind that can be patched, as OpenAPI names them.
pub fn patchable() -> Vec<(String, &'static str)> {
    RESOURCES
        .iter()
        .filter(|resource| resource.verbs.contains(&"patch"))
        .map(|resource| {
            let path = if resource.namespaced {
                format!(
                    "/api/v1/namespaces/{{namespace}}/{}/{{name}}",
                    resource.name
                )
            } else {
                format!("/api/v1/{}/{{name}}", resource.name)
            };
            (path, resource.kind)
        })
        .collect()
}

/// `/openapi/v3/api/v1`: for each kind that can be patched, a PATCH operation carrying
/// its group-version-kind and the `fieldValidation` parameter, which tells kubectl that
/// the server validates fields itself (so `apply` and `create -f` need no client-side
/// schema). No request body names the strategic-merge media type, so kubectl builds its
/// patches from its own built-in types, which are right for core kinds.
pub fn openapi_core() -> Value {
    let mut paths = serde_json::Map::new();
    for (path, kind) in patchable() {
        paths.insert(
            path,
            json!({
                "patch": {
                    "operationId": format!("patchCoreV1{kind}"),
                    "x-kubernetes-group-version-kind": {
                        "group": "", "version": "v1", "kind": kind
                    },
                    "parameters": [
                        { "name": "fieldValidation", "in": "query", "schema": { "type": "string" } },
                        { "name": "dryRun", "in": "query", "schema": { "type": "string" } },
                        { "name": "fieldManager", "in": "query", "schema": { "type": "string" } }
                    ],
                    "requestBody": {
                        "content": {
                            "application/merge-patch+json": { "schema": { "type": "object" } },
                            "application/json-patch+json": { "schema": { "type": "object" } }
                        }
                    },
                    "responses": { "200": { "description": "OK" } }
                }
            }),
        );
    }
    json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": "v1" },
        "paths": paths,
        "components": { "schemas": {} }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(version: Option<&str>) -> Cluster {
        let mut cluster = crate::world::load_default()
            .unwrap()
            .default_cluster()
            .clone();
        cluster.version = version.map(str::to_owned);
        cluster
    }

    #[test]
    fn versions_look_like_eks() {
        let cases = [
            ("default", None, "1", "31+", "v1.31.0-eks-irsalocal"),
            (
                "declared",
                Some("1.29"),
                "1",
                "29+",
                "v1.29.0-eks-irsalocal",
            ),
        ];
        for (name, declared, major, minor, git) in cases {
            let got = version(&cluster(declared));
            assert_eq!(
                (
                    got.major.as_str(),
                    got.minor.as_str(),
                    got.git_version.as_str()
                ),
                (major, minor, git),
                "case {name}"
            );
        }
    }

    #[test]
    fn the_resource_list_has_kubectls_shape() {
        let list = serde_json::to_value(core_resources()).unwrap();
        assert_eq!(list["kind"], "APIResourceList");
        let token = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "serviceaccounts/token")
            .unwrap();
        assert_eq!(token["group"], "authentication.k8s.io");
        assert_eq!(token["singularName"], "");
        assert!(token.get("shortNames").is_none());
    }

    #[test]
    fn resources_are_listed_by_name_once() {
        let names: Vec<&str> = RESOURCES.iter().map(|r| r.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn every_patchable_kind_advertises_field_validation() {
        let document = openapi_core();
        let paths = document["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 2, "{paths:?}");
        let patch = &paths["/api/v1/namespaces/{namespace}/serviceaccounts/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "ServiceAccount"
        );
        assert!(patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation" && p["in"] == "query"));
    }
}
