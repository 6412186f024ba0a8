//! Object reads and writes. Bytes move outside the index lock; each put writes a new
//! generation file and swaps it in under the lock, so readers see one version or the next.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::sync::atomic::Ordering;

use super::{no_such_bucket, object_file, storage, ObjectMeta, S3Store, StoredObject, FILE_MODE};
use crate::persist::create_new_atomic;
use crate::s3::error::S3Error;
use crate::s3::input::WriteCondition;
use crate::s3::preconditions::etag_listed;

impl S3Store {
    /// Runs `visit` over a bucket's objects, ordered by key (UTF-8 bytes), under the lock.
    pub(crate) fn with_objects<T>(
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
    pub(crate) fn object(&self, bucket: &str, key: &str) -> Result<StoredObject, S3Error> {
        self.with_objects(bucket, |objects| objects.get(key).cloned())?
            .ok_or_else(|| S3Error::NoSuchKey {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            })
    }

    /// Bytes `offset..offset + length` of `object`. `None` when a newer put or a delete
    /// replaced that version since it was looked up; the caller looks it up again.
    pub(crate) fn read(
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
    pub(crate) fn put_object(
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
            // The bucket was deleted while the bytes were written (its directory went
            // with it): that, not the I/O error, is why the put failed.
            Err(_) if self.bucket(bucket).is_err() => return Err(no_such_bucket(bucket)),
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
    pub(crate) fn delete_object(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
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
