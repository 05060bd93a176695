//! # wormscope-atomic: the one way wormscope writes a file
//!
//! Every output of wormscope (run directories, reports, captures, alerts,
//! rules, Parquet shards) is written here, so that all of them behave alike:
//!
//! - **Atomic.** A file is written under a temporary name in its own
//!   directory, synced, and renamed over its target: a reader sees the old
//!   file or the new one, never half of one, and a failed write leaves
//!   nothing behind. A new output directory is staged beside its target and
//!   renamed into place whole ([`write_dir`]).
//! - **Ordinary modes.** A new file gets 0644 and a new directory 0755, minus
//!   the process umask, like a file made by `cp` or a shell redirection
//!   (temporary files are usually private, 0600: that is not kept). A file
//!   that is replaced keeps its mode: overwriting a 0640 file leaves a 0640
//!   file.
//! - **Durable.** The data is synced before the rename and the directory
//!   after it, where the file system can sync a directory (one that cannot is
//!   not an error: the rename has happened).
//! - **Missing parents are created** (0755 minus the umask).
//! - **Errors name no temporary file.** An error is the operating system's
//!   (`No such file or directory (os error 2)`, ...); the caller names the
//!   target ([`write_dir`] names the file of its set).
//!
//! The crate depends on nothing (the standard library only), so that the
//! lowest crates (`wire`) and the highest (`report`, `sweep`, the CLI) can
//! share it. [`check_file_target`] and [`check_dir_target`] tell a caller,
//! before any long work, whether a path can be written at all.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The mode of a new file, before the umask.
pub const FILE_MODE: u32 = 0o644;
/// The mode of a new directory, before the umask.
pub const DIR_MODE: u32 = 0o755;

/// Writes `bytes` to `path` atomically (see the crate's documentation).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// Writes `path` atomically: `fill` writes into a buffered temporary file in
/// the same directory, which is synced and renamed over `path`. On any error
/// (`fill`'s included) the temporary file is removed and `path` is
/// untouched. Returns what `fill` returned.
pub fn write_with<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    let path = &written_path(path)?;
    let dir = parent_dir(path);
    create_dir_all(dir)?;
    let (value, tmp) = stage(path, fill)?;
    fs::rename(tmp.path(), path)?;
    tmp.disarm();
    sync_dir(dir);
    Ok(value)
}

/// The file a write to `path` replaces: `path` itself, or, where it is a
/// symbolic link, the file the link names, so that the link stays a link
/// (a rename over it would replace the link, and leave its file as it
/// was). Refused: a path that names something other than a regular file
/// or nothing, a device or a pipe (`/dev/stdout`), which a rename would
/// replace rather than write to.
fn written_path(path: &Path) -> io::Result<PathBuf> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                NOT_A_REGULAR_FILE,
            ));
        }
        // A directory is refused by the rename, with the system's words.
        Ok(_) => {
            if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                return fs::canonicalize(path);
            }
        }
        // A link to nothing yet: the file it names is created.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Ok(to) = fs::read_link(path) {
                return Ok(parent_dir(path).join(to));
            }
        }
        Err(_) => {}
    }
    Ok(path.to_path_buf())
}

/// Why a device or a pipe is not written to.
const NOT_A_REGULAR_FILE: &str = "is not a regular file (a device or a pipe): \
     outputs are written whole, under a temporary name then renamed, and that would \
     replace it; name a file";

/// Writes what is to become `path` into a temporary file beside it,
/// buffered, with `path`'s mode if it exists, synced: all but the rename.
/// The temporary file is removed if the returned guard is dropped armed.
fn stage<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<(T, Temp)> {
    let kept = kept_permissions(path);
    let (file, tmp) = create_temp_file(parent_dir(path))?;
    let mut w = BufWriter::new(file);
    let value = fill(&mut w)?;
    let file = w.into_inner().map_err(|e| e.into_error())?;
    if let Some(p) = kept {
        file.set_permissions(p)?;
    }
    file.sync_all()?;
    Ok((value, tmp))
}

