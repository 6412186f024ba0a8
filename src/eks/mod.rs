//! EKS over rest-json: DescribeCluster and ListClusters over the world's clusters, with
//! epoch-second timestamps and errors named in `x-amzn-ErrorType`.
//! <https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeCluster.html>
//!
//! Known gaps (the rest of issue 5): CreateCluster and DeleteCluster.

use serde_json::{json, Value};

use crate::world::{Cluster, World};

/// The EKS operations irsa-local serves, parsed from the route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksAction {
    ListClusters,
    DescribeCluster { name: String },
    Unsupported { method: String, path: String },
}

impl EksAction {
    /// From the method and (decoded) path.
    pub fn from_route(method: &str, path: &str) -> Self {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        match (method, segments.as_slice()) {
            ("GET", ["clusters"]) => Self::ListClusters,
            ("GET", ["clusters", name]) => Self::DescribeCluster {
                name: (*name).to_owned(),
            },
            _ => Self::Unsupported {
                method: method.to_owned(),
                path: path.to_owned(),
            },
        }
    }

    /// The IAM action and resource a caller needs permission for.
    pub fn permission(&self, world: &World) -> (&'static str, String) {
        match self {
            Self::ListClusters | Self::Unsupported { .. } => ("eks:ListClusters", "*".to_owned()),
            Self::DescribeCluster { name } => ("eks:DescribeCluster", cluster_arn(world, name)),
        }
    }
}

/// Why EKS refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EksError {
    #[error("No cluster found for name: {0}.")]
    NoSuchCluster(String),
    #[error("irsa-local's EKS does not serve {method} {path}")]
    Unsupported { method: String, path: String },
}

/// Runs `action`; `created_at` is the clusters' creation time.
pub fn execute(world: &World, action: &EksAction, created_at: u64) -> Result<Value, EksError> {
    match action {
        EksAction::ListClusters => Ok(json!({
            "clusters": world.clusters.iter().map(|c| c.name.to_string()).collect::<Vec<_>>(),
        })),
        EksAction::DescribeCluster { name } => {
            let cluster = world
                .cluster(name)
                .ok_or_else(|| EksError::NoSuchCluster(name.clone()))?;
            Ok(json!({ "cluster": describe(world, cluster, created_at) }))
        }
        EksAction::Unsupported { method, path } => Err(EksError::Unsupported {
            method: method.clone(),
            path: path.clone(),
        }),
    }
}

fn cluster_arn(world: &World, name: &str) -> String {
    format!(
        "arn:aws:eks:{}:{}:cluster/{name}",
        world.account.region, world.account.id
    )
}

/// The cluster object, with the fields DescribeCluster callers read.
fn describe(world: &World, cluster: &Cluster, created_at: u64) -> Value {
    let id = cluster
        .oidc_issuer
        .path_id()
        .unwrap_or(cluster.name.as_str());
    let region = world.account.region.as_str();
    json!({
        "name": cluster.name.as_str(),
        "arn": cluster_arn(world, cluster.name.as_str()),
        "createdAt": created_at,
        "version": "1.31",
        "endpoint": format!("https://{id}.gr7.{region}.eks.amazonaws.com"),
        "roleArn": format!("arn:aws:iam::{}:role/eksctl-{}-cluster-ServiceRole", world.account.id, cluster.name),
        "resourcesVpcConfig": {"subnetIds": [], "securityGroupIds": [], "vpcId": "vpc-00000000000000000",
                               "endpointPublicAccess": true, "endpointPrivateAccess": false},
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
        "identity": {"oidc": {"issuer": cluster.oidc_issuer.as_str()}},
        "status": "ACTIVE",
        "certificateAuthority": {"data": ""},
        "platformVersion": "eks.1",
        "tags": {},
    })
}
