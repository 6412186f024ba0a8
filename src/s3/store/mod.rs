//! The persistent S3 store: buckets and objects under `<data_dir>/s3/`, each change on
//! disk before the call returns, surviving restarts.
//!
//! Layout:
//! - `buckets.json`: the bucket index (name, creation time, region), replaced atomically.
//!   When it is absent on open, the seed buckets are created.
//! - `buckets/<name>/<generation>.object`: one file per object version, a JSON metadata
//!   line then the bytes ([`object_file`]). A put writes a new generation with
//!   `create_new_atomic`, then swaps it into the in-memory index and unlinks the old file.
//!   Open keeps the newest generation of each key and removes older ones, temp files,
//!   and the directories of deleted buckets, so a crash at any point leaves either the old
//!   or the new object.
//!
//! Concurrency: the index `Mutex` guards lookups and swaps only; object bytes are written
//! and read outside it. Bucket index writes are serialized by a second lock so the file
//! always follows the in-memory order.

mod object_file;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use self::object_file::ObjectMeta;
use super::error::S3Error;
use super::input::WriteCondition;
use super::preconditions::etag_listed;
use super::request::bucket_name;
use crate::persist::{create_new_atomic, ensure_private_dir, replace_atomic};

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
    header_len: u64,
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
        let index_path = root.join("buckets.json");
        let buckets = match fs::read(&index_path) {
            Ok(bytes) => {
                serde_json::from_slice::<BucketIndexFile>(&bytes)
                    .map_err(|err| invalid_data(&index_path, err))?
                    .buckets
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                let mut seeds: BTreeMap<&str, BucketInfo> = BTreeMap::new();
                for name in seed_buckets {
                    bucket_name::validate(name)?;
                    let info = BucketInfo {
                        name: name.clone(),
                        created: now,
                        region: region.to_owned(),
                    };
                    seeds.insert(name, info);
                }
                let buckets: Vec<BucketInfo> = seeds.into_values().collect();
                write_index(&index_path, &buckets)?;
                buckets
            }
            Err(err) => return Err(storage("reading buckets.json")(err)),
        };
        let store = Self {
            root,
            region: region.to_owned(),
            max_object_bytes,
            owner_id: canonical_user_id(DEFAULT_ACCOUNT),
            index: Mutex::new(Index::default()),
            bucket_writes: Mutex::new(()),
            next_generation: AtomicU64::new(0),
        };
        store.load(buckets)?;
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
    pub fn buckets(&self) -> Vec<BucketInfo> {
        self.lock()
            .buckets
            .values()
            .map(|state| state.info.clone())
            .collect()
    }

    /// One bucket, or `NoSuchBucket`.
    pub fn bucket(&self, name: &str) -> Result<BucketInfo, S3Error> {
        self.lock()
            .buckets
            .get(name)
            .map(|state| state.info.clone())
            .ok_or_else(|| no_such_bucket(name))
    }

    /// Creates bucket `name` in the store's region, durably.
    pub fn create_bucket(&self, name: &str, now: u64) -> Result<Creation, S3Error> {
        bucket_name::validate(name)?;
        let _writes = self
            .bucket_writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut records = {
            let index = self.lock();
            if index.buckets.contains_key(name) {
                return Ok(Creation::AlreadyOwned);
            }
            infos(&index)
        };
        let dir = self.bucket_dir(name);
        // A directory left by a deleted bucket must not resurrect its objects.
        match fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(storage("clearing a stale bucket directory")(err)),
        }
        ensure_private_dir(&dir).map_err(storage("creating the bucket directory"))?;
        let info = BucketInfo {
            name: name.to_owned(),
            created: now,
            region: self.region.clone(),
        };
        records.push(info.clone());
        records.sort_by(|a, b| a.name.cmp(&b.name));
        write_index(&self.index_path(), &records)?;
        let incarnation = self.next_generation.fetch_add(1, Ordering::Relaxed);
        let state = BucketState {
            info,
            incarnation,
            objects: BTreeMap::new(),
        };
        self.lock().buckets.insert(name.to_owned(), state);
        Ok(Creation::Created)
    }

    /// Deletes an empty bucket, durably.
    pub fn delete_bucket(&self, name: &str) -> Result<(), S3Error> {
        let _writes = self
            .bucket_writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (removed, records) = {
            let mut index = self.lock();
            let state = index
                .buckets
                .get(name)
                .ok_or_else(|| no_such_bucket(name))?;
            if !state.objects.is_empty() {
                return Err(S3Error::BucketNotEmpty {
                    bucket: name.to_owned(),
                });
            }
            let removed = index.buckets.remove(name);
            (removed, infos(&index))
        };
        if let Err(err) = write_index(&self.index_path(), &records) {
            if let Some(state) = removed {
                self.lock().buckets.insert(name.to_owned(), state);
            }
            return Err(err);
        }
        // The bucket is gone once the index says so; a directory left behind is removed
        // on the next open or re-creation.
        let _ = fs::remove_dir_all(self.bucket_dir(name));
        Ok(())
    }

    /// Runs `visit` over a bucket's objects, ordered by key (UTF-8 bytes), under the lock.
    pub fn with_objects<T>(
        &self,
        bucket: &str,
        visit: impl FnOnce(&BTreeMap<String, StoredObject>) -> T,
    ) -> Result<T, S3Error> {
        let index = self.lock();
        let state = index
            .buckets
            .get(bucket)
            .ok_or_else(|| no_such_bucket(bucket))?;
        Ok(visit(&state.objects))
    }

    /// The current version of an object.
    pub fn object(&self, bucket: &str, key: &str) -> Result<StoredObject, S3Error> {
        self.with_objects(bucket, |objects| objects.get(key).cloned())?
            .ok_or_else(|| S3Error::NoSuchKey {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            })
    }

    /// Bytes `offset..offset + length` of `object`. `None` when a newer put or a delete
    /// replaced that version since it was looked up; the caller looks it up again.
    pub fn read(
        &self,
        bucket: &str,
        object: &StoredObject,
        offset: u64,
        length: u64,
    ) -> Result<Option<Vec<u8>>, S3Error> {
        let path = self
            .bucket_dir(bucket)
            .join(object_file::file_name(object.generation));
        object_file::read_content(&path, object.header_len, offset, length)
            .map_err(storage("reading an object"))
    }

    /// Stores `body` as the object `meta.key`, if `condition` holds when it is swapped in.
    pub fn put_object(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        body: &[u8],
        condition: Option<&WriteCondition>,
    ) -> Result<(), S3Error> {
        let (incarnation, generation) = {
            let index = self.lock();
            let state = index
                .buckets
                .get(bucket)
                .ok_or_else(|| no_such_bucket(bucket))?;
            check_condition(condition, state.objects.get(&meta.key), bucket, &meta.key)?;
            (
                state.incarnation,
                self.next_generation.fetch_add(1, Ordering::Relaxed),
            )
        };
        let (contents, header_len) = object_file::encode(&meta, body)
            .map_err(|err| S3Error::Internal(format!("encoding object metadata: {err}")))?;
        let path = self
            .bucket_dir(bucket)
            .join(object_file::file_name(generation));
        match create_new_atomic(&path, &contents, FILE_MODE) {
            Ok(true) => {}
            Ok(false) => {
                return Err(S3Error::Internal(format!(
                    "{} already exists",
                    path.display()
                )))
            }
            Err(err) if self.bucket(bucket).is_err() => {
                drop(err);
                return Err(no_such_bucket(bucket));
            }
            Err(err) => return Err(storage("writing an object")(err)),
        }
        let key = meta.key.clone();
        let new = StoredObject {
            meta,
            generation,
            header_len,
        };
        let swapped = {
            let mut index = self.lock();
            match index
                .buckets
                .get_mut(bucket)
                .filter(|state| state.incarnation == incarnation)
            {
                None => Err(no_such_bucket(bucket)),
                Some(state) => check_condition(condition, state.objects.get(&key), bucket, &key)
                    .map(|()| match state.objects.get(&key) {
                        // A put that started later already landed: it wins, as S3's latest write does.
                        Some(current) if current.generation > generation => Some(generation),
                        _ => state.objects.insert(key, new).map(|old| old.generation),
                    }),
            }
        };
        let stale = match swapped {
            Ok(stale) => stale,
            Err(err) => {
                let _ = fs::remove_file(&path);
                return Err(err);
            }
        };
        if let Some(stale) = stale {
            // Best effort: open discards superseded generations anyway.
            let _ = fs::remove_file(self.bucket_dir(bucket).join(object_file::file_name(stale)));
        }
        Ok(())
    }

    /// Deletes an object durably; deleting a missing key succeeds, as in S3.
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        let removed = {
            let mut index = self.lock();
            let state = index
                .buckets
                .get_mut(bucket)
                .ok_or_else(|| no_such_bucket(bucket))?;
            state.objects.remove(key)
        };
        let Some(removed) = removed else {
            return Ok(());
        };
        let dir = self.bucket_dir(bucket);
        let unlinked = fs::remove_file(dir.join(object_file::file_name(removed.generation)))
            .and_then(|()| File::open(&dir)?.sync_all());
        if let Err(err) = unlinked {
            if let Some(state) = self.lock().buckets.get_mut(bucket) {
                state.objects.entry(key.to_owned()).or_insert(removed);
            }
            return Err(storage("deleting an object")(err));
        }
        Ok(())
    }

    /// Fills the index from disk, keeping the newest generation of each key.
    fn load(&self, buckets: Vec<BucketInfo>) -> Result<(), S3Error> {
        let mut index = Index::default();
        let mut next = 0;
        for info in buckets {
            let dir = self.bucket_dir(&info.name);
            ensure_private_dir(&dir).map_err(storage("creating a bucket directory"))?;
            let mut objects: BTreeMap<String, StoredObject> = BTreeMap::new();
            for entry in fs::read_dir(&dir).map_err(storage("listing a bucket directory"))? {
                let entry = entry.map_err(storage("listing a bucket directory"))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(generation) = object_file::generation_of(&name) else {
                    if name.starts_with('.') && name.ends_with(".tmp") {
                        let _ = fs::remove_file(entry.path());
                    }
                    continue;
                };
                next = next.max(generation + 1);
                let (meta, header_len) = object_file::read_header(&entry.path())
                    .map_err(storage(format!("reading {}", entry.path().display())))?;
                let stored = StoredObject {
                    meta,
                    generation,
                    header_len,
                };
                let superseded = match objects.get(&stored.meta.key) {
                    Some(current) if current.generation > generation => Some(generation),
                    _ => objects
                        .insert(stored.meta.key.clone(), stored)
                        .map(|old| old.generation),
                };
                if let Some(superseded) = superseded {
                    let _ = fs::remove_file(dir.join(object_file::file_name(superseded)));
                }
            }
            let state = BucketState {
                info,
                incarnation: 0,
                objects,
            };
            index.buckets.insert(state.info.name.clone(), state);
        }
        self.remove_orphan_dirs(&index)?;
        for (offset, state) in (0u64..).zip(index.buckets.values_mut()) {
            state.incarnation = next + offset;
        }
        let buckets = index.buckets.len() as u64;
        self.next_generation
            .store(next + buckets, Ordering::Relaxed);
        *self.lock() = index;
        Ok(())
    }

    /// Removes the directories of buckets the index no longer lists.
    fn remove_orphan_dirs(&self, index: &Index) -> Result<(), S3Error> {
        let buckets_dir = self.root.join("buckets");
        for entry in fs::read_dir(&buckets_dir).map_err(storage("listing buckets"))? {
            let entry = entry.map_err(storage("listing buckets"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !index.buckets.contains_key(&name) && entry.path().is_dir() {
                fs::remove_dir_all(entry.path()).map_err(storage("removing a deleted bucket"))?;
            }
        }
        Ok(())
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
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A write condition against the current object.
fn check_condition(
    condition: Option<&WriteCondition>,
    current: Option<&StoredObject>,
    bucket: &str,
    key: &str,
) -> Result<(), S3Error> {
    match (condition, current) {
        (Some(WriteCondition::IfNoneMatchAny), Some(_)) => Err(S3Error::PreconditionFailed {
            condition: "If-None-Match",
        }),
        (Some(WriteCondition::IfMatch(_)), None) => Err(S3Error::NoSuchKey {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        }),
        (Some(WriteCondition::IfMatch(list)), Some(current))
            if !etag_listed(list, &current.meta.etag) =>
        {
            Err(S3Error::PreconditionFailed {
                condition: "If-Match",
            })
        }
        _ => Ok(()),
    }
}

fn infos(index: &Index) -> Vec<BucketInfo> {
    index
        .buckets
        .values()
        .map(|state| state.info.clone())
        .collect()
}

fn write_index(path: &Path, buckets: &[BucketInfo]) -> Result<(), S3Error> {
    let file = BucketIndexFile {
        buckets: buckets.to_vec(),
    };
    let bytes = serde_json::to_vec_pretty(&file)
        .map_err(|err| S3Error::Internal(format!("encoding buckets.json: {err}")))?;
    replace_atomic(path, &bytes, FILE_MODE).map_err(storage("writing buckets.json"))
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

fn invalid_data(path: &Path, err: serde_json::Error) -> S3Error {
    S3Error::Storage {
        context: format!("reading {}", path.display()),
        source: io::Error::new(io::ErrorKind::InvalidData, err),
    }
}

#[cfg(test)]
mod tests;
