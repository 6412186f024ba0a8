//! Crash-safe file writes under the data dir: a temporary file in the same directory,
//! fsync, then an atomic publish (rename, or a hard link that refuses to clobber), then an
//! fsync of the directory so the new name itself survives a crash. The `mode` a caller
//! gives is the file's mode exactly: the process umask does not narrow it (a token file
//! meant for another user to read must really be 0644).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` only if nothing exists there yet.
///
/// Returns `Ok(false)` when another writer published the file first; the existing file is
/// left untouched. Used for signing keys, where two processes starting on the same data
/// dir must agree on one key.
pub fn create_new_atomic(path: &Path, contents: &[u8], mode: u32) -> io::Result<bool> {
    let temp = write_temp_sibling(path, contents, mode)?;
    let published = match fs::hard_link(&temp, path) {
        Ok(()) => true,
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => false,
        Err(err) => {
            let _ = fs::remove_file(&temp);
            return Err(err);
        }
    };
    fs::remove_file(&temp)?;
    sync_parent(path)?;
    Ok(published)
}

/// Replaces `path` with `contents` atomically: readers see the old file or the new one,
/// never a mix, and a crash at any point leaves one of the two.
pub fn replace_atomic(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let temp = write_temp_sibling(path, contents, mode)?;
    if let Err(err) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    sync_parent(path)
}

/// Creates `dir` and its parents with mode 0700 where they do not exist.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

fn write_temp_sibling(path: &Path, contents: &[u8], mode: u32) -> io::Result<PathBuf> {
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".{}.tmp", rand::random::<u64>()));
    let temp = path.with_file_name(temp_name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)?;
    let written = file
        .set_permissions(fs::Permissions::from_mode(mode))
        .and_then(|()| file.write_all(contents))
        .and_then(|()| file.sync_all());
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    Ok(temp)
}

fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => File::open(parent)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn create_new_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        assert!(create_new_atomic(&path, b"first", 0o600).unwrap());
        assert!(!create_new_atomic(&path, b"second", 0o600).unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"first");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp files left"
        );
    }

    #[test]
    fn replace_overwrites_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        replace_atomic(&path, b"one", 0o600).unwrap();
        replace_atomic(&path, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn mode_is_exact_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        // 0o666 is wider than any usual umask lets through, so a umask-narrowed mode shows.
        replace_atomic(&path, b"jwt", 0o666).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666);
    }
}
