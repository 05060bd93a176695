//! Studies made of many runs: ensembles of one scenario over derived seeds,
//! and comparisons of variants (defenses switched on) run on the same seeds,
//! so that the difference between two variants comes from the variant and
//! not from luck (common random numbers).
//!
//! Owns: how run seeds are derived, the 5/50/95 % bands, and the metrics a
//! defender compares (peak infected, infected at 24 h and 7 d, hosts
//! crashed, the flood at its target on 16 August, infected at the end; a
//! random-scanning worm's comparison has the ones that make sense for it,
//! [`population_metrics`]). It runs the engine and returns numbers; it writes
//! no files and prints nothing (the report crate and the CLI do).
//!
//! Invariant: every run of a study uses the same world (generated from the
//! scenario's own seed); runs differ only in the run seed, which names every
//! random draw of the outbreak and of the defenses. Runs execute in
//! parallel and are collected in run order, so results do not depend on the
//! thread count.

use rayon::prelude::*;
use serde::Serialize;
use wormscope_engine::population::PopulationRun;
use wormscope_engine::{BlasterRow, BlasterRun};
use wormscope_model::World;
use wormscope_model::rng::mix;
use wormscope_scenario::variant::{Defended, Variant};
use wormscope_scenario::{BlasterScenario, PopulationScenario, SimDuration};

/// The seed of run `i` of a study of a scenario with seed `base`.
pub fn run_seed(base: u64, i: u32) -> u64 {
    mix(base, 0x5eed_0000_0000 | u64::from(i))
}

/// `runs` runs of `s` on `world`, in run order. `done` is called after each
/// run (from any thread).
pub fn ensemble(
    s: &BlasterScenario,
    world: &World,
    runs: u32,
    done: &(dyn Fn() + Sync),
) -> Vec<BlasterRun> {
    ensemble_stored(s, world, runs, done, &NoStore)
}

/// [`ensemble`], taking each run from `store` when it is there and putting
/// it there when it is run.
pub fn ensemble_stored(
    s: &BlasterScenario,
    world: &World,
    runs: u32,
    done: &(dyn Fn() + Sync),
    store: &dyn RunStore,
) -> Vec<BlasterRun> {
    (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut run = s.clone();
            run.seed = run_seed(s.seed, i);
            let key = RunKey::of(&run, world);
            let r = store.get(&key).unwrap_or_else(|| {
                let r = wormscope_engine::simulate_blaster(&run, world, &mut |_| {});
                store.put(&key, &r);
                r
            });
            done();
            r
        })
        .collect()
}

/// The 5 %, 50 % and 95 % quantiles of a sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Band {
    pub p05: f64,
    pub median: f64,
    pub p95: f64,
}

impl Band {
    /// Quantiles by linear interpolation between order statistics
    /// (Hyndman and Fan's type 7, the default of R and NumPy). NaN for an
    /// empty sample.
    pub fn of(values: &[f64]) -> Band {
        let mut v: Vec<f64> = values.to_vec();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| -> f64 {
            if v.is_empty() {
                return f64::NAN;
            }
            let h = (v.len() - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(v.len() - 1);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        };
        Band {
            p05: q(0.05),
            median: q(0.5),
            p95: q(0.95),
        }
    }
}

/// Per time step, the band of `value` over the runs.
pub fn row_bands(runs: &[BlasterRun], value: impl Fn(&BlasterRow) -> f64) -> Vec<Band> {
    let n_rows = runs.first().map_or(0, |r| r.rows.len());
    bands_by_row(runs, n_rows, |r, i| value(&r.rows[i]))
}

/// For each of `n_rows` rows, the band over `runs` of `value(run, row)`
/// (any kind of run).
pub fn bands_by_row<T>(runs: &[T], n_rows: usize, value: impl Fn(&T, usize) -> f64) -> Vec<Band> {
    (0..n_rows)
        .map(|i| {
            let sample: Vec<f64> = runs.iter().map(|r| value(r, i)).collect();
            Band::of(&sample)
        })
        .collect()
}

/// What a defender compares between variants, for one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub peak_infected: f64,
    /// Infected hosts 24 h and 7 days in (NaN if the run is shorter).
    pub infected_24h: f64,
    pub infected_7d: f64,
    /// Distinct hosts whose RPC service crashed.
    pub crashed: f64,
    /// Hosts whose user noticed a symptom and acted.
    pub noticed: f64,
    /// Mean flood arriving at the target over 16 August (UTC) of the
    /// start's year, Gbit/s (NaN if the run does not cover that day).
    pub flood_gbps_aug16: f64,
    /// Infected hosts at the end of the run, whatever its length.
    pub infected_final: f64,
    /// Flood packets that reached the target over the whole run, whatever
    /// its days (a random-scanning worm's metric of the same name).
    pub flood_packets: f64,
}

