//! EKS over rest-json: ListClusters, DescribeCluster, CreateCluster and DeleteCluster
//! over the world's clusters, with epoch-second timestamps and errors named in
//! `x-amzn-ErrorType`. A created cluster gets its own EKS-shaped issuer and its own
//! signing keys, so tests can run two clusters side by side.
//! <https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html>
//!
//! Pod Identity associations (Create, Describe, List, Update, Delete) live in
//! [`association`].
//!
//! Known gaps: node groups, add-ons, access entries and updates answer
//! `InvalidRequestException`; a cluster is ACTIVE as soon as CreateCluster returns.

pub mod association;
mod cluster;
pub mod error;
pub mod http;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::world::World;
pub use error::EksError;

/// The EKS operations irsa-local serves, parsed from the route and body: a read,
/// answered from a snapshot of the world, or a write, applied through the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksAction {
    Read(EksRead),
    Write(EksWrite),
}

/// An EKS operation that changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksRead {
    ListClusters,
    DescribeCluster {
        name: String,
    },
    ListPodIdentityAssociations {
        cluster: String,
        input: association::ListInput,
    },
    DescribePodIdentityAssociation {
        cluster: String,
        id: String,
    },
}

/// An EKS operation that changes the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksWrite {
    CreateCluster(CreateClusterInput),
    DeleteCluster {
        name: String,
    },
    CreatePodIdentityAssociation {
        cluster: String,
        input: association::CreateInput,
    },
    UpdatePodIdentityAssociation {
        cluster: String,
        id: String,
        input: association::UpdateInput,
    },
    DeletePodIdentityAssociation {
        cluster: String,
        id: String,
    },
}

/// CreateCluster's parameters that irsa-local keeps.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClusterInput {
    pub name: String,
    pub role_arn: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Required by EKS; its contents are not modelled.
    pub resources_vpc_config: serde_json::Map<String, Value>,
}

impl EksAction {
    /// From the method, the (decoded) path, the query string and the body; a route EKS
    /// has that irsa-local does not serve is [`EksError::Unsupported`].
    pub fn from_request(
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
    ) -> Result<Self, EksError> {
        const ASSOCIATIONS: &str = "pod-identity-associations";
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let owned = |s: &&str| (*s).to_owned();
        Ok(match (method, segments.as_slice()) {
            ("GET", ["clusters"]) => Self::Read(EksRead::ListClusters),
            ("POST", ["clusters"]) => {
                Self::Write(EksWrite::CreateCluster(cluster::parse_create(body)?))
            }
            ("GET", ["clusters", name]) => Self::Read(EksRead::DescribeCluster {
                name: (*name).to_owned(),
            }),
            ("DELETE", ["clusters", name]) => Self::Write(EksWrite::DeleteCluster {
                name: (*name).to_owned(),
            }),
            ("GET", ["clusters", cluster, ASSOCIATIONS]) => {
                Self::Read(EksRead::ListPodIdentityAssociations {
                    cluster: owned(cluster),
                    input: association::parse_list(query)?,
                })
            }
            ("POST", ["clusters", cluster, ASSOCIATIONS]) => {
                Self::Write(EksWrite::CreatePodIdentityAssociation {
                    cluster: owned(cluster),
                    input: association::parse_create(body)?,
                })
            }
            ("GET", ["clusters", cluster, ASSOCIATIONS, id]) => {
                Self::Read(EksRead::DescribePodIdentityAssociation {
                    cluster: owned(cluster),
                    id: owned(id),
                })
            }
            ("POST", ["clusters", cluster, ASSOCIATIONS, id]) => {
                Self::Write(EksWrite::UpdatePodIdentityAssociation {
                    cluster: owned(cluster),
                    id: owned(id),
                    input: association::parse_update(body)?,
                })
            }
            ("DELETE", ["clusters", cluster, ASSOCIATIONS, id]) => {
                Self::Write(EksWrite::DeletePodIdentityAssociation {
                    cluster: owned(cluster),
                    id: owned(id),
                })
            }
            _ => {
                return Err(EksError::Unsupported {
                    method: method.to_owned(),
                    path: path.to_owned(),
                })
            }
        })
    }

    /// The IAM action and resource a caller needs permission for.
    pub fn permission(&self, world: &World) -> (&'static str, String) {
        match self {
            Self::Read(EksRead::ListClusters) => ("eks:ListClusters", "*".to_owned()),
            Self::Read(EksRead::DescribeCluster { name }) => {
                ("eks:DescribeCluster", cluster::arn(world, name))
            }
            Self::Write(EksWrite::CreateCluster(input)) => {
                ("eks:CreateCluster", cluster::arn(world, &input.name))
            }
            Self::Write(EksWrite::DeleteCluster { name }) => {
                ("eks:DeleteCluster", cluster::arn(world, name))
            }
            Self::Read(EksRead::ListPodIdentityAssociations { cluster, .. }) => (
                "eks:ListPodIdentityAssociations",
                cluster::arn(world, cluster),
            ),
            Self::Write(EksWrite::CreatePodIdentityAssociation { cluster, .. }) => (
                "eks:CreatePodIdentityAssociation",
                cluster::arn(world, cluster),
            ),
            Self::Read(EksRead::DescribePodIdentityAssociation { cluster, id }) => (
                "eks:DescribePodIdentityAssociation",
                association::arn(world, cluster, id),
            ),
            Self::Write(EksWrite::UpdatePodIdentityAssociation { cluster, id, .. }) => (
                "eks:UpdatePodIdentityAssociation",
                association::arn(world, cluster, id),
            ),
            Self::Write(EksWrite::DeletePodIdentityAssociation { cluster, id }) => (
                "eks:DeletePodIdentityAssociation",
                association::arn(world, cluster, id),
            ),
        }
    }
}

/// Answers a read; `created_at` stands in for creation dates the world lacks.
pub fn execute(world: &World, action: &EksRead, created_at: u64) -> Result<Value, EksError> {
    match action {
        EksRead::ListClusters => Ok(json!({
            "clusters": world.clusters.iter().map(|c| c.name.to_string()).collect::<Vec<_>>(),
        })),
        EksRead::DescribeCluster { name } => {
            let cluster = world
                .cluster(name)
                .ok_or_else(|| EksError::NoSuchCluster(name.clone()))?;
            Ok(json!({ "cluster": cluster::describe(world, cluster, created_at, "ACTIVE") }))
        }
        EksRead::ListPodIdentityAssociations { cluster, input } => {
            association::list(world, cluster, input)
        }
        EksRead::DescribePodIdentityAssociation { cluster, id } => {
            association::get(world, cluster, id)
        }
    }
}

/// Makes a change to `world` at `now`.
pub fn apply(world: &mut World, action: &EksWrite, now: u64) -> Result<Value, EksError> {
    match action {
        EksWrite::CreateCluster(input) => {
            let created = cluster::create(world, input, now)?;
            Ok(json!({ "cluster": cluster::describe(world, &created, now, "CREATING") }))
        }
        EksWrite::DeleteCluster { name } => {
            let deleted = cluster::delete(world, name)?;
            Ok(json!({ "cluster": cluster::describe(world, &deleted, now, "DELETING") }))
        }
        EksWrite::CreatePodIdentityAssociation { cluster, input } => {
            association::create(world, cluster, input, now)
        }
        EksWrite::UpdatePodIdentityAssociation { cluster, id, input } => {
            association::update(world, cluster, id, input, now)
        }
        EksWrite::DeletePodIdentityAssociation { cluster, id } => {
            association::delete(world, cluster, id)
        }
    }
}

#[cfg(test)]
mod tests;
