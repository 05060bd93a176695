//! Atomic file output: a reader never sees a half-written file, and a failed
//! run leaves nothing behind.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// renamed into place once complete and flushed.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".wormscope-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes a set of files into directory `dir`. If `dir` does not exist,
/// the files are written into a temporary directory beside it that is
/// renamed to `dir` at the end, so the directory appears complete or not at
/// all. If it exists, each file is replaced atomically.
pub fn write_dir(dir: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<PathBuf> {
    if dir.is_dir() {
        for (name, bytes) in files {
            write_file(&dir.join(name), bytes)?;
        }
        return Ok(dir.to_path_buf());
    }
    let parent = parent_dir(dir);
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".wormscope-out-")
        .tempdir_in(parent)?;
    for (name, bytes) in files {
        let mut f = std::fs::File::create(staging.path().join(name))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, dir) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_directories_appear_complete() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        write_dir(&out, &[("a.txt", b"1".to_vec()), ("b.txt", b"2".to_vec())]).unwrap();
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"1");
        assert_eq!(std::fs::read(out.join("b.txt")).unwrap(), b"2");
        // Nothing else is left beside it.
        let names: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Writing again replaces the files in place.
        write_dir(&out, &[("a.txt", b"3".to_vec())]).unwrap();
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"3");
        let names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        // The target's parent is a file: creating the directory fails.
        let blocker = root.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        assert!(write_dir(&blocker.join("out"), &[("a", vec![])]).is_err());
        let names: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