/// Writes a set of files into directory `dir` and returns `dir`. If `dir`
/// does not exist, the files are written into a staging directory beside it
/// that is renamed to `dir` at the end, so the directory appears complete or
/// not at all (missing parents are created). If it exists, every file is
/// first written under a temporary name beside its target, then each is
/// renamed over its target, keeping its mode: a failure while writing
/// (a full disk, a directory where a file goes) leaves the directory as it
/// was. Then the files named in `stale` that the set does not hold are
/// removed, so that the directory holds one set, not the leftovers of an
/// earlier one. An error names the file it was about (`name: error`).
pub fn write_dir(dir: &Path, files: &[(&str, Vec<u8>)], stale: &[&str]) -> io::Result<PathBuf> {
    let named = |name: &str, e: io::Error| io::Error::new(e.kind(), format!("{name}: {e}"));
    if dir.is_dir() {
        let mut staged = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let target = dir.join(name);
            if target.is_dir() {
                return Err(named(
                    name,
                    io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
                ));
            }
            let ((), tmp) = stage(&target, |w| w.write_all(bytes)).map_err(|e| named(name, e))?;
            staged.push((tmp, target, *name));
        }
        for (tmp, target, name) in staged {
            fs::rename(tmp.path(), &target).map_err(|e| named(name, e))?;
            tmp.disarm();
        }
        for name in stale.iter().filter(|n| !files.iter().any(|(f, _)| f == *n)) {
            let path = dir.join(name);
            if path.is_file() {
                fs::remove_file(&path).map_err(|e| named(name, e))?;
            }
        }
        sync_dir(dir);
        return Ok(dir.to_path_buf());
    }
    let parent = parent_dir(dir);
    create_dir_all(parent)?;
    let staging = create_staging_dir(parent)?;
    for (name, bytes) in files {
        let mut f = new_file(&staging.path().join(name)).map_err(|e| named(name, e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| named(name, e))?;
    }
    sync_dir(staging.path());
    fs::rename(staging.path(), dir)?;
    staging.disarm();
    sync_dir(parent);
    Ok(dir.to_path_buf())
}

/// Creates `dir` and its missing parents, each 0755 minus the umask.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(dir)
}

/// Why an output path cannot be written, found before any work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadTarget {
    /// The path as given.
    pub path: PathBuf,
    /// What is wrong, e.g. "`out/file` is a file, not a directory".
    pub reason: String,
}

impl fmt::Display for BadTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for BadTarget {}

/// Whether a file can be written at `path` by [`write_file`]: it is not a
/// directory, and its nearest existing ancestor is a directory in which
/// this process can create entries (the missing ones would be created).
/// Leaves nothing behind: see [`check_dir_target`].
pub fn check_file_target(path: &Path) -> Result<(), BadTarget> {
    let bad = |reason: String| BadTarget {
        path: path.to_path_buf(),
        reason,
    };
    if path.as_os_str().is_empty() {
        return Err(bad("an empty path".into()));
    }
    if path.is_dir() {
        return Err(bad("is a directory (name a file to write)".into()));
    }
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(bad(NOT_A_REGULAR_FILE.into()));
    }
    if path.file_name().is_none() {
        return Err(bad("names no file".into()));
    }
    check_ancestors(path, parent_dir(path))
}

/// Whether a directory of outputs can be written at `path` by
/// [`write_dir`]: it is a directory or absent, and its nearest existing
/// ancestor is a directory in which this process can create entries.
/// Leaves nothing behind: whether entries can be created is learnt by
/// creating a hidden directory there and removing it at once, since no
/// mode bit tells (a privileged process ignores them, and some file
/// systems, `/proc` or a read-only mount, refuse whatever the modes say).
pub fn check_dir_target(path: &Path) -> Result<(), BadTarget> {
    if path.as_os_str().is_empty() {
        return Err(BadTarget {
            path: path.to_path_buf(),
            reason: "an empty path".into(),
        });
    }
    check_ancestors(path, path)
}

