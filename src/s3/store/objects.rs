//! Object reads and writes. Bytes move outside the index lock; each put renames its staged
//! data into the bucket as a new generation, publishes the metadata file, and swaps it in
//! under the lock, so readers see one version or the next.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::object_file::ContentAt;
use super::staging::Staged;
use super::{no_such_bucket, object_file, storage, ObjectMeta, S3Store, StoredObject, FILE_MODE};
use crate::persist::create_new_atomic;
use crate::s3::checksum::ChecksumAlgorithm;
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

    /// The file holding `object`'s bytes, opened and positioned at `offset`. `None` when a
    /// newer put or a delete replaced that version since it was looked up; the caller
    /// looks it up again. The open file stays readable whatever happens to the name.
    pub(crate) fn open_object(
        &self,
        bucket: &str,
        object: &StoredObject,
        offset: u64,
        length: u64,
    ) -> Result<Option<File>, S3Error> {
        let (path, start) = self.content_path(bucket, object);
        object_file::open_content(&path, start.saturating_add(offset), length)
            .map_err(storage("reading an object"))
    }

    /// A copy of bytes of the object `key` staged, with `algorithms`' digests: `span`
    /// checks the object (a copy's conditions) and picks the offset and length to copy.
    /// Looked up again when a concurrent put or delete replaces the version being opened.
    pub(crate) fn stage_object_copy(
        &self,
        bucket: &str,
        key: &str,
        algorithms: &[ChecksumAlgorithm],
        span: impl Fn(&ObjectMeta) -> Result<(u64, u64), S3Error>,
    ) -> Result<(StoredObject, Staged), S3Error> {
        for _ in 0..READ_ATTEMPTS {
            let object = self.object(bucket, key)?;
            let (offset, length) = span(&object.meta)?;
            if let Some(file) = self.open_object(bucket, &object, offset, length)? {
                let staged = self.stage_copy(vec![(file, length)], algorithms)?;
                return Ok((object, staged));
            }
        }
        Err(S3Error::Internal(format!(
            "{bucket}/{key} changed {READ_ATTEMPTS} times while being copied"
        )))
    }

    /// Where `object`'s bytes start: its data file, or after its metadata line.
    pub(crate) fn content_path(&self, bucket: &str, object: &StoredObject) -> (PathBuf, u64) {
        let dir = self.bucket_dir(bucket);
        match object.content {
            ContentAt::DataFile => (dir.join(object_file::data_file_name(object.generation)), 0),
            ContentAt::Inline { header_len } => (
                dir.join(object_file::file_name(object.generation)),
                header_len,
            ),
        }
    }

    /// Stores the `staged` body as the object `meta.key`, if `condition` holds when it is
    /// swapped in.
    pub(crate) fn put_staged(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        staged: Staged,
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
        let contents = object_file::encode(&meta)
            .map_err(|err| S3Error::Internal(format!("encoding object metadata: {err}")))?;
        let dir = self.bucket_dir(bucket);
        let data = dir.join(object_file::data_file_name(generation));
        let path = dir.join(object_file::file_name(generation));
        // The data first, then the metadata that makes it an object: a crash between the
        // two leaves a data file without metadata, which open removes.
        let published = fs::rename(staged.path(), &data).and_then(|()| {
            match create_new_atomic(&path, &contents, FILE_MODE) {
                Ok(true) => Ok(()),
                Ok(false) => Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} already exists", path.display()),
                )),
                Err(err) => Err(err),
            }
        });
        if let Err(err) = published {
            let _ = fs::remove_file(&data);
            // The bucket was deleted while the bytes were written (its directory went
            // with it): that, not the I/O error, is why the put failed.
            if self.bucket(bucket).is_err() {
                return Err(no_such_bucket(bucket));
            }
            return Err(storage("writing an object")(err));
        }
        staged.persisted();
        let key = meta.key.clone();
        let new = StoredObject {
            meta,
            generation,
            content: ContentAt::DataFile,
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
                remove_generation(&dir, generation);
                return Err(err);
            }
        };
        if let Some(stale) = stale {
            // Best effort: open discards superseded generations anyway.
            remove_generation(&dir, stale);
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
        if unlinked.is_ok() {
            let _ = fs::remove_file(dir.join(object_file::data_file_name(removed.generation)));
        }
        if let Err(err) = unlinked {
            if let Some(state) = self.lock().buckets.get_mut(bucket) {
                state.objects.entry(key.to_owned()).or_insert(removed);
            }
            return Err(storage("deleting an object")(err));
        }
        Ok(())
    }
}

/// How many times a read or copy looks an object up again when a concurrent put or
/// delete unlinks the version it found.
pub(crate) const READ_ATTEMPTS: usize = 4;

/// Removes a generation's files, metadata first so that it stops being an object.
pub(super) fn remove_generation(dir: &Path, generation: u64) {
    let _ = fs::remove_file(dir.join(object_file::file_name(generation)));
    let _ = fs::remove_file(dir.join(object_file::data_file_name(generation)));
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
