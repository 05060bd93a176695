//! Files and tables of the flood, of ensembles and of comparisons.
//!
//! - `flood.csv`: the SYN flood arriving at its target per step, and what
//!   would arrive if every first-hop network filtered spoofed sources.
//! - ensemble `timeseries.csv` / `flood.csv`: for each series `X`, the
//!   columns `X_p05`, `X_median`, `X_p95` over the runs.
//! - `comparison.json` and the comparison table: one entry per variant with
//!   each metric's band and its paired difference from the baseline;
//!   `comparison-timeseries.csv`, each variant's infected hosts over time.
//!   Of either kind of worm ([`ComparedRun`]).

use std::fmt::Write as _;

use serde_json::{Map, Value};
use wormscope_engine::population::{PopulationRow, PopulationRun};
use wormscope_engine::{BlasterRow, BlasterRun};
use wormscope_scenario::{FloodPayload, PayloadConfig};
use wormscope_study::{Band, VariantResult, bands_by_row, row_bands};

use wormscope_scenario::fmt_seconds;

/// The columns of `flood.csv` after `time_s`.
pub const FLOOD_COLUMNS: [&str; 4] = [
    "flood_pps",
    "flood_bps",
    "flood_pps_filtered",
    "flood_bps_filtered",
];

/// One step's flood at its target: packets/s and bits/s arriving (after
/// the scenario's own source filter, if any), then the same if every
/// first-hop network filtered spoofed sources (BCP 38).
pub fn flood_rates(row: &BlasterRow, step_us: u64, payload: &PayloadConfig) -> [f64; 4] {
    let seconds = step_us as f64 / 1e6;
    let bits = f64::from(payload.packet_bytes) * 8.0;
    let pps = row.flood_arriving_units as f64 / 65_536.0 / seconds;
    let filtered = row.flood_bcp38_units as f64 / 65_536.0 / seconds;
    [pps, pps * bits, filtered, filtered * bits]
}

