//! The world as it changes: IAM, EKS and Kubernetes writes go through [`Store::update`],
//! which applies a change to a copy of the current world, checks the whole, saves it to
//! `<data-dir>/state/world.json` (temporary file, fsync, rename, fsync of the directory)
//! and only then publishes it. Readers take an [`Arc<Snapshot>`] and never wait for a
//! writer; writers queue on one lock, so no update is lost.
//!
//! On start the saved state, when there is one, overlays the world file: the server
//! carries on where it stopped. `serve --reset` deletes it (and the S3 data) first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::oidc::keyring::Keyring;
use crate::oidc::keys::{KeyError, KeySet};
use crate::persist;
use crate::world::{self, Cluster, LoadError, ManagedPolicy, World};

/// One consistent view: the world and the keys that go with it.
#[derive(Debug)]
pub struct Snapshot {
    world: World,
    keyring: Keyring,
}

impl Snapshot {
    /// The emulated account.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Every cluster's and provider's keys.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The keys of `cluster`'s issuer.
    pub fn keys_of(&self, cluster: &Cluster) -> Option<&KeySet> {
        self.keyring.cluster(cluster.name.as_str())
    }
}

/// Why the store could not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0} (start with --reset to discard the saved state)")]
    Saved(LoadError),
    #[error("cannot read or reset the saved state {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Keys(#[from] KeyError),
}

/// Why a change was not applied.
#[derive(Debug)]
pub enum UpdateError<E> {
    /// The change itself refused (an IAM error, a Kubernetes conflict).
    Rejected(E),
    /// The change was fine but could not be checked, keyed or saved; nothing changed.
    Failed(String),
}

/// The world behind a lock, saved on every change.
#[derive(Debug)]
pub struct Store {
    current: RwLock<Arc<Snapshot>>,
    writer: Mutex<()>,
    data_dir: PathBuf,
    state_file: PathBuf,
    base_fingerprint: String,
    /// The base world's AWS managed policies, left out of the state file while unchanged.
    base_aws_policies: Vec<ManagedPolicy>,
}

impl Store {
    /// Opens the store over `base` (the world file): the saved state when the data dir has
    /// one, else `base`. `reset` deletes the saved state first.
    pub fn open(base: World, data_dir: &Path, reset: bool) -> Result<Self, OpenError> {
        let state_file = state_file(data_dir);
        if reset {
            remove_if_present(&state_file)?;
        }
        let base_fingerprint = world::fingerprint(&base);
        let base_aws_policies = base
            .managed_policies
            .iter()
            .filter(|policy| policy.arn.starts_with("arn:aws:iam::aws:"))
            .cloned()
            .collect();
        let world = match std::fs::read_to_string(&state_file) {
            Ok(text) => {
                let (saved, fingerprint) =
                    world::parse_saved(&state_file.display().to_string(), &text)
                        .map_err(OpenError::Saved)?;
                if fingerprint != base_fingerprint {
                    tracing::warn!(
                        state = %state_file.display(),
                        "the world file changed since this state was saved; serving the saved \
                         state (start with --reset to serve the world file)"
                    );
                }
                saved
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => base,
            Err(source) => {
                return Err(OpenError::Io {
                    path: state_file.display().to_string(),
                    source,
                })
            }
        };
        let keyring = Keyring::load(&world, data_dir)?;
        Ok(Self {
            current: RwLock::new(Arc::new(Snapshot { world, keyring })),
            writer: Mutex::new(()),
            data_dir: data_dir.to_owned(),
            state_file,
            base_fingerprint,
            base_aws_policies,
        })
    }

    /// The current snapshot; it stays valid (and unchanged) however long it is held.
    pub fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `change` to a copy of the world, then checks, keys and saves the result
    /// before publishing it. Blocking (it fsyncs): call it off the async executor.
    pub fn update<T, E>(
        &self,
        change: impl FnOnce(&mut World) -> Result<T, E>,
    ) -> Result<T, UpdateError<E>> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let before = self.current();
        let mut world = before.world.clone();
        let output = change(&mut world).map_err(UpdateError::Rejected)?;
        world::validate(&world).map_err(|problem| {
            UpdateError::Failed(format!("the change breaks the world {problem}"))
        })?;
        let keyring = before
            .keyring
            .rebuild(&world, &self.data_dir)
            .map_err(|err| UpdateError::Failed(format!("keys: {err}")))?;
        self.save(&world)
            .map_err(|err| UpdateError::Failed(format!("saving the state: {err}")))?;
        let removed: Vec<String> = before
            .world
            .clusters
            .iter()
            .filter(|old| world.cluster(old.name.as_str()).is_none())
            .map(|old| old.name.to_string())
            .collect();
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Snapshot { world, keyring });
        for name in removed {
            // A deleted cluster's generated keys go with it, so a new cluster of the same
            // name starts with new keys. Best effort: the deletion itself is saved.
            let _ = std::fs::remove_dir_all(crate::oidc::keys::key_dir(&self.data_dir, &name));
        }
        Ok(output)
    }

    fn save(&self, world: &World) -> std::io::Result<()> {
        let unchanged_aws_policy =
            |policy: &ManagedPolicy| self.base_aws_policies.iter().any(|base| base == policy);
        let json = world::saved_json(world, &self.base_fingerprint, unchanged_aws_policy)
            .map_err(std::io::Error::other)?;
        if let Some(dir) = self.state_file.parent() {
            persist::ensure_private_dir(dir)?;
        }
        persist::replace_atomic(&self.state_file, &json, 0o600)
    }
}

/// `<data-dir>/state/world.json`.
pub fn state_file(data_dir: &Path) -> PathBuf {
    data_dir.join("state").join("world.json")
}

fn remove_if_present(path: &Path) -> Result<(), OpenError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(OpenError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests;
