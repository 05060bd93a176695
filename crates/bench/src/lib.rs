//! Benchmarks that print figures: the exact engine against the
//! probe-by-probe reference on small worlds (the speed-ups, for Blaster's
//! sequential scanning and for random scanning), the full-scale default
//! scenario and the historical random-scanning ones (wall time, probes
//! accounted per second, peak memory). Performance targets live here, never in timed tests.
//!
//! Reads the clock and /proc; writes nothing.

use std::time::Instant;

use serde::Serialize;
use wormscope_scenario::{Percent, Scenario, SimDuration};

/// Engine against reference on the same small world.
#[derive(Clone, Debug, Serialize)]
pub struct SpeedupRow {
    pub name: String,
    pub world: String,
    pub simulated_s: f64,
    pub hosts: u64,
    pub probes: u64,
    /// Events the engine processed (its unit of work).
    pub engine_events: u64,
    pub engine_s: f64,
    pub reference_s: f64,
    pub speedup: f64,
    /// Both produced identical results.
    pub identical: bool,
}

/// One full-scale run.
#[derive(Clone, Debug, Serialize)]
pub struct FullScaleRow {
    pub scenario: String,
    pub simulated_s: f64,
    pub hosts: u64,
    pub candidates: u64,
    pub ever_infected: u64,
    pub probes: u64,
    pub events: u64,
    pub world_s: f64,
    pub simulate_s: f64,
    pub wall_s: f64,
    pub probes_per_s: f64,
}

/// Everything `wormscope bench` measures.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// The first row is the headline figure.
    pub speedups: Vec<SpeedupRow>,
    pub full_scale: Option<FullScaleRow>,
    /// The detector's throughput on a synthetic capture.
    pub detector: Option<wormscope_detect::BenchResult>,
    /// A defense comparison of benchmark size.
    pub compare: Option<CompareRow>,
    /// Random scanning: exact draws against the reference on a small world.
    pub random_speedup: Option<RandomSpeedupRow>,
    /// Code Red v2 and Slammer at full scale.
    pub historical: Vec<RandomScaleRow>,
    pub peak_rss_bytes: u64,
}

/// The small worlds of the speed-up measurement, with a name: the default
/// scenario with hosts only in one /12 (every /16 used), at the default's
/// calibrated density, and the same /12 with denser, more open broadband
/// pools (more candidates per probe: a harder case for the engine), each
/// for `hours` simulated hours from 10 infected hosts.
pub fn small_world_scenarios(hours: u64) -> Vec<(&'static str, Scenario)> {
    let mut s = wormscope_scenario::default_scenario();
    s.world.only_in = vec!["61.0.0.0/12".parse().expect("valid prefix")];
    s.world.used_slash16_pct = Percent::new(100.0).expect("valid");
    s.duration = SimDuration::from_secs(hours * 3600);
    s.worm.initial_infected = 10;
    let mut dense = s.clone();
    let bb = &mut dense.world.networks[0];
    bb.hosts_per_used_slash24 = 30.0;
    bb.nat_pct = Percent::new(30.0).expect("valid");
    bb.firewall_pct = Percent::new(20.0).expect("valid");
    vec![("default density", s), ("dense broadband", dense)]
}

/// Runs engine and reference on the same small world.
pub fn measure_speedup(name: &str, s: &Scenario) -> SpeedupRow {
    let world = wormscope_model::generate::generate(s).expect("the bench world builds");
    let t = Instant::now();
    let exact = wormscope_engine::simulate(s, &world, &mut |_| {});
    let engine_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reference = wormscope_reference::simulate_reference(s, &world);
    let reference_s = t.elapsed().as_secs_f64();
    SpeedupRow {
        name: name.to_string(),
        world: s
            .world
            .only_in
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(","),
        simulated_s: s.duration.as_secs_f64(),
        hosts: world.hosts.len() as u64,
        probes: exact.totals.probes,
        engine_events: exact.events,
        engine_s,
        reference_s,
        speedup: reference_s / engine_s.max(1e-9),
        identical: exact.same_outbreak(&reference),
    }
}

/// Generates the scenario's world and runs the engine on it.
pub fn measure_full_scale(s: &Scenario, progress: &mut dyn FnMut(u64)) -> FullScaleRow {
    let t = Instant::now();
    let world = wormscope_model::generate::generate(s).expect("the scenario's world builds");
    let world_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = wormscope_engine::simulate(s, &world, progress);
    let simulate_s = t.elapsed().as_secs_f64();
    FullScaleRow {
        scenario: s.name.clone(),
        simulated_s: s.duration.as_secs_f64(),
        hosts: world.hosts.len() as u64,
        candidates: u64::from(world.n_candidates),
        ever_infected: r.totals.ever_infected,
        probes: r.totals.probes,
        events: r.events,
        world_s,
        simulate_s,
        wall_s: world_s + simulate_s,
        probes_per_s: r.totals.probes as f64 / (world_s + simulate_s).max(1e-9),
    }
}

/// Peak resident set size of this process (VmHWM), in bytes; 0 where
/// /proc is not available.
pub fn peak_rss_bytes() -> u64 {
    wormscope_detect::peak_rss_bytes().unwrap_or(0)
}