/// `n` of `noun` in words: "1 run", "2 runs" (a noun whose plural takes
/// an `s`).
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A number as a CSV cell: integers plainly, others with at most three
/// decimals, NaN as an empty cell.
fn cell(v: f64) -> String {
    if v.is_nan() {
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(crate) fn csv(step: u64, header: &[String], columns: &[Vec<f64>]) -> String {
    let n = columns.first().map_or(0, Vec::len);
    let mut out = String::with_capacity(16 * (n + 1) * (header.len() + 1));
    out.push_str("time_s,");
    out.push_str(&header.join(","));
    out.push('\n');
    for i in 0..n {
        out.push_str(&fmt_seconds((i as u64 + 1) * step));
        for c in columns {
            write!(out, ",{}", cell(c[i])).expect("writing to a String");
        }
        out.push('\n');
    }
    out
}

/// `flood.csv` of one run.
pub fn flood_csv(result: &BlasterRun, payload: &PayloadConfig) -> String {
    let rates: Vec<[f64; 4]> = result
        .rows
        .iter()
        .map(|r| flood_rates(r, result.step, payload))
        .collect();
    let columns: Vec<Vec<f64>> = (0..4)
        .map(|k| rates.iter().map(|r| r[k]).collect())
        .collect();
    let header: Vec<String> = FLOOD_COLUMNS.iter().map(|c| c.to_string()).collect();
    csv(result.step, &header, &columns)
}

/// Band columns `X_p05, X_median, X_p95` for each series `X` of `names`,
/// whose value in a row is `value(row, index of X)`.
fn band_csv(
    runs: &[BlasterRun],
    names: &[&str],
    value: impl Fn(&BlasterRow, usize) -> f64,
) -> String {
    let step = runs.first().map_or(1, |r| r.step);
    bands_csv(step, names, |k| row_bands(runs, |r| value(r, k)))
}

/// Band columns `X_p05, X_median, X_p95` for each series `X` of `names`;
/// `bands(k)` gives series `k`'s band in each row (rows `step` µs apart).
pub(crate) fn bands_csv(step: u64, names: &[&str], bands: impl Fn(usize) -> Vec<Band>) -> String {
    let mut header = Vec::new();
    let mut columns = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let bands = bands(k);
        for (suffix, pick) in [
            ("p05", (|b: &Band| b.p05) as fn(&Band) -> f64),
            ("median", |b: &Band| b.median),
            ("p95", |b: &Band| b.p95),
        ] {
            header.push(format!("{name}_{suffix}"));
            columns.push(bands.iter().map(pick).collect());
        }
    }
    csv(step, &header, &columns)
}

/// An ensemble's `timeseries.csv`: every series of [`BlasterRow::SERIES`] as a
/// band over the runs; with `dropped` (a network capacity) the probes it
/// dropped last, as `probes_dropped`.
pub fn ensemble_timeseries_csv(runs: &[BlasterRun], dropped: bool) -> String {
    let mut names = BlasterRow::SERIES.to_vec();
    if dropped {
        names.push("probes_dropped");
    }
    band_csv(runs, &names, |r, k| match r.series().get(k) {
        Some(&v) => v as f64,
        None => r.dropped as f64,
    })
}

/// An ensemble's `flood.csv`: each flood column as a band over the runs.
pub fn ensemble_flood_csv(runs: &[BlasterRun], payload: &PayloadConfig) -> String {
    let step = runs.first().map_or(1, |r| r.step);
    band_csv(runs, &FLOOD_COLUMNS, |r, k| {
        flood_rates(r, step, payload)[k]
    })
}

/// One step's flood of a random-scanning worm (`[payload]`) at its
/// target, in [`FLOOD_COLUMNS`]: what arrived, then what would have if
/// every first hop dropped spoofed sources (BCP 38). A flood from the
/// senders' own addresses (a TCP flood needs its answers) loses nothing to
/// such a filter, so its `_filtered` columns equal the others.
pub fn population_flood_rates(
    row: &PopulationRow,
    step_us: u64,
    payload: &FloodPayload,
) -> [f64; 4] {
    let seconds = step_us as f64 / 1e6;
    let bits = f64::from(payload.packet_bytes) * 8.0;
    let pps = row.flood_packets as f64 / seconds;
    let filtered = row.flood_bcp38 as f64 / seconds;
    [pps, pps * bits, filtered, filtered * bits]
}

/// A random-scanning worm's `flood.csv`: one run's rates, or each column
/// as a band over several runs.
pub fn population_flood_csv(runs: &[PopulationRun], payload: &FloodPayload) -> String {
    let step = runs.first().map_or(1, |r| r.step_us);
    let rates = |r: &PopulationRun, i: usize| population_flood_rates(&r.rows[i], step, payload);
    if let [run] = runs {
        let columns: Vec<Vec<f64>> = (0..4)
            .map(|k| (0..run.rows.len()).map(|i| rates(run, i)[k]).collect())
            .collect();
        let header: Vec<String> = FLOOD_COLUMNS.iter().map(|c| c.to_string()).collect();
        return csv(step, &header, &columns);
    }
    let n_rows = runs.first().map_or(0, |r| r.rows.len());
    bands_csv(step, &FLOOD_COLUMNS, |k| {
        bands_by_row(runs, n_rows, |r, i| rates(r, i)[k])
    })
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A run of either kind of worm, as a comparison's table and curves read
/// it.
pub trait ComparedRun {
    /// The text table's columns, a heading and a metric each; a study that
    /// did not measure a metric (a random worm's run shorter than a day has
    /// no 24-hour count) leaves its column out.
    const COLUMNS: &'static [(&'static str, &'static str)];
    /// Columns that stand in for one of [`ComparedRun::COLUMNS`] whose
    /// metric no run could measure: (its metric, the stand-in's heading,
    /// the stand-in's metric).
    const STAND_INS: &'static [(&'static str, &'static str, &'static str)] = &[];
    /// The time series' step, µs.
    fn step_us(&self) -> u64;
    /// Rows of the time series.
    fn n_rows(&self) -> usize;
    /// Hosts infected at the end of row `i`.
    fn infected_in(&self, i: usize) -> f64;
}

impl ComparedRun for BlasterRun {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("peak infected", "peak_infected"),
        ("infected 24 h", "infected_24h"),
        ("infected 7 d", "infected_7d"),
        ("hosts crashed", "crashed"),
        ("flood Gbit/s 16 Aug", "flood_gbps_aug16"),
    ];
    /// A run that does not cover 16 August still shows its flood.
    const STAND_INS: &'static [(&'static str, &'static str, &'static str)] =
        &[("flood_gbps_aug16", "flood packets", "flood_packets")];
    fn step_us(&self) -> u64 {
        self.step
    }
    fn n_rows(&self) -> usize {
        self.rows.len()
    }
    fn infected_in(&self, i: usize) -> f64 {
        self.rows[i].infected as f64
    }
}

