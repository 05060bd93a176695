//! The reference for random-scanning worms: every probe drawn one at a time
//! as a uniform address of the scan space and looked up in a hash map of
//! the population, placed at distinct random addresses.
//!
//! It shares the engine's [`RandomCore`] (infections, the network's clock,
//! stop rules, the time series) and replaces only the draws: where the exact
//! driver skips to the next probe aimed at a vulnerable host, this one looks
//! at every probe. The core checks, step by step, that the probes looked at
//! are exactly the probes its closed-form count says were delivered.

use std::collections::HashMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use wormscope_engine::random::{ProbeDraws, RandomCore, RandomScanRun, Space, Target};
use wormscope_model::rng::{Purpose, stream};
use wormscope_scenario::{Prefix, RandomScanScenario};

/// Runs a random-scanning scenario probe by probe on run seed `seed`.
pub fn simulate_random_reference(s: &RandomScanScenario, seed: u64) -> RandomScanRun {
    let prefixes: Vec<Prefix> = s.telescopes.iter().map(|t| t.prefix).collect();
    let mut draws = ReferenceDraws::new(Space::of(s), &prefixes, s.seed);
    RandomCore::new(s, seed).run(&mut draws, &mut |_| {})
}

/// Probe-by-probe draws over a placed population.
pub struct ReferenceDraws {
    space_mask: u64,
    /// Address → what lives there.
    population: HashMap<u32, Target>,
    /// The telescopes' prefixes (dark: nobody is placed there).
    telescopes: Vec<Prefix>,
}

impl ReferenceDraws {
    /// Places the population at distinct uniform addresses outside the
    /// telescopes (from the scenario's seed: the same places in every run).
    pub fn new(space: Space, telescopes: &[Prefix], placement_seed: u64) -> ReferenceDraws {
        let mut rng = stream(placement_seed, Purpose::RandomPlacement, 0);
        let mut population = HashMap::new();
        let total = space.vulnerable + space.other_hosts;
        assert!(total <= space.addresses, "validated: the population fits");
        let mut placed = 0u64;
        while placed < total {
            let addr = rng.random_range(0..space.addresses) as u32;
            if population.contains_key(&addr) || telescopes.iter().any(|t| t.contains(addr)) {
                continue;
            }
            let target = if placed < space.vulnerable {
                Target::Vulnerable(placed as u32)
            } else {
                Target::Other
            };
            population.insert(addr, target);
            placed += 1;
        }
        ReferenceDraws {
            space_mask: space.addresses - 1,
            population,
            telescopes: telescopes.to_vec(),
        }
    }
}

impl ProbeDraws for ReferenceDraws {
    fn next_look(&mut self, _host: u32, after: u64, _rng: &mut ChaCha8Rng) -> u64 {
        after + 1
    }

    fn look(&mut self, _host: u32, rng: &mut ChaCha8Rng) -> Target {
        let addr = (rng.random::<u64>() & self.space_mask) as u32;
        if let Some(&target) = self.population.get(&addr) {
            return target;
        }
        match self.telescopes.iter().position(|t| t.contains(addr)) {
            Some(i) => Target::Telescope(i as u16),
            None => Target::Empty,
        }
    }

    fn split_unlooked(
        &mut self,
        unlooked: u64,
        _telescopes: &mut [u64],
        _rng: &mut ChaCha8Rng,
    ) -> (u64, u64) {
        assert_eq!(
            unlooked, 0,
            "the reference looks at every probe the core counts as delivered"
        );
        (0, 0)
    }
}
