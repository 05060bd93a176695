//! What the sensors reported, beside the ground truth: `sensors.csv` (one
//! row per sensor per time step) and `sensors.json` (each sensor's delay
//! and bias).
//!
//! **Estimators.** `sources` is the number of distinct source addresses the
//! sensor has seen so far: the distinct-source count analysts read as
//! "infected hosts seen". `estimate` is the standard extrapolation from
//! the share of space monitored, as for a worm that scans uniformly at
//! random: the incoming probes of the step, divided by the monitored share
//! of the IPv4 space `f` and by what one infected host sends in a step at
//! the worm's nominal rate (`batch_size` probes per `batch_wait`, MODEL.md:
//! "upper bound ~11 probes/s per host"), is the number of hosts scanning:
//! `estimate = incoming / (f * step_s * batch_size / batch_wait_s)`.
//! For an edge, incoming probes are those from outside into its prefix.
//! For a random-scanning worm ([`population_series`]) the rate is its mean
//! nominal rate (its uplinks' mix, or its fixed rate) and `f` the share of
//! the space it scans; the engine counts its sensors itself
//! (`wormscope_engine::population`).
//!
//! **Why a telescope undercounts Blaster.** Blaster scans sequentially from
//! its start address (MODEL.md section 1): 40 % of starts are near the
//! host's own address and the rest are uniform, and a scanner then needs
//! 16.7 million probes (about 17 days at 11 probes/s) to cross one /8. A
//! host is seen only if its scan path runs into the monitored range: a /8
//! telescope sees the few scanners whose sweep is passing through it,
//! however long the others have been scanning, so its distinct sources
//! stay a small fraction of the infected hosts, and its rate estimate
//! (which assumes every host sprays the whole space) jumps by 256 for each
//! scanner inside it. A distributed sensor's addresses are spread out, so
//! more sweeps cross one of them, but each crossing is a single probe.
//!
//! What it may not touch: files (the caller writes the text atomically).

use std::fmt::Write as _;

use serde::Serialize;
use wormscope_engine::BlasterRun;
use wormscope_engine::population::{PlacedSensor, PopulationRun};
use wormscope_model::behaviour::Behaviour;
use wormscope_scenario::fmt_seconds;
use wormscope_scenario::{PopulationScenario, SensorKind};

use crate::sensor::{Counts, SPACE_END, Sensor};

/// The header of `sensors.csv`.
pub const SENSORS_CSV_HEADER: &str = "time_s,sensor,probes,sources,estimate,truth";

/// One sensor's row for one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SensorRow {
    pub probes: u64,
    /// Distinct source addresses seen so far.
    pub sources: u64,
    /// Distinct hosts behind them seen so far (more than `sources` behind
    /// NAT, fewer under address churn).
    pub hosts: u64,
    /// Scanning hosts extrapolated from the step's incoming probes.
    pub estimate: f64,
    /// Hosts infected at the step's end (the engine's count).
    pub truth: u64,
}

/// One sensor's time series.
#[derive(Clone, Debug, PartialEq)]
pub struct SensorSeries {
    pub sensor: PlacedSensor,
    pub rows: Vec<SensorRow>,
}

/// A sensor's rows from its per-step counts (`new_sources`, `new_hosts`:
/// source addresses and hosts seen for the first time in the step) and the
/// truth; `per_host` is what one
/// scanning host sends in a step at the worm's nominal rate, and
/// `space` the addresses the worm scans.
fn rows_of(
    sensor: &PlacedSensor,
    counts: (&[u64], &[u64], &[u64], &[u64]),
    truth: impl Fn(usize) -> u64,
    per_host: f64,
    space: f64,
) -> Vec<SensorRow> {
    let (probes, incoming, new_sources, new_hosts) = counts;
    let denom = sensor.monitored as f64 / space * per_host;
    let (mut seen, mut hosts) = (0, 0);
    (0..probes.len())
        .map(|i| {
            seen += new_sources[i];
            hosts += new_hosts[i];
            SensorRow {
                probes: probes[i],
                sources: seen,
                hosts,
                estimate: if denom > 0.0 {
                    incoming[i] as f64 / denom
                } else {
                    0.0
                },
                truth: truth(i),
            }
        })
        .collect()
}

/// Each sensor's series of one random-scanning run. The estimate's rate
/// is the worm's mean nominal probe rate (its uplinks' mix, or its fixed
/// rate), its space the addresses it scans.
pub fn population_series(s: &PopulationScenario, run: &PopulationRun) -> Vec<SensorSeries> {
    let rate = Behaviour::population(s).mean_probes_per_second();
    let per_host = rate * run.step_us as f64 / 1e6;
    let space = (1u64 << s.population.scan_space_bits) as f64;
    run.sensors
        .iter()
        .map(|seen| SensorSeries {
            sensor: seen.sensor.clone(),
            rows: rows_of(
                &seen.sensor,
                // One address per host: no NAT, no churn.
                (
                    &seen.probes,
                    &seen.incoming,
                    &seen.new_sources,
                    &seen.new_sources,
                ),
                |i| run.rows[i].infected,
                per_host,
                space,
            ),
        })
        .collect()
}

