//! One cluster: its DescribeCluster shape, and creating and deleting one.

use serde_json::{json, Value};

use super::{CreateClusterInput, EksError};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::world::table::Table;
use crate::world::{Cluster, World, DEFAULT_KUBERNETES_VERSION};

/// `arn:aws:eks:<region>:<account>:cluster/<name>`.
pub fn arn(world: &World, name: &str) -> String {
    format!(
        "arn:aws:eks:{}:{}:cluster/{name}",
        world.account.region, world.account.id
    )
}

/// CreateCluster's body. EKS names the first problem as an InvalidParameterException.
pub fn parse_create(body: &[u8]) -> Result<CreateClusterInput, EksError> {
    let input: CreateClusterInput = serde_json::from_slice(body).map_err(|err| {
        EksError::InvalidParameter(format!(
            "The request body is not a valid CreateCluster request: {err}"
        ))
    })?;
    if let Err(problem) = crate::world::names::cluster_name(&input.name) {
        return Err(EksError::InvalidParameter(format!(
            "1 validation error detected: Value '{}' at 'name' failed to satisfy constraint: {problem}",
            input.name
        )));
    }
    if !is_iam_role_arn(&input.role_arn) {
        return Err(EksError::InvalidParameter(format!(
            "Role ARN {} is not a valid IAM role ARN",
            input.role_arn
        )));
    }
    if let Some(version) = &input.version {
        let numeric = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !version
            .split_once('.')
            .is_some_and(|(a, b)| numeric(a) && numeric(b))
        {
            return Err(EksError::InvalidParameter(format!(
                "unsupported Kubernetes version {version}"
            )));
        }
    }
    if input.tags.len() > 50 {
        return Err(EksError::InvalidParameter(
            "a cluster can have at most 50 tags".to_owned(),
        ));
    }
    Ok(input)
}

/// `arn:aws:iam::<12 digits>:role/<name>`.
pub(super) fn is_iam_role_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
}

/// Adds the cluster, with a fresh EKS-shaped issuer in the account's region; its keys
/// are generated when the store rebuilds the keyring.
pub fn create(
    world: &mut World,
    input: &CreateClusterInput,
    now: u64,
) -> Result<Cluster, EksError> {
    if world.cluster(&input.name).is_some() {
        return Err(EksError::ClusterExists(input.name.clone()));
    }
    let issuer_id: [u8; 16] = rand::random();
    let issuer = format!(
        "https://oidc.eks.{}.amazonaws.com/id/{}",
        world.account.region,
        crate::hex::encode(&issuer_id).to_ascii_uppercase()
    );
    let invalid = |problem: String| EksError::InvalidParameter(problem);
    let cluster = Cluster {
        name: input.name.clone().try_into().map_err(invalid)?,
        oidc_issuer: issuer.try_into().map_err(invalid)?,
        api_audiences: vec!["https://kubernetes.default.svc".to_owned()],
        signing_keys: Vec::new(),
        service_accounts: Table::new(),
        create_date: Some(rfc3339(now)),
        version: input.version.clone(),
        role_arn: Some(input.role_arn.clone()),
        tags: input.tags.clone(),
        namespaces: Vec::new(),
        pods: Table::new(),
        pod_identity_associations: Table::new(),
        events: Vec::new(),
        resource_version: 0,
    };
    world.clusters.push(cluster.clone());
    Ok(cluster)
}

/// Removes the cluster. The world keeps at least one cluster (the default one serves
/// `/api/v1`), so the last one is refused.
pub fn delete(world: &mut World, name: &str) -> Result<Cluster, EksError> {
    let index = world
        .clusters
        .iter()
        .position(|cluster| cluster.name.as_str() == name)
        .ok_or_else(|| EksError::NoSuchCluster(name.to_owned()))?;
    if world.clusters.len() == 1 {
        return Err(EksError::InvalidRequest(format!(
            "{name} is the only cluster, and irsa-local keeps at least one: create another first"
        )));
    }
    Ok(world.clusters.remove(index))
}

/// The cluster object, with the fields DescribeCluster callers read.
pub fn describe(world: &World, cluster: &Cluster, created_at: u64, status: &str) -> Value {
    let id = cluster
        .oidc_issuer
        .path_id()
        .unwrap_or(cluster.name.as_str());
    let region = world.account.region.as_str();
    let created = cluster
        .create_date
        .as_deref()
        .and_then(parse_rfc3339)
        .unwrap_or(created_at);
    let role_arn = cluster.role_arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:iam::{}:role/eksctl-{}-cluster-ServiceRole",
            world.account.id, cluster.name
        )
    });
    json!({
        "name": cluster.name.as_str(),
        "arn": arn(world, cluster.name.as_str()),
        "createdAt": created,
        "version": cluster.version.as_deref().unwrap_or(DEFAULT_KUBERNETES_VERSION),
        "endpoint": format!("https://{id}.gr7.{region}.eks.amazonaws.com"),
        "roleArn": role_arn,
        "resourcesVpcConfig": {"subnetIds": [], "securityGroupIds": [], "vpcId": "vpc-00000000000000000",
                               "endpointPublicAccess": true, "endpointPrivateAccess": false},
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
        "identity": {"oidc": {"issuer": cluster.oidc_issuer.as_str()}},
        "status": status,
        "certificateAuthority": {"data": ""},
        "platformVersion": "eks.1",
        "tags": cluster.tags,
    })
}
