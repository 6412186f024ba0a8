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
//! IAM calls, so nothing rolls back if a later step fails (the error says what was left);
//! the default role name imitates the name CloudFormation generates for eksctl's stack.
//! <https://eksctl.io/usage/iamserviceaccounts/>

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rand::Rng;
use serde_json::json;

use super::target::{Target, TargetError, TargetFlags};
use super::{Client, ClientError, CreateOutcome, NewRole, ObjectMeta, ServiceAccount};
use crate::clock::Clock;
use crate::world::{ClusterName, Namespace, RoleName, ServiceAccountName};

/// The annotation the pod identity webhook reads.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The label eksctl puts on the service accounts it manages.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
const MANAGED_BY_VALUE: &str = "eksctl";
/// The tags eksctl's stack gives the role (CloudFormation passes stack tags on).
const CLUSTER_NAME_TAG: &str = "alpha.eksctl.io/cluster-name";
const SERVICE_ACCOUNT_NAME_TAG: &str = "alpha.eksctl.io/iamserviceaccount-name";
/// The audience the trust policy requires, as eksctl writes it.
const AUDIENCE: &str = "sts.amazonaws.com";
/// IAM's limit on a role name.
const MAX_ROLE_NAME: usize = 64;
/// CloudFormation's logical id for the role in eksctl's stack.
const ROLE_LOGICAL_ID: &str = "Role1";
/// The length of the random tail CloudFormation gives a generated name.
const SUFFIX_LENGTH: usize = 12;

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

/// A step the command reports, in eksctl's words where eksctl has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    ProviderFound { arn: String },
    ExcludedExisting { service_account: String },
    OverridingExisting,
    CreatedRole { name: String, arn: String },
    AttachedPolicy { role: String, policy_arn: String },
    CreatedServiceAccount { service_account: String },
    ServiceAccountExists { service_account: String },
    UpdatedServiceAccount { service_account: String },
}

impl Progress {
    /// Whether the step is a warning (eksctl's `[!]`) rather than information (`[ℹ]`).
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Self::ExcludedExisting { .. } | Self::OverridingExisting
        )
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProviderFound { arn } => write!(f, "using IAM OIDC provider {arn}"),
            Self::ExcludedExisting { service_account } => write!(
                f,
                "1 existing iamserviceaccount(s) ({service_account}) will be excluded; serviceaccounts that exist in Kubernetes will be excluded, use --override-existing-serviceaccounts to override"
            ),
            Self::OverridingExisting => f.write_str(
                "metadata of serviceaccounts that exist in Kubernetes will be updated, as --override-existing-serviceaccounts was set",
            ),
            Self::CreatedRole { name, arn } => write!(f, "created IAM role {name:?} ({arn})"),
            Self::AttachedPolicy { role, policy_arn } => {
                write!(f, "attached policy {policy_arn} to IAM role {role:?}")
            }
            Self::CreatedServiceAccount { service_account } => {
                write!(f, "created serviceaccount {service_account:?}")
            }
            Self::ServiceAccountExists { service_account } => {
                write!(f, "serviceaccount {service_account:?} already exists")
            }
            Self::UpdatedServiceAccount { service_account } => {
                write!(f, "updated serviceaccount {service_account:?}")
            }
        }
    }
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
    #[error("IAM role {role:?} was created, but policy {policy_arn} could not be attached, and the role is left as it is: {source}")]
    Attach {
        role: String,
        policy_arn: String,
        #[source]
        source: Box<ClientError>,
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
            _ => 1,
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
        .find(|arn| provider_url(arn) == Some(without_scheme(&issuer)))
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
            &random_suffix(),
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
    for policy_arn in &options.attach_policy_arns {
        client
            .attach_role_policy(&role_name, policy_arn)
            .await
            .map_err(|source| CreateError::Attach {
                role: role.name.clone(),
                policy_arn: policy_arn.clone(),
                source: Box::new(source),
            })?;
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

/// The trust policy eksctl writes for a service account's role (its
/// `MakeAssumeRolePolicyDocumentWithServiceAccountConditions`).
pub fn trust_policy(
    provider_arn: &str,
    issuer: &str,
    namespace: &Namespace,
    name: &ServiceAccountName,
) -> serde_json::Value {
    let issuer = without_scheme(issuer);
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    format!("{issuer}:sub"): format!("system:serviceaccount:{namespace}:{name}"),
                    format!("{issuer}:aud"): AUDIENCE,
                }
            }
        }]
    })
}

/// The name CloudFormation gives the role of eksctl's stack
/// `eksctl-<cluster>-addon-iamserviceaccount-<namespace>-<name>`: the stack name cut so
/// that `<stack>-Role1-<suffix>` fits IAM's 64 characters (as in
/// `eksctl-eksworkshop-eksctl-addon-iamserviceacc-Role1-…`), a cut never leaving a dash
/// before `-Role1`.
pub fn default_role_name(
    cluster: &ClusterName,
    namespace: &Namespace,
    name: &ServiceAccountName,
    suffix: &str,
) -> String {
    let stack = format!("eksctl-{cluster}-addon-iamserviceaccount-{namespace}-{name}");
    let budget = MAX_ROLE_NAME.saturating_sub(ROLE_LOGICAL_ID.len() + 2 + suffix.len());
    let head: String = stack.chars().take(budget).collect();
    format!(
        "{}-{ROLE_LOGICAL_ID}-{suffix}",
        head.trim_end_matches(['-', '.'])
    )
}

/// A random tail like CloudFormation's: letters and digits.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..SUFFIX_LENGTH)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// The URL an OIDC provider ARN names (`arn:aws:iam::<account>:oidc-provider/<url>`).
fn provider_url(arn: &str) -> Option<&str> {
    arn.split_once(":oidc-provider/").map(|(_, url)| url)
}

fn without_scheme(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
}

#[cfg(test)]
mod tests;