/// `wormscope compare` of benchmark size: the sampled Blaster scenario for a
/// week, baseline against ISPs blocking 135/tcp from 6 h, on common seeds.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    pub scenario: String,
    pub variant: String,
    pub runs: u32,
    pub simulated_s: f64,
    pub baseline_infected_7d: wormscope_study::Band,
    pub variant_infected_7d: wormscope_study::Band,
    /// Median of the paired differences (variant minus baseline).
    pub delta_infected_7d: f64,
    pub wall_s: f64,
}

/// Runs [`CompareRow`]'s comparison with `runs` runs per variant.
pub fn measure_compare(runs: u32, done: &(dyn Fn() + Sync)) -> CompareRow {
    let started = Instant::now();
    let mut s = wormscope_scenario::builtin("blaster-sample").expect("built in");
    s.duration = wormscope_study::comparison_duration(&s);
    let world = wormscope_model::generate::generate(&s).expect("the sample world fits");
    let variant: wormscope_scenario::variant::Variant =
        "isp-block-135@6h".parse().expect("a valid spec");
    let results = wormscope_study::compare(&s, &world, std::slice::from_ref(&variant), runs, done)
        .expect("the variant applies");
    let k = wormscope_study::METRICS
        .iter()
        .position(|m| *m == "infected_7d")
        .expect("a metric");
    CompareRow {
        scenario: s.name.clone(),
        variant: variant.name,
        runs,
        simulated_s: s.duration.as_secs_f64(),
        baseline_infected_7d: results[0].bands[k],
        variant_infected_7d: results[1].bands[k],
        delta_infected_7d: results[1].delta_median[k],
        wall_s: started.elapsed().as_secs_f64(),
    }
}

/// One full-scale run of a historical random-scanning scenario.
#[derive(Clone, Debug, Serialize)]
pub struct RandomScaleRow {
    pub scenario: String,
    pub simulated_s: f64,
    pub vulnerable: u64,
    pub infected: u64,
    /// Probes the infected hosts sent, every one accounted for.
    pub probes_offered: u64,
    pub probes_delivered: u64,
    pub events: u64,
    pub wall_s: f64,
    /// Offered probes accounted per second of wall time.
    pub probes_per_s: f64,
}

/// Runs a built-in random-scanning scenario once, at full scale, on its
/// own seed.
pub fn measure_random_full_scale(name: &str, progress: &mut dyn FnMut(u64)) -> RandomScaleRow {
    let s = wormscope_scenario::builtin_random_scan(name).expect("a built-in scenario");
    let t = Instant::now();
    let r = wormscope_engine::random::simulate_random(&s, s.seed, progress);
    let wall_s = t.elapsed().as_secs_f64();
    let probes_offered = r.total(|row| row.probes_offered);
    RandomScaleRow {
        scenario: s.name.clone(),
        simulated_s: s.duration.as_secs_f64(),
        vulnerable: r.vulnerable,
        infected: r.infection_times_us.len() as u64,
        probes_offered,
        probes_delivered: r.total(|row| row.probes_delivered),
        events: r.events,
        wall_s,
        probes_per_s: probes_offered as f64 / wall_s.max(1e-9),
    }
}

/// The random-scanning core with its exact draws against the reference's
/// probe-by-probe draws on one small world.
#[derive(Clone, Debug, Serialize)]
pub struct RandomSpeedupRow {
    pub name: String,
    pub scan_space_bits: u8,
    pub vulnerable: u64,
    pub simulated_s: f64,
    /// Delivered probes (both simulators account for all of them).
    pub probes_engine: u64,
    pub probes_reference: u64,
    pub engine_s: f64,
    pub reference_s: f64,
    pub speedup: f64,
}

/// Code Red's behaviour in a 2^24 address space with 4,000 vulnerable
/// hosts for 3 hours: big enough that the reference takes seconds.
pub fn random_small_world() -> wormscope_scenario::RandomScanScenario {
    let mut s = wormscope_scenario::builtin_random_scan("codered2").expect("built in");
    s.population.scan_space_bits = 24;
    s.population.vulnerable = 4_000;
    s.population.other_hosts = 100_000;
    s.population.initial_infected = 10;
    s.duration = SimDuration::from_secs(3 * 3600);
    s.worm.stop.at = None;
    s.validation.clear();
    // The /8 telescope is outside a 2^24 space.
    s.telescopes.clear();
    wormscope_scenario::check_random_scan(&s).expect("the bench's small world is valid");
    s
}

/// Runs both simulators of random scanning on [`random_small_world`].
pub fn measure_random_speedup() -> RandomSpeedupRow {
    let s = random_small_world();
    let t = Instant::now();
    let exact = wormscope_engine::random::simulate_random(&s, s.seed, &mut |_| {});
    let engine_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reference = wormscope_reference::random::simulate_random_reference(&s, s.seed);
    let reference_s = t.elapsed().as_secs_f64();
    RandomSpeedupRow {
        name: "Code Red in 2^24 addresses".into(),
        scan_space_bits: s.population.scan_space_bits,
        vulnerable: s.population.vulnerable,
        simulated_s: s.duration.as_secs_f64(),
        probes_engine: exact.total(|r| r.probes_delivered),
        probes_reference: reference.total(|r| r.probes_delivered),
        engine_s,
        reference_s,
        speedup: reference_s / engine_s.max(1e-9),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_random_small_world_is_a_valid_scenario() {
        let s = super::random_small_world();
        assert_eq!(s.population.scan_space_bits, 24);
        assert!(wormscope_scenario::check_random_scan(&s).is_ok());
    }
}
