//! Commands that work on the world and the data dir directly, with no server running:
//! mint a token, decode one, rotate a cluster's signing key, mutate a pod. They read the
//! same keys and saved state the server reads, so their tokens verify against the
//! server's JWKS and their pods see the server's service accounts.

use std::sync::Arc;

use serde_json::Value;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::k8s::mutate::{self, Outcome, PodError, Settings};
use crate::k8s::status::Status;
use crate::k8s::token_request::{self, BoundObjectReference, TokenRequest, TokenRequestSpec};
use crate::manifest::{self, Format, ManifestError};
use crate::oidc::defect::{self, Defect, DefectError, Signers};
use crate::oidc::inspect::{self, DecodeError, Inspection};
use crate::oidc::keys::{self, KeyError};
use crate::pod_identity;
use crate::world::random_uuid;
use crate::{App, StartError};

/// Why an offline command failed.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("no cluster named {0:?} in the world")]
    UnknownCluster(String),
    #[error("{}", .0.message)]
    Refused(Status),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Defect(#[from] DefectError),
    #[error(transparent)]
    Pod(#[from] PodError),
    #[error("irsa-local mutate takes a Pod, not a {0}")]
    NotAPod(String),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("cannot read {source_name}: {error}")]
    Input {
        source_name: String,
        #[source]
        error: std::io::Error,
    },
}

impl OfflineError {
    /// The process exit code: configuration problems are 2, as for `serve`.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Start(err) => err.exit_code(),
            Self::UnknownCluster(_)
            | Self::Refused(_)
            | Self::Decode(_)
            | Self::Pod(_)
            | Self::NotAPod(_)
            | Self::Manifest(_)
            | Self::Input { .. } => 2,
            Self::Keys(_) => 1,
            Self::Defect(err) => {
                if err.is_request_problem() {
                    2
                } else {
                    1
                }
            }
        }
    }
}

/// What `irsa-local token` mints.
#[derive(Debug, Clone)]
pub struct TokenOptions {
    /// Cluster name; the default cluster when `None`.
    pub cluster: Option<String>,
    pub namespace: String,
    pub service_account: String,
    pub audiences: Vec<String>,
    pub expiration_seconds: Option<i64>,
    /// Bind the token to this pod (its uid derived from the names).
    pub pod: Option<String>,
    /// What to get wrong on purpose; `None` for a valid token.
    pub defect: Option<Defect>,
}

/// Mints a token exactly as the TokenRequest endpoint would, then applies the defect.
pub fn token(config: &Config, options: &TokenOptions) -> Result<String, OfflineError> {
    let app = App::build(config, Arc::new(SystemClock))?;
    let snapshot = app.state().current();
    let cluster = snapshot
        .world()
        .cluster_or_default(options.cluster.as_deref())
        .map_err(OfflineError::UnknownCluster)?;
    let keys = snapshot
        .keys_of(cluster)
        .ok_or_else(|| OfflineError::UnknownCluster(cluster.name.to_string()))?;
    let request = TokenRequest {
        spec: TokenRequestSpec {
            audiences: options.audiences.clone(),
            expiration_seconds: options.expiration_seconds,
            bound_object_ref: options.pod.as_ref().map(|pod| BoundObjectReference {
                kind: "Pod".to_owned(),
                api_version: "v1".to_owned(),
                name: pod.clone(),
                uid: None,
            }),
        },
        ..TokenRequest::default()
    };
    let response = token_request::issue(
        cluster,
        keys,
        &options.namespace,
        &options.service_account,
        &request,
        SystemClock.now(),
        &random_uuid(),
    )
    .map_err(OfflineError::Refused)?;
    let Some(defect) = options.defect else {
        return Ok(response.token().to_owned());
    };
    let signers = Signers::of(snapshot.world(), snapshot.keyring(), cluster)
        .ok_or_else(|| OfflineError::UnknownCluster(cluster.name.to_string()))?;
    Ok(defect::spoil(response.token(), defect, signers)?)
}

/// What `irsa-local mutate` mutates with.
#[derive(Debug, Clone, Default)]
pub struct MutateOptions {
    /// Cluster name; the default cluster when `None`.
    pub cluster: Option<String>,
    /// `AWS_REGION`/`AWS_DEFAULT_REGION`; the world's region when `None`.
    pub region: Option<String>,
    /// The output format; the input's when `None`.
    pub output: Option<Format>,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` for a service account with a Pod Identity
    /// association; when `None`, the agent of a server on the config's port, at the Pod
    /// Identity Agent's address (`http://169.254.170.23:4772/v1/credentials` by default).
    pub agent_uri: Option<String>,
}

