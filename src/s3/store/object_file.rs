//! One object version on disk: `<generation>.object` holds one line of JSON metadata and
//! `<generation>.data` the bytes, renamed there from the staging directory before the
//! metadata is published. (Objects written before streaming uploads have their bytes
//! after the metadata line in the `.object` file itself; they are still read.) Files per
//! version mean a reader that opened one sees one consistent object while a writer
//! publishes the next version under other names.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::s3::checksum::ChecksumAlgorithm;

/// An object's metadata, as stored and as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    /// Quoted, as S3 sends it.
    pub etag: String,
    /// Unix seconds.
    pub last_modified: u64,
    pub content_type: String,
    /// User metadata, names without `x-amz-meta-`.
    pub metadata: Vec<(String, String)>,
    /// Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires.
    pub content_headers: Vec<(String, String)>,
    /// The flexible checksum S3 keeps with the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<StoredChecksum>,
}

/// A checksum kept with an object, returned with `x-amz-checksum-mode: ENABLED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChecksum {
    pub algorithm: ChecksumAlgorithm,
    /// Base64; a composite checksum of a multipart object ends in `-<parts>`.
    pub value: String,
    /// `FULL_OBJECT`, or `COMPOSITE` (a checksum of the parts' checksums).
    pub composite: bool,
}

/// Where an object's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentAt {
    /// In `<generation>.data`.
    DataFile,
    /// After the metadata line of the `.object` file (objects of earlier versions).
    Inline { header_len: u64 },
}

/// Extension of object (metadata) files.
const EXTENSION: &str = "object";
/// Extension of data files.
const DATA_EXTENSION: &str = "data";

/// The file name of `generation`: zero-padded so names sort like generations.
pub fn file_name(generation: u64) -> String {
    format!("{generation:020}.{EXTENSION}")
}

/// The data file name of `generation`.
pub fn data_file_name(generation: u64) -> String {
    format!("{generation:020}.{DATA_EXTENSION}")
}

/// The generation of a data file name, `None` for other files.
pub fn data_generation_of(file_name: &str) -> Option<u64> {
    generation_with(file_name, DATA_EXTENSION)
}

/// The generation of an object file name, `None` for other files.
pub fn generation_of(file_name: &str) -> Option<u64> {
    generation_with(file_name, EXTENSION)
}

fn generation_with(file_name: &str, extension: &str) -> Option<u64> {
    let digits = file_name.strip_suffix(extension)?.strip_suffix('.')?;
    if digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The `.object` file's contents for `meta`: one line.
pub fn encode(meta: &ObjectMeta) -> serde_json::Result<Vec<u8>> {
    // Compact JSON escapes newlines inside strings, so the header is exactly one line.
    let mut contents = serde_json::to_vec(meta)?;
    contents.push(b'\n');
    Ok(contents)
}

/// Reads the metadata line of an object file and the header length.
pub fn read_header(path: &Path) -> io::Result<(ObjectMeta, u64)> {
    let mut line = Vec::new();
    BufReader::new(File::open(path)?).read_until(b'\n', &mut line)?;
    let header_len = line.len() as u64;
    let meta = serde_json::from_slice(&line)
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
    Ok((meta, header_len))
}

/// Opens the content file at `path`, positioned at `start`, checking that it holds at
/// least `start + length` bytes. `None` when the file is gone (a newer version or a
/// delete replaced it since the caller looked it up): an open file stays readable.
pub fn open_content(path: &Path, start: u64, length: u64) -> io::Result<Option<File>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    if file.metadata()?.len() < start.saturating_add(length) {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{} is shorter than its metadata says", path.display()),
        ));
    }
    file.seek(SeekFrom::Start(start))?;
    Ok(Some(file))
}

/// Reads `length` bytes from `file` at its position.
#[cfg(test)]
pub fn read_exact(file: File, length: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut content = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.take(length).read_to_end(&mut content)?;
    if content.len() as u64 != length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "an object file is shorter than its metadata says",
        ));
    }
    Ok(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip() {
        let cases = [
            ("zero", "00000000000000000000.object", Some(0)),
            ("large", "00000000000000000042.object", Some(42)),
            ("temp_file", ".00000000000000000042.object.123.tmp", None),
            ("short", "42.object", None),
            ("other", "buckets.json", None),
            ("data_file", "00000000000000000042.data", None),
        ];
        for (name, file, want) in cases {
            assert_eq!(generation_of(file), want, "case {name}");
        }
        assert_eq!(data_generation_of(&data_file_name(9)), Some(9));
        assert_eq!(data_generation_of(&file_name(9)), None);
        assert_eq!(generation_of(&file_name(7)), Some(7));
    }

    #[test]
    fn header_and_content_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file_name(1));
        let meta = ObjectMeta {
            key: "line\nbreak".into(),
            size: 5,
            etag: "\"e\"".into(),
            last_modified: 3,
            content_type: "text/plain".into(),
            metadata: vec![("a".into(), "b".into())],
            content_headers: Vec::new(),
            checksum: None,
        };
        let mut contents = encode(&meta).unwrap();
        let header_len = contents.len() as u64;
        contents.extend_from_slice(b"hello");
        std::fs::write(&path, contents).unwrap();
        assert_eq!(read_header(&path).unwrap(), (meta, header_len));
        let file = open_content(&path, header_len + 1, 3).unwrap().unwrap();
        assert_eq!(read_exact(file, 3).unwrap(), b"ell".to_vec());
        assert!(
            open_content(&path, header_len + 1, 9).is_err(),
            "short file"
        );
        let gone = dir.path().join(file_name(2));
        assert!(open_content(&gone, 0, 1).unwrap().is_none());
    }
}
