//! The world as it changes: IAM, EKS and Kubernetes writes go through [`Store::update`],
//! which applies a change to a copy of the current world, checks what it touched, saves
//! those entities to `<data-dir>/state/world.db` ([`db`]) and only then publishes the new
//! world. Readers take an [`Arc<Snapshot>`] and never wait for a writer; writers queue on
//! one lock, so no update is lost.
//!
//! A write costs the same in a large world as in a small one: the copy shares every
//! entity it does not change (`Arc`s), [`Diff`] finds the touched ones by pointer, only
//! those are checked, and only their rows are written.
//!
//! On start the saved state, when there is one, overlays the world file: the server
//! carries on where it stopped. A `state/world.json` saved by an earlier version is moved
//! into the database on first start. `serve --reset` deletes the saved state (and the S3
//! data) first.

pub mod db;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::oidc::keyring::Keyring;
use crate::oidc::keys::{KeyError, KeySet};
use crate::persist;
use crate::world::diff::{Diff, Entity, Kind};
use crate::world::{self, Cluster, LoadError, ManagedPolicy, World};
use db::{Db, DbError, Rows};

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
    #[error("the saved state {path}: {source} (start with --reset to discard it)")]
    Db {
        path: String,
        #[source]
        source: DbError,
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
    /// The database; its lock is the writers' queue.
    writer: Mutex<Writer>,
    data_dir: PathBuf,
    base_fingerprint: String,
    /// The base world's AWS managed policies: while one is unchanged it is not saved
    /// (every load adds the catalogue back).
    base_aws_policies: Vec<Arc<ManagedPolicy>>,
}

impl Store {
    /// Opens the store over `base` (the world file): the saved state when the data dir has
    /// one, else `base`. `reset` deletes the saved state first.
    pub fn open(base: World, data_dir: &Path, reset: bool) -> Result<Self, OpenError> {
        let state_dir = state_dir(data_dir);
        if reset {
            for name in [DB_FILE, "world.db-wal", "world.db-shm", LEGACY_FILE] {
                remove_if_present(&state_dir.join(name))?;
            }
        }
        let io = |source| OpenError::Io {
            path: state_dir.display().to_string(),
            source,
        };
        persist::ensure_private_dir(&state_dir).map_err(io)?;
        remove_temporary_files(&state_dir).map_err(io)?;
        let db_path = state_file(data_dir);
        let db_error = |source| OpenError::Db {
            path: db_path.display().to_string(),
            source,
        };
        let mut db = Db::open(&db_path).map_err(db_error)?;
        let base_fingerprint = world::fingerprint(&base);
        let base_aws_policies: Vec<Arc<ManagedPolicy>> = base
            .managed_policies
            .iter()
            .filter(|policy| policy.arn.starts_with("arn:aws:iam::aws:"))
            .cloned()
            .collect();
        let mut saved = true;
        let world = match db.load().map_err(db_error)? {
            Some(saved) => {
                let name = db_path.display().to_string();
                let world =
                    world::parse_saved_value(&name, saved.world).map_err(OpenError::Saved)?;
                warn_if_base_changed(&saved.base_fingerprint, &base_fingerprint, &name);
                world
            }
            None => match migrate(&mut db, &state_dir, &base_aws_policies, &base_fingerprint)? {
                Some(world) => world,
                None => {
                    saved = false;
                    base
                }
            },
        };
        let keyring = Keyring::load(&world, data_dir)?;
        Ok(Self {
            current: RwLock::new(Arc::new(Snapshot { world, keyring })),
            writer: Mutex::new(Writer { db, saved }),
            data_dir: data_dir.to_owned(),
            base_fingerprint,
            base_aws_policies,
        })
    }

    /// The current snapshot; it stays valid (and unchanged) however long it is held.
    pub fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `change` to a copy of the world, then checks, keys and saves what it
    /// touched before publishing it. Blocking (it writes to disk): call it off the async
    /// executor.
    pub fn update<T, E>(
        &self,
        change: impl FnOnce(&mut World) -> Result<T, E>,
    ) -> Result<T, UpdateError<E>> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let before = self.current();
        let mut world = before.world.clone();
        let output = change(&mut world).map_err(UpdateError::Rejected)?;
        let diff = Diff::between(&before.world, &world);
        if diff.is_empty() {
            return Ok(output);
        }
        world::validate_changed(&world, &diff).map_err(|problem| {
            UpdateError::Failed(format!("the change breaks the world {problem}"))
        })?;
        let keyring = if diff.touches(Kind::Cluster) || diff.touches(Kind::OidcProvider) {
            before
                .keyring
                .rebuild(&world, &self.data_dir)
                .map_err(|err| UpdateError::Failed(format!("keys: {err}")))?
        } else {
            before.keyring.clone()
        };
        // The first change on a data dir without saved state saves the whole world.
        let everything;
        let to_save = if writer.saved {
            &diff
        } else {
            everything = Diff::everything(&world);
            &everything
        };
        let rows = rows(to_save, &self.base_aws_policies)
            .map_err(|err| UpdateError::Failed(format!("saving the state: {err}")))?;
        writer
            .db
            .write(&rows, &self.base_fingerprint)
            .map_err(|err| UpdateError::Failed(format!("saving the state: {err}")))?;
        writer.saved = true;
        drop(rows);
        let removed: Vec<String> = diff
            .removed
            .iter()
            .filter(|(kind, _)| *kind == Kind::Cluster)
            .map(|(_, name)| name.clone())
            .collect();
        drop(diff);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Snapshot { world, keyring });
        for name in removed {
            // A deleted cluster's generated keys go with it, so a new cluster of the same
            // name starts with new keys. Best effort: the deletion itself is saved.
            let _ = std::fs::remove_dir_all(crate::oidc::keys::key_dir(&self.data_dir, &name));
        }
        Ok(output)
    }
}

