//! Files and tables of one simulation run.

use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use wormscope_engine::{BlasterRow, BlasterRun};
use wormscope_model::World;
use wormscope_model::blaster::Outcome;
use wormscope_model::site::SiteKind;
use wormscope_observe::{Observed, sensors_csv, sensors_json};
use wormscope_scenario::{BlasterScenario, fmt_seconds};

use crate::outputs::{OutputFile, OutputSet};
use wormscope_study::{Band, METRICS, Metrics};

/// `timeseries.csv`: one row per time step, headed `time_s` and the
/// engine's series ([`BlasterRow::SERIES`]). `time_s` is the step's end; host
/// counts are taken then; the other columns count what happened during the
/// step (probes by the start of their batch). With `dropped` (a scenario
/// with a network capacity) a last column, `probes_dropped`, counts the
/// step's probes the network dropped, as a random-scanning worm's file
/// does.
pub fn timeseries_csv(result: &BlasterRun, dropped: bool) -> String {
    let mut out = String::with_capacity(64 * (result.rows.len() + 1));
    out.push_str("time_s,");
    out.push_str(&BlasterRow::SERIES.join(","));
    if dropped {
        out.push_str(",probes_dropped");
    }
    out.push('\n');
    for (i, r) in result.rows.iter().enumerate() {
        out.push_str(&fmt_seconds((i as u64 + 1) * result.step));
        for v in r.series() {
            write!(out, ",{v}").expect("writing to a String");
        }
        if dropped {
            write!(out, ",{}", r.dropped).expect("writing to a String");
        }
        out.push('\n');
    }
    out
}

/// The world a run happened in, in numbers.
#[derive(Clone, Debug, Serialize)]
pub struct WorldSummary {
    /// Live hosts (a mobile machine counted once).
    pub hosts: u64,
    /// Hosts the worm can change (a mobile machine counted once).
    pub candidates: u64,
    /// Candidates that are mobile machines, with a home identity.
    pub mobile_machines: u64,
    pub public_live_addresses: u64,
    pub nat_sites: u64,
    pub firewalled_networks: u64,
}

impl WorldSummary {
    pub fn of(world: &World) -> WorldSummary {
        let nat = world
            .sites
            .iter()
            .filter(|s| matches!(s.kind, SiteKind::Nat { .. }))
            .count() as u64;
        let homes = u64::from(world.n_candidates - world.n_machines());
        WorldSummary {
            hosts: world.hosts.len() as u64 - homes,
            candidates: u64::from(world.n_machines()),
            mobile_machines: homes,
            public_live_addresses: world.public_live(),
            nat_sites: nat,
            firewalled_networks: world.sites.len() as u64 - nat,
        }
    }
}

/// What ran: the head of every `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct RunHeader {
    pub scenario: String,
    /// The scenario's one-line description (what the report's page says
    /// it is an outbreak of).
    pub description: String,
    pub seed: u64,
    pub wormscope_version: String,
    pub start: String,
    pub duration_s: f64,
    pub step_s: f64,
    /// The scenario file that reproduces the run: its `base` and every
    /// setting changed from that built-in, marked with the built-in's value
    /// ([`wormscope_scenario::reproducing_file`]).
    pub scenario_file: String,
}

impl RunHeader {
    pub fn of(scenario: &BlasterScenario) -> RunHeader {
        RunHeader {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            wormscope_version: env!("CARGO_PKG_VERSION").to_string(),
            start: scenario.start.to_string(),
            duration_s: scenario.duration.as_secs_f64(),
            step_s: scenario.step.as_secs_f64(),
            scenario_file: wormscope_scenario::reproducing_file(scenario),
        }
    }
}

/// `summary.json`: what ran and what it came to. Deterministic: no wall
/// clock, nothing that varies between runs of the same scenario and seed.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    #[serde(flatten)]
    pub run: RunHeader,
    pub world: WorldSummary,
    pub totals: TotalsJson,
    pub peak_infected: u64,
    pub peak_infected_time_s: f64,
}

/// Totals with each outcome named.
#[derive(Clone, Debug, Serialize)]
pub struct TotalsJson {
    pub probes: u64,
    pub probes_by_outcome: serde_json::Map<String, serde_json::Value>,
    pub infections: u64,
    pub ever_infected: u64,
    pub infected_at_end: u64,
    pub crashes: u64,
    pub hosts_crashed: u64,
    pub reboots: u64,
    pub noticed: u64,
    pub cleaned: u64,
    /// Flood SYNs sent.
    pub flood_packets: u64,
    /// Of them, those that reached the target: after the scenario's
    /// source-address filter, before the site moved away
    /// (`[defenses.target_move]`), whole packets step by step.
    pub flood_arriving_packets: u64,
    /// What would have reached it had every first hop dropped spoofed
    /// sources from the start (BCP 38), whole packets step by step (a
    /// random-scanning worm's `summary.json` has the same key).
    pub flood_bcp38_packets: u64,
    /// Hosts the worm's own payload crashed for good (`[worm.stop.crash]`);
    /// absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_crashes: Option<u64>,
    /// Probes a network capacity dropped on the way
    /// (`[worm.bandwidth] capacity_bits_per_second`; `probes` less these
    /// arrived, and have the outcomes above); absent without a capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probes_dropped: Option<u64>,
}

