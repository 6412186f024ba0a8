//! The persistent S3 store: buckets and objects under `<data_dir>/s3/`, each change on
//! disk before the call returns, surviving restarts.
//!
//! Layout:
//! - `buckets.json`: the bucket index (name, creation time, region), replaced atomically.
//!   When it is absent on open, the seed buckets are created.
//! - `tmp/`: bodies being uploaded ([`staging`]), emptied on open.
//! - `uploads/<upload id>/`: multipart uploads in progress and their parts ([`uploads`]).
//! - `buckets/<name>/<generation>.object` and `.data`: per object version, a JSON metadata
//!   line and the bytes ([`object_file`]). A put renames its staged body to a new
//!   generation's `.data`, writes the `.object` with `create_new_atomic`, then swaps it
//!   into the in-memory index and unlinks the old files. Open keeps the newest generation
//!   of each key and removes older ones, data files without metadata, temp files, and the
//!   directories of deleted buckets, so a crash at any point leaves either the old or the
//!   new object.
//!
//! Concurrency: the index `Mutex` guards lookups and swaps only; object bytes are written
//! and read outside it. Bucket index writes are serialized by a second lock so the file
//! always follows the in-memory order.

mod buckets;
mod object_file;
mod objects;
mod recovery;
mod staging;
mod uploads;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use self::object_file::ContentAt;
pub use self::object_file::{ObjectMeta, StoredChecksum};
use self::recovery::read_or_seed_index;
pub use self::staging::{Staged, StagedWriter};
use self::uploads::Uploads;
pub use self::uploads::{PartInfo, UploadInfo};
use super::error::S3Error;
use crate::persist::ensure_private_dir;

/// Account whose canonical id owns the buckets until [`S3Store::with_owner_account`].
const DEFAULT_ACCOUNT: &str = "000000000000";
/// File mode of everything the store writes.
const FILE_MODE: u32 = 0o600;

/// The buckets and objects of the emulated account.
pub struct S3Store {
    root: PathBuf,
    region: String,
    max_object_bytes: u64,
    owner_id: String,
    /// Held only for lookups and swaps, never across object reads or writes.
    index: Mutex<Index>,
    /// Serializes `buckets.json` writes so the file follows the in-memory order.
    bucket_writes: Mutex<()>,
    /// Names object files and bucket incarnations; only grows.
    next_generation: AtomicU64,
    /// Multipart uploads in progress.
    uploads: Uploads,
}

/// A bucket as ListBuckets reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketInfo {
    pub name: String,
    /// Unix seconds.
    pub created: u64,
    pub region: String,
}

/// An object in the index: its metadata and where its bytes are.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub meta: ObjectMeta,
    generation: u64,
    content: ContentAt,
}

/// What CreateBucket found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    Created,
    AlreadyOwned,
}

#[derive(Debug, Default)]
struct Index {
    buckets: BTreeMap<String, BucketState>,
}

#[derive(Debug)]
struct BucketState {
    info: BucketInfo,
    /// Distinguishes a re-created bucket from the one a slow put started on.
    incarnation: u64,
    objects: BTreeMap<String, StoredObject>,
}

/// `buckets.json`.
#[derive(Debug, Serialize, Deserialize)]
struct BucketIndexFile {
    buckets: Vec<BucketInfo>,
}

impl S3Store {
    /// Opens (or creates) the store under `<data_dir>/s3/`. `seed_buckets` are created,
    /// dated `now`, only when no state exists yet.
    pub fn open(
        data_dir: &Path,
        seed_buckets: &[String],
        region: &str,
        max_object_bytes: u64,
        now: u64,
    ) -> Result<Self, S3Error> {
        let root = data_dir.join("s3");
        ensure_private_dir(&root.join("buckets")).map_err(storage("creating the S3 data dir"))?;
        let buckets = read_or_seed_index(&root.join("buckets.json"), seed_buckets, region, now)?;
        let store = Self {
            root,
            region: region.to_owned(),
            max_object_bytes,
            owner_id: canonical_user_id(DEFAULT_ACCOUNT),
            index: Mutex::new(Index::default()),
            bucket_writes: Mutex::new(()),
            next_generation: AtomicU64::new(0),
            uploads: Uploads::default(),
        };
        store.clear_staging()?;
        store.load(buckets)?;
        store.load_uploads()?;
        Ok(store)
    }

    /// Makes `account_id` the owner: its canonical user id is what ListBuckets reports.
    #[must_use]
    pub fn with_owner_account(mut self, account_id: &str) -> Self {
        self.owner_id = canonical_user_id(account_id);
        self
    }

    /// The region new buckets live in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The largest object PutObject accepts.
    pub fn max_object_bytes(&self) -> u64 {
        self.max_object_bytes
    }

    /// The owner's 64-hex canonical user id.
    pub fn owner_id(&self) -> &str {
        &self.owner_id
    }

    /// All buckets, by name.
    pub(crate) fn buckets(&self) -> Vec<BucketInfo> {
        self.lock()
            .buckets
            .values()
            .map(|state| state.info.clone())
            .collect()
    }

    /// One bucket, or `NoSuchBucket`.
    pub(crate) fn bucket(&self, name: &str) -> Result<BucketInfo, S3Error> {
        self.lock()
            .buckets
            .get(name)
            .map(|state| state.info.clone())
            .ok_or_else(|| no_such_bucket(name))
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        // Nothing panics while holding the lock; recover rather than propagate a poison.
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bucket_dir(&self, name: &str) -> PathBuf {
        self.root.join("buckets").join(name)
    }

    fn index_path(&self) -> PathBuf {
        self.root.join("buckets.json")
    }
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("root", &self.root)
            .field("region", &self.region)
            .field("max_object_bytes", &self.max_object_bytes)
            .field("buckets", &self.lock().buckets.len())
            .finish_non_exhaustive()
    }
}

/// A 64-hex canonical user id for an account, stable across restarts.
pub fn canonical_user_id(account_id: &str) -> String {
    let digest = Sha256::digest(format!("irsa-local canonical user {account_id}").as_bytes());
    crate::hex::encode(&digest)
}

fn no_such_bucket(name: &str) -> S3Error {
    S3Error::NoSuchBucket {
        bucket: name.to_owned(),
    }
}

/// Wraps an I/O failure with what the store was doing.
fn storage(context: impl Into<String>) -> impl FnOnce(io::Error) -> S3Error {
    let context = context.into();
    move |source| S3Error::Storage { context, source }
}

#[cfg(test)]
mod tests;
