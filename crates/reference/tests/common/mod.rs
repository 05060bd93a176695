//! Helpers shared by the differential test files: run both drivers on one
//! world and compare every row and total.
#![allow(dead_code)] // each test file uses its own subset

use wormscope_engine::RunResult;
use wormscope_engine::core::{Core, HostState};
use wormscope_engine::exact::ExactDriver;
use wormscope_model::{HostId, World};
use wormscope_observe::{Sensor, SensorSet};
use wormscope_reference::ReferenceDriver;
use wormscope_scenario::{Percent, Prefix, Scenario, SensorKind, SimDuration};

/// Runs the exact engine and the reference from `seeds`, each with the
/// same sensors watching, and requires the sensors to have counted the same
/// probes in every step (the observer hook is exact too); returns both
/// results and the exact run's final host states.
pub fn run_both_with_states(
    s: &Scenario,
    world: &World,
    seeds: &[HostId],
) -> (RunResult, RunResult, Vec<HostState>) {
    let (step, end) = (s.step.as_micros(), s.duration.as_micros());
    let mut exact_sensors = SensorSet::new(world, sensors_near(world, seeds), step, end);
    let mut exact = Core::for_scenario(s, world);
    exact.observe_with(&mut exact_sensors);
    exact.seed_hosts(seeds);
    exact.run(&mut ExactDriver::new(world), &mut |_| {});
    let states = (0..world.n_candidates).map(|h| *exact.state(h)).collect();
    let exact = exact.into_result();
    let mut ref_sensors = SensorSet::new(world, sensors_near(world, seeds), step, end);
    let mut reference = Core::for_scenario(s, world);
    reference.observe_with(&mut ref_sensors);
    reference.seed_hosts(seeds);
    reference.run(&mut ReferenceDriver::new(world), &mut |_| {});
    let reference = reference.into_result();
    for (e, r) in exact_sensors.counts.iter().zip(&ref_sensors.counts) {
        assert_eq!(e, r, "the drivers' sensors saw different probes");
    }
    (exact, reference, states)
}

/// Sensors where the first seed's scan goes: an edge around its /22, a
/// telescope over the /22 above, a distributed sensor on every eleventh live
/// address and a reporting delay of a step and a half.
fn sensors_near(world: &World, seeds: &[HostId]) -> Vec<Sensor> {
    let first = seeds
        .first()
        .map_or(0, |&h| world.public_addr(world.host(h)));
    let p22 = |a: u32| Prefix::new(a & !0x3ff, 22);
    let mut points: Vec<u32> = world.hosts.iter().step_by(11).map(|h| h.addr).collect();
    points.sort_unstable();
    points.dedup();
    let sensor = |name: &str, kind, prefix, points, delay| Sensor {
        name: String::from(name),
        kind,
        prefix,
        points,
        delay,
    };
    vec![
        sensor("edge", SensorKind::Edge, p22(first), Vec::new(), 0),
        sensor(
            "dark",
            SensorKind::Telescope,
            p22(first.wrapping_add(0x400)),
            Vec::new(),
            0,
        ),
        sensor("isc", SensorKind::Distributed, None, points, 15_000_000),
    ]
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
