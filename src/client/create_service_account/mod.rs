//! `irsa-local create-iamserviceaccount`: what `eksctl create iamserviceaccount --approve`
//! does, through the running server's own APIs (never its data dir):
//!
//! 1. EKS DescribeCluster gives the cluster's issuer.
//! 2. IAM ListOpenIDConnectProviders must list the provider for that issuer; without one
//!    the command stops, as eksctl does, and says how to create it.
//! 3. An existing service account is excluded unless `--override-existing-serviceaccounts`
//!    is given, whatever its annotations: eksctl's `SetExcludeExistingFilter` excludes
//!    every service account that exists, and eksctl then creates nothing and exits 0.
//! 4. IAM CreateRole with eksctl's trust policy (the provider as federated principal,
//!    `StringEquals` on `<issuer>:sub` and `<issuer>:aud`) and the tags eksctl's stack
//!    carries (`alpha.eksctl.io/cluster-name`, `alpha.eksctl.io/iamserviceaccount-name`),
//!    then AttachRolePolicy for each policy ARN.
//! 5. The service account is created, or merge-patched when it exists, with the
//!    `eks.amazonaws.com/role-arn` annotation and eksctl's `app.kubernetes.io/managed-by`
//!    label.
//!
//! Differences from eksctl, which deploys a CloudFormation stack: the role is made with
//! IAM calls. A policy that cannot be attached undoes the role (detach, delete), as the
//! stack would roll back; a service account that cannot be written leaves the role, as
//! eksctl leaves its stack. The default role name imitates the name CloudFormation
//! generates for eksctl's stack.
//! <https://eksctl.io/usage/iamserviceaccounts/>

mod progress;
mod role;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::target::{Target, TargetError, TargetFlags};
use super::{Client, ClientError, CreateOutcome, NewRole, ObjectMeta, ServiceAccount};
use crate::clock::Clock;
use crate::world::{ClusterName, Namespace, RoleName, ServiceAccountName};
use role::AUDIENCE;

pub use progress::Progress;
pub use role::{default_role_name, trust_policy};

/// The annotation the pod identity webhook reads.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The label eksctl puts on the service accounts it manages.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
const MANAGED_BY_VALUE: &str = "eksctl";
/// The tags eksctl's stack gives the role (CloudFormation passes stack tags on).
const CLUSTER_NAME_TAG: &str = "alpha.eksctl.io/cluster-name";
const SERVICE_ACCOUNT_NAME_TAG: &str = "alpha.eksctl.io/iamserviceaccount-name";

/// What to create.
#[derive(Debug, Clone)]
pub struct Options {
    pub cluster: ClusterName,
    pub namespace: Namespace,
    pub name: ServiceAccountName,
    pub attach_policy_arns: Vec<String>,
    /// `--role-name`; without it, a name in the pattern CloudFormation gives eksctl's role.
    pub role_name: Option<RoleName>,
    pub override_existing_service_accounts: bool,
}

/// How the command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The role exists with its policies and the service account is annotated with it.
    Created { role_arn: String },
    /// The service account existed and `--override-existing-serviceaccounts` was not given:
    /// nothing was changed.
    Excluded,
}

/// Why the command failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(
        "cluster {cluster:?} has no OIDC issuer (DescribeCluster's identity.oidc.issuer is empty)"
    )]
    NoIssuer { cluster: String },
    #[error("no IAM OIDC provider associated with cluster {cluster:?}, try 'aws iam create-open-id-connect-provider --url {issuer} --client-id-list {AUDIENCE} --endpoint-url {endpoint_url}'; unable to create iamserviceaccount(s) without IAM OIDC provider enabled")]
    NoProvider {
        cluster: String,
        issuer: String,
        endpoint_url: String,
    },
    /// A policy could not be attached, and the role was deleted again, as CloudFormation
    /// rolls eksctl's stack back; `cleanup` says why that failed, if it did.
    #[error("policy {policy_arn} could not be attached to IAM role {role:?}: {source}; {}", match cleanup {
        None => "the role was deleted again".to_owned(),
        Some(cleanup) => format!("deleting the role again failed too ({cleanup}), so delete it with 'aws iam delete-role --role-name {role}' after detaching its policies"),
    })]
    Attach {
        role: String,
        policy_arn: String,
        #[source]
        source: Box<ClientError>,
        cleanup: Option<Box<ClientError>>,
    },
    #[error("IAM role {role_arn} was created, but serviceaccount {service_account:?} could not be annotated with it: {source}")]
    ServiceAccount {
        role_arn: String,
        service_account: String,
        #[source]
        source: Box<ClientError>,
    },
    #[error(
        "the role name derived for {service_account:?} is not a valid IAM role name: {detail}"
    )]
    RoleName {
        service_account: String,
        detail: String,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl CreateError {
    /// 2 for what the user must fix locally (endpoint, credentials, world file), 1 for
    /// what the server refused or could not do.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Target(_) => 2,
            Self::Client(_)
            | Self::NoIssuer { .. }
            | Self::NoProvider { .. }
            | Self::Attach { .. }
            | Self::ServiceAccount { .. }
            | Self::RoleName { .. }
            | Self::Runtime(_) => 1,
        }
    }
}