impl RunSummary {
    pub fn new(scenario: &BlasterScenario, world: &World, result: &BlasterRun) -> RunSummary {
        let t = &result.totals;
        let mut by = serde_json::Map::new();
        for o in Outcome::ALL {
            by.insert(o.name().to_string(), t.outcome(o).into());
        }
        let (peak_i, peak) = result
            .rows
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| (r.infected, std::cmp::Reverse(*i)))
            .map(|(i, r)| (i, r.infected))
            .unwrap_or((0, 0));
        RunSummary {
            run: RunHeader::of(scenario),
            world: WorldSummary::of(world),
            totals: TotalsJson {
                probes: t.probes,
                probes_by_outcome: by,
                infections: t.infections,
                ever_infected: t.ever_infected,
                infected_at_end: result.rows.last().map_or(0, |r| r.infected),
                crashes: t.crashes,
                hosts_crashed: t.hosts_crashed,
                reboots: t.reboots,
                noticed: t.noticed,
                cleaned: t.cleaned,
                flood_packets: result.rows.iter().map(|r| r.flood_packets).sum(),
                flood_arriving_packets: result
                    .rows
                    .iter()
                    .map(|r| r.flood_arriving_packets())
                    .sum(),
                flood_bcp38_packets: result.rows.iter().map(|r| r.flood_bcp38_packets()).sum(),
                payload_crashes: scenario
                    .worm
                    .stop
                    .crash
                    .is_some()
                    .then_some(t.payload_crashes),
                probes_dropped: scenario.network_capacity_bps().map(|_| t.probes_dropped),
            },
            peak_infected: peak,
            peak_infected_time_s: (peak_i as u64 + 1) as f64 * result.step as f64 / 1e6,
        }
    }
}

/// `summary.json` text.
pub fn summary_json(summary: &RunSummary) -> String {
    let mut s = serde_json::to_string_pretty(summary).expect("summaries serialize");
    s.push('\n');
    s
}

/// A short table by simulated hour: hosts infected at the hour's end, and
/// crashes, reboots and probes during it; with `[world.churn]`, the
/// vulnerable hosts offline at the hour's end too.
pub fn hourly_table(result: &BlasterRun) -> String {
    let hour_us = 3_600_000_000u64;
    let churn = result.rows.iter().any(|r| r.offline > 0);
    let mut out = String::new();
    write!(
        out,
        "{:>5}  {:>12}  {:>12}  {:>10}  {:>10}  {:>18}",
        "hour", "infected", "new", "crashes", "reboots", "probes"
    )
    .expect("String");
    if churn {
        write!(out, "  {:>10}", "offline").expect("String");
    }
    out.push('\n');
    let mut hour = 0u64;
    let mut acc = BlasterRow::default();
    for (i, r) in result.rows.iter().enumerate() {
        let end = (i as u64 + 1) * result.step;
        acc.new_infections += r.new_infections;
        acc.crashes += r.crashes;
        acc.reboots += r.reboots;
        acc.probes += r.probes;
        acc.infected = r.infected;
        acc.offline = r.offline;
        let last = i + 1 == result.rows.len();
        if end >= (hour + 1) * hour_us || last {
            write!(
                out,
                "{:>5}  {:>12}  {:>12}  {:>10}  {:>10}  {:>18}",
                hour + 1,
                acc.infected,
                acc.new_infections,
                acc.crashes,
                acc.reboots,
                acc.probes
            )
            .expect("String");
            if churn {
                write!(out, "  {:>10}", acc.offline).expect("String");
            }
            out.push('\n');
            hour = end / hour_us;
            acc = BlasterRow::default();
        }
    }
    out
}

/// The files of one run: `timeseries.csv`, `flood.csv`, `summary.json`.
pub fn run_files(
    scenario: &BlasterScenario,
    summary: &RunSummary,
    result: &BlasterRun,
) -> OutputSet {
    let mut files = OutputSet::new();
    files.push(
        OutputFile::Timeseries,
        timeseries_csv(result, summary.totals.probes_dropped.is_some()),
    );
    files.push(
        OutputFile::Flood,
        crate::flood_csv(result, &scenario.payload),
    );
    files.push(OutputFile::Summary, summary_json(summary));
    files
}

/// [`run_files`] and the sensors' reports of an observed run:
/// `sensors.csv`, `sensors.json` and, when there is something to draw,
/// their figure `sensors.svg` (each sensor's estimate of the infected
/// hosts against the truth).
pub fn observed_run_files(
    scenario: &BlasterScenario,
    summary: &RunSummary,
    observed: &Observed,
) -> io::Result<OutputSet> {
    let mut files = run_files(scenario, summary, &observed.result);
    let step = observed.result.step;
    let csv = sensors_csv(&observed.sensors, step);
    let figure = crate::figures::sensors_svg(&csv, OutputFile::Sensors.name(), &summary.run.start)
        .map_err(|e| io::Error::other(format!("plotting {}: {e}", OutputFile::Sensors)))?;
    files.push(OutputFile::Sensors, csv);
    files.push(
        OutputFile::SensorsJson,
        sensors_json(&observed.sensors, step),
    );
    if let Some(svg) = figure {
        files.push(OutputFile::SensorsFigure, svg);
    }
    Ok(files)
}

