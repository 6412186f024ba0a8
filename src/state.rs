//! `AppState`: the cheap-to-clone handle every handler gets. It holds the world, the
//! signing keys, the clock and the configured public URL; nothing global.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::CredentialSecret;
use crate::oidc::keyring::Keyring;
use crate::oidc::keys::KeySet;
use crate::s3::S3Store;
use crate::world::{Cluster, World};

/// Shared, read-only application state.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    world: World,
    keyring: Keyring,
    secret: CredentialSecret,
    clock: Arc<dyn Clock>,
    config: Config,
    s3: S3Store,
    started_at: u64,
}

impl AppState {
    /// Bundles the loaded parts.
    pub fn new(
        world: World,
        keyring: Keyring,
        secret: CredentialSecret,
        s3: S3Store,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> Self {
        let started_at = clock.now();
        Self {
            inner: Arc::new(Inner {
                world,
                keyring,
                secret,
                clock,
                config,
                s3,
                started_at,
            }),
        }
    }

    /// The emulated account.
    pub fn world(&self) -> &World {
        &self.inner.world
    }

    /// The keys of `cluster`'s issuer.
    pub fn keys_of(&self, cluster: &Cluster) -> Option<&KeySet> {
        self.inner.keyring.cluster(cluster.name.as_str())
    }

    /// Every cluster's keys.
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// The secret that seals and opens temporary credentials.
    pub fn credential_secret(&self) -> &CredentialSecret {
        &self.inner.secret
    }

    /// Seconds since the Unix epoch, from the configured clock.
    pub fn now(&self) -> u64 {
        self.inner.clock.now()
    }

    /// When the server started (the creation time it reports for world objects).
    pub fn started_at(&self) -> u64 {
        self.inner.started_at
    }

    /// `--public-url`, if given.
    pub fn public_url(&self) -> Option<&str> {
        self.inner.config.public_url.as_deref()
    }

    /// The server's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The S3 store.
    pub fn s3(&self) -> &S3Store {
        &self.inner.s3
    }
}
