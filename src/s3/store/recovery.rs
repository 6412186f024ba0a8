//! Opening the store: read (or seed) the bucket index, then rebuild the object index
//! from the bucket directories, finishing whatever a crash interrupted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::Ordering;

use super::buckets::write_index;
use super::object_file::ContentAt;
use super::objects::remove_generation;
use super::{
    object_file, storage, BucketIndexFile, BucketInfo, BucketState, Index, S3Store, StoredObject,
};
use crate::persist::ensure_private_dir;
use crate::s3::error::S3Error;
use crate::s3::request::bucket_name;

impl S3Store {
    /// Fills the index from disk, keeping the newest generation of each key.
    pub(super) fn load(&self, buckets: Vec<BucketInfo>) -> Result<(), S3Error> {
        let mut index = Index::default();
        let mut next = 0;
        for info in buckets {
            let dir = self.bucket_dir(&info.name);
            ensure_private_dir(&dir).map_err(storage("creating a bucket directory"))?;
            let mut objects: BTreeMap<String, StoredObject> = BTreeMap::new();
            let mut data_files = BTreeSet::new();
            for entry in fs::read_dir(&dir).map_err(storage("listing a bucket directory"))? {
                let entry = entry.map_err(storage("listing a bucket directory"))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(generation) = object_file::data_generation_of(&name) {
                    next = next.max(generation + 1);
                    data_files.insert(generation);
                    continue;
                }
                let Some(generation) = object_file::generation_of(&name) else {
                    if name.starts_with('.') && name.ends_with(".tmp") {
                        let _ = fs::remove_file(entry.path());
                    }
                    continue;
                };
                next = next.max(generation + 1);
                let (meta, header_len) = object_file::read_header(&entry.path())
                    .map_err(storage(format!("reading {}", entry.path().display())))?;
                let file_len = entry
                    .metadata()
                    .map_err(storage(format!("reading {}", entry.path().display())))?
                    .len();
                // Bytes after the metadata line: an object of an earlier version.
                let content = if file_len > header_len {
                    ContentAt::Inline { header_len }
                } else {
                    ContentAt::DataFile
                };
                let stored = StoredObject {
                    meta,
                    generation,
                    content,
                };
                let superseded = match objects.get(&stored.meta.key) {
                    Some(current) if current.generation > generation => Some(generation),
                    _ => objects
                        .insert(stored.meta.key.clone(), stored)
                        .map(|old| old.generation),
                };
                if let Some(superseded) = superseded {
                    remove_generation(&dir, superseded);
                }
            }
            // Data whose metadata was never published (a crash mid-put) or was superseded.
            let live: BTreeSet<u64> = objects.values().map(|o| o.generation).collect();
            for generation in data_files.difference(&live) {
                let _ = fs::remove_file(dir.join(object_file::data_file_name(*generation)));
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
}

/// The buckets in `buckets.json`; when it is absent, `seed_buckets` dated `now`, written
/// there first.
pub(super) fn read_or_seed_index(
    index_path: &Path,
    seed_buckets: &[String],
    region: &str,
    now: u64,
) -> Result<Vec<BucketInfo>, S3Error> {
    match fs::read(index_path) {
        Ok(bytes) => Ok(serde_json::from_slice::<BucketIndexFile>(&bytes)
            .map_err(|err| invalid_data(index_path, err))?
            .buckets),
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
            write_index(index_path, &buckets)?;
            Ok(buckets)
        }
        Err(err) => Err(storage("reading buckets.json")(err)),
    }
}

fn invalid_data(path: &Path, err: serde_json::Error) -> S3Error {
    S3Error::Storage {
        context: format!("reading {}", path.display()),
        source: io::Error::new(io::ErrorKind::InvalidData, err),
    }
}
