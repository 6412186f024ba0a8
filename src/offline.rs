//! Commands that work on the world and the data dir directly, with no server running:
//! mint a token, decode one, rotate a cluster's signing key. They read the same keys the
//! server reads, so their tokens verify against the server's JWKS.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::k8s::status::Status;
use crate::k8s::token_request::{self, BoundObjectReference, TokenRequest, TokenRequestSpec};
use crate::oidc::inspect::{self, DecodeError, Inspection};
use crate::oidc::keys::{self, KeyError};
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
}

impl OfflineError {
    /// The process exit code: configuration problems are 2, as for `serve`.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Start(err) => err.exit_code(),
            Self::UnknownCluster(_) | Self::Refused(_) | Self::Decode(_) => 2,
            Self::Keys(_) => 1,
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
}

/// Mints a token exactly as the TokenRequest endpoint would.
pub fn token(config: &Config, options: &TokenOptions) -> Result<String, OfflineError> {
    let app = App::build(config, Arc::new(SystemClock))?;
    let snapshot = app.state().current();
    let cluster = match &options.cluster {
        Some(name) => snapshot
            .world()
            .cluster(name)
            .ok_or_else(|| OfflineError::UnknownCluster(name.clone()))?,
        None => snapshot.world().default_cluster(),
    };
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
    Ok(response.token().to_owned())
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
