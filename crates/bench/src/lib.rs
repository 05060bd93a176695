//! Benchmarks that print figures: the exact engine against the
//! probe-by-probe reference on small worlds (the speed-ups, for Blaster's
//! sequential scanning and for random scanning), the full-scale default
//! scenario over a day and over a week (wall time by simulated day, events,
//! peak memory) and the historical random-scanning ones. Performance
//! targets live here, never in timed tests: [`BenchReport::targets`] holds
//! each measured figure against its target.
//!
//! Reads the clock and /proc; writes nothing (`/proc/self/clear_refs` aside,
//! to measure one run's peak memory).

use std::time::Instant;

use serde::Serialize;
use wormscope_scenario::{BlasterScenario, Percent, SimDuration, TargetingKind};

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

/// The full-scale default scenario over a week, one run.
#[derive(Clone, Debug, Serialize)]
pub struct FullScaleWeekRow {
    pub scenario: String,
    pub simulated_s: f64,
    pub ever_infected: u64,
    pub probes: u64,
    pub events: u64,
    /// World generation plus the run.
    pub wall_s: f64,
    pub simulate_s: f64,
    /// Wall time of each simulated day of the run.
    pub wall_s_by_day: Vec<f64>,
    /// Probes accounted in each simulated day (the last carries Welchia's
    /// sweep).
    pub probes_by_day: Vec<u64>,
    /// Hosts carrying Welchia at the end of each simulated day.
    pub welchia_by_day: Vec<u64>,
    /// Peak resident memory of the process during the run, in bytes (the
    /// process's peak, if the kernel cannot reset it).
    pub peak_rss_bytes: u64,
}

/// Everything `wormscope bench` measures.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// The first row is the headline figure.
    pub speedups: Vec<SpeedupRow>,
    pub full_scale: Option<FullScaleRow>,
    pub full_scale_week: Option<FullScaleWeekRow>,
    /// The default scenario with random targets (`[worm] targeting`), on
    /// the full-scale day's world.
    pub random_targets: Vec<FullScaleRow>,
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
/// for `hours` simulated hours from 10 infected hosts. Every host is online
/// all the time, as when these figures were first taken: the speed-up is
/// the scanning driver's, and churn's switches cost both drivers alike
/// (with churn on, 61/8 is asleep at the default start and the ratio
/// measures the switches, not the skips).
pub fn small_world_scenarios(duration: SimDuration) -> Vec<(&'static str, BlasterScenario)> {
    let mut s = wormscope_scenario::default_scenario();
    s.world.churn.enabled = false;
    s.world.only_in = vec!["61.0.0.0/12".parse().expect("valid prefix")];
    s.world.used_slash16_pct = Percent::new(100.0).expect("valid");
    s.duration = duration;
    s.worm.initial_infected = 10;
    let mut dense = s.clone();
    let bb = &mut dense.world.networks[0];
    bb.hosts_per_used_slash24 = 30.0;
    bb.nat_pct = Percent::new(30.0).expect("valid");
    bb.firewall_pct = Percent::new(20.0).expect("valid");
    vec![("default density", s), ("dense broadband", dense)]
}

/// Runs of the engine whose median time is its figure: one run of a small
/// world lasts milliseconds, where a timer's and the machine's noise show.
const ENGINE_REPEATS: usize = 9;

