//! Multipart uploads in progress, on disk under `<data_dir>/s3/uploads/<upload id>/`:
//! `upload.json` (where the object goes and the headers it will have) and, per part,
//! `<number>.json` (its size, ETag, MD5 and checksum) naming the part's data file, which
//! came renamed from the staging directory. A part uploaded again gets a new data file
//! and replaces its metadata atomically. Uploads survive restarts; completing or aborting
//! one removes its directory.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::staging::Staged;
use super::{storage, S3Store, FILE_MODE};
use crate::persist::{ensure_private_dir, replace_atomic};
use crate::s3::checksum::ChecksumAlgorithm;
use crate::s3::error::S3Error;

/// What CreateMultipartUpload fixed: where the object goes and the headers it will have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadInfo {
    pub upload_id: String,
    pub bucket: String,
    pub key: String,
    /// Unix seconds.
    pub initiated: u64,
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub content_headers: Vec<(String, String)>,
    /// `x-amz-checksum-algorithm`: every part carries this checksum.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// `x-amz-checksum-type: FULL_OBJECT` (else composite, S3's default for most).
    pub full_object_checksum: bool,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    pub part_number: u32,
    pub size: u64,
    /// Quoted hex MD5.
    pub etag: String,
    pub md5: [u8; 16],
    /// Unix seconds.
    pub last_modified: u64,
    /// The upload's checksum of this part, big-endian.
    pub checksum: Option<Vec<u8>>,
    /// The data file's name in the upload's directory.
    data_file: String,
}

/// The uploads in progress, by id.
#[derive(Debug, Default)]
pub(super) struct Uploads {
    map: Mutex<BTreeMap<String, UploadState>>,
}

#[derive(Debug, Clone)]
struct UploadState {
    info: UploadInfo,
    parts: BTreeMap<u32, PartInfo>,
}

impl Uploads {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, UploadState>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

const UPLOAD_FILE: &str = "upload.json";

impl S3Store {
    /// Records a new upload (its bucket must exist).
    pub(crate) fn create_upload(&self, info: UploadInfo) -> Result<(), S3Error> {
        self.bucket(&info.bucket)?;
        let dir = self.upload_dir(&info.upload_id);
        ensure_private_dir(&dir).map_err(storage("creating an upload directory"))?;
        let json = serde_json::to_vec(&info)
            .map_err(|err| S3Error::Internal(format!("encoding an upload: {err}")))?;
        replace_atomic(&dir.join(UPLOAD_FILE), &json, FILE_MODE)
            .map_err(storage("recording an upload"))?;
        let state = UploadState {
            info,
            parts: BTreeMap::new(),
        };
        self.uploads
            .lock()
            .insert(state.info.upload_id.clone(), state);
        Ok(())
    }

    /// The upload `upload_id` of `bucket`/`key` and its parts by number; `NoSuchUpload`
    /// when there is none (or it is another object's). `NoSuchBucket` first.
    pub(crate) fn upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(UploadInfo, Vec<PartInfo>), S3Error> {
        self.bucket(bucket)?;
        self.uploads
            .lock()
            .get(upload_id)
            .filter(|state| state.info.bucket == bucket && state.info.key == key)
            .map(|state| (state.info.clone(), state.parts.values().cloned().collect()))
            .ok_or_else(|| no_such_upload(upload_id))
    }

    /// The uploads in progress in `bucket`, by key then initiation.
    pub(crate) fn uploads_in(&self, bucket: &str) -> Result<Vec<UploadInfo>, S3Error> {
        self.bucket(bucket)?;
        let mut uploads: Vec<UploadInfo> = self
            .uploads
            .lock()
            .values()
            .filter(|state| state.info.bucket == bucket)
            .map(|state| state.info.clone())
            .collect();
        uploads.sort_by(|a, b| {
            (a.key.as_str(), a.initiated, a.upload_id.as_str()).cmp(&(
                b.key.as_str(),
                b.initiated,
                b.upload_id.as_str(),
            ))
        });
        Ok(uploads)
    }