impl ComparedRun for PopulationRun {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("peak infected", "peak_infected"),
        ("infected 24 h", "infected_24h"),
        ("infected at end", "infected_final"),
        ("flood packets", "flood_packets"),
    ];
    fn step_us(&self) -> u64 {
        self.step_us
    }
    fn n_rows(&self) -> usize {
        self.rows.len()
    }
    fn infected_in(&self, i: usize) -> f64 {
        self.rows[i].infected as f64
    }
}

/// One JSON object per variant: `variant`, then for each metric `M` the
/// study measured the keys `M_p05`, `M_median`, `M_p95`, `M_delta_median`
/// (null where the runs were too short for the metric).
pub fn comparison_objects<R>(results: &[VariantResult<R>]) -> Vec<Value> {
    results
        .iter()
        .map(|v| {
            let mut o = Map::new();
            o.insert("variant".into(), Value::String(v.variant.clone()));
            for (k, name) in v.metrics.iter().enumerate() {
                let b = v.bands[k];
                o.insert(format!("{name}_p05"), number(b.p05));
                o.insert(format!("{name}_median"), number(b.median));
                o.insert(format!("{name}_p95"), number(b.p95));
                o.insert(format!("{name}_delta_median"), number(v.delta_median[k]));
            }
            if !v.defense_starts_us.is_empty() {
                // When the variant's defenses start: the comparison chart
                // marks them.
                let starts = v
                    .defense_starts_us
                    .iter()
                    .map(|&us| number(us as f64 / 1e6))
                    .collect();
                o.insert("defense_starts_s".into(), Value::Array(starts));
            }
            Value::Object(o)
        })
        .collect()
}

/// The header of `comparison-timeseries.csv`.
pub const COMPARISON_SERIES_HEADER: &str =
    "time_s,variant,infected_p05,infected_median,infected_p95";

/// `comparison-timeseries.csv`: each variant's infected hosts per step, as
/// a band over its runs, in long format (the variants in
/// `comparison.json`'s order, each over every step). A variant's name holds
/// no comma or quote (the variant reader refuses them).
pub fn comparison_timeseries_csv<R: ComparedRun>(results: &[VariantResult<R>]) -> String {
    let mut out = String::from(COMPARISON_SERIES_HEADER);
    out.push('\n');
    for v in results {
        let step = v.runs.first().map_or(1, ComparedRun::step_us);
        let n_rows = v.runs.first().map_or(0, ComparedRun::n_rows);
        let bands = bands_by_row(&v.runs, n_rows, |r, i| r.infected_in(i));
        for (i, b) in bands.iter().enumerate() {
            writeln!(
                out,
                "{},{},{},{},{}",
                fmt_seconds((i as u64 + 1) * step),
                v.variant,
                cell(b.p05),
                cell(b.median),
                cell(b.p95)
            )
            .expect("writing to a String");
        }
    }
    out
}

/// `comparison.json` text.
pub fn comparison_json<R>(results: &[VariantResult<R>]) -> String {
    let mut s =
        serde_json::to_string_pretty(&comparison_objects(results)).expect("comparisons serialize");
    s.push('\n');
    s
}

/// A compact human number for tables ([`crate::numbers::short_number`]),
/// `n/a` for a metric the runs were too short for.
pub(crate) fn short(v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else {
        crate::numbers::short_number(v)
    }
}

