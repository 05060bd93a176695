//! Helpers shared by the differential test files: run both drivers on one
//! world and compare every row and total.
#![allow(dead_code)] // each test file uses its own subset

use wormscope_engine::RunResult;
use wormscope_engine::core::{Core, HostState, Params};
use wormscope_engine::exact::ExactDriver;
use wormscope_model::defense::DefensePlan;
use wormscope_model::{HostId, World};
use wormscope_reference::ReferenceDriver;
use wormscope_scenario::{Percent, Scenario, SimDuration};

/// Runs the exact engine and the reference from `seeds`; returns both
/// results and the exact run's final host states.
pub fn run_both_with_states(
    s: &Scenario,
    world: &World,
    seeds: &[HostId],
) -> (RunResult, RunResult, Vec<HostState>) {
    let plan = || DefensePlan::draw(s, world, s.seed);
    let mut exact = Core::new(world, Params::from_scenario(s), plan());
    exact.seed_hosts(seeds);
    exact.run(&mut ExactDriver::new(world), &mut |_| {});
    let states = (0..world.n_candidates).map(|h| *exact.state(h)).collect();
    let mut reference = Core::new(world, Params::from_scenario(s), plan());
    reference.seed_hosts(seeds);
    reference.run(&mut ReferenceDriver::new(world), &mut |_| {});
    (exact.into_result(), reference.into_result(), states)
}

pub fn run_both(s: &Scenario, world: &World, seeds: &[HostId]) -> (RunResult, RunResult) {
    let (e, r, _) = run_both_with_states(s, world, seeds);
    (e, r)
}

pub fn assert_same(e: &RunResult, r: &RunResult) {
    assert_eq!(e.totals, r.totals, "totals differ");
    for (i, (a, b)) in e.rows.iter().zip(&r.rows).enumerate() {
        assert_eq!(a, b, "row {i} differs");
    }
    assert_eq!(e.rows.len(), r.rows.len());
    let outcomes: u64 = e.totals.by_outcome.iter().sum();
    assert_eq!(
        outcomes, e.totals.probes,
        "every probe has exactly one outcome"
    );
}

pub fn small_generated(seed: u64, prefix: &str, hours: u64) -> Scenario {
    let mut s = wormscope_scenario::default_scenario();
    s.seed = seed;
    s.world.only_in = vec![prefix.parse().unwrap()];
    s.world.used_slash16_pct = Percent::new(100.0).unwrap();
    s.duration = SimDuration::from_secs(hours * 3600);
    s.worm.initial_infected = 5;
    densify(&mut s);
    s
}

/// Makes the default world's broadband pools dense and open, so that a
/// small world has an outbreak worth comparing whatever the default
/// calibration is.
pub fn densify(s: &mut Scenario) {
    let bb = &mut s.world.networks[0];
    bb.hosts_per_used_slash24 = 30.0;
    bb.nat_pct = Percent::new(30.0).unwrap();
    bb.firewall_pct = Percent::new(20.0).unwrap();
}