/// The nearest existing path at or above `from` must be a directory in
/// which entries can be created.
fn check_ancestors(target: &Path, from: &Path) -> Result<(), BadTarget> {
    for a in from.ancestors() {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        match fs::metadata(a) {
            Ok(m) if m.is_dir() => {
                // Dropped at once: the probe is removed.
                return create_staging_dir(a).map(drop).map_err(|e| BadTarget {
                    path: target.to_path_buf(),
                    reason: format!("cannot create anything in `{}`: {e}", a.display()),
                });
            }
            Ok(_) => {
                let reason = if a == target {
                    "exists and is not a directory".to_string()
                } else {
                    format!("`{}` is a file, not a directory", a.display())
                };
                return Err(BadTarget {
                    path: target.to_path_buf(),
                    reason,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            // A component above is a file; the loop reaches it.
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => continue,
            Err(e) => {
                return Err(BadTarget {
                    path: target.to_path_buf(),
                    reason: format!("cannot look at `{}`: {e}", a.display()),
                });
            }
        }
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The permissions of an existing regular file at `path`, to keep.
fn kept_permissions(path: &Path) -> Option<fs::Permissions> {
    fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions())
}

/// Syncs a directory, so that a rename in it is durable. Best effort: some
/// file systems cannot sync a directory, and the rename has happened.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A new file, `FILE_MODE` minus the umask; fails if it exists.
fn new_file(path: &Path) -> io::Result<File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o.open(path)
}

/// A temporary path, removed when dropped unless disarmed.
struct Temp {
    path: PathBuf,
    dir: bool,
    armed: bool,
}

impl Temp {
    fn path(&self) -> &Path {
        &self.path
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.armed {
            let _ = if self.dir {
                fs::remove_dir_all(&self.path)
            } else {
                fs::remove_file(&self.path)
            };
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Hidden names unique in this process; a name left by a process that died
/// with the same id is skipped.
fn temp_names(dir: &Path, prefix: &str) -> impl Iterator<Item = PathBuf> {
    let pid = std::process::id();
    (0..10_000).map(move |_| {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        dir.join(format!(".{prefix}-{pid}-{n}.tmp"))
    })
}

fn create_temp_file(dir: &Path) -> io::Result<(File, Temp)> {
    let mut last = None;
    for path in temp_names(dir, "wormscope") {
        match new_file(&path) {
            Ok(f) => {
                return Ok((
                    f,
                    Temp {
                        path,
                        dir: false,
                        armed: true,
                    },
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

fn create_staging_dir(parent: &Path) -> io::Result<Temp> {
    let mut last = None;
    for path in temp_names(parent, "wormscope-out") {
        let mut b = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(DIR_MODE);
        }
        match b.create(&path) {
            Ok(()) => {
                return Ok(Temp {
                    path,
                    dir: true,
                    armed: true,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn files_are_replaced_whole_and_nothing_is_left_beside_them() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("a.txt");
        write_file(&p, b"one").unwrap();
        write_file(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let n = write_with(&p, |w| {
            w.write_all(b"three")?;
            Ok(5)
        })
        .unwrap();
        assert_eq!(n, 5);
        assert_eq!(fs::read(&p).unwrap(), b"three");
        assert_eq!(names(root.path()), ["a.txt"]);
    }

    #[test]
    fn a_failed_fill_leaves_the_old_file_and_no_temporary() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("a.txt");
        write_file(&p, b"old").unwrap();
        let e = write_with(&p, |w| {
            w.write_all(b"half")?;
            Err::<(), _>(io::Error::other("broken"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "broken");
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert_eq!(names(root.path()), ["a.txt"]);
    }

    #[test]
    fn missing_parents_are_created() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("x/y/z.txt");
        write_file(&p, b"1").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"1");
        let d = write_dir(&root.path().join("m/n/out"), &[("f", b"2".to_vec())], &[]).unwrap();
        assert_eq!(fs::read(d.join("f")).unwrap(), b"2");
    }

    #[test]
    fn errors_name_no_temporary_file_and_leave_nothing() {
        let root = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails.
        let target = root.path().join("d");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), b"x").unwrap();
        let e = write_file(&target, b"1").unwrap_err();
        assert!(!e.to_string().contains(".wormscope"), "{e}");
        assert_eq!(names(root.path()), ["d"]);
        // A parent that is a file.
        let file = root.path().join("f");
        fs::write(&file, b"x").unwrap();
        let e = write_file(&file.join("a.txt"), b"1").unwrap_err();
        assert!(!e.to_string().contains(".wormscope"), "{e}");
        let e = write_dir(&file.join("out"), &[("a", vec![])], &[]).unwrap_err();
        assert!(!e.to_string().contains(".wormscope"), "{e}");
        assert_eq!(names(root.path()), ["d", "f"]);
    }

    #[test]
    fn new_directories_appear_complete() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        write_dir(
            &out,
            &[("a.txt", b"1".to_vec()), ("b.txt", b"2".to_vec())],
            &[],
        )
        .unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"1");
        assert_eq!(fs::read(out.join("b.txt")).unwrap(), b"2");
        assert_eq!(names(root.path()), ["out"]);
        // Writing again replaces the files in place.
        write_dir(&out, &[("a.txt", b"3".to_vec())], &[]).unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"3");
        assert_eq!(names(&out), ["a.txt", "b.txt"]);
        // A set that names its stale files removes those it does not
        // hold, and only files: not a directory, not a file it does not
        // name.
        fs::create_dir(out.join("c.txt")).unwrap();
        fs::write(out.join("mine.txt"), b"user").unwrap();
        write_dir(
            &out,
            &[("a.txt", b"4".to_vec())],
            &["a.txt", "b.txt", "c.txt"],
        )
        .unwrap();
        assert_eq!(names(&out), ["a.txt", "c.txt", "mine.txt"]);
    }

    /// In an existing directory, a file that cannot be written (a
    /// directory in its place) fails the set before any file is replaced,
    /// names the file, and leaves no temporary behind.
    #[test]
    fn an_existing_directory_keeps_its_files_when_the_set_fails() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        write_dir(&out, &[("a.txt", b"1".to_vec())], &[]).unwrap();
        fs::create_dir(out.join("b.txt")).unwrap();
        let e = write_dir(
            &out,
            &[("a.txt", b"2".to_vec()), ("b.txt", b"2".to_vec())],
            &["a.txt", "b.txt"],
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("b.txt: "), "{e}");
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"1");
        assert_eq!(names(&out), ["a.txt", "b.txt"]);
    }

    #[test]
    #[cfg(unix)]
    fn a_link_is_written_through_and_a_device_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().to_path_buf();
        let file = dir.join("rules.nft");
        fs::write(&file, "old").unwrap();
        let link = dir.join("current.nft");
        std::os::unix::fs::symlink("rules.nft", &link).unwrap();
        write_file(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        // A link to nothing yet: its file is made, the link kept.
        let dangling = dir.join("next.nft");
        std::os::unix::fs::symlink("made.nft", &dangling).unwrap();
        write_file(&dangling, b"made").unwrap();
        assert_eq!(fs::read_to_string(dir.join("made.nft")).unwrap(), "made");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A device is neither replaced nor written, and said so early.
        let null = Path::new("/dev/null");
        let e = write_file(null, b"x").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(!fs::metadata(null).unwrap().is_file());
        let e = check_file_target(null).unwrap_err();
        assert!(e.reason.contains("not a regular file"), "{e}");
        let mut left = names(&dir);
        left.sort();
        assert_eq!(left, ["current.nft", "made.nft", "next.nft", "rules.nft"]);
    }

    #[test]
    fn targets_are_checked_before_any_work() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("f");
        fs::write(&file, b"x").unwrap();
        let dir = root.path().join("d");
        fs::create_dir(&dir).unwrap();
        // Writable: absent (with absent parents), or an existing file/dir.
        check_file_target(&root.path().join("a/b/c.txt")).unwrap();
        check_file_target(&file).unwrap();
        check_dir_target(&root.path().join("a/b")).unwrap();
        check_dir_target(&dir).unwrap();
        check_file_target(Path::new("relative.txt")).unwrap();
        check_dir_target(Path::new("relative-dir")).unwrap();
        // A parent (or grandparent) that is a file.
        let e = check_file_target(&file.join("a.txt")).unwrap_err();
        assert_eq!(e.path, file.join("a.txt"));
        assert!(e.to_string().contains("is a file, not a directory"), "{e}");
        assert!(e.reason.contains(&*file.to_string_lossy()), "{e}");
        let e = check_dir_target(&file.join("x/out")).unwrap_err();
        assert!(e.to_string().contains("is a file, not a directory"), "{e}");
        // A file where a directory goes, and the other way round.
        let e = check_dir_target(&file).unwrap_err();
        assert!(e.reason.contains("not a directory"), "{e}");
        let e = check_file_target(&dir).unwrap_err();
        assert!(e.reason.contains("is a directory"), "{e}");
        // Nothing was created.
        assert_eq!(names(root.path()), ["d", "f"]);
        assert!(names(&dir).is_empty());
    }

    /// A directory that exists but takes no new entries, whatever the
    /// modes say (so also when the tests run as root): `/proc`.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_directory_that_takes_no_entries_is_refused_before_any_work() {
        let proc = Path::new("/proc");
        if !proc.is_dir() {
            eprintln!("skipped: no /proc");
            return;
        }
        let e = check_dir_target(&proc.join("wormscope-nope/out")).unwrap_err();
        assert_eq!(e.path, proc.join("wormscope-nope/out"));
        assert!(
            e.reason.contains("cannot create anything in `/proc`"),
            "{e}"
        );
        let e = check_file_target(&proc.join("wormscope-nope.csv")).unwrap_err();
        assert!(e.reason.contains("`/proc`"), "{e}");
    }

    #[cfg(unix)]
    mod modes {
        use super::*;
        use std::os::unix::fs::PermissionsExt;
        use std::process::Command;

        fn mode(p: &Path) -> u32 {
            fs::metadata(p).unwrap().permissions().mode() & 0o7777
        }

        /// This process's umask, from /proc (Linux 4.7 and later).
        fn umask() -> Option<u32> {
            let status = fs::read_to_string("/proc/self/status").ok()?;
            let line = status.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
        }

        /// Writes the files whose modes the tests check into `root`.
        fn write_samples(root: &Path) {
            write_file(&root.join("file"), b"1").unwrap();
            write_file(&root.join("new/parent/file"), b"1").unwrap();
            write_dir(&root.join("out"), &[("a", b"1".to_vec())], &[]).unwrap();
        }

        fn check_samples(root: &Path, umask: u32) {
            let file = FILE_MODE & !umask;
            let dir = DIR_MODE & !umask;
            assert_eq!(mode(&root.join("file")), file);
            assert_eq!(mode(&root.join("new")), dir);
            assert_eq!(mode(&root.join("new/parent")), dir);
            assert_eq!(mode(&root.join("new/parent/file")), file);
            assert_eq!(mode(&root.join("out")), dir);
            assert_eq!(mode(&root.join("out/a")), file);
        }

        #[test]
        fn new_files_and_directories_get_ordinary_modes_minus_the_umask() {
            let Some(umask) = umask() else {
                eprintln!("no Umask line in /proc/self/status: skipped");
                return;
            };
            let root = tempfile::tempdir().unwrap();
            write_samples(root.path());
            check_samples(root.path(), umask);
        }

        /// Run by `modes_follow_a_child_process_umask` in a child with
        /// another umask; does nothing in an ordinary test run.
        #[test]
        fn child_writes_samples() {
            if let Some(dir) = std::env::var_os("WORMSCOPE_ATOMIC_CHILD_DIR") {
                write_samples(Path::new(&dir));
            }
        }

        #[test]
        fn modes_follow_a_child_process_umask() {
            let exe = std::env::current_exe().unwrap();
            for umask in [0o022, 0o027, 0o077, 0o002] {
                let root = tempfile::tempdir().unwrap();
                let status = Command::new("sh")
                    .arg("-c")
                    .arg(format!(
                        "umask {umask:03o} && exec \"$0\" --exact \
                         tests::modes::child_writes_samples --quiet"
                    ))
                    .arg(&exe)
                    .env("WORMSCOPE_ATOMIC_CHILD_DIR", root.path())
                    .stdout(std::process::Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success());
                check_samples(root.path(), umask);
            }
        }

        #[test]
        fn a_replaced_file_keeps_its_mode() {
            let root = tempfile::tempdir().unwrap();
            let p = root.path().join("shared.csv");
            fs::write(&p, b"old").unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
            write_file(&p, b"new").unwrap();
            assert_eq!(fs::read(&p).unwrap(), b"new");
            assert_eq!(mode(&p), 0o640);
            // Also inside an existing output directory.
            let out = root.path().join("out");
            fs::create_dir(&out).unwrap();
            fs::write(out.join("a"), b"old").unwrap();
            fs::set_permissions(out.join("a"), fs::Permissions::from_mode(0o600)).unwrap();
            write_dir(&out, &[("a", b"new".to_vec())], &[]).unwrap();
            assert_eq!(mode(&out.join("a")), 0o600);
            // A wider mode is kept too (it is the owner's choice).
            fs::set_permissions(&p, fs::Permissions::from_mode(0o664)).unwrap();
            write_file(&p, b"newer").unwrap();
            assert_eq!(mode(&p), 0o664);
        }
    }
}