/// Runs engine and reference on the same small world.
pub fn measure_speedup(name: &str, s: &BlasterScenario) -> SpeedupRow {
    let world = wormscope_model::generate::generate(s).expect("the bench world builds");
    let mut times = Vec::with_capacity(ENGINE_REPEATS);
    let mut exact = None;
    for _ in 0..ENGINE_REPEATS {
        let t = Instant::now();
        let r = wormscope_engine::simulate_blaster(s, &world, &mut |_| {});
        times.push(t.elapsed().as_secs_f64());
        exact = Some(r);
    }
    let exact = exact.expect("ran");
    times.sort_by(f64::total_cmp);
    let engine_s = times[ENGINE_REPEATS / 2];
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
pub fn measure_full_scale(s: &BlasterScenario, progress: &mut dyn FnMut(u64)) -> FullScaleRow {
    let t = Instant::now();
    let world = wormscope_model::generate::generate(s).expect("the scenario's world builds");
    let world_s = t.elapsed().as_secs_f64();
    full_scale_row(s, &world, world_s, progress)
}

/// The default scenario's full-scale runs.
pub struct FullScaleRuns {
    pub day: FullScaleRow,
    pub week: Option<FullScaleWeekRow>,
    pub random_targets: Vec<FullScaleRow>,
}

/// The random targetings a bench runs at full scale.
pub const RANDOM_TARGETINGS: [TargetingKind; 3] = [
    TargetingKind::UniformRandom,
    TargetingKind::LocalPreference,
    TargetingKind::Permutation,
];

/// The default scenario's full-scale figures: a day; each of
/// [`RANDOM_TARGETINGS`] for `random_targets` simulated (none if zero);
/// and, if `week`, a week. All on one world, generated once; each wall time
/// counts its generation. `progress` hears the phase ("day", a targeting's
/// name, "week") and the simulated µs reached.
pub fn measure_full_scale_day_and_week(
    week: bool,
    random_targets: SimDuration,
    progress: &mut dyn FnMut(&str, u64),
) -> FullScaleRuns {
    let mut s = wormscope_scenario::default_scenario();
    let t = Instant::now();
    let world = wormscope_model::generate::generate(&s).expect("the scenario's world builds");
    let world_s = t.elapsed().as_secs_f64();
    let day = full_scale_row(&s, &world, world_s, &mut |t| progress("day", t));
    let random_targets: Vec<FullScaleRow> = if random_targets.as_micros() == 0 {
        Vec::new()
    } else {
        RANDOM_TARGETINGS
            .iter()
            .map(|&targeting| {
                let mut r = s.clone();
                r.duration = random_targets;
                r.worm.targeting = targeting;
                r.name = format!("{}, targeting = {}", s.name, targeting_name(targeting));
                let phase = targeting_name(targeting);
                full_scale_row(&r, &world, world_s, &mut |t| progress(&phase, t))
            })
            .collect()
    };
    if !week {
        return FullScaleRuns {
            day,
            week: None,
            random_targets,
        };
    }
    s.duration = SimDuration::from_secs(7 * 86_400);
    reset_peak_rss();
    let mut by_day = Vec::new();
    let started = Instant::now();
    let mut day_began = 0.0;
    let r = wormscope_engine::simulate_blaster(&s, &world, &mut |t| {
        progress("week", t);
        // The progress reports come every few thousand events; the day a
        // report lands in closes the days before it.
        let elapsed = started.elapsed().as_secs_f64();
        while (by_day.len() as u64 + 1) * DAY_US <= t {
            by_day.push(elapsed - day_began);
            day_began = elapsed;
        }
    });
    let simulate_s = started.elapsed().as_secs_f64();
    let rows_per_day = (DAY_US / r.step) as usize;
    let per_day = |f: &dyn Fn(&[wormscope_engine::BlasterRow]) -> u64| {
        r.rows.chunks(rows_per_day).map(f).collect::<Vec<u64>>()
    };
    let week = FullScaleWeekRow {
        scenario: s.name.clone(),
        simulated_s: s.duration.as_secs_f64(),
        ever_infected: r.totals.ever_infected,
        probes: r.totals.probes,
        events: r.events,
        wall_s: world_s + simulate_s,
        simulate_s,
        wall_s_by_day: by_day,
        probes_by_day: per_day(&|rows| rows.iter().map(|row| row.probes).sum()),
        welchia_by_day: per_day(&|rows| rows.last().map_or(0, |row| row.welchia)),
        peak_rss_bytes: peak_rss_bytes(),
    };
    FullScaleRuns {
        day,
        week: Some(week),
        random_targets,
    }
}

/// A targeting as a scenario file spells it.
pub fn targeting_name(t: TargetingKind) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| format!("{t:?}"))
}

const DAY_US: u64 = 86_400_000_000;