/// The names of [`Metrics`]' fields, in table order.
pub const METRICS: [&str; 8] = [
    "peak_infected",
    "infected_24h",
    "infected_7d",
    "crashed",
    "noticed",
    "flood_gbps_aug16",
    "infected_final",
    "flood_packets",
];

impl Metrics {
    pub fn of(s: &BlasterScenario, r: &BlasterRun) -> Metrics {
        let at = |d: SimDuration| -> f64 {
            let i = (d.as_micros() / r.step) as usize;
            if i == 0 || !d.as_micros().is_multiple_of(r.step) {
                // Between row ends: the row holding the moment.
                r.rows.get(i).map_or(f64::NAN, |row| row.infected as f64)
            } else {
                r.rows
                    .get(i - 1)
                    .map_or(f64::NAN, |row| row.infected as f64)
            }
        };
        Metrics {
            peak_infected: r.rows.iter().map(|x| x.infected).max().unwrap_or(0) as f64,
            infected_24h: at(SimDuration::from_secs(24 * 3600)),
            infected_7d: at(SimDuration::from_secs(7 * 24 * 3600)),
            crashed: r.totals.hosts_crashed as f64,
            noticed: r.totals.noticed as f64,
            flood_gbps_aug16: flood_gbps_on_aug16(s, r),
            infected_final: r.rows.last().map_or(0, |row| row.infected) as f64,
            flood_packets: r
                .rows
                .iter()
                .map(|row| row.flood_arriving_packets())
                .sum::<u64>() as f64,
        }
    }

    pub fn values(&self) -> [f64; METRICS.len()] {
        [
            self.peak_infected,
            self.infected_24h,
            self.infected_7d,
            self.crashed,
            self.noticed,
            self.flood_gbps_aug16,
            self.infected_final,
            self.flood_packets,
        ]
    }
}

/// 16 August of the scenario start's year as simulated microseconds
/// `[from, to)`, if the whole day lies after the start.
pub fn aug16(s: &BlasterScenario) -> Option<(u64, u64)> {
    let start = s.start.as_microsecond();
    let year = s.start.to_zoned(jiff::tz::TimeZone::UTC).year();
    let day = jiff::civil::date(year, 8, 16)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp()
        .as_microsecond();
    let from = u64::try_from(day - start).ok()?;
    Some((from, from + 86_400_000_000))
}

/// Mean arriving flood over 16 August, Gbit/s, from the rows that lie in
/// that day (NaN if the run does not cover it).
pub fn flood_gbps_on_aug16(s: &BlasterScenario, r: &BlasterRun) -> f64 {
    let Some((from, to)) = aug16(s) else {
        return f64::NAN;
    };
    if (r.rows.len() as u64) * r.step < to {
        return f64::NAN;
    }
    let first = from.div_ceil(r.step);
    let last = to / r.step; // exclusive
    if last <= first {
        return f64::NAN;
    }
    let units: u64 = r.rows[first as usize..last as usize]
        .iter()
        .map(|x| x.flood_arriving_units)
        .sum();
    let seconds = ((last - first) * r.step) as f64 / 1e6;
    let bits = units as f64 / 65_536.0 * f64::from(s.payload.packet_bytes) * 8.0;
    bits / seconds / 1e9
}

