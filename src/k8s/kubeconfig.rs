//! A kubeconfig for a running irsa-local, as `kind get kubeconfig` prints one for a kind
//! cluster: one cluster, user and context per cluster of the world, the default cluster at
//! the server's root and every other one under `/k8s/<name>`.
//! <https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/>

use serde::Serialize;

use crate::world::World;

/// The user every context names; the API needs no credentials on loopback.
const USER: &str = "irsa-local";

/// A kubeconfig file (`kind: Config`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    clusters: Vec<NamedCluster>,
    contexts: Vec<NamedContext>,
    current_context: String,
    preferences: Preferences,
    users: Vec<NamedUser>,
}

#[derive(Debug, Serialize)]
struct NamedCluster {
    name: String,
    cluster: ClusterEntry,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ClusterEntry {
    server: String,
    /// The CA that signed the server's certificate (base64 PEM), for an https server.
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_authority_data: Option<String>,
}

#[derive(Debug, Serialize)]
struct NamedContext {
    name: String,
    context: ContextEntry,
}

#[derive(Debug, Serialize)]
struct ContextEntry {
    cluster: String,
    user: &'static str,
}

#[derive(Debug, Serialize)]
struct Preferences {}

#[derive(Debug, Serialize)]
struct NamedUser {
    name: &'static str,
    user: User,
}

/// The user's credentials: the API's bearer token, when the server requires one.
#[derive(Debug, Serialize)]
struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

/// Why no kubeconfig could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeconfigError {
    #[error("the world has no cluster named {0:?}")]
    UnknownCluster(String),
}

/// The kubeconfig for `world` served at `server` (`http://127.0.0.1:4772`), its current
/// context `current` (the default cluster when `None`), its user presenting `token`, and
/// trusting `ca_pem` for an https server. (kubectl sends a bearer token only over https.)
pub fn kubeconfig(
    world: &World,
    server: &str,
    current: Option<&str>,
    token: Option<&str>,
    ca_pem: Option<&[u8]>,
) -> Result<Kubeconfig, KubeconfigError> {
    use base64::Engine as _;
    let ca = ca_pem.map(|pem| base64::engine::general_purpose::STANDARD.encode(pem));
    let server = server.trim_end_matches('/');
    let default = world.default_cluster().name.as_str();
    let current = current.unwrap_or(default);
    if world.cluster(current).is_none() {
        return Err(KubeconfigError::UnknownCluster(current.to_owned()));
    }
    let names: Vec<&str> = world.clusters.iter().map(|c| c.name.as_str()).collect();
    Ok(Kubeconfig {
        api_version: "v1",
        kind: "Config",
        clusters: names
            .iter()
            .map(|name| NamedCluster {
                name: (*name).to_owned(),
                cluster: ClusterEntry {
                    server: if *name == default {
                        server.to_owned()
                    } else {
                        format!("{server}/k8s/{name}")
                    },
                    certificate_authority_data: ca.clone(),
                },
            })
            .collect(),
        contexts: names
            .iter()
            .map(|name| NamedContext {
                name: (*name).to_owned(),
                context: ContextEntry {
                    cluster: (*name).to_owned(),
                    user: USER,
                },
            })
            .collect(),
        current_context: current.to_owned(),
        preferences: Preferences {},
        users: vec![NamedUser {
            name: USER,
            user: User {
                token: token.map(str::to_owned),
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::ClusterName;

    #[test]
    fn one_context_per_cluster_others_under_k8s() {
        let mut world = crate::world::load_default().unwrap();
        let mut second = world.default_cluster().clone();
        second.name = ClusterName::try_from("second".to_owned()).unwrap();
        world.clusters.push(second);
        let config = serde_json::to_value(
            kubeconfig(
                &world,
                "http://127.0.0.1:4772/",
                Some("second"),
                Some("t"),
                Some(b"PEM"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(config["apiVersion"], "v1");
        assert_eq!(config["current-context"], "second");
        assert_eq!(
            config["clusters"][0]["cluster"]["server"],
            "http://127.0.0.1:4772"
        );
        assert_eq!(
            config["clusters"][1]["cluster"]["server"],
            "http://127.0.0.1:4772/k8s/second"
        );
        assert_eq!(config["contexts"][1]["context"]["user"], "irsa-local");
        assert_eq!(config["users"][0]["user"]["token"], "t");
        assert_eq!(
            config["clusters"][0]["cluster"]["certificate-authority-data"],
            "UEVN"
        );
        assert_eq!(
            kubeconfig(&world, "http://x", Some("nope"), None, None).unwrap_err(),
            KubeconfigError::UnknownCluster("nope".into())
        );
    }
}
