//! irsa-local: EKS IAM Roles for Service Accounts on one port, with no AWS account.
//!
//! Module map (data flows wire → domain → wire; the domain knows no HTTP):
//! - [`world`]: the emulated account, loaded from a world file and checked whole.
//! - [`oidc`]: each cluster's issuer — keys, discovery, JWKS, token minting, inspection.
//! - [`k8s`]: the Kubernetes API subset (ServiceAccount, TokenRequest).
//! - [`protocol`]: AWS wire protocols and the one place errors become AWS errors.
//! - [`sts`]: STS actions; [`policy`]: the IAM policy language; [`credentials`]:
//!   stateless temporary credentials.
//! - [`router`], [`state`], [`config`]: the HTTP application around them.
//! - [`offline`]: the commands that work on the data dir without a server.
//! - [`clock`], [`persist`]: time as a value, crash-safe writes.

pub mod access;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod eks;
pub mod hex;
pub mod iam;
pub mod k8s;
pub mod offline;
pub mod oidc;
pub mod persist;
pub mod policy;
pub mod protocol;
pub mod router;
pub mod s3;
pub mod sigv4;
pub mod state;
pub mod sts;
pub mod world;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::{CredentialSecret, SecretError};
use crate::oidc::keyring::Keyring;
use crate::oidc::keys::KeyError;
use crate::s3::S3Store;
use crate::state::AppState;
use crate::world::LoadError;

/// Why the server could not start. Nothing is served until all of it loaded.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    World(#[from] LoadError),
    #[error(transparent)]
    Keys(#[from] KeyError),
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
            | Self::Keys(
                KeyError::Parse { .. }
                | KeyError::Size { .. }
                | KeyError::Read { .. }
                | KeyError::Jwks { .. },
            ) => 2,
            Self::Keys(_) | Self::Secret(_) | Self::S3(_) | Self::DataDir { .. } => 1,
        }
    }
}

/// The loaded application: world, keys and clock, ready to route.
#[derive(Debug, Clone)]
pub struct App {
    state: AppState,
}

impl App {
    /// Loads the world and the signing keys (generating keys on a fresh data dir).
    pub fn build(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let world = config.world.load()?;
        persist::ensure_private_dir(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let keyring = Keyring::load(&world, &config.data_dir)?;
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
        let state = AppState::new(world, keyring, secret, s3, clock, config.clone());
        Ok(Self { state })
    }

    /// The router over this application's state.
    pub fn router(&self) -> Router {
        router::build(self.state.clone())
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
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