/// Starts a new measurement of the process's peak memory (Linux: writing 5
/// to `/proc/self/clear_refs` resets `VmHWM` to the current size).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn full_scale_row(
    s: &BlasterScenario,
    world: &wormscope_model::World,
    world_s: f64,
    progress: &mut dyn FnMut(u64),
) -> FullScaleRow {
    let t = Instant::now();
    let r = wormscope_engine::simulate_blaster(s, world, progress);
    let simulate_s = t.elapsed().as_secs_f64();
    FullScaleRow {
        scenario: s.name.clone(),
        simulated_s: s.duration.as_secs_f64(),
        hosts: world.hosts.len() as u64,
        candidates: u64::from(world.n_machines()),
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
    let results = wormscope_study::compare(
        &s,
        &world,
        std::slice::from_ref(&variant),
        runs,
        done,
        &wormscope_study::NoStore,
    )
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
    let s = wormscope_scenario::builtin_population(name).expect("a built-in scenario");
    measure_random_scenario(&s, &s.name, progress)
}

/// Runs a built-in random-scanning scenario with another `targeting`
/// (`"permutation"`, walking its own key, or `"local-preference"`, by its
/// own shares: Code Red II's) once, at full scale, on its own seed: the row
/// `NAME_TARGETING` (`-` as `_`).
pub fn measure_random_targeting(
    name: &str,
    targeting: &str,
    progress: &mut dyn FnMut(u64),
) -> RandomScaleRow {
    let mut s = wormscope_scenario::builtin_population(name).expect("a built-in scenario");
    s.worm.targeting = targeting.to_string();
    let label = format!("{name}_{}", targeting.replace('-', "_"));
    measure_random_scenario(&s, &label, progress)
}

/// Runs a built-in random-scanning scenario that probes at a fixed rate
/// once, at full scale, on its own seed, sending its probes in batches of
/// `batch_size` at its own mean rate (Blaster's loop at the worm's speed):
/// the row `NAME_batches`, to set beside `NAME`'s.
pub fn measure_random_batches(
    name: &str,
    batch_size: u32,
    progress: &mut dyn FnMut(u64),
) -> RandomScaleRow {
    use wormscope_scenario::population::RateConfig;
    let mut s = wormscope_scenario::builtin_population(name).expect("a built-in scenario");
    let RateConfig::ProbeRate { probes_per_second } = s.worm.rate else {
        panic!("{name} probes at a fixed rate");
    };
    let wait_us = (f64::from(batch_size) * 1e6 / probes_per_second).round() as u64;
    s.worm.rate = RateConfig::Batches {
        batch_size,
        batch_wait: wormscope_scenario::SimDuration::from_micros(wait_us),
    };
    measure_random_scenario(&s, &format!("{name}_batches"), progress)
}

fn measure_random_scenario(
    s: &wormscope_scenario::PopulationScenario,
    label: &str,
    progress: &mut dyn FnMut(u64),
) -> RandomScaleRow {
    let t = Instant::now();
    let r = wormscope_engine::population::simulate_population(s, s.seed, progress);
    let wall_s = t.elapsed().as_secs_f64();
    let probes_offered = r.total(|row| row.probes_offered);
    RandomScaleRow {
        scenario: label.to_string(),
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

/// The population core with its exact draws against the reference's
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
pub fn population_small_world() -> wormscope_scenario::PopulationScenario {
    let mut s = wormscope_scenario::builtin_population("codered2").expect("built in");
    s.population.scan_space_bits = 24;
    s.population.vulnerable = 4_000;
    s.population.other_hosts = 100_000;
    s.population.initial_infected = 10;
    s.duration = SimDuration::from_secs(3 * 3600);
    s.worm.stop.at = None;
    s.validation.clear();
    // The /8 telescope is outside a 2^24 space.
    s.telescopes.clear();
    s.sensors.clear();
    wormscope_scenario::check_population(&s).expect("the bench's small world is valid");
    s
}

/// Runs both simulators of random scanning on [`population_small_world`].
pub fn measure_random_speedup() -> RandomSpeedupRow {
    let s = population_small_world();
    let t = Instant::now();
    let exact = wormscope_engine::population::simulate_population(&s, s.seed, &mut |_| {});
    let engine_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reference = wormscope_reference::population::simulate_population_reference(&s, s.seed);
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

/// Wall-time budgets of the historical rows, in seconds: 1.2 times what
/// Code Red v2 (about 2 s) and Slammer (about 0.7 s) took at full scale on
/// the 2-core machine wormscope is built on when issue 15 was filed, so
/// that running them on the one engine costs them at most a fifth more.
pub const HISTORICAL_BUDGETS: [(&str, f64); 2] =
    [("codered2_wall_s", 2.4), ("slammer_wall_s", 0.84)];

/// A measured figure held against its target.
#[derive(Clone, Debug, Serialize)]
pub struct TargetCheck {
    pub name: &'static str,
    pub measured: f64,
    /// The bound, and whether the figure must stay at or below it (`true`)
    /// or reach it.
    pub bound: f64,
    pub at_most: bool,
    pub met: bool,
}

impl TargetCheck {
    fn new(name: &'static str, measured: f64, bound: f64, at_most: bool) -> TargetCheck {
        let met = if at_most {
            measured <= bound
        } else {
            measured >= bound
        };
        TargetCheck {
            name,
            measured,
            bound,
            at_most,
            met,
        }
    }
}

impl FullScaleWeekRow {
    /// The largest ratio of a day's wall time to the second day's, over
    /// days 2 to 6 (between the outbreak's first day and Welchia's
    /// release), if the run has them.
    pub fn day_growth(&self) -> Option<f64> {
        let days = self.wall_s_by_day.get(1..6)?;
        let second = days[0].max(1e-9);
        Some(days.iter().map(|d| d / second).fold(0.0, f64::max))
    }
}

impl BenchReport {
    /// The figures with targets. Issue 14: the full-scale week under two
    /// minutes and 4 GiB, no day between the second and Welchia's release
    /// costing over 1.5 times the second, the full-scale day under 15 s,
    /// and the engine at least 1000 times faster than the reference.
    /// Issue 15: Code Red v2 and Slammer at full scale within 1.2 times the
    /// times they took before the engines began to merge
    /// ([`HISTORICAL_BUDGETS`]).
    pub fn targets(&self) -> Vec<TargetCheck> {
        let mut t = Vec::new();
        for (key, budget) in HISTORICAL_BUDGETS {
            if let Some(h) = self
                .historical
                .iter()
                .find(|h| format!("{}_wall_s", h.scenario) == key)
            {
                t.push(TargetCheck::new(key, h.wall_s, budget, true));
            }
        }
        if let Some(w) = &self.full_scale_week {
            t.push(TargetCheck::new(
                "full_scale_week_wall_s",
                w.wall_s,
                120.0,
                true,
            ));
            t.push(TargetCheck::new(
                "full_scale_week_peak_rss_bytes",
                w.peak_rss_bytes as f64,
                4.0 * (1u64 << 30) as f64,
                true,
            ));
            if let Some(g) = w.day_growth() {
                t.push(TargetCheck::new("day_cost_over_second_day", g, 1.5, true));
            }
        }
        if let Some(f) = &self.full_scale {
            t.push(TargetCheck::new("full_scale_wall_s", f.wall_s, 15.0, true));
        }
        if let Some(r) = self.speedups.first() {
            t.push(TargetCheck::new(
                "speedup_vs_reference",
                r.speedup,
                1000.0,
                false,
            ));
        }
        t
    }

    /// The report as one JSON object: the rows, and flat keys that scripts
    /// read (`speedup_vs_reference`, `full_scale_wall_s`,
    /// `full_scale_week_wall_s`, `wall_s_by_day`, ...).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("plain numbers and strings");
        let obj = v.as_object_mut().expect("an object");
        let mut put = |k: &str, x: serde_json::Value| {
            obj.insert(k.to_string(), x);
        };
        if let Some(r) = self.speedups.first() {
            put("speedup_vs_reference", r.speedup.into());
        }
        if let Some(r) = self.speedups.get(1) {
            put("speedup_vs_reference_dense", r.speedup.into());
        }
        if let Some(f) = &self.full_scale {
            put("full_scale_wall_s", f.wall_s.into());
            put("full_scale_probes", f.probes.into());
            put("full_scale_probes_per_s", f.probes_per_s.into());
        }
        for r in &self.random_targets {
            let name = r.scenario.rsplit(' ').next().unwrap_or_default();
            put(
                &format!("full_scale_{}_wall_s", name.replace('-', "_")),
                r.wall_s.into(),
            );
        }
        if let Some(w) = &self.full_scale_week {
            put("full_scale_week_wall_s", w.wall_s.into());
            put("full_scale_week_events", w.events.into());
            put("full_scale_week_peak_rss_bytes", w.peak_rss_bytes.into());
            put("wall_s_by_day", w.wall_s_by_day.clone().into());
            put("probes_by_day", w.probes_by_day.clone().into());
        }
        for h in &self.historical {
            put(&format!("{}_wall_s", h.scenario), h.wall_s.into());
            put(
                &format!("{}_probes_per_s", h.scenario),
                h.probes_per_s.into(),
            );
        }
        if let Some(d) = &self.detector {
            put("detector_bytes_per_cpu_s", d.bytes_per_cpu_s.into());
            put("detector_bytes_per_s", d.bytes_per_s.into());
        }
        put("targets_met", self.targets().iter().all(|t| t.met).into());
        v
    }

    /// The report as lines of text for a terminal.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        for r in &self.speedups {
            let _ = writeln!(
                o,
                "engine vs reference  {} in {} ({} hosts), {:.0} h simulated, {} probes, {} engine events",
                r.name,
                r.world,
                r.hosts,
                r.simulated_s / 3600.0,
                r.probes,
                r.engine_events
            );
            let _ = writeln!(
                o,
                "                     engine {:.4} s (median of {ENGINE_REPEATS}), reference {:.2} s, speed-up {:.0}x, identical results: {}",
                r.engine_s, r.reference_s, r.speedup, r.identical
            );
        }
        if let Some(f) = &self.full_scale {
            let _ = writeln!(
                o,
                "full scale           {}: {} hosts ({} candidates), {:.0} h simulated, {} ever infected",
                f.scenario,
                f.hosts,
                f.candidates,
                f.simulated_s / 3600.0,
                f.ever_infected
            );
            let _ = writeln!(
                o,
                "                     world {:.1} s + simulation {:.1} s = {:.1} s wall, {} probes, {} events, {:.3e} probes/s",
                f.world_s, f.simulate_s, f.wall_s, f.probes, f.events, f.probes_per_s
            );
        }
        for r in &self.random_targets {
            let _ = writeln!(
                o,
                "random targets       {}: {:.0} h simulated, {} ever infected",
                r.scenario,
                r.simulated_s / 3600.0,
                r.ever_infected
            );
            let _ = writeln!(
                o,
                "                     simulation {:.1} s (world above), {} probes, {} events",
                r.simulate_s, r.probes, r.events
            );
        }
        if let Some(w) = &self.full_scale_week {
            let _ = writeln!(
                o,
                "full scale, a week   {}: {:.1} s wall ({:.1} s simulating), {} events, {} probes, {} ever infected, peak RSS {:.2} GiB",
                w.scenario,
                w.wall_s,
                w.simulate_s,
                w.events,
                w.probes,
                w.ever_infected,
                w.peak_rss_bytes as f64 / (1u64 << 30) as f64
            );
            for (d, wall) in w.wall_s_by_day.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "                     day {}: {:5.1} s wall, {:.3e} probes, {} hosts with Welchia at its end",
                    d + 1,
                    wall,
                    w.probes_by_day.get(d).copied().unwrap_or(0) as f64,
                    w.welchia_by_day.get(d).copied().unwrap_or(0)
                );
            }
        }
        if let Some(r) = &self.random_speedup {
            let _ = writeln!(
                o,
                "random vs reference  {} ({} vulnerable), {:.0} h simulated, {} probes (reference {})",
                r.name,
                r.vulnerable,
                r.simulated_s / 3600.0,
                r.probes_engine,
                r.probes_reference
            );
            let _ = writeln!(
                o,
                "                     engine {:.3} s, reference {:.2} s, speed-up {:.0}x",
                r.engine_s, r.reference_s, r.speedup
            );
        }
        for h in &self.historical {
            let minutes = h.simulated_s / 60.0;
            let _ = writeln!(
                o,
                "full scale           {}: {} vulnerable, {} infected in {:.0} min, {} probes ({} delivered), {} events",
                h.scenario,
                h.vulnerable,
                h.infected,
                minutes,
                h.probes_offered,
                h.probes_delivered,
                h.events
            );
            let _ = writeln!(
                o,
                "                     {:.1} s wall, {:.3e} probes/s accounted",
                h.wall_s, h.probes_per_s
            );
        }
        if let Some(d) = &self.detector {
            let _ = writeln!(
                o,
                "detector             {:.2} GB synthetic capture, {} frames, {} alerts: {} GB/s per CPU-second, {:.2} GB/s wall",
                d.bytes as f64 / 1e9,
                d.frames,
                d.alerts,
                d.bytes_per_cpu_s
                    .map_or("n/a".to_string(), |b| format!("{:.2}", b / 1e9)),
                d.bytes_per_s / 1e9
            );
        }
        if let Some(c) = &self.compare {
            let b =
                |x: &wormscope_study::Band| format!("{:.0} [{:.0}, {:.0}]", x.median, x.p05, x.p95);
            let _ = writeln!(
                o,
                "compare              {}, {} runs x 2 variants, {:.0} d simulated: infected at 7 d, baseline {}, {} {} (paired change {:+.0}), {:.1} s wall",
                c.scenario,
                c.runs,
                c.simulated_s / 86_400.0,
                b(&c.baseline_infected_7d),
                c.variant,
                b(&c.variant_infected_7d),
                c.delta_infected_7d,
                c.wall_s
            );
        }
        let _ = writeln!(
            o,
            "peak RSS             {:.2} GiB",
            self.peak_rss_bytes as f64 / (1u64 << 30) as f64
        );
        for t in self.targets() {
            let _ = writeln!(
                o,
                "target               {}: {:.4} {} {} {}",
                t.name,
                t.measured,
                if t.at_most { "<=" } else { ">=" },
                t.bound,
                if t.met { "met" } else { "MISSED" }
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, speedup: f64) -> SpeedupRow {
        SpeedupRow {
            name: name.into(),
            world: "61.0.0.0/12".into(),
            simulated_s: 3600.0,
            hosts: 1,
            probes: 1,
            engine_events: 1,
            engine_s: 1.0,
            reference_s: speedup,
            speedup,
            identical: true,
        }
    }

    /// The flat keys scripts read, and the targets held against them.
    #[test]
    fn the_report_has_the_keys_of_issue_14_and_holds_the_targets() {
        let week = FullScaleWeekRow {
            scenario: "blaster".into(),
            simulated_s: 7.0 * 86_400.0,
            ever_infected: 1,
            probes: 7,
            events: 42,
            wall_s: 100.0,
            simulate_s: 96.0,
            wall_s_by_day: vec![10.0, 12.0, 12.0, 19.0, 12.0, 12.0, 30.0],
            probes_by_day: vec![1; 7],
            welchia_by_day: vec![0, 0, 0, 0, 0, 0, 9],
            peak_rss_bytes: 1 << 30,
        };
        let historical = |name: &str, wall_s| RandomScaleRow {
            scenario: name.into(),
            simulated_s: 3600.0,
            vulnerable: 1,
            infected: 1,
            probes_offered: 1,
            probes_delivered: 1,
            events: 1,
            wall_s,
            probes_per_s: 1.0,
        };
        let random = |targeting| FullScaleRow {
            scenario: format!("blaster, targeting = {}", targeting_name(targeting)),
            simulated_s: 7200.0,
            hosts: 1,
            candidates: 1,
            ever_infected: 1,
            probes: 1,
            events: 1,
            world_s: 10.0,
            simulate_s: 5.0,
            wall_s: 15.0,
            probes_per_s: 1.0,
        };
        let mut report = BenchReport {
            speedups: vec![row("default density", 1500.0), row("dense broadband", 90.0)],
            full_scale: None,
            full_scale_week: Some(week),
            random_targets: RANDOM_TARGETINGS.iter().map(|&t| random(t)).collect(),
            detector: None,
            compare: None,
            random_speedup: None,
            historical: vec![historical("codered2", 2.0), historical("slammer", 0.7)],
            peak_rss_bytes: 0,
        };
        let v = report.to_json();
        for key in [
            "speedup_vs_reference",
            "speedup_vs_reference_dense",
            "full_scale_week_wall_s",
            "full_scale_week_events",
            "full_scale_week_peak_rss_bytes",
            "wall_s_by_day",
            "full_scale_uniform_random_wall_s",
            "full_scale_local_preference_wall_s",
            "full_scale_permutation_wall_s",
        ] {
            assert!(v.get(key).is_some(), "{key} missing from {v}");
        }
        assert!(report.text().contains("targeting = local-preference"));
        assert_eq!(v["full_scale_week_events"], 42);
        assert_eq!(v["wall_s_by_day"].as_array().map(Vec::len), Some(7));
        // Day 4 costs 19/12 of day 2: over 1.5, the growth target is missed.
        let growth = report.full_scale_week.as_ref().unwrap().day_growth();
        assert_eq!(growth, Some(19.0 / 12.0));
        let missed = |r: &BenchReport| -> Vec<&str> {
            r.targets()
                .iter()
                .filter(|t| !t.met)
                .map(|t| t.name)
                .collect()
        };
        assert_eq!(missed(&report), vec!["day_cost_over_second_day"]);
        assert_eq!(v["targets_met"], false);
        report.full_scale_week.as_mut().unwrap().wall_s_by_day[3] = 12.0;
        assert!(report.targets().iter().all(|t| t.met));
        // Slammer a third slower than its budget's base: over 1.2 times.
        report.historical[1].wall_s = 0.7 * 4.0 / 3.0;
        assert_eq!(missed(&report), vec!["slammer_wall_s"]);
        assert!(report.text().contains("slammer_wall_s"));
        report.historical[1].wall_s = 0.7;
        assert!(report.text().contains("day 7"));
    }

    #[test]
    fn the_random_small_world_is_a_valid_scenario() {
        let s = super::population_small_world();
        assert_eq!(s.population.scan_space_bits, 24);
        assert!(wormscope_scenario::check_population(&s).is_ok());
    }
}
