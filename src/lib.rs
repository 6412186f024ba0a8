//! irsa-local: EKS IAM Roles for Service Accounts on one port, with no AWS account.
//!
//! Module map (data flows wire → domain → wire; the domain knows no HTTP):
//! - [`world`]: the emulated account, loaded from a world file and checked whole.
//! - [`oidc`]: each cluster's issuer — keys, discovery, JWKS, token minting, inspection.
//! - [`k8s`]: the Kubernetes API subset kubectl uses (discovery, namespaces,
//!   ServiceAccounts, TokenRequest, Pods, watches) and the pod identity webhook's
//!   mutation (AdmissionReview).
//! - [`router`]: the front door — one classifier sends each AWS call to its service, and
//!   the rest to the own routes; the Host check, request ids and the request log.
//! - [`protocol`]: AWS wire codecs (query form, envelopes, error bodies); no service.
//! - [`sts`], [`iam`], [`eks`], [`s3`]: each service's actions over the world, its error
//!   mapping (`error`) and its HTTP edge (`http`); [`policy`]: the IAM policy language;
//!   [`access`]: who is calling and what they may do, and the one authenticate-and-
//!   authorize step every edge takes;
//!   [`sigv4`]: signature verification and signing; [`sigv2`]: S3's legacy signatures
//!   (presigned URLs boto3 still makes); [`credentials`]: stateless temporary
//!   credentials; [`validation`]: AWS's parameter validation report.
//! - [`state`], [`config`]: the state every edge shares; [`store`]: the
//!   world as IAM, EKS and Kubernetes writes change it, saved in the data dir.
//! - [`server`]: the accept loop, HTTP and HTTPS on one port; [`tls`]: its certificate.
//! - [`offline`]: the commands that work on the data dir without a server; [`manifest`]:
//!   Kubernetes objects read from and written to JSON or YAML files.
//! - [`client`]: commands that call a running server's APIs, as AWS tooling would.
//! - [`projection`]: token files kept fresh as the kubelet keeps them (`serve --project`).
//! - [`kubelet`]: the node that runs pods on a container engine, with `kubectl logs` and
//!   `kubectl exec`.
//! - [`pod_env`]: a local process as an IRSA pod (`env`, `exec`); [`health`]: the
//!   container health check.
//! - [`clock`], [`persist`], [`hex`]: time as a value, crash-safe writes, hex.

pub mod access;
pub mod client;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod eks;
pub mod eks_auth;
pub mod explain;
pub mod health;
pub mod hex;
pub mod iam;
pub mod k8s;
pub mod kubelet;
pub mod lint;
pub mod manifest;
pub mod offline;
pub mod oidc;
pub mod persist;
pub mod pod_env;
pub mod pod_identity;
pub mod policy;
pub mod projection;
pub mod protocol;
pub mod router;
pub mod s3;
pub mod server;
pub mod sigv2;
pub mod sigv4;
pub mod state;
pub mod store;
pub mod sts;
pub mod tls;
pub mod validation;
pub mod world;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use crate::server::ServeOptions;

use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::{CredentialSecret, SecretError};
use crate::oidc::keys::KeyError;
use crate::s3::S3Store;
use crate::state::AppState;
use crate::store::{OpenError, Store};
use crate::world::LoadError;

/// Why the server could not start. Nothing is served until all of it loaded.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    World(#[from] LoadError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("saved state: {0}")]
    State(OpenError),
    #[error("credential secret: {0}")]
    Secret(#[from] SecretError),
    #[error("S3 store: {0}")]
    S3(String),
    #[error("cannot create the data dir {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl StartError {
    /// 2 for a configuration the user must fix (world file, key files), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::World(_)
            | Self::State(OpenError::Saved(_))
            | Self::Keys(
                KeyError::Parse { .. }
                | KeyError::Size { .. }
                | KeyError::Read { .. }
                | KeyError::Jwks { .. },
            ) => 2,
            Self::Keys(_)
            | Self::State(_)
            | Self::Secret(_)
            | Self::S3(_)
            | Self::DataDir { .. } => 1,
        }
    }
}

/// The loaded application: world, keys and clock, ready to route.
#[derive(Debug, Clone)]
pub struct App {
    state: AppState,
    s3: Arc<S3Store>,
}

impl App {
    /// Loads the world (the data dir's saved state over the world file) and the signing
    /// keys (generating keys on a fresh data dir). With `config.reset`, the saved state
    /// and the S3 data are deleted first.
    pub fn build(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let base = config.world.load()?;
        let data_dir_error = |source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        };
        persist::ensure_private_dir(&config.data_dir).map_err(data_dir_error)?;
        if config.reset {
            match std::fs::remove_dir_all(config.data_dir.join("s3")) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(data_dir_error(err))
                }
                _ => {}
            }
        }
        let store = Store::open(base, &config.data_dir, config.reset).map_err(|err| match err {
            OpenError::Keys(err) => StartError::Keys(err),
            other => StartError::State(other),
        })?;
        let snapshot = store.current();
        let world = snapshot.world();
        let secret = CredentialSecret::load_or_create(&config.data_dir)?;
        let buckets: Vec<String> = world.buckets.iter().map(|b| b.name.to_string()).collect();
        let s3 = S3Store::open(
            &config.data_dir,
            &buckets,
            world.account.region.as_str(),
            config.max_object_bytes,
            clock.now(),
        )
        .map_err(|err| StartError::S3(err.to_string()))?
        .with_owner_account(world.account.id.as_str());
        let state = AppState::new(store, secret, clock, config.clone());
        Ok(Self {
            state,
            s3: Arc::new(s3),
        })
    }

    /// The router over this application's state (pods are stored, not run).
    pub fn router(&self) -> Router {
        router::build(self.state.clone(), self.s3.clone(), None)
    }

    /// The router, with `node` running the pods and serving their logs and exec.
    pub fn router_with_node(&self, node: Option<kubelet::Node>) -> Router {
        router::build(self.state.clone(), self.s3.clone(), node)
    }

    /// The shared state, for callers that mint or inspect without HTTP.
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests
/// in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::run(listener, router, ServeOptions::default(), shutdown).await
}

/// [`serve`] with options: HTTPS beside plain HTTP on the same port, the idle timeout.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::run(listener, router, options, shutdown).await
}
