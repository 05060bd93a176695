//! Finished runs kept for later, so that a long study that is interrupted
//! (a full-scale `flaws` takes hours) resumes where it stopped instead of
//! starting over.
//!
//! The engine is deterministic: the same build running the same scenario
//! (seed included) on the same world gives the same run, so a run found
//! under its key *is* that run, and a study that reuses it prints what it
//! would have printed. Keys name the scenario and the world; the store
//! names the build (a store must not hand a run of one build to another).
//!
//! This module defines the interface and the key; it stores nothing
//! itself (the study crate writes no files: `wormscope_report` keeps runs
//! in a directory).

use std::hash::{Hash, Hasher};

use wormscope_engine::BlasterRun;
use wormscope_model::World;
use wormscope_scenario::BlasterScenario;

/// Somewhere finished runs may be kept and found again. Called from the
/// threads that run the study.
pub trait RunStore: Sync {
    /// The run stored under `key`, if there is a readable one.
    fn get(&self, key: &RunKey) -> Option<BlasterRun>;
    /// Keeps `run` under `key`. A store that cannot keep it says nothing:
    /// the study goes on, and the run is simply not found next time.
    fn put(&self, key: &RunKey, run: &BlasterRun);
}

/// Keeps nothing: every run is run.
pub struct NoStore;

impl RunStore for NoStore {
    fn get(&self, _: &RunKey) -> Option<BlasterRun> {
        None
    }
    fn put(&self, _: &RunKey, _: &BlasterRun) {}
}

/// What names a run: a 128-bit digest of the scenario as it runs (every
/// field, the run's seed included) and of the world's shape, as 32 hex
/// digits. Digests are those of this build's standard hasher, so keys are
/// stable within a build, which is all a store may rely on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunKey(pub String);

impl RunKey {
    /// The key of `run` (a scenario whose seed is the run's) on `world`.
    pub fn of(run: &BlasterScenario, world: &World) -> RunKey {
        // Debug output covers every field, floats exactly.
        let text = format!(
            "{run:?}|hosts={}|candidates={}|sites={}",
            world.hosts.len(),
            world.n_candidates,
            world.sites.len()
        );
        let digest = |salt: u64| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            salt.hash(&mut h);
            text.hash(&mut h);
            h.finish()
        };
        RunKey(format!("{:016x}{:016x}", digest(1), digest(2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_change_with_any_field_and_repeat_otherwise() {
        let mut s = wormscope_scenario::default_scenario();
        s.world.only_in = vec!["61.0.0.0/16".parse().unwrap()];
        let world = wormscope_model::generate::generate(&s).unwrap();
        let k = RunKey::of(&s, &world);
        assert_eq!(k, RunKey::of(&s.clone(), &world));
        assert_eq!(k.0.len(), 32);
        let mut other = s.clone();
        other.seed += 1;
        assert_ne!(RunKey::of(&other, &world), k);
        let mut other = s.clone();
        other.defenses.users.enabled = !other.defenses.users.enabled;
        assert_ne!(RunKey::of(&other, &world), k);
    }
}