/// The comparison as a text table: per variant and metric of
/// [`ComparedRun::COLUMNS`], the median with its 5-95 % band, and the
/// paired change from the baseline.
pub fn comparison_table<R: ComparedRun>(results: &[VariantResult<R>], runs: u32) -> String {
    let measured = results.first().map_or(&[][..], |v| &v.metrics[..]);
    let unmeasured = |k: usize| results.iter().all(|v| v.bands[k].median.is_nan());
    let columns: Vec<(&str, usize)> = R::COLUMNS
        .iter()
        .filter_map(|&(heading, metric)| {
            let k = measured.iter().position(|m| *m == metric)?;
            let stand_in = R::STAND_INS.iter().find(|(of, _, _)| *of == metric);
            match stand_in {
                Some(&(_, heading, metric)) if unmeasured(k) => {
                    Some((heading, measured.iter().position(|m| *m == metric)?))
                }
                _ => Some((heading, k)),
            }
        })
        .collect();
    let width = results
        .iter()
        .map(|v| v.variant.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = String::new();
    writeln!(
        out,
        "{} per variant on common seeds; median [5 %, 95 %], change from baseline (paired median)",
        counted(u64::from(runs), "run")
    )
    .expect("String");
    write!(out, "{:<width$}", "variant").expect("String");
    for (name, _) in &columns {
        write!(out, "  {name:>26}").expect("String");
    }
    out.push('\n');
    for v in results {
        write!(out, "{:<width$}", v.variant).expect("String");
        for &(_, k) in &columns {
            let b = v.bands[k];
            let cell = format!("{} [{}, {}]", short(b.median), short(b.p05), short(b.p95));
            write!(out, "  {cell:>26}").expect("String");
        }
        out.push('\n');
        if v.variant != "baseline" {
            write!(out, "{:<width$}", "").expect("String");
            for &(_, k) in &columns {
                let d = v.delta_median[k];
                let sign = if d > 0.0 { "+" } else { "" };
                let cell = format!("{sign}{}", short(d));
                write!(out, "  {cell:>26}").expect("String");
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_no_run_could_measure_gives_way_to_its_stand_in() {
        let band = |median: f64| wormscope_study::Band {
            p05: median,
            median,
            p95: median,
        };
        let result = |variant: &str, aug16: f64, packets: f64| VariantResult::<BlasterRun> {
            variant: variant.into(),
            metrics: wormscope_study::METRICS.to_vec(),
            bands: wormscope_study::METRICS
                .iter()
                .map(|m| match *m {
                    "flood_gbps_aug16" => band(aug16),
                    "flood_packets" => band(packets),
                    _ => band(1.0),
                })
                .collect(),
            delta_median: vec![0.0; wormscope_study::METRICS.len()],
            runs: Vec::new(),
            defense_starts_us: Vec::new(),
        };
        // A run that covers 16 August: its column, as ever.
        let table = comparison_table(&[result("baseline", 0.5, 9e9)], 1);
        assert!(
            table.contains("flood Gbit/s 16 Aug") && !table.contains("flood packets"),
            "{table}"
        );
        // One that does not: the whole run's flood instead.
        let table = comparison_table(
            &[
                result("baseline", f64::NAN, 9e9),
                result("patch", f64::NAN, 4e9),
            ],
            1,
        );
        assert!(
            !table.contains("16 Aug") && table.contains("flood packets"),
            "{table}"
        );
        assert!(table.contains("9G") && table.contains("4G"), "{table}");
    }

    fn run(infected: &[u64], flood: u64) -> BlasterRun {
        BlasterRun {
            step: 60_000_000,
            rows: infected
                .iter()
                .map(|&i| BlasterRow {
                    infected: i,
                    flood_arriving_units: flood * 65_536,
                    flood_bcp38_units: flood,
                    ..BlasterRow::default()
                })
                .collect(),
            totals: Default::default(),
            events: 0,
        }
    }

    #[test]
    fn ensemble_columns_are_bands_of_each_series() {
        let runs = [run(&[1, 10], 0), run(&[3, 30], 0), run(&[2, 20], 0)];
        let csv = ensemble_timeseries_csv(&runs, false);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(
            &header[..4],
            &["time_s", "infected_p05", "infected_median", "infected_p95"]
        );
        assert_eq!(header.len(), 1 + 3 * BlasterRow::SERIES.len());
        let second: Vec<&str> = lines.nth(1).unwrap().split(',').collect();
        assert_eq!(&second[..4], &["120", "11", "20", "29"]);

        // Under a network capacity the dropped probes come last, banded.
        let mut runs = runs;
        for (r, dropped) in runs.iter_mut().zip([5, 7, 9]) {
            r.rows[1].dropped = dropped;
        }
        let csv = ensemble_timeseries_csv(&runs, true);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), 1 + 3 * (BlasterRow::SERIES.len() + 1));
        assert_eq!(
            &header[header.len() - 3..],
            &[
                "probes_dropped_p05",
                "probes_dropped_median",
                "probes_dropped_p95"
            ]
        );
        let second: Vec<&str> = lines.nth(1).unwrap().split(',').collect();
        assert_eq!(&second[second.len() - 3..], &["5.2", "7", "8.8"]);
    }

    #[test]
    fn flood_rates_follow_the_payload() {
        let payload = wormscope_scenario::default_scenario().payload;
        // 3,000 SYNs in a minute: 50 per second, 16 kbit/s at 40 bytes.
        let r = run(&[1], 3_000);
        let rates = flood_rates(&r.rows[0], r.step, &payload);
        assert_eq!(rates[0], 50.0);
        assert_eq!(rates[1], 16_000.0);
        let csv = flood_csv(&r, &payload);
        assert!(csv.starts_with("time_s,flood_pps,flood_bps,flood_pps_filtered"));
        assert!(
            csv.lines().nth(1).unwrap().starts_with("60,50,16000,"),
            "{csv}"
        );
    }
}
