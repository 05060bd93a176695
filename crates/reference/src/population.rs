//! The reference for random-scanning worms: every probe drawn one at a time
//! as a uniform address of the scan space (for a local-preference worm,
//! from the host's windows, [`local_windows`]; for a permutation scan, the
//! next address of the instance's [`PermutationScan`]; for a sequential
//! scan, the address after the last, from the instance's [`walk_start`])
//! and looked up in a hash map of the population, placed at distinct random
//! addresses.
//!
//! It shares the engine's [`PopulationCore`] (infections, the network's clock,
//! stop rules, the time series) and replaces only the draws: where the exact
//! driver skips to the next probe aimed at a vulnerable host, this one looks
//! at every probe. The core checks, step by step, that the probes looked at
//! are exactly the probes its closed-form count says were delivered.

use std::collections::HashMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use wormscope_engine::population::{
    Interest, Placement, PopulationCore, PopulationRun, ProbeDraws, SensorLayout, Target,
    live_address, local_windows, walk_start,
};
use wormscope_model::behaviour::{Behaviour, Targeting};
use wormscope_model::rng::{Purpose, stream};
use wormscope_model::targeting::{LocalShares, Permutation, PermutationScan, TargetSource};
use wormscope_scenario::PopulationScenario;
use wormscope_scenario::population::HostsIn;

/// Runs a random-scanning scenario probe by probe on run seed `seed`.
pub fn simulate_population_reference(s: &PopulationScenario, seed: u64) -> PopulationRun {
    let placement = Placement::of(s);
    let layout = SensorLayout::of(s, Some(&placement));
    let mut draws = ReferenceDraws::new(s, &layout, &placement).on_run_seed(s, seed);
    PopulationCore::new(s, seed, layout, Some(&placement)).run(&mut draws, &mut |_| {})
}

/// Probe-by-probe draws over a placed population.
pub struct ReferenceDraws {
    space_mask: u64,
    /// Address → what lives there (the vulnerable hosts and the others).
    population: HashMap<u32, Target>,
    /// Address → its atom, for the addresses where no vulnerable host
    /// lives: computed on demand from the layout.
    layout: SensorLayout,
    placement: Placement,
    /// A permutation scan's walks, one per host, made at its first probe,
    /// from the run's seed.
    walks: Option<Walks>,
    /// A local-preference worm's shares.
    local: Option<LocalShares>,
    /// A sequential scan's walks: per host, the address of its next probe.
    sequential: Option<Sequential>,
}

struct Sequential {
    local_fraction: f64,
    seed: u64,
    next_of_host: HashMap<u32, u32>,
}

struct Walks {
    perm: Permutation,
    seed: u64,
    of_host: HashMap<u32, PermutationScan>,
}

impl ReferenceDraws {
    /// Places the other live hosts at distinct uniform addresses where the
    /// population lives (`hosts_in`), outside the dark ones and the
    /// vulnerable hosts' (the vulnerable hosts and
    /// the sensors' addresses are `placement`'s). From the scenario's seed:
    /// the same places in every run.
    pub fn new(
        s: &PopulationScenario,
        layout: &SensorLayout,
        placement: &Placement,
    ) -> ReferenceDraws {
        let space = layout.addresses;
        let mut population: HashMap<u32, Target> = placement
            .vulnerable
            .iter()
            .enumerate()
            .map(|(v, &a)| (a, Target::Vulnerable(v as u32)))
            .collect();
        let mut rng = stream(s.seed, Purpose::RandomPlacement, 1);
        let total = s.population.vulnerable + s.population.other_hosts;
        let slash8s = HostsIn::slash8s(s);
        while (population.len() as u64) < total {
            let addr = live_address(slash8s.as_deref(), space, &mut rng);
            if population.contains_key(&addr) || placement.is_dark(addr) {
                continue;
            }
            let atom = layout.atom_of(placement, addr);
            population.insert(
                addr,
                Target::Space {
                    atom,
                    other: true,
                    within: None,
                },
            );
        }
        ReferenceDraws {
            space_mask: space - 1,
            population,
            layout: layout.clone(),
            placement: placement.clone(),
            walks: None,
            sequential: None,
            local: match Behaviour::population(s).targeting.after_hit_list() {
                &Targeting::LocalPreference { shares } => Some(shares),
                _ => None,
            },
        }
    }

    /// For run seed `seed`: a permutation-scanning worm's instances walk
    /// the scenario's permutation from there (uniform draws need no seed;
    /// they come from the core's stream).
    pub fn on_run_seed(mut self, s: &PopulationScenario, seed: u64) -> ReferenceDraws {
        match *Behaviour::population(s).targeting.after_hit_list() {
            Targeting::Permutation { space_bits, key } => {
                self.walks = Some(Walks {
                    perm: Permutation::new(space_bits, key).expect("a checked scan space"),
                    seed,
                    of_host: HashMap::new(),
                });
            }
            Targeting::Sequential {
                local_start_fraction,
                ..
            } => {
                self.sequential = Some(Sequential {
                    local_fraction: local_start_fraction,
                    seed,
                    next_of_host: HashMap::new(),
                });
            }
            _ => {}
        }
        self
    }
}

impl ProbeDraws for ReferenceDraws {
    fn next_look(
        &mut self,
        _host: u32,
        after: u64,
        _interest: &Interest,
        _rng: &mut ChaCha8Rng,
    ) -> u64 {
        after + 1
    }

    fn look(&mut self, host: u32, _interest: &Interest, rng: &mut ChaCha8Rng) -> Target {
        let addr = if let Some(q) = &mut self.sequential {
            let (own, mask) = (self.placement.vulnerable[host as usize], self.space_mask);
            let next = q
                .next_of_host
                .entry(host)
                .or_insert_with(|| walk_start(q.seed, host, own, q.local_fraction, mask + 1));
            let addr = *next;
            *next = ((u64::from(addr) + 1) & mask) as u32;
            addr
        } else {
            match &mut self.walks {
                Some(w) => {
                    let (perm, seed) = (w.perm, w.seed);
                    w.of_host
                        .entry(host)
                        .or_insert_with(|| {
                            PermutationScan::at_random_position(
                                perm,
                                stream(seed, Purpose::PermutationWalk, u64::from(host)),
                            )
                        })
                        .next_target()
                }
                None => match self.local {
                    Some(shares) => {
                        let own = self.placement.vulnerable[host as usize];
                        local_windows(own, shares, self.space_mask + 1).draw(rng)
                    }
                    None => (rng.random::<u64>() & self.space_mask) as u32,
                },
            }
        };
        let here = Some((u64::from(addr), u64::from(addr) + 1));
        match self.population.get(&addr) {
            Some(&Target::Space { atom, other, .. }) => {
                return Target::Space {
                    atom,
                    other,
                    within: here,
                };
            }
            Some(&target) => return target,
            None => {}
        }
        // The address itself, so that the core tells whether it lies in
        // the network a filter keeps the host in.
        Target::Space {
            atom: self.layout.atom_of(&self.placement, addr),
            other: false,
            within: here,
        }
    }

    fn found_infected(&mut self, host: u32) {
        if let Some(scan) = self.walks.as_mut().and_then(|w| w.of_host.get_mut(&host)) {
            scan.found_infected();
        }
    }

    fn looks_at_every_probe(&self) -> bool {
        true
    }
}
