//! Bodies on their way in. An upload streams into a file under `<data_dir>/s3/tmp/` while
//! its digests are computed ([`StagedWriter`]); the finished [`Staged`] file is then taken
//! over by the store, renamed into a bucket as an object's or a part's data. A staged file
//! nobody took over is removed when it is dropped, and whatever a crash left in `tmp/` is
//! removed when the store opens. Memory per upload is one write buffer, whatever the size.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use super::{storage, S3Store, FILE_MODE};
use crate::s3::checksum::{BodyDigests, ChecksumAlgorithm, Digests};
use crate::s3::error::S3Error;

/// Bytes buffered before a write reaches the file.
const WRITE_BUFFER: usize = 1 << 20;

/// A complete body in the staging directory, with its digests.
#[derive(Debug)]
pub struct Staged {
    temp: TempPath,
    pub digests: BodyDigests,
}

impl Staged {
    /// Where the bytes are.
    pub(super) fn path(&self) -> &Path {
        &self.temp.0
    }

    /// Hands the file over to the caller, who has renamed it: no longer removed on drop.
    pub(super) fn persisted(self) {
        self.temp.keep();
    }
}

/// A body being written into the staging directory.
pub struct StagedWriter {
    temp: TempPath,
    file: tokio::io::BufWriter<tokio::fs::File>,
    digests: Digests,
}

impl StagedWriter {
    /// Appends `data`.
    pub async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.digests.update(data);
        self.file.write_all(data).await
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.digests.size()
    }

    /// Flushes and syncs the file: the body is complete.
    pub async fn finish(mut self) -> io::Result<Staged> {
        self.file.flush().await?;
        self.file.get_mut().sync_all().await?;
        Ok(Staged {
            temp: self.temp,
            digests: self.digests.finish(),
        })
    }
}

impl S3Store {
    /// A new staging file for a body streamed in, computing MD5 and `algorithms`.
    pub fn stage(&self, algorithms: &[ChecksumAlgorithm]) -> Result<StagedWriter, S3Error> {
        let (temp, file) = self.new_staging_file()?;
        Ok(StagedWriter {
            temp,
            file: tokio::io::BufWriter::with_capacity(
                WRITE_BUFFER,
                tokio::fs::File::from_std(file),
            ),
            digests: Digests::new(algorithms),
        })
    }

    /// `data` staged at once (small bodies and tests).
    pub fn stage_bytes(
        &self,
        data: &[u8],
        algorithms: &[ChecksumAlgorithm],
    ) -> Result<Staged, S3Error> {
        let (temp, mut file) = self.new_staging_file()?;
        file.write_all(data)
            .and_then(|()| file.sync_all())
            .map_err(storage("staging a body"))?;
        Ok(Staged {
            temp,
            digests: BodyDigests::of(data, algorithms),
        })
    }

    /// The concatenation of `sources` (each an open file at the first byte to copy, and
    /// how many bytes) staged, with its digests: a copied object, or the parts of a
    /// multipart upload.
    pub(crate) fn stage_copy(
        &self,
        sources: Vec<(File, u64)>,
        algorithms: &[ChecksumAlgorithm],
    ) -> Result<Staged, S3Error> {
        let (temp, mut file) = self.new_staging_file()?;
        let mut digests = Digests::new(algorithms);
        let mut buffer = vec![0u8; WRITE_BUFFER];
        let expected: u64 = sources.iter().map(|(_, length)| length).sum();
        for (source, length) in sources {
            let mut source = source.take(length);
            loop {
                let read = source
                    .read(&mut buffer)
                    .map_err(storage("reading a copy source"))?;
                if read == 0 {
                    break;
                }
                digests.update(&buffer[..read]);
                file.write_all(&buffer[..read])
                    .map_err(storage("staging a copy"))?;
            }
        }
        let digests = digests.finish();
        if digests.size != expected {
            return Err(S3Error::Internal(format!(
                "a copy source is shorter than its metadata says ({} of {expected} bytes)",
                digests.size
            )));
        }
        file.sync_all().map_err(storage("staging a copy"))?;
        Ok(Staged { temp, digests })
    }

    fn new_staging_file(&self) -> Result<(TempPath, File), S3Error> {
        let path = self
            .staging_dir()
            .join(format!("{:016x}.upload", rand::random::<u64>()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(storage("creating a staging file"))?;
        Ok((TempPath(path), file))
    }

    /// `<data_dir>/s3/tmp`.
    pub(super) fn staging_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Empties the staging directory: what is there is from before a restart.
    pub(super) fn clear_staging(&self) -> Result<(), S3Error> {
        let dir = self.staging_dir();
        crate::persist::ensure_private_dir(&dir).map_err(storage("creating the staging dir"))?;
        for entry in fs::read_dir(&dir).map_err(storage("listing the staging dir"))? {
            let entry = entry.map_err(storage("listing the staging dir"))?;
            let _ = fs::remove_file(entry.path());
        }
        Ok(())
    }
}

/// A path removed when dropped, unless kept.
#[derive(Debug)]
struct TempPath(PathBuf);

impl TempPath {
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.0);
        }
    }
}