/// The rows of a change. An AWS managed policy equal to the catalogue's is not saved
/// (its row, if an earlier change saved one, is deleted): every load adds it back.
fn rows<'d>(
    diff: &'d Diff<'_>,
    base_aws_policies: &[Arc<ManagedPolicy>],
) -> Result<Rows<'d>, serde_json::Error> {
    let mut put = Vec::with_capacity(diff.changed.len());
    let mut delete = Vec::new();
    for entity in &diff.changed {
        if let Entity::ManagedPolicy(policy) = entity {
            if base_aws_policies.iter().any(|base| **base == **policy) {
                delete.push((Kind::ManagedPolicy, policy.arn.clone()));
                continue;
            }
        }
        put.push(db::row(entity)?);
    }
    Ok(Rows {
        put,
        delete: if delete.is_empty() {
            std::borrow::Cow::Borrowed(&diff.removed[..])
        } else {
            delete.extend(diff.removed.iter().cloned());
            std::borrow::Cow::Owned(delete)
        },
    })
}

/// Moves a `state/world.json` that an earlier version saved into the database, then
/// removes it; `None` when there is none.
fn migrate(
    db: &mut Db,
    state_dir: &Path,
    base_aws_policies: &[Arc<ManagedPolicy>],
    base_fingerprint: &str,
) -> Result<Option<World>, OpenError> {
    let legacy = state_dir.join(LEGACY_FILE);
    let text = match std::fs::read_to_string(&legacy) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(OpenError::Io {
                path: legacy.display().to_string(),
                source,
            })
        }
    };
    let name = legacy.display().to_string();
    let (world, fingerprint) = world::parse_saved(&name, &text).map_err(OpenError::Saved)?;
    warn_if_base_changed(&fingerprint, base_fingerprint, &name);
    let db_error = |source| OpenError::Db {
        path: name.clone(),
        source,
    };
    let everything = Diff::everything(&world);
    let rows = rows(&everything, base_aws_policies).map_err(|err| db_error(err.into()))?;
    db.write(&rows, &fingerprint).map_err(db_error)?;
    drop(rows);
    drop(everything);
    remove_if_present(&legacy)?;
    tracing::info!(from = %name, "moved the saved state into the state database");
    Ok(Some(world))
}

fn warn_if_base_changed(saved: &str, base: &str, state: &str) {
    if saved != base {
        tracing::warn!(
            state,
            "the world file changed since this state was saved; serving the saved state \
             (start with --reset to serve the world file)"
        );
    }
}

/// The saved state as a world file (JSON, pretty-printed), the form `--config` reads:
/// what `irsa-local state export` prints. `None` when the data dir holds no saved state.
/// Reads only: it creates nothing, and a running server may keep writing.
pub fn export(data_dir: &Path) -> Result<Option<String>, OpenError> {
    let db_path = state_file(data_dir);
    let legacy = state_dir(data_dir).join(LEGACY_FILE);
    let world = if db_path.exists() {
        let db_error = |source| OpenError::Db {
            path: db_path.display().to_string(),
            source,
        };
        let db = Db::open_read_only(&db_path).map_err(db_error)?;
        match db.load().map_err(db_error)? {
            Some(saved) => saved.world,
            None => return Ok(None),
        }
    } else if legacy.exists() {
        let io = |source| OpenError::Io {
            path: legacy.display().to_string(),
            source,
        };
        let text = std::fs::read_to_string(&legacy).map_err(io)?;
        let saved: serde_json::Value = serde_json::from_str(&text)
            .map_err(|err| io(std::io::Error::new(std::io::ErrorKind::InvalidData, err)))?;
        saved
            .get("world")
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    } else {
        return Ok(None);
    };
    serde_json::to_string_pretty(&world)
        .map(Some)
        .map_err(|err| OpenError::Db {
            path: db_path.display().to_string(),
            source: err.into(),
        })
}

/// The database and whether it holds the state yet (a data dir's first change saves the
/// whole world, later ones only what they touched).
#[derive(Debug)]
struct Writer {
    db: Db,
    saved: bool,
}

/// The database file's name under `<data-dir>/state/`.
const DB_FILE: &str = "world.db";
/// The whole-world JSON file versions before the database saved.
const LEGACY_FILE: &str = "world.json";

fn state_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("state")
}

/// `<data-dir>/state/world.db`.
pub fn state_file(data_dir: &Path) -> PathBuf {
    state_dir(data_dir).join(DB_FILE)
}

/// Removes the temporary files an earlier version's interrupted save left
/// (`.world.json.<n>.tmp`): nothing reads them, and they would pile up.
fn remove_temporary_files(state_dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(state_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".world.json.") && name.ends_with(".tmp") {
            std::fs::remove_file(entry.path())?;
            tracing::info!(file = %entry.path().display(), "removed an interrupted save's temporary file");
        }
    }
    Ok(())
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
