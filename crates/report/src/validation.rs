//! What `wormscope validate` prints and writes, and the files of one
//! random-scanning run: the published figures beside the simulated bands
//! (table, JSON), the time series of a run, and the figure of an
//! ensemble's infected hosts and delivered scan rate.

use std::fmt::Write;

use wormscope_engine::population::{PopulationRow, PopulationRun};
use wormscope_observe::{SensorRow, SensorSeries, population_series, sensors_csv, sensors_json};
use wormscope_scenario::figure::{Figure, Measure};
use wormscope_scenario::{BlasterScenario, PopulationScenario, SensorKind};
use wormscope_study::validate::{BlasterOutbreak, FigureCheck, check_figures};
use wormscope_study::{Band, bands_by_row};

use crate::ensemble::{bands_csv, csv};
use wormscope_scenario::fmt_seconds;

use crate::numbers::figure_number;
use crate::outputs::{OutputFile, OutputSet};
use crate::plot::{Chart, PALETTE, Scale, Series, line_chart};

/// The validation table: one line per figure, PASS or FAIL last.
pub fn validation_table(checks: &[FigureCheck]) -> String {
    let mut out = String::new();
    // The built-ins' names and figures fit 10 and 44 columns; a longer
    // one widens its column rather than push the rest out of line.
    let figure = |c: &FigureCheck| format!("{} ({})", c.figure, c.unit);
    let name_w = checks
        .iter()
        .map(|c| c.scenario.chars().count())
        .fold(10, usize::max);
    let figure_w = checks
        .iter()
        .map(|c| figure(c).chars().count())
        .fold(44, usize::max);
    let _ = writeln!(
        out,
        "{:<name_w$} {:<figure_w$} {:>10} {:>10} {:>20} {:>20}  result",
        "scenario", "figure", "published", "simulated", "band (5-95 %)", "tolerance"
    );
    for c in checks {
        let _ = writeln!(
            out,
            "{:<name_w$} {:<figure_w$} {:>10} {:>10} {:>20} {:>20}  {}",
            c.scenario,
            figure(c),
            figure_number(c.published),
            figure_number(c.simulated),
            // One run has no band to show.
            if c.runs > 1 {
                format!("[{}, {}]", figure_number(c.p05), figure_number(c.p95))
            } else {
                "(1 run)".to_string()
            },
            c.tolerance,
            verdict(c)
        );
    }
    out
}