/// `summary.json` of an ensemble: what ran, and each metric's band over
/// the runs.
#[derive(Clone, Debug, Serialize)]
pub struct EnsembleSummary {
    #[serde(flatten)]
    pub run: RunHeader,
    pub runs: u32,
    /// The seed of each run (derived from `seed`).
    pub run_seeds: Vec<u64>,
    pub world: WorldSummary,
    /// Per metric: its 5 %, 50 % and 95 % quantiles over the runs (null
    /// where the runs are too short for the metric).
    pub metrics: serde_json::Map<String, serde_json::Value>,
}

impl EnsembleSummary {
    pub fn new(scenario: &BlasterScenario, world: &World, runs: &[BlasterRun]) -> EnsembleSummary {
        let values: Vec<[f64; METRICS.len()]> = runs
            .iter()
            .map(|r| Metrics::of(scenario, r).values())
            .collect();
        let mut metrics = serde_json::Map::new();
        for (k, name) in METRICS.iter().enumerate() {
            let sample: Vec<f64> = values.iter().map(|v| v[k]).collect();
            metrics.insert(name.to_string(), band_json(&Band::of(&sample)));
        }
        if scenario.network_capacity_bps().is_some() {
            let dropped: Vec<f64> = runs
                .iter()
                .map(|r| r.totals.probes_dropped as f64)
                .collect();
            metrics.insert(PROBES_DROPPED.into(), band_json(&Band::of(&dropped)));
        }
        EnsembleSummary {
            run: RunHeader::of(scenario),
            runs: runs.len() as u32,
            run_seeds: (0..runs.len() as u32)
                .map(|i| wormscope_study::run_seed(scenario.seed, i))
                .collect(),
            world: WorldSummary::of(world),
            metrics,
        }
    }
}

impl EnsembleSummary {
    /// One line per metric: median and 5-95 % band.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for name in METRICS.into_iter().chain([PROBES_DROPPED]) {
            let Some(b) = self.metrics.get(name) else {
                continue;
            };
            let get = |k: &str| b.get(k).and_then(|v| v.as_f64());
            match (get("median"), get("p05"), get("p95")) {
                (Some(m), Some(lo), Some(hi)) => {
                    let n = |x: f64| {
                        if x.abs() >= 100.0 {
                            format!("{x:.0}")
                        } else {
                            format!("{x:.4}")
                        }
                    };
                    writeln!(out, "{name:>18}  {} [{}, {}]", n(m), n(lo), n(hi))
                }
                _ => writeln!(out, "{name:>18}  n/a (the runs are too short)"),
            }
            .expect("String");
        }
        out
    }
}

/// The ensemble summary's metric of a scenario with a network capacity:
/// the probes it dropped over the run.
const PROBES_DROPPED: &str = "probes_dropped";

/// A band as JSON: `p05`, `median`, `p95` (null where not a number).
fn band_json(b: &Band) -> serde_json::Value {
    let num = |x: f64| serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into);
    let mut o = serde_json::Map::new();
    o.insert("p05".into(), num(b.p05));
    o.insert("median".into(), num(b.median));
    o.insert("p95".into(), num(b.p95));
    o.into()
}

/// The files of an ensemble: band columns in `timeseries.csv` and
/// `flood.csv`, and its `summary.json`.
pub fn ensemble_files(scenario: &BlasterScenario, world: &World, runs: &[BlasterRun]) -> OutputSet {
    let mut summary = serde_json::to_string_pretty(&EnsembleSummary::new(scenario, world, runs))
        .expect("summaries serialize");
    summary.push('\n');
    let mut files = OutputSet::new();
    files.push(
        OutputFile::Timeseries,
        crate::ensemble_timeseries_csv(runs, scenario.network_capacity_bps().is_some()),
    );
    files.push(
        OutputFile::Flood,
        crate::ensemble_flood_csv(runs, &scenario.payload),
    );
    files.push(OutputFile::Summary, summary);
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> BlasterRun {
        let mut rows = vec![BlasterRow::default(); 3];
        rows[0].probes = 40;
        rows[1].infected = 2;
        rows[2].infected = 1;
        BlasterRun {
            step: 1_500_000,
            rows,
            totals: Default::default(),
            events: 0,
        }
    }

    #[test]
    fn csv_has_the_promised_columns_and_a_row_per_step() {
        let csv = timeseries_csv(&result(), false);
        let mut lines = csv.lines();
        let header = lines.next().unwrap();
        for col in ["time_s", "infected", "crashed", "rebooting", "probes"] {
            assert!(header.split(',').any(|c| c == col), "{col}");
        }
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].starts_with("1.5,0,0,0,0,40,"), "{}", rows[0]);
        assert!(rows[2].starts_with("4.5,1,"), "{}", rows[2]);
    }
}