/// One variant's metrics over the runs of its ensemble (runs of a Blaster
/// scenario, or `R = PopulationRun` of a random-scanning worm).
#[derive(Clone, Debug)]
pub struct VariantResult<R = BlasterRun> {
    pub variant: String,
    /// The metrics measured, by name, in order: [`METRICS`] for Blaster,
    /// [`population_metrics`] for a random-scanning worm.
    pub metrics: Vec<&'static str>,
    /// Per metric: its band.
    pub bands: Vec<Band>,
    /// Per metric: the median of the paired differences from the baseline
    /// (variant minus baseline, run by run on the same seed).
    pub delta_median: Vec<f64>,
    /// The runs themselves, for reports.
    pub runs: Vec<R>,
    /// When the variant's defenses that name a start (`NAME@TIME`) start,
    /// µs after the run's ([`Variant::starts_us`]); empty for the baseline
    /// and for variants that are not defenses.
    pub defense_starts_us: Vec<u64>,
}

/// The duration a comparison runs: long enough for every metric, a week
/// and, where 16 August is one of the worm's flood days (Blaster's first),
/// to that day's end. A scenario of another year or worm whose flood
/// does not fall then is not run on for months to reach it.
pub fn comparison_duration(s: &BlasterScenario) -> SimDuration {
    let week = 7 * 24 * 3600 * 1_000_000;
    let floods_then =
        wormscope_model::behaviour::FloodDays::blaster(&s.payload).is_flood_day(8, 16);
    let flood = aug16(s).filter(|_| floods_then).map_or(0, |(_, to)| to);
    SimDuration::from_micros(s.duration.as_micros().max(week).max(flood))
}

/// Runs named scenarios as ensembles of `runs` on the same seeds; the
/// first is the baseline the paired differences are taken from.
pub fn run_variants(
    scenarios: &[(String, BlasterScenario)],
    world: &World,
    runs: u32,
    done: &(dyn Fn() + Sync),
    store: &dyn RunStore,
) -> Vec<VariantResult> {
    let ensembles = scenarios
        .iter()
        .map(|(name, sc)| {
            let runs = ensemble_stored(sc, world, runs, done, store);
            let values = runs
                .iter()
                .map(|r| Metrics::of(sc, r).values().to_vec())
                .collect();
            (name.clone(), runs, values)
        })
        .collect();
    variant_results(&METRICS, ensembles)
}

/// The bands of `metrics` and their paired differences from the first
/// ensemble (the baseline): each ensemble as its name, its runs and, per
/// run, the metrics' values in `metrics` order.
fn variant_results<R>(
    metrics: &[&'static str],
    ensembles: Vec<(String, Vec<R>, Vec<Vec<f64>>)>,
) -> Vec<VariantResult<R>> {
    let baseline: Vec<Vec<f64>> = ensembles.first().map(|e| e.2.clone()).unwrap_or_default();
    ensembles
        .into_iter()
        .map(|(variant, runs, values)| {
            let column = |k: usize| values.iter().map(|m| m[k]).collect::<Vec<_>>();
            VariantResult {
                variant,
                metrics: metrics.to_vec(),
                bands: (0..metrics.len()).map(|k| Band::of(&column(k))).collect(),
                delta_median: (0..metrics.len())
                    .map(|k| paired_median(&values, &baseline, k))
                    .collect(),
                runs,
                defense_starts_us: Vec::new(),
            }
        })
        .collect()
}

/// Notes in `results` (the baseline first, then one per variant) when
/// each variant's defenses start in a run of `s`.
fn with_starts<S: Defended, R>(
    mut results: Vec<VariantResult<R>>,
    variants: &[Variant],
    s: &S,
) -> Vec<VariantResult<R>> {
    for (r, v) in results.iter_mut().skip(1).zip(variants) {
        r.defense_starts_us = v.starts_us(s);
    }
    results
}

/// The median of the run-by-run differences `a - b` of metric `k`.
fn paired_median(a: &[Vec<f64>], b: &[Vec<f64>], k: usize) -> f64 {
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x[k] - y[k]).collect();
    Band::of(&diffs).median
}

/// The baseline and each variant of `s`, named, each checked.
fn with_variants<S: Defended>(s: &S, variants: &[Variant]) -> Result<Vec<(String, S)>, String> {
    let mut scenarios = vec![("baseline".to_string(), s.clone())];
    for v in variants {
        scenarios.push((v.name.clone(), v.applied_to(s)?));
    }
    Ok(scenarios)
}