/// PASS, FAIL, or n/a for a figure the runs could not measure (too short,
/// or never reaching the share); n/a is not a pass.
pub(crate) fn verdict(c: &FigureCheck) -> &'static str {
    if c.pass {
        "PASS"
    } else if c.simulated.is_finite() {
        "FAIL"
    } else {
        "n/a"
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

/// `timeseries.csv` of a random-scanning run: `time_s`, then
/// [`PopulationRow::COLUMNS`] but `time_us`.
pub fn population_timeseries_csv(run: &PopulationRun) -> String {
    let header: Vec<String> = PopulationRow::COLUMNS[1..]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let columns: Vec<Vec<f64>> = (0..header.len())
        .map(|k| run.rows.iter().map(|r| r.values()[k] as f64).collect())
        .collect();
    csv(run.step_us, &header, &columns)
}

/// A number read off one run.
type RunValue = dyn Fn(&PopulationRun) -> f64;

/// An ensemble's `timeseries.csv`: each column as `X_p05`, `X_median`,
/// `X_p95` over the runs.
pub fn population_ensemble_timeseries_csv(runs: &[PopulationRun]) -> String {
    let step = runs.first().map_or(1, |r| r.step_us);
    let n_rows = runs.first().map_or(0, |r| r.rows.len());
    bands_csv(step, &PopulationRow::COLUMNS[1..], |k| {
        bands_by_row(runs, n_rows, |r, i| r.rows[i].values()[k] as f64)
    })
}

/// The files of a random-scanning run or ensemble: `timeseries.csv` (one
/// run's columns, or bands over the runs), `summary.json`,
/// `validation.json` (the scenario's figures measured on the runs) and
/// `outbreak.svg`.
pub fn population_run_files(s: &PopulationScenario, runs: &[PopulationRun]) -> OutputSet {
    let checks = check_figures(s, runs);
    let band = |value: &RunValue| {
        let values: Vec<f64> = runs.iter().map(value).collect();
        Band::of(&values)
    };
    let mut summary = serde_json::json!({
        "scenario": s.name,
        "description": s.description,
        "seed": s.seed,
        "wormscope_version": env!("CARGO_PKG_VERSION"),
        "start": s.start.to_string(),
        "duration_s": s.duration.as_secs_f64(),
        "step_s": s.step.as_secs_f64(),
        "vulnerable": s.population.vulnerable,
        "scenario_file": wormscope_scenario::reproducing_population_file(s),
    });
    let fields = summary.as_object_mut().expect("an object");
    // `infected` is every host the worm ever reached (the validation
    // figures' "hosts infected"), kept under its first name beside
    // `ever_infected`; `infected_at_end` those still carrying it at the
    // end, `timeseries.csv`'s last `infected`, fewer once hosts are
    // cleaned.
    let mut totals: Vec<(&str, &RunValue)> = vec![
        ("infected", &|r| r.infection_times_us.len() as f64),
        ("ever_infected", &|r| r.infection_times_us.len() as f64),
        ("infected_at_end", &|r| {
            r.rows.last().map_or(0, |row| row.infected) as f64
        }),
        ("probes_offered", &|r| {
            r.total(|row| row.probes_offered) as f64
        }),
        ("probes_delivered", &|r| {
            r.total(|row| row.probes_delivered) as f64
        }),
        ("events", &|r| r.events as f64),
    ];
    if s.payload.is_some() {
        // What reached the flood's target over the run, and what was sent
        // (more once the target has moved away).
        totals.push(("flood_packets", &|r| {
            r.total(|row| row.flood_packets) as f64
        }));
        totals.push(("flood_sent_packets", &|r| {
            r.total(|row| row.flood_sent) as f64
        }));
        // What would have reached it had every first hop dropped spoofed
        // sources (BCP 38): all of a flood from the hosts' own addresses.
        totals.push(("flood_bcp38_packets", &|r| {
            r.total(|row| row.flood_bcp38) as f64
        }));
    }
    if let [run] = runs {
        for (name, value) in totals {
            fields.insert(name.into(), (value(run) as u64).into());
        }
    } else {
        fields.insert("runs".into(), runs.len().into());
        for (name, value) in totals {
            let b = band(value);
            fields.insert(format!("{name}_p05"), b.p05.into());
            fields.insert(format!("{name}_median"), b.median.into());
            fields.insert(format!("{name}_p95"), b.p95.into());
        }
    }
    let mut json = serde_json::to_string_pretty(&summary).expect("summary serializes");
    json.push('\n');
    let timeseries = match runs {
        [run] => population_timeseries_csv(run),
        _ => population_ensemble_timeseries_csv(runs),
    };
    let mut files = OutputSet::new();
    files.push(OutputFile::Timeseries, timeseries);
    files.push(OutputFile::Summary, json);
    files.push(OutputFile::Validation, validation_json(&checks));
    files.push(OutputFile::OutbreakFigure, outbreak_svg(s, runs));
    if let Some(payload) = &s.payload {
        files.push(
            OutputFile::Flood,
            crate::ensemble::population_flood_csv(runs, payload),
        );
    }
    let telescopes = runs.first().is_some_and(|r| {
        r.sensors
            .iter()
            .any(|x| x.sensor.kind == SensorKind::Telescope)
    });
    if telescopes {
        files.push(OutputFile::Telescope, telescope_csv(s, runs));
    }
    if let Some(first) = runs.first() {
        let series = population_sensor_series(s, runs);
        let csv = sensors_csv(&series, first.step_us);
        let figure =
            crate::figures::sensors_svg(&csv, OutputFile::Sensors.name(), &s.start.to_string())
                .expect("sensors.csv as written parses");
        files.push(OutputFile::Sensors, csv);
        files.push(
            OutputFile::SensorsJson,
            sensors_json(&series, first.step_us),
        );
        if let Some(svg) = figure {
            files.push(OutputFile::SensorsFigure, svg);
        }
    }
    files
}

/// Each sensor's series: of one run, its own; of an ensemble, per step the
/// median over the runs of each value (counts rounded to the nearest
/// whole number).
pub fn population_sensor_series(
    s: &PopulationScenario,
    runs: &[PopulationRun],
) -> Vec<SensorSeries> {
    let per_run: Vec<Vec<SensorSeries>> = runs.iter().map(|r| population_series(s, r)).collect();
    let Some(first) = per_run.first() else {
        return Vec::new();
    };
    if per_run.len() == 1 {
        return first.clone();
    }
    first
        .iter()
        .enumerate()
        .map(|(k, series)| {
            let n = series.rows.len();
            let median = |value: &dyn Fn(&SensorRow) -> f64| -> Vec<f64> {
                bands_by_row(&per_run, n, |r, i| value(&r[k].rows[i]))
                    .into_iter()
                    .map(|b| b.median)
                    .collect()
            };
            let probes = median(&|r| r.probes as f64);
            let sources = median(&|r| r.sources as f64);
            let hosts = median(&|r| r.hosts as f64);
            let estimate = median(&|r| r.estimate);
            let truth = median(&|r| r.truth as f64);
            SensorSeries {
                sensor: series.sensor.clone(),
                rows: (0..n)
                    .map(|i| SensorRow {
                        probes: probes[i].round() as u64,
                        sources: sources[i].round() as u64,
                        hosts: hosts[i].round() as u64,
                        estimate: estimate[i],
                        truth: truth[i].round() as u64,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `telescope.csv`: per step and telescope, the probes it recorded, the
/// aggregate scan rate they imply (probes × scan space / telescope size,
/// per second: how the published rates were measured) and the true rate of
/// delivered probes. Columns `time_s, sensor, probes, estimate, truth`, the
/// shape of Blaster's `sensors.csv`; of an ensemble, each value is the
/// median over the runs.
pub fn telescope_csv(s: &PopulationScenario, runs: &[PopulationRun]) -> String {
    let mut out = String::from("time_s,sensor,probes,estimate,truth\n");
    let Some(first) = runs.first() else {
        return out;
    };
    let space = (1u64 << s.population.scan_space_bits) as f64;
    let step_s = first.step_us as f64 / 1e6;
    let n_rows = first.rows.len();
    let truth = bands_by_row(runs, n_rows, |r, i| {
        r.rows[i].probes_delivered as f64 / step_s
    });
    for (k, t) in first.sensors.iter().enumerate() {
        if t.sensor.kind != SensorKind::Telescope {
            continue;
        }
        let scale = space / t.sensor.monitored as f64 / step_s;
        let seen = bands_by_row(runs, n_rows, |r, i| r.sensors[k].probes[i] as f64);
        for (i, (probes, truth)) in seen.iter().zip(&truth).enumerate() {
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                fmt_seconds((i as u64 + 1) * first.step_us),
                t.sensor.name,
                probes.median,
                probes.median * scale,
                truth.median
            );
        }
    }
    out
}

/// Infected hosts and the delivered scan rate against time: the median
/// with its 5-95 % band over `runs` (one run: its lines).
pub fn outbreak_svg(s: &PopulationScenario, runs: &[PopulationRun]) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let (unit, scale) = time_unit(s.duration.as_secs_f64());
    let step_s = first.step_us as f64 / 1e6;
    let series = |name: &str, value: &dyn Fn(&PopulationRow) -> f64| {
        let bands = bands_by_row(runs, first.rows.len(), |r, i| value(&r.rows[i]));
        let times = first
            .rows
            .iter()
            .map(|row| row.time_us as f64 / 1e6 / scale);
        median_series(name, times, &bands, runs.len())
    };
    let end = s.duration.as_secs_f64() / scale;
    let (on_infected, on_rate) = published_marks(
        &s.validation,
        s.start,
        s.population.vulnerable as f64,
        scale,
        end,
    );
    let mut infected_series = vec![series("infected", &|r| r.infected as f64)];
    // Hosts still scanning, where a stop rule or a payload makes them fewer
    // than the infected.
    if runs
        .iter()
        .any(|r| r.rows.iter().any(|row| row.scanning < row.infected))
    {
        infected_series.push(series("scanning", &|r| r.scanning as f64));
    }
    infected_series.extend(on_infected);
    let infected = line_chart(&Chart {
        title: format!(
            "{}: infected hosts ({} run{})",
            s.name,
            runs.len(),
            if runs.len() == 1 { "" } else { "s" }
        ),
        x_label: format!("{unit} since {}", s.start),
        y_label: "hosts".into(),
        series: infected_series,
        ..Chart::default()
    });
    let mut rate_series = vec![
        series("offered", &|r| r.probes_offered as f64 / step_s),
        series("delivered", &|r| r.probes_delivered as f64 / step_s),
    ];
    rate_series.extend(on_rate);
    let rate = line_chart(&Chart {
        title: format!("{}: probes per second", s.name),
        x_label: format!("{unit} since {}", s.start),
        y_label: "probes/s".into(),
        y_scale: Scale::Log,
        series: rate_series,
        ..Chart::default()
    });
    stack_svgs(&[infected, rate])
}

/// The published figures that can be drawn on the two charts, each named
/// "published: FIGURE" in a colour of its own: a count at a time is a dot
/// at that time (seen even seconds into a run of hours); a final count or
/// a peak rate is a dashed line level across the run; a time to a share
/// or of the peak a dashed line standing at that time. Fits, rates and
/// shares of other kinds are in the table only. `scale` turns seconds
/// into the charts' unit; `end` is the run's end in that unit.
fn published_marks(
    figures: &[Figure],
    start: jiff::Timestamp,
    vulnerable: f64,
    scale: f64,
    end: f64,
) -> (Vec<Series>, Vec<Series>) {
    let (mut infected, mut rate) = (Vec::new(), Vec::new());
    for f in figures {
        let p = f.published;
        let points = match &f.measure {
            Measure::InfectedAt { at } => vec![(at.as_secs_f64() / scale, p)],
            Measure::SourcesSeenAt { at, .. } => match at.after_start(start) {
                Ok(us) => vec![(us as f64 / 1e6 / scale, p)],
                Err(_) => continue,
            },
            Measure::FinalInfected | Measure::PeakScanRate => vec![(0.0, p), (end, p)],
            Measure::TimeToShare { share_pct } => {
                let t = p * 60.0 / scale;
                let hosts = share_pct.as_fraction() * vulnerable;
                vec![(t, 0.0), (t, hosts)]
            }
            Measure::PeakScanningTime => {
                let t = p * 60.0 / scale;
                vec![(t, 0.0), (t, vulnerable)]
            }
            _ => continue,
        };
        let mut mark = Series::line(&format!("published: {}", f.figure), points);
        mark.markers = mark.points.len() == 1;
        mark.dashed = !mark.markers;
        // Black, then the palette's colours the simulated series (its
        // first two) do not take, yellow left out (faint on white).
        const MARKS: [usize; 5] = [6, 3, 2, 4, 5];
        let k = infected.len() + rate.len();
        mark.color = Some(PALETTE[MARKS[k % MARKS.len()]]);
        match f.measure {
            Measure::PeakScanRate => rate.push(mark),
            _ => infected.push(mark),
        }
    }
    (infected, rate)
}

/// The figure of a Blaster ensemble for `validate`: the infected hosts
/// and the sources each sensor its figures name had reported, medians with
/// their 5-95 % bands, and the published figures marked as on a
/// random-scanning worm's.
pub fn blaster_outbreak_svg(s: &BlasterScenario, runs: &[BlasterOutbreak]) -> String {
    let Some(first) = runs.first() else {
        return String::new();
    };
    let (unit, scale) = time_unit(s.duration.as_secs_f64());
    let step_s = first.step_us as f64 / 1e6;
    let series = |name: &str, value: &dyn Fn(&BlasterOutbreak, usize) -> f64| {
        let bands = bands_by_row(runs, first.infected.len(), value);
        let times = (1..=bands.len()).map(|i| i as f64 * step_s / scale);
        median_series(name, times, &bands, runs.len())
    };
    let mut lines = vec![series("infected", &|r, i| r.infected[i] as f64)];
    let mut named: Vec<&str> = Vec::new();
    for f in &s.validation {
        if let Measure::SourcesSeenAt { sensor, .. } = &f.measure
            && !named.contains(&sensor.as_str())
        {
            named.push(sensor);
        }
    }
    let what = if named.is_empty() {
        ("infected hosts", "hosts")
    } else {
        ("infected hosts and what sensors reported", "hosts, sources")
    };
    for sensor in named {
        lines.push(series(&format!("sources reported by {sensor}"), &|r, i| {
            r.sources
                .iter()
                .find(|(n, _)| n == sensor)
                .map_or(f64::NAN, |(_, rows)| rows[i] as f64)
        }));
    }
    let end = s.duration.as_secs_f64() / scale;
    let (marks, _) = published_marks(&s.validation, s.start, first.vulnerable as f64, scale, end);
    lines.extend(marks);
    line_chart(&Chart {
        title: format!(
            "{}: {} ({})",
            s.name,
            what.0,
            crate::counted(runs.len() as u64, "run")
        ),
        x_label: format!("{unit} since {}", s.start),
        y_label: what.1.into(),
        series: lines,
        ..Chart::default()
    })
}

/// The unit of the figures' time axis for a run of `duration_s`, and its
/// seconds: the report's, hours past three of them, else minutes.
fn time_unit(duration_s: f64) -> (&'static str, f64) {
    if duration_s > 3.0 * 3600.0 {
        ("hours", 3600.0)
    } else {
        ("minutes", 60.0)
    }
}

/// The median of `runs` runs at `times` with its 5-95 % band, or the one
/// run's line.
fn median_series(
    name: &str,
    times: impl Iterator<Item = f64>,
    bands: &[Band],
    runs: usize,
) -> Series {
    let points = times.zip(bands).map(|(t, b)| (t, b.median)).collect();
    if runs > 1 {
        let band = bands.iter().map(|b| (b.p05, b.p95)).collect();
        Series::banded(&format!("{name} (median, 5-95 %)"), points, band)
    } else {
        Series::line(name, points)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_prints_no_band_and_ranges_read_as_ranges() {
        let check = |runs: u32| FigureCheck {
            scenario: "slammer".into(),
            figure: "peak scan rate".into(),
            unit: "probes/s",
            published: 55e6,
            simulated: 19e6,
            p05: 18e6,
            p95: 21e6,
            tolerance: "10M to 100M".into(),
            pass: true,
            runs,
            source: "-".into(),
        };
        let table = validation_table(&[check(1), check(4)]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[1].contains("(1 run)") && !lines[1].contains("[18M"),
            "{table}"
        );
        assert!(lines[2].contains("[18M, 21M]"), "{table}");
        assert!(lines[2].contains("10M to 100M"), "{table}");
        // A long scenario name widens its column: the columns stay in line.
        let mut long = check(4);
        long.scenario = "slammer-with-a-long-name".into();
        let table = validation_table(&[check(4), long]);
        // Right-aligned: where each line's published column ends.
        let at = |line: &str| {
            (line.find("published").map(|i| i + 9)).or_else(|| line.find("55M").map(|i| i + 3))
        };
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines.iter().all(|l| at(l) == at(lines[0])), "{table}");
    }

    #[test]
    fn the_figures_mark_the_published_values_they_can_show() {
        for name in ["codered2", "slammer", "witty"] {
            let s = wormscope_scenario::builtin_population(name).unwrap();
            let end = s.duration.as_secs_f64() / 60.0;
            let (infected, rate) = published_marks(
                &s.validation,
                s.start,
                s.population.vulnerable as f64,
                60.0,
                end,
            );
            let drawable = s
                .validation
                .iter()
                .filter(|f| {
                    matches!(
                        f.measure,
                        Measure::InfectedAt { .. }
                            | Measure::FinalInfected
                            | Measure::PeakScanRate
                            | Measure::TimeToShare { .. }
                            | Measure::PeakScanningTime
                    )
                })
                .count();
            assert!(drawable > 0, "{name} has a figure to draw");
            assert_eq!(infected.len() + rate.len(), drawable, "{name}");
            for m in infected.iter().chain(&rate) {
                assert!(m.name.starts_with("published: "));
                // A count at a time is a dot; the rest are dashed lines.
                assert_eq!(m.markers, m.points.len() == 1, "{}", m.name);
                assert_eq!(m.dashed, !m.markers, "{}", m.name);
                // Each guide runs level at the published count or rate, or
                // stands at the published time (in minutes, the scale here).
                let f = s
                    .validation
                    .iter()
                    .find(|f| m.name == format!("published: {}", f.figure))
                    .unwrap();
                assert!(
                    m.points.iter().all(|p| p.1 == f.published)
                        || m.points.iter().all(|p| p.0 == f.published),
                    "{}",
                    m.name
                );
            }
        }
    }
}
