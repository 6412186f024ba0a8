//! Creating and deleting buckets: the bucket index on disk changes before the one in
//! memory is trusted, and index writes are serialized.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use super::{
    no_such_bucket, storage, BucketIndexFile, BucketInfo, BucketState, Creation, Index, S3Store,
    FILE_MODE,
};
use crate::persist::{ensure_private_dir, replace_atomic};
use crate::s3::error::S3Error;
use crate::s3::request::bucket_name;

impl S3Store {
    /// Creates bucket `name` in the store's region, durably.
    pub(crate) fn create_bucket(&self, name: &str, now: u64) -> Result<Creation, S3Error> {
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
    pub(crate) fn delete_bucket(&self, name: &str) -> Result<(), S3Error> {
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
        // Its unfinished multipart uploads go with it.
        self.remove_uploads_of(name);
        Ok(())
    }
}

fn infos(index: &Index) -> Vec<BucketInfo> {
    index
        .buckets
        .values()
        .map(|state| state.info.clone())
        .collect()
}

/// Replaces `buckets.json` with `buckets`.
pub(super) fn write_index(path: &Path, buckets: &[BucketInfo]) -> Result<(), S3Error> {
    let file = BucketIndexFile {
        buckets: buckets.to_vec(),
    };
    let bytes = serde_json::to_vec_pretty(&file)
        .map_err(|err| S3Error::Internal(format!("encoding buckets.json: {err}")))?;
    replace_atomic(path, &bytes, FILE_MODE).map_err(storage("writing buckets.json"))
}