    /// Stores `staged` as part `part_number` of the upload, replacing an earlier one.
    pub(crate) fn put_part(
        &self,
        upload: &UploadInfo,
        part_number: u32,
        staged: Staged,
        checksum: Option<Vec<u8>>,
        now: u64,
    ) -> Result<PartInfo, S3Error> {
        let dir = self.upload_dir(&upload.upload_id);
        let data_file = format!("{part_number:05}-{:016x}.part", rand::random::<u64>());
        let part = PartInfo {
            part_number,
            size: staged.digests.size,
            etag: crate::s3::wire::etag_of_md5(&staged.digests.md5),
            md5: staged.digests.md5,
            last_modified: now,
            checksum,
            data_file: data_file.clone(),
        };
        let json = serde_json::to_vec(&part)
            .map_err(|err| S3Error::Internal(format!("encoding a part: {err}")))?;
        let published = fs::rename(staged.path(), dir.join(&data_file)).and_then(|()| {
            replace_atomic(
                &dir.join(format!("{part_number:05}.json")),
                &json,
                FILE_MODE,
            )
        });
        if let Err(err) = published {
            let _ = fs::remove_file(dir.join(&data_file));
            if !self.uploads.lock().contains_key(&upload.upload_id) {
                return Err(no_such_upload(&upload.upload_id));
            }
            return Err(storage("storing a part")(err));
        }
        staged.persisted();
        let replaced = {
            let mut uploads = self.uploads.lock();
            match uploads.get_mut(&upload.upload_id) {
                // Completed or aborted while the part was written.
                None => {
                    let _ = fs::remove_dir_all(&dir);
                    return Err(no_such_upload(&upload.upload_id));
                }
                Some(state) => state.parts.insert(part_number, part.clone()),
            }
        };
        if let Some(old) = replaced {
            let _ = fs::remove_file(dir.join(old.data_file));
        }
        Ok(part)
    }

    /// Where a part's bytes are.
    pub(crate) fn part_path(&self, upload_id: &str, part: &PartInfo) -> PathBuf {
        self.upload_dir(upload_id).join(&part.data_file)
    }

    /// Forgets an upload and removes its parts (completed or aborted).
    pub(crate) fn remove_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3Error> {
        let removed = {
            let mut uploads = self.uploads.lock();
            let owned = uploads
                .get(upload_id)
                .is_some_and(|state| state.info.bucket == bucket && state.info.key == key);
            if owned {
                uploads.remove(upload_id)
            } else {
                None
            }
        };
        if removed.is_none() {
            return Err(no_such_upload(upload_id));
        }
        fs::remove_dir_all(self.upload_dir(upload_id)).map_err(storage("removing an upload"))
    }

    /// Forgets every upload into `bucket` (which was deleted).
    pub(crate) fn remove_uploads_of(&self, bucket: &str) {
        let ids: Vec<String> = {
            let mut uploads = self.uploads.lock();
            let ids: Vec<String> = uploads
                .values()
                .filter(|state| state.info.bucket == bucket)
                .map(|state| state.info.upload_id.clone())
                .collect();
            for id in &ids {
                uploads.remove(id);
            }
            ids
        };
        for id in ids {
            let _ = fs::remove_dir_all(self.upload_dir(&id));
        }
    }

    /// Reads the uploads left on disk; drops those whose bucket is gone, and part files
    /// no metadata names.
    pub(super) fn load_uploads(&self) -> Result<(), S3Error> {
        let root = self.root.join("uploads");
        ensure_private_dir(&root).map_err(storage("creating the uploads dir"))?;
        let mut loaded = BTreeMap::new();
        for entry in fs::read_dir(&root).map_err(storage("listing uploads"))? {
            let entry = entry.map_err(storage("listing uploads"))?;
            let dir = entry.path();
            match read_upload(&dir) {
                Ok(Some(state)) if self.bucket(&state.info.bucket).is_ok() => {
                    loaded.insert(state.info.upload_id.clone(), state);
                }
                Ok(_) => {
                    let _ = fs::remove_dir_all(&dir);
                }
                Err(err) => return Err(storage(format!("reading {}", dir.display()))(err)),
            }
        }
        *self.uploads.lock() = loaded;
        Ok(())
    }

    fn upload_dir(&self, upload_id: &str) -> PathBuf {
        self.root.join("uploads").join(upload_id)
    }
}

/// One upload directory: `None` when it holds no `upload.json` (a crash mid-create).
fn read_upload(dir: &std::path::Path) -> io::Result<Option<UploadState>> {
    let info: UploadInfo = match fs::read(dir.join(UPLOAD_FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut parts = BTreeMap::new();
    let mut data_files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".part") {
            data_files.push(name);
        } else if name != UPLOAD_FILE && name.ends_with(".json") {
            let part: PartInfo = serde_json::from_slice(&fs::read(dir.join(&name))?)
                .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
            parts.insert(part.part_number, part);
        } else if name.starts_with('.') && name.ends_with(".tmp") {
            let _ = fs::remove_file(dir.join(&name));
        }
    }
    for name in data_files {
        if !parts.values().any(|part: &PartInfo| part.data_file == name) {
            let _ = fs::remove_file(dir.join(name));
        }
    }
    Ok(Some(UploadState { info, parts }))
}

fn no_such_upload(upload_id: &str) -> S3Error {
    S3Error::NoSuchUpload {
        upload_id: upload_id.to_owned(),
    }
}