/// Runs the baseline and each variant as ensembles of `runs` on the same
/// seeds. `s` should already run for [`comparison_duration`]. `done` is
/// called after each run; runs already in `store` are not run again.
pub fn compare(
    s: &BlasterScenario,
    world: &World,
    variants: &[Variant],
    runs: u32,
    done: &(dyn Fn() + Sync),
    store: &dyn RunStore,
) -> Result<Vec<VariantResult>, String> {
    let scenarios = with_variants(s, variants)?;
    let results = run_variants(&scenarios, world, runs, done, store);
    Ok(with_starts(results, variants, s))
}

/// A metric of a random-scanning worm's comparison, read off one run.
pub type PopulationMetric = (&'static str, fn(&PopulationRun) -> f64);

/// What a defender compares between variants of a random-scanning worm:
/// the peak of the infected hosts, infected at 24 h (only if `s` runs
/// that long: these runs last minutes to hours, and a comparison does not
/// stretch them) and infected at the end; for a worm with a flood
/// (`[payload]`), the flood's packets that reached its target. Without
/// cleanup a random-scanning worm's peak is its final count; both are kept
/// so that the names mean what they mean for Blaster.
pub fn population_metrics(s: &PopulationScenario) -> Vec<PopulationMetric> {
    const DAY: u64 = 24 * 3600 * 1_000_000;
    let mut metrics: Vec<PopulationMetric> = vec![("peak_infected", |r| {
        r.rows.iter().map(|row| row.infected).max().unwrap_or(0) as f64
    })];
    // Hosts carrying the worm: those infected less those cleaned.
    if s.duration.as_micros() >= DAY {
        metrics.push(("infected_24h", |r| {
            let cleaned: u64 = r
                .rows
                .iter()
                .filter(|row| row.time_us <= DAY)
                .map(|row| row.cleaned)
                .sum();
            (validate::infected_at(r, DAY) - cleaned) as f64
        }));
    }
    metrics.push(("infected_final", |r| {
        r.rows.last().map_or(0, |row| row.infected) as f64
    }));
    // A worm with a flood: its packets that reached the target, all told.
    if s.payload.is_some() {
        metrics.push(("flood_packets", |r| {
            r.rows.iter().map(|row| row.flood_packets).sum::<u64>() as f64
        }));
    }
    metrics
}

/// [`compare`] for a random-scanning worm: the baseline and each variant
/// (the specs [`wormscope_scenario::variant::RANDOM_SCAN_DEFENSES`] names) as ensembles of `runs` on the same
/// seeds ([`validate::population_ensemble`]), measured by [`population_metrics`].
/// Runs for the scenario's own duration; keeps no runs.
pub fn compare_population(
    s: &PopulationScenario,
    variants: &[Variant],
    runs: u32,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<VariantResult<PopulationRun>>, String> {
    let metrics = population_metrics(s);
    let names: Vec<&'static str> = metrics.iter().map(|(name, _)| *name).collect();
    let ensembles = with_variants(s, variants)?
        .into_iter()
        .map(|(name, sc)| {
            let runs = validate::population_ensemble(&sc, runs, done);
            let values = runs
                .iter()
                .map(|r| metrics.iter().map(|(_, value)| value(r)).collect())
                .collect();
            (name, runs, values)
        })
        .collect();
    Ok(with_starts(variant_results(&names, ensembles), variants, s))
}

pub mod flaws;
mod store;
pub mod validate;

pub use store::{NoStore, RunKey, RunStore};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_interpolate_order_statistics() {
        let v: Vec<f64> = (1..=21).map(f64::from).collect();
        let b = Band::of(&v);
        assert_eq!(b.median, 11.0);
        assert_eq!(b.p05, 2.0);
        assert_eq!(b.p95, 20.0);
        let b = Band::of(&[3.0, 1.0]);
        assert_eq!((b.p05, b.median, b.p95), (1.1, 2.0, 2.9));
        assert!(Band::of(&[]).median.is_nan());
    }

    #[test]
    fn run_seeds_differ_and_repeat() {
        assert_ne!(run_seed(1, 0), run_seed(1, 1));
        assert_ne!(run_seed(1, 0), run_seed(2, 0));
        assert_eq!(run_seed(1, 5), run_seed(1, 5));
    }

    /// A built-in worm on 2,000 vulnerable hosts in 2^20 addresses,
    /// without sensors.
    fn small(name: &str) -> PopulationScenario {
        let mut s = wormscope_scenario::builtin_population(name).unwrap();
        s.population.vulnerable = 2_000;
        s.population.other_hosts = 20_000;
        s.population.scan_space_bits = 20;
        s.sensors.clear();
        s
    }

    /// Slammer on 2,000 vulnerable hosts in 2^20 addresses for two
    /// minutes, with a patch curve that covers everyone at once when the
    /// patch is on (it is off).
    fn small_slammer() -> PopulationScenario {
        let mut s = small("slammer");
        s.duration = SimDuration::from_secs(120);
        s.defenses.patch.enabled = false;
        s.defenses.patch.curve = vec![(
            SimDuration::ZERO,
            wormscope_scenario::Percent::new(100.0).unwrap(),
        )];
        wormscope_scenario::check_population(&s).unwrap();
        s
    }

    /// Code Red in a small space, all of it infected within the hour,
    /// until 02:00 UTC on the 20th: two hours of its flood.
    fn small_codered() -> PopulationScenario {
        let mut s = small("codered2");
        s.validation.clear();
        s.duration = SimDuration::from_secs(16 * 3600);
        wormscope_scenario::check_population(&s).unwrap();
        s
    }

    #[test]
    fn moving_the_flood_target_halfway_halves_what_reaches_it() {
        let s = small_codered();
        let moved: Variant = "target-move@15h".parse().unwrap();
        let results = compare_population(&s, &[moved], 3, &|| {}).unwrap();
        let k = results[0]
            .metrics
            .iter()
            .position(|m| *m == "flood_packets")
            .expect("a worm with a flood has the metric");
        let pps = s.payload.as_ref().unwrap().packets_per_second as f64;
        for (base, moved) in results[0].runs.iter().zip(&results[1].runs) {
            let flooding = base.infection_times_us.len() as f64;
            assert_eq!(flooding, s.population.vulnerable as f64);
            let total = |r: &PopulationRun| r.rows.iter().map(|row| row.flood_packets).sum::<u64>();
            // Every host floods from 00:00 to 02:00 on the 20th; moved at
            // 01:00, half of that reaches the target.
            assert_eq!(total(base) as f64, flooding * pps * 7200.0);
            assert_eq!(total(moved) as f64, flooding * pps * 3600.0);
        }
        assert_eq!(results[1].delta_median[k], -2_000.0 * pps * 3600.0);
        // The spread is the same run by run: the flood changes nothing else.
        for (base, moved) in results[0].runs.iter().zip(&results[1].runs) {
            assert_eq!(base.infection_times_us, moved.infection_times_us);
        }
        // A worm without a flood has no such metric.
        let names: Vec<&str> = population_metrics(&small_slammer())
            .iter()
            .map(|m| m.0)
            .collect();
        assert!(!names.contains(&"flood_packets"), "{names:?}");
    }

    #[test]
    fn a_flood_of_a_name_escapes_a_moved_site_and_stops_at_a_takedown_before_its_day() {
        // Every host is infected before the 20th and floods from 00:00 to
        // 02:00 (14 h to 16 h into the run), resolving its name at 00:00.
        let carried = small_codered();
        let mut named = carried.clone();
        named.payload.as_mut().unwrap().name = Some("www1.whitehouse.gov".into());
        let specs = [
            "target-move@13h",
            "target-move@15h",
            "dns-takedown@13h",
            "dns-takedown@14h",
            "dns-takedown@15h",
        ];
        let variants: Vec<Variant> = specs.iter().map(|v| v.parse().unwrap()).collect();
        let results = compare_population(&named, &variants, 2, &|| {}).unwrap();
        let total = |r: &PopulationRun| r.rows.iter().map(|row| row.flood_packets).sum::<u64>();
        let pps = named.payload.as_ref().unwrap().packets_per_second;
        let full = named.population.vulnerable * u64::from(pps) * 7200;
        // Moved before the day, the site is found at its new address; moved
        // at 01:00, the floods resolved at 00:00 lose their second hour.
        // Taken down before 00:00 (or at it), no flood is sent; at 01:00,
        // the floods already sending go on.
        let want = [full, full, full / 2, 0, 0, full];
        // What is sent: all of it, but where the name could not be
        // resolved.
        let sent_want = [full, full, full, 0, 0, full];
        let sent = |r: &PopulationRun| r.rows.iter().map(|row| row.flood_sent).sum::<u64>();
        for ((result, want), sent_want) in results.iter().zip(want).zip(sent_want) {
            for run in &result.runs {
                assert_eq!(total(run), want, "{}", result.variant);
                assert_eq!(sent(run), sent_want, "{} sent", result.variant);
            }
        }
        // Carrying the address, an early move cuts it all; the hosts still
        // send it, to the address the site left.
        let moved: Variant = "target-move@13h".parse().unwrap();
        let results = compare_population(&carried, &[moved], 1, &|| {}).unwrap();
        assert_eq!(total(&results[1].runs[0]), 0);
        assert_eq!(sent(&results[1].runs[0]), full);
    }

    #[test]
    fn a_source_filter_leaves_of_a_spoofed_flood_what_each_first_hop_lets_out() {
        // Every host floods from 00:00 to 02:00 on the 20th (14 h to 16 h),
        // its packets' sources spoofed as Blaster's: its own A.B and a
        // random C.D. From 01:00 a share of the first hops drop sources
        // not theirs: a host alone keeps 1 of the 65,536, one in an
        // enterprise network (codered2's /22s) its network's 1,024.
        use wormscope_model::defense::{Draw, unit_draw};
        let mut s = small_codered();
        let payload = s.payload.as_mut().unwrap();
        (payload.spoofed_sources, payload.packet_bytes) = (true, 40);
        let pps = u128::from(payload.packets_per_second);
        s.defenses.spoof_filter.coverage_pct = wormscope_scenario::Percent::new(40.0).unwrap();
        wormscope_scenario::check_population(&s).unwrap();
        let e = &s.population.enterprises;
        assert_eq!(e.prefix_len, 22);
        let addresses = wormscope_engine::population::Placement::of(&s).vulnerable;
        let passing = |a: u32| -> u128 {
            let network = u64::from(a >> 10);
            if unit_draw(s.seed, Draw::EnterpriseNetwork, network) < e.share_pct.as_fraction() {
                1024
            } else {
                1
            }
        };
        let filter: Variant = "spoof-filter@15h".parse().unwrap();
        let results = compare_population(&s, &[filter], 2, &|| {}).unwrap();
        let (n, hour) = (u128::from(s.population.vulnerable), 3600 * pps);
        let total =
            |r: &PopulationRun, f: fn(&wormscope_engine::population::PopulationRow) -> u64| {
                u128::from(r.rows.iter().map(f).sum::<u64>())
            };
        for (i, (open, filtered)) in results[0].runs.iter().zip(&results[1].runs).enumerate() {
            let seed = run_seed(s.seed, i as u32);
            let covered: Vec<bool> = (0..s.population.vulnerable)
                .map(|h| unit_draw(seed, Draw::SpoofFilter, h) < 0.4)
                .collect();
            let all_passing: u128 = addresses.iter().map(|&a| passing(a)).sum();
            let second_hour: u128 = addresses
                .iter()
                .zip(&covered)
                .map(|(&a, &c)| if c { passing(a) } else { 65_536 })
                .sum();
            assert!(covered.iter().any(|&c| c) && !covered.iter().all(|&c| c));
            assert!(
                all_passing > n && all_passing < 1024 * n,
                "some in enterprises"
            );
            for run in [open, filtered] {
                assert_eq!(total(run, |r| r.flood_sent), 2 * hour * n);
                assert_eq!(
                    total(run, |r| r.flood_bcp38),
                    2 * hour * all_passing / 65_536
                );
            }
            assert_eq!(total(open, |r| r.flood_packets), 2 * hour * n);
            assert_eq!(
                total(filtered, |r| r.flood_packets),
                (hour * (65_536 * n + second_hour)) / 65_536
            );
        }
        // A flood from the hosts' own addresses loses nothing to BCP 38.
        let own = small_codered();
        let run = wormscope_engine::population::simulate_population(&own, 3, &mut |_| {});
        assert_eq!(total(&run, |r| r.flood_bcp38), 2 * hour * n);
    }

    #[test]
    fn code_red_reading_the_date_at_its_start_as_blaster_did_never_floods() {
        // Every host is infected before the 20th: read once, at the start,
        // the date says no flood, for good.
        let mut s = small_codered();
        let sent = |r: &PopulationRun| r.rows.iter().map(|row| row.flood_sent).sum::<u64>();
        let payload = s.payload.as_mut().unwrap();
        payload.date_checked = wormscope_scenario::DateCheck::AtStart;
        let run = wormscope_engine::population::simulate_population(&s, 5, &mut |_| {});
        assert_eq!(sent(&run), 0);
        assert!(run.infection_times_us.len() as u64 == s.population.vulnerable);
        // With every day of July a flood day, each host floods from its
        // own start to the run's end.
        s.payload.as_mut().unwrap().every_day_from_month = 7;
        wormscope_scenario::check_population(&s).unwrap();
        let run = wormscope_engine::population::simulate_population(&s, 5, &mut |_| {});
        let pps = u128::from(s.payload.as_ref().unwrap().packets_per_second);
        let end_us = u128::from(s.duration.as_micros());
        // The initial hosts start at 0, the others when the exploit has
        // had its `victim_start_us`.
        let delay = u128::from(
            wormscope_model::behaviour::Behaviour::population(&s)
                .delivery
                .victim_start_us(),
        );
        let initial = s.population.initial_infected as usize;
        let host_us: u128 = run
            .infection_times_us
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let start = u128::from(t) + if i < initial { 0 } else { delay };
                end_us.saturating_sub(start)
            })
            .sum();
        let want = (host_us * pps / 1_000_000) as u64;
        // Infections are listed in whole µs; starts are ns.
        let slack = run.infection_times_us.len() as u64 * pps as u64 / 1_000_000 + 1;
        assert!(
            sent(&run).abs_diff(want) <= slack,
            "{} against {want}",
            sent(&run)
        );
        let arrived: u64 = run.rows.iter().map(|row| row.flood_packets).sum();
        assert_eq!(arrived, sent(&run));
    }

    #[test]
    fn a_probe_limit_ends_the_spreading_not_the_flood() {
        // Every host stops probing after 5,000 probes, before the 20th;
        // its worm runs on and floods from 00:00 to 02:00 (14 h to 16 h),
        // as at the stop date.
        let mut s = small_codered();
        s.worm.stop.after_probes = Some(5_000);
        wormscope_scenario::check_population(&s).unwrap();
        let run = wormscope_engine::population::simulate_population(&s, 5, &mut |_| {});
        let infected = run.infection_times_us.len() as u64;
        assert!(infected > 100, "{infected}");
        assert!(
            run.infection_times_us
                .iter()
                .all(|&t| t < 13 * 3_600_000_000)
        );
        let pps = u64::from(s.payload.as_ref().unwrap().packets_per_second);
        let total: u64 = run.rows.iter().map(|row| row.flood_packets).sum();
        assert_eq!(total, infected * pps * 7200);
    }

    #[test]
    fn a_hit_list_sender_floods_from_the_start() {
        // Code Red flooding from its start (the 19th is a flood day here),
        // its one initial host sending a list of 100 at one a second, its
        // victims starting a second after, nobody scanning to speak of.
        let mut s = small("codered2");
        s.validation.clear();
        s.duration = SimDuration::from_secs(60);
        s.step = SimDuration::from_secs(10);
        s.population.initial_infected = 1;
        s.payload.as_mut().unwrap().first_day = 19;
        s.worm.hit_list = Some(wormscope_scenario::HitListConfig {
            hosts: 100,
            probes_per_second: 1.0,
        });
        s.worm.rate = wormscope_scenario::population::RateConfig::ProbeRate {
            probes_per_second: 1e-6,
        };
        wormscope_scenario::check_population(&s).unwrap();
        let run = wormscope_engine::population::simulate_population(&s, 3, &mut |_| {});
        // In the first 10 s: the initial host all along, and entries 1 to 8
        // from 2 s to 9 s: 10 + 8 + 7 + ... + 1 = 46 host-seconds.
        assert_eq!(run.rows[0].flood_packets, 46 * 10);
    }

    #[test]
    fn a_cleaned_host_stops_flooding() {
        let mut s = small_codered();
        s.defenses.cleanup.enabled = true;
        s.defenses.cleanup.per_day_pct = wormscope_scenario::Percent::new(99.0).unwrap();
        let run = wormscope_engine::population::simulate_population(&s, 7, &mut |_| {});
        let pps = s.payload.as_ref().unwrap().packets_per_second;
        let step_s = run.step_us / 1_000_000;
        let flood_from = 14 * 3600 * 1_000_000;
        let mut flooded = 0;
        for pair in run.rows.windows(2) {
            let (before, row) = (&pair[0], &pair[1]);
            if row.time_us <= flood_from {
                assert_eq!(row.flood_packets, 0, "before the 20th");
                continue;
            }
            // Hosts carrying the worm flood all step if they still do at
            // its end, part of it if cleaned in it: between the two counts.
            let (least, most) = (row.infected, before.infected);
            assert!(row.cleaned > 0 || least == most);
            let per_host = u64::from(pps) * step_s;
            assert!(
                (least * per_host..=most * per_host + 1).contains(&row.flood_packets),
                "{row:?} after {before:?}"
            );
            flooded += row.flood_packets;
        }
        assert!(flooded > 0);
        let end = run.rows.last().unwrap();
        assert!(end.infected < s.population.vulnerable, "cleanings went on");
    }

    #[test]
    fn a_random_worm_compares_on_common_seeds_with_its_own_metrics() {
        let s = small_slammer();
        let initial = s.population.initial_infected as f64;
        let patched: Variant = "patch@0h".parse().unwrap();
        let runs = 4;
        let compare_on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| compare_population(&s, std::slice::from_ref(&patched), runs, &|| {}))
                .unwrap()
        };
        let results = compare_on(1);
        assert_eq!(results.len(), 2);
        // Two minutes: no 24-hour metric, nothing of Blaster's.
        for v in &results {
            assert_eq!(v.metrics, ["peak_infected", "infected_final"]);
            assert_eq!(v.runs.len(), runs as usize);
        }
        let final_k = 1;
        let (baseline, patch) = (&results[0], &results[1]);
        // Everyone patched at the start: only the initial hosts ever carry
        // the worm, in every run.
        for k in 0..2 {
            let b = patch.bands[k];
            assert_eq!((b.p05, b.median, b.p95), (initial, initial, initial), "{k}");
        }
        assert!(
            baseline.bands[final_k].p05 > initial,
            "{:?}",
            baseline.bands
        );
        // Paired run by run on the same seeds: the patch takes hosts away.
        for k in 0..2 {
            assert!(patch.delta_median[k] < 0.0, "{:?}", patch.delta_median);
            assert_eq!(baseline.delta_median[k], 0.0);
        }
        // The same seeds give the same runs whatever the thread count.
        let again = compare_on(2);
        for (a, b) in results.iter().zip(&again) {
            assert_eq!(a.runs, b.runs);
            assert_eq!(a.bands, b.bands);
        }
        // A run that lasts a day has the 24-hour metric.
        let mut day = s.clone();
        day.duration = SimDuration::from_secs(24 * 3600);
        let names: Vec<&str> = population_metrics(&day).iter().map(|m| m.0).collect();
        assert_eq!(names, ["peak_infected", "infected_24h", "infected_final"]);
    }

    #[test]
    fn august_16_is_found_from_the_start() {
        let s = wormscope_scenario::default_scenario();
        // 2003-08-11T19:00Z to 2003-08-16T00:00Z: 4 days 5 hours.
        let (from, to) = aug16(&s).unwrap();
        assert_eq!(from, (4 * 24 + 5) * 3_600_000_000);
        assert_eq!(to - from, 86_400_000_000);
        assert!(comparison_duration(&s).as_micros() >= to);
        // Started in March, the run goes on to 16 August only where that
        // is a flood day: not for days from the 20th to the 27th.
        let mut march = s.clone();
        march.start = "2004-03-20T04:45:00Z".parse().unwrap();
        let (_, august) = aug16(&march).unwrap();
        assert_eq!(comparison_duration(&march).as_micros(), august);
        march.payload.first_day_jan_aug = 20;
        march.payload.last_day_jan_aug = 27;
        assert_eq!(
            comparison_duration(&march),
            SimDuration::from_secs(7 * 86_400)
        );
    }
}