/// Resolves the target and runs the command to completion on its own runtime.
pub fn execute(
    flags: TargetFlags,
    env: impl Fn(&str) -> Option<String>,
    clock: Arc<dyn Clock>,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, CreateError> {
    let target = Target::resolve(flags, env)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CreateError::Runtime)?;
    runtime.block_on(async {
        let client = Client::new(target, clock);
        run(&client, options, progress).await
    })
}

/// The command over `client`.
pub async fn run(
    client: &Client,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, CreateError> {
    let Options {
        cluster,
        namespace,
        name,
        ..
    } = options;
    let service_account = format!("{namespace}/{name}");
    let described = client.describe_cluster(cluster).await?;
    let issuer = described
        .issuer
        .filter(|issuer| !issuer.is_empty())
        .ok_or_else(|| CreateError::NoIssuer {
            cluster: cluster.to_string(),
        })?;
    let providers = client.list_open_id_connect_providers().await?;
    let provider_arn = providers
        .into_iter()
        .find(|arn| role::is_provider_of(arn, &issuer))
        .ok_or_else(|| CreateError::NoProvider {
            cluster: cluster.to_string(),
            issuer: issuer.clone(),
            endpoint_url: client.endpoint_url(),
        })?;
    progress(&Progress::ProviderFound {
        arn: provider_arn.clone(),
    });

    let existing = client
        .read_service_account(cluster, namespace, name)
        .await?;
    if existing.is_some() && !options.override_existing_service_accounts {
        progress(&Progress::ExcludedExisting { service_account });
        return Ok(Outcome::Excluded);
    }
    if options.override_existing_service_accounts {
        progress(&Progress::OverridingExisting);
    }

    let role_name = match &options.role_name {
        Some(role_name) => role_name.clone(),
        None => RoleName::try_from(default_role_name(
            cluster,
            namespace,
            name,
            &role::random_suffix(),
        ))
        .map_err(|detail| CreateError::RoleName {
            service_account: service_account.clone(),
            detail,
        })?,
    };
    let policy = trust_policy(&provider_arn, &issuer, namespace, name).to_string();
    let description = format!(
        "IAM role for serviceaccount {service_account:?} [created by irsa-local create-iamserviceaccount]"
    );
    let tags = [
        (CLUSTER_NAME_TAG.to_owned(), cluster.to_string()),
        (SERVICE_ACCOUNT_NAME_TAG.to_owned(), service_account.clone()),
    ];
    let role = client
        .create_role(&NewRole {
            name: &role_name,
            assume_role_policy_document: &policy,
            description: &description,
            tags: &tags,
        })
        .await?;
    progress(&Progress::CreatedRole {
        name: role.name.clone(),
        arn: role.arn.clone(),
    });
    let mut attached: Vec<&str> = Vec::new();
    for policy_arn in &options.attach_policy_arns {
        if let Err(source) = client.attach_role_policy(&role_name, policy_arn).await {
            let cleanup = roll_back(client, &role_name, &attached).await.err();
            return Err(CreateError::Attach {
                role: role.name.clone(),
                policy_arn: policy_arn.clone(),
                source: Box::new(source),
                cleanup: cleanup.map(Box::new),
            });
        }
        attached.push(policy_arn);
        progress(&Progress::AttachedPolicy {
            role: role.name.clone(),
            policy_arn: policy_arn.clone(),
        });
    }

    let annotate = |source| CreateError::ServiceAccount {
        role_arn: role.arn.clone(),
        service_account: service_account.clone(),
        source: Box::new(source),
    };
    let metadata = ObjectMeta {
        annotations: BTreeMap::from([(ROLE_ARN_ANNOTATION.to_owned(), role.arn.clone())]),
        labels: BTreeMap::from([(MANAGED_BY_LABEL.to_owned(), MANAGED_BY_VALUE.to_owned())]),
        ..ObjectMeta::default()
    };
    let created = match existing {
        Some(_) => CreateOutcome::AlreadyExists,
        None => {
            let account = ServiceAccount::new(
                namespace,
                name,
                metadata.annotations.clone(),
                metadata.labels.clone(),
            );
            client
                .create_service_account(cluster, namespace, &account)
                .await
                .map_err(annotate)?
        }
    };
    match created {
        CreateOutcome::Created(_) => {
            progress(&Progress::CreatedServiceAccount { service_account });
        }
        // Made by someone else since it was read, or existing and overridden: eksctl
        // merges its annotation and label into what is there.
        CreateOutcome::AlreadyExists => {
            progress(&Progress::ServiceAccountExists {
                service_account: service_account.clone(),
            });
            client
                .patch_service_account_metadata(cluster, namespace, name, &metadata)
                .await
                .map_err(annotate)?;
            progress(&Progress::UpdatedServiceAccount { service_account });
        }
    }
    Ok(Outcome::Created { role_arn: role.arn })
}

/// Undoes a role creation: detaches `attached`, then deletes the role.
async fn roll_back(client: &Client, role: &RoleName, attached: &[&str]) -> Result<(), ClientError> {
    for policy_arn in attached {
        client.detach_role_policy(role, policy_arn).await?;
    }
    client.delete_role(role).await
}

#[cfg(test)]
mod tests;
