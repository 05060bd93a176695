//! What `wormscope validate` prints and writes, and the files of one
//! random-scanning run: the published figures beside the simulated bands
//! (table, JSON), the time series of a run, and the figure of an
//! ensemble's infected hosts and delivered scan rate.

use std::fmt::Write;

use wormscope_engine::random::{RandomRow, RandomScanRun};
use wormscope_scenario::RandomScanScenario;
use wormscope_study::Band;
use wormscope_study::validate::{FigureCheck, check_figures};

use crate::plot::{Chart, Scale, Series, line_chart, short_number};

/// The validation table: one line per figure, PASS or FAIL last.
pub fn validation_table(checks: &[FigureCheck]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<44} {:>10} {:>10} {:>20} {:>20}  result",
        "scenario", "figure", "published", "simulated", "band (5-95 %)", "tolerance"
    );
    for c in checks {
        let _ = writeln!(
            out,
            "{:<10} {:<44} {:>10} {:>10} {:>20} {:>20}  {}",
            c.scenario,
            format!("{} ({})", c.figure, c.unit),
            figure_number(c.published),
            figure_number(c.simulated),
            format!("[{}, {}]", figure_number(c.p05), figure_number(c.p95)),
            c.tolerance,
            if c.pass { "PASS" } else { "FAIL" }
        );
    }
    out
}

/// A published or simulated figure as people read it: large values short
/// (`55M`), the rest whole or to three decimals (a fitted K of 1.802 is not
/// rounded to the 1.8 it is compared with).
pub(crate) fn figure_number(v: f64) -> String {
    if !v.is_finite() {
        "n/a".into()
    } else if v.abs() >= 10_000.0 {
        short_number(v)
    } else if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The checks as a JSON list of objects (`scenario`, `figure`, `unit`,
/// `published`, `simulated`, `p05`, `p95`, `tolerance`, `pass`, `runs`,
/// `source`). Unmeasurable values are `null`.
pub fn validation_json(checks: &[FigureCheck]) -> String {
    let mut text = serde_json::to_string_pretty(checks).expect("checks serialize");
    text.push('\n');
    text
}

/// `timeseries.csv` of a random-scanning run (`time_s` first, then
/// [`RandomRow::COLUMNS`] but `time_us`).
pub fn random_timeseries_csv(run: &RandomScanRun) -> String {
    let mut out = String::from("time_s");
    for c in &RandomRow::COLUMNS[1..] {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    for r in &run.rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.time_us as f64 / 1e6,
            r.infected,
            r.new_infections,
            r.scanning,
            r.probes_offered,
            r.probes_delivered,
            r.probes_dropped,
            r.probes_infecting,
            r.probes_infected,
            r.probes_other,
            r.probes_empty
        );
    }
    out
}

/// The files of one random-scanning run: `timeseries.csv`, `summary.json`,
/// `validation.json` (the scenario's figures measured on this run) and
/// `outbreak.svg`.
pub fn random_run_files(
    s: &RandomScanScenario,
    run: &RandomScanRun,
) -> Vec<(&'static str, Vec<u8>)> {
    let checks = check_figures(s, std::slice::from_ref(run));
    let summary = serde_json::json!({
        "scenario": s.name,
        "description": s.description,
        "seed": s.seed,
        "start": s.start.to_string(),
        "duration_s": s.duration.as_secs_f64(),
        "vulnerable": run.vulnerable,
        "infected": run.infection_times_us.len(),
        "probes_offered": run.total(|r| r.probes_offered),
        "probes_delivered": run.total(|r| r.probes_delivered),
        "events": run.events,
    });
    let mut json = serde_json::to_string_pretty(&summary).expect("summary serializes");
    json.push('\n');
    vec![
        ("timeseries.csv", random_timeseries_csv(run).into_bytes()),
        ("summary.json", json.into_bytes()),
        ("validation.json", validation_json(&checks).into_bytes()),
        (
            "outbreak.svg",
            outbreak_svg(s, std::slice::from_ref(run)).into_bytes(),
        ),
    ]
}

/// Infected hosts and the delivered scan rate against time: the median
/// with its 5-95 % band over `runs` (one run: its lines).
pub fn outbreak_svg(s: &RandomScanScenario, runs: &[RandomScanRun]) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let (unit, scale) = if s.duration.as_secs_f64() > 4.0 * 3600.0 {
        ("hours", 3600.0)
    } else {
        ("minutes", 60.0)
    };
    let step_s = first.step_us as f64 / 1e6;
    let series = |name: &str, value: &dyn Fn(&RandomRow) -> f64| {
        let mut points = Vec::new();
        let mut band = Vec::new();
        for (i, row) in first.rows.iter().enumerate() {
            let values: Vec<f64> = runs.iter().map(|r| value(&r.rows[i])).collect();
            let b = Band::of(&values);
            let x = row.time_us as f64 / 1e6 / scale;
            points.push((x, b.median));
            band.push((b.p05, b.p95));
        }
        if runs.len() > 1 {
            Series::banded(name, points, band)
        } else {
            Series::line(name, points)
        }
    };
    let infected = line_chart(&Chart {
        title: format!("{}: infected hosts ({} runs)", s.name, runs.len()),
        x_label: format!("{unit} since {}", s.start),
        y_label: "hosts".into(),
        series: vec![series("infected", &|r| r.infected as f64)],
        ..Chart::default()
    });
    let rate = line_chart(&Chart {
        title: format!("{}: probes per second", s.name),
        x_label: format!("{unit} since {}", s.start),
        y_label: "probes/s".into(),
        y_scale: Scale::Log,
        series: vec![
            series("offered", &|r| r.probes_offered as f64 / step_s),
            series("delivered", &|r| r.probes_delivered as f64 / step_s),
        ],
        ..Chart::default()
    });
    stack_svgs(&[infected, rate])
}

/// Stacks SVG documents vertically into one.
fn stack_svgs(parts: &[String]) -> String {
    let height = 420 * parts.len();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"{height}\" \
         viewBox=\"0 0 960 {height}\">\n"
    );
    for (i, part) in parts.iter().enumerate() {
        let body = part.split_once('>').map_or(part.as_str(), |(_, rest)| rest);
        let body = body.trim_end().strip_suffix("</svg>").unwrap_or(body);
        let _ = writeln!(out, "<g transform=\"translate(0,{})\">{body}</g>", i * 420);
    }
    out.push_str("</svg>\n");
    out
}
