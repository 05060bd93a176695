//! Finished runs kept in an output directory, `DIR/.wormscope-runs/`, so
//! that `compare --out DIR`, `flaws --out DIR` and `fit --out DIR`
//! interrupted after hours resume where they stopped when run again with
//! the same arguments (and the shards of a fit share their simulations).
//!
//! Runs are kept per build of wormscope (a subdirectory named by a digest
//! of the running executable): a rebuilt wormscope never reads the runs of
//! another build, whose engine may differ. Each run is one JSON file named
//! by its [`RunKey`], written atomically; a file that cannot be read or
//! parsed is run again. Deleting the directory only costs the time to run
//! again.

use std::hash::Hasher;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use wormscope_engine::BlasterRun;
use wormscope_study::{RunKey, RunStore};

/// The name of the store's directory inside an output directory.
pub const RUN_STORE_DIR: &str = ".wormscope-runs";

/// Runs kept in `DIR/.wormscope-runs/BUILD/KEY.json`.
pub struct DirRunStore {
    dir: PathBuf,
    found: AtomicU32,
}

impl DirRunStore {
    /// The store of this build inside output directory `out` (nothing is
    /// created until a run is kept). Fails only if the running executable
    /// cannot be read to name the build.
    pub fn open(out: &Path) -> io::Result<DirRunStore> {
        let exe = std::fs::read(std::env::current_exe()?)?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        h.write(&exe);
        Ok(DirRunStore {
            dir: out
                .join(RUN_STORE_DIR)
                .join(format!("{:016x}-{}", h.finish(), exe.len())),
            found: AtomicU32::new(0),
        })
    }

    /// How many runs were found rather than run.
    pub fn found(&self) -> u32 {
        self.found.load(Ordering::Relaxed)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }
}

impl DirRunStore {
    fn get_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        let bytes = std::fs::read(self.path(name)).ok()?;
        let value = serde_json::from_slice(&bytes).ok()?;
        self.found.fetch_add(1, Ordering::Relaxed);
        Some(value)
    }

    fn put_json<T: serde::Serialize>(&self, name: &str, value: &T) {
        let json = serde_json::to_vec(value).expect("plain numbers");
        // Not kept is not an error: the run is in memory, and runs again
        // next time. (The writer creates the directories.)
        let _ = wormscope_atomic::write_file(&self.path(name), &json);
    }
}

impl RunStore for DirRunStore {
    fn get(&self, key: &RunKey) -> Option<BlasterRun> {
        self.get_json(&key.0)
    }

    fn put(&self, key: &RunKey, run: &BlasterRun) {
        self.put_json(&key.0, run)
    }
}

/// A fit's simulations, kept beside a study's runs (their keys differ:
/// `fit-` and a digest).
impl wormscope_fit::SimulationStore for DirRunStore {
    fn get(&self, key: &str) -> Option<wormscope_fit::Simulated> {
        self.get_json(key)
    }

    fn put(&self, key: &str, run: &wormscope_fit::Simulated) {
        self.put_json(key, run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_run_is_found_again_whole() {
        let out = tempfile::tempdir().unwrap();
        let store = DirRunStore::open(out.path()).unwrap();
        let key = RunKey("0123456789abcdef0123456789abcdef".into());
        assert!(store.get(&key).is_none());
        let mut run = BlasterRun {
            step: 3_600_000_000,
            rows: vec![wormscope_engine::BlasterRow::default(); 3],
            totals: Default::default(),
            events: 17,
        };
        run.rows[1].infected = u64::MAX;
        run.totals.probes = 1 << 60;
        store.put(&key, &run);
        assert_eq!(store.get(&key), Some(run));
        assert_eq!(store.found(), 1);
        // It lives in the output directory's store; a damaged file is run
        // again rather than trusted.
        let path = store.path(&key.0);
        assert!(path.starts_with(out.path().join(RUN_STORE_DIR)));
        std::fs::write(&path, b"{\"step\": 1").unwrap();
        assert!(store.get(&key).is_none());
    }
}