/// Builds each sensor's rows from its counts and the run's truth.
pub fn series(
    sensors: &[Sensor],
    counts: &[Counts],
    result: &BlasterRun,
    probes_per_second: f64,
) -> Vec<SensorSeries> {
    let step = result.step;
    let step_s = step as f64 / 1e6;
    let per_host = probes_per_second * step_s;
    sensors
        .iter()
        .zip(counts)
        .map(|(s, c)| {
            let n = result.rows.len();
            let by_step = |times: &mut dyn Iterator<Item = &u64>| {
                let mut new = vec![0u64; n];
                for &t in times {
                    new[((t / step) as usize).min(n - 1)] += 1;
                }
                new
            };
            let new_sources = by_step(&mut c.first_seen.values());
            let new_hosts = by_step(&mut c.hosts_first_seen.values());
            let sensor = s.placed();
            let rows = rows_of(
                &sensor,
                (&c.probes, &c.incoming, &new_sources, &new_hosts),
                |i| result.rows[i].infected,
                per_host,
                SPACE_END as f64,
            );
            SensorSeries { sensor, rows }
        })
        .collect()
}

/// `sensors.csv`: long format, one row per sensor per step, sensors in
/// scenario order within a step; `time_s` is the step's end.
pub fn sensors_csv(series: &[SensorSeries], step: u64) -> String {
    let n = series.first().map_or(0, |s| s.rows.len());
    let mut out = String::with_capacity(48 * (n * series.len() + 1));
    out.push_str(SENSORS_CSV_HEADER);
    out.push('\n');
    for i in 0..n {
        let end = fmt_seconds((i as u64 + 1) * step);
        for s in series {
            let r = &s.rows[i];
            writeln!(
                out,
                "{end},{},{},{},{:.1},{}",
                s.sensor.name, r.probes, r.sources, r.estimate, r.truth
            )
            .expect("writing to a String");
        }
    }
    out
}

/// A sensor against the truth at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bias {
    pub hours: f64,
    pub truth: u64,
    pub sources: u64,
    /// Distinct hosts seen (`sources` counts their addresses).
    pub hosts: u64,
    /// Distinct source addresses seen (the same as `sources`).
    pub addresses: u64,
    pub estimate: f64,
    /// `sources / truth - 1`.
    pub sources_bias: f64,
    /// `hosts / truth - 1`.
    pub hosts_bias: f64,
    /// `estimate / truth - 1`.
    pub estimate_bias: f64,
}

/// One sensor in `sensors.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SensorSummary {
    pub name: String,
    pub kind: &'static str,
    /// The prefix watched (telescope, edge).
    pub prefix: Option<String>,
    pub monitored_addresses: u64,
    pub report_delay_s: f64,
    pub probes: u64,
    /// Distinct source addresses seen over the run (also `addresses`).
    pub sources: u64,
    /// Distinct hosts seen over the run: more than `addresses` behind NAT,
    /// fewer under address churn (`[world.churn]`).
    pub hosts: u64,
    pub addresses: u64,
    /// Hours until the distinct sources seen first reached half the hosts
    /// infected at that moment; `null` if they never did.
    pub half_seen_hours: Option<f64>,
    /// At 24 h and 48 h, where the run lasted that long.
    pub bias: Vec<Bias>,
}

/// Each sensor's delay and bias.
pub fn summaries(series: &[SensorSeries], step: u64) -> Vec<SensorSummary> {
    let hours = |i: usize| (i as u64 + 1) as f64 * step as f64 / 3.6e9;
    series
        .iter()
        .map(|s| {
            let half = s
                .rows
                .iter()
                .position(|r| r.truth > 0 && 2 * r.sources >= r.truth)
                .map(hours);
            let bias = [24u64, 48]
                .iter()
                .filter_map(|&h| {
                    let end = h * 3_600_000_000;
                    if end % step != 0 {
                        return None;
                    }
                    let i = (end / step).checked_sub(1)? as usize;
                    let r = s.rows.get(i)?;
                    let rel = |x: f64| {
                        if r.truth == 0 {
                            0.0
                        } else {
                            x / r.truth as f64 - 1.0
                        }
                    };
                    Some(Bias {
                        hours: h as f64,
                        truth: r.truth,
                        sources: r.sources,
                        hosts: r.hosts,
                        addresses: r.sources,
                        estimate: r.estimate,
                        sources_bias: rel(r.sources as f64),
                        hosts_bias: rel(r.hosts as f64),
                        estimate_bias: rel(r.estimate),
                    })
                })
                .collect();
            SensorSummary {
                name: s.sensor.name.clone(),
                kind: s.sensor.kind.name(),
                prefix: match s.sensor.kind {
                    SensorKind::Distributed => None,
                    _ => s.sensor.prefix.map(|p| p.to_string()),
                },
                monitored_addresses: s.sensor.monitored,
                report_delay_s: s.sensor.delay_us as f64 / 1e6,
                probes: s.rows.iter().map(|r| r.probes).sum(),
                sources: s.rows.last().map_or(0, |r| r.sources),
                hosts: s.rows.last().map_or(0, |r| r.hosts),
                addresses: s.rows.last().map_or(0, |r| r.sources),
                half_seen_hours: half,
                bias,
            }
        })
        .collect()
}

/// `sensors.json` text.
pub fn sensors_json(series: &[SensorSeries], step: u64) -> String {
    #[derive(Serialize)]
    struct File {
        estimator: &'static str,
        sensors: Vec<SensorSummary>,
    }
    let f = File {
        estimator: "sources (addresses): distinct source addresses seen so far; hosts: distinct hosts behind them; estimate: incoming probes of the step / (monitored share of the scanned space * probes one host sends in a step at the worm's nominal rate)",
        sensors: summaries(series, step),
    };
    let mut s = serde_json::to_string_pretty(&f).expect("summaries serialize");
    s.push('\n');
    s
}