/// Mutates `pod` as the server's admission webhook would: the service account and its
/// Pod Identity association are looked up in the pod's namespace (`default` when it names
/// none) of the chosen cluster.
pub fn mutate_pod(
    config: &Config,
    options: &MutateOptions,
    pod: &Value,
) -> Result<Outcome, OfflineError> {
    match pod.get("kind").and_then(Value::as_str) {
        None | Some("Pod") => {}
        Some(kind) => return Err(OfflineError::NotAPod(kind.to_owned())),
    }
    let app = App::build(config, Arc::new(SystemClock))?;
    let snapshot = app.state().current();
    let world = snapshot.world();
    let cluster = world
        .cluster_or_default(options.cluster.as_deref())
        .map_err(OfflineError::UnknownCluster)?;
    let namespace = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|namespace| !namespace.is_empty())
        .unwrap_or("default");
    let region = options
        .region
        .as_deref()
        .unwrap_or(world.account.region.as_str());
    let agent_uri = options.agent_uri.clone().unwrap_or_else(|| {
        pod_identity::agent_uri(
            &pod_identity::AGENT_ADDRESS.to_string(),
            config.listen.port(),
        )
    });
    let settings = Settings::eks(region).with_agent_uri(agent_uri);
    Ok(mutate::mutate_in_cluster(
        cluster, namespace, pod, &settings,
    )?)
}

/// A pod manifest after `irsa-local mutate`.
#[derive(Debug, Clone)]
pub struct MutatedManifest {
    /// The pod, rendered in the output format.
    pub text: String,
    /// Why the pod is unchanged, when the webhook leaves it alone.
    pub note: Option<&'static str>,
}

/// Reads the pod manifest in `file` (`-` for standard input), mutates it and renders it.
pub fn mutate_file(
    config: &Config,
    options: &MutateOptions,
    file: &str,
) -> Result<MutatedManifest, OfflineError> {
    let read = if file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    };
    let text = read.map_err(|error| OfflineError::Input {
        source_name: if file == "-" { "standard input" } else { file }.to_owned(),
        error,
    })?;
    mutate_manifest(config, options, &text)
}

/// Mutates the pod manifest `text` (JSON or YAML) and renders it.
pub fn mutate_manifest(
    config: &Config,
    options: &MutateOptions,
    text: &str,
) -> Result<MutatedManifest, OfflineError> {
    let (pod, input_format) = manifest::parse(text)?;
    let (pod, note) = match mutate_pod(config, options, &pod)? {
        Outcome::Mutated(mutation) => (mutation.pod, None),
        Outcome::NoRole => (
            pod,
            Some(
                "the pod's service account has no EKS Pod Identity association and no \
                 eks.amazonaws.com/role-arn annotation",
            ),
        ),
    };
    let text = manifest::render(&pod, options.output.unwrap_or(input_format))?;
    Ok(MutatedManifest { text, note })
}

/// Decodes `token` and checks its signature against every cluster's keys.
pub fn decode(config: &Config, token: &str) -> Result<Inspection, OfflineError> {
    let app = App::build(config, Arc::new(SystemClock))?;
    let snapshot = app.state().current();
    Ok(inspect::inspect(
        token,
        snapshot.world(),
        snapshot.keyring(),
    )?)
}

/// Adds a signing key to `cluster` (the default cluster when `None`); returns the new kid.
pub fn rotate_key(config: &Config, cluster: Option<&str>) -> Result<String, OfflineError> {
    // Building the app makes sure the cluster's existing keys exist before adding the next
    // one (so a rotation on a fresh data dir yields two keys, not one), and gives the
    // world with the data dir's saved changes (clusters made by CreateCluster included).
    let app = App::build(config, Arc::new(SystemClock))?;
    let snapshot = app.state().current();
    let world = snapshot.world();
    let cluster = cluster
        .unwrap_or(world.default_cluster().name.as_str())
        .to_owned();
    keys::rotate(world, &config.data_dir, &cluster).map_err(|err| match err {
        KeyError::UnknownCluster(name) => OfflineError::UnknownCluster(name),
        other => OfflineError::Keys(other),
    })
}

/// The kubeconfig for the server at `server` over this data dir's world (clusters made by
/// CreateCluster included), as YAML; its current context is `cluster`, else the default.
pub fn kubeconfig(
    config: &Config,
    server: &str,
    cluster: Option<&str>,
    token: Option<&str>,
) -> Result<String, OfflineError> {
    let app = App::build(config, Arc::new(SystemClock))?;
    let snapshot = app.state().current();
    // An https server is this data dir's `--tls` one, whose CA kubectl must trust.
    let ca = server
        .starts_with("https://")
        .then(|| std::fs::read(config.data_dir.join("tls").join(crate::tls::CA_FILE)).ok())
        .flatten();
    let file =
        crate::k8s::kubeconfig::kubeconfig(snapshot.world(), server, cluster, token, ca.as_deref())
            .map_err(
                |crate::k8s::kubeconfig::KubeconfigError::UnknownCluster(name)| {
                    OfflineError::UnknownCluster(name)
                },
            )?;
    Ok(serde_saphyr::to_string(&file).map_err(ManifestError::from)?)
}

/// `irsa-local explain` against the world (`--config`, saved state included): what STS
/// would answer `role_arn` and `token` now, step by step.
pub fn explain(
    config: &Config,
    role_arn: &str,
    token: &str,
) -> Result<crate::explain::Report, OfflineError> {
    let app = App::build(config, Arc::new(SystemClock))?;
    let state = app.state();
    let snapshot = state.current();
    let services = crate::sts::assume_role_with_web_identity::Services {
        world: snapshot.world(),
        keys: snapshot.keyring(),
        secret: state.credential_secret(),
        now: SystemClock.now(),
    };
    Ok(crate::explain::explain(role_arn, token, &services, true))
}
