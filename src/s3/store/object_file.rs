//! One object version on disk: `<generation>.object` holds one line of JSON metadata,
//! `\n`, then the bytes. One file per version means a reader that opened it sees one
//! consistent object while a writer publishes the next version under another name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

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
}

/// Extension of object files.
const EXTENSION: &str = "object";

/// The file name of `generation`: zero-padded so names sort like generations.
pub fn file_name(generation: u64) -> String {
    format!("{generation:020}.{EXTENSION}")
}

/// The generation of an object file name, `None` for other files.
pub fn generation_of(file_name: &str) -> Option<u64> {
    let digits = file_name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
    if digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The file contents for `meta` and `body`, and the length of the header line.
pub fn encode(meta: &ObjectMeta, body: &[u8]) -> serde_json::Result<(Vec<u8>, u64)> {
    // Compact JSON escapes newlines inside strings, so the header is exactly one line.
    let mut contents = serde_json::to_vec(meta)?;
    contents.push(b'\n');
    let header_len = contents.len() as u64;
    contents.extend_from_slice(body);
    Ok((contents, header_len))
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

/// Reads `length` bytes of content from `offset`. `None` when the file is gone (a newer
/// version or a delete replaced it since the caller looked it up).
pub fn read_content(
    path: &Path,
    header_len: u64,
    offset: u64,
    length: u64,
) -> io::Result<Option<Vec<u8>>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    file.seek(SeekFrom::Start(header_len + offset))?;
    let mut content = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.take(length).read_to_end(&mut content)?;
    if content.len() as u64 != length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{} is shorter than its metadata says", path.display()),
        ));
    }
    Ok(Some(content))
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
        ];
        for (name, file, want) in cases {
            assert_eq!(generation_of(file), want, "case {name}");
        }
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
        };
        let (contents, header_len) = encode(&meta, b"hello").unwrap();
        std::fs::write(&path, contents).unwrap();
        assert_eq!(read_header(&path).unwrap(), (meta, header_len));
        assert_eq!(
            read_content(&path, header_len, 1, 3).unwrap(),
            Some(b"ell".to_vec())
        );
        assert!(read_content(&path, header_len, 1, 9).is_err(), "short file");
        let gone = dir.path().join(file_name(2));
        assert_eq!(read_content(&gone, header_len, 0, 1).unwrap(), None);
    }
}
