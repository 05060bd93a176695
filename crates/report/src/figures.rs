//! Charts drawn from the data of output files (`sensors.csv`,
//! `comparison-timeseries.csv`) and the time axis they share. Both sides
//! use them: the writers draw `sensors.svg` from the `sensors.csv` they
//! write, and the page draws the same charts from the files it reads, so
//! that a figure beside the data and the figure on the page are one.
//! Knows the files' columns and [`crate::plot`]; writes nothing.

use crate::input::{self, Csv, InputError, SeriesData};
use crate::plot::{self, Chart, Scale, Series};

/// Seconds on the x axis shown as hours, or days for runs past 3 days.
pub(crate) struct TimeAxis {
    pub(crate) divisor: f64,
    pub(crate) label: String,
}

impl TimeAxis {
    pub(crate) fn for_span(last_s: f64, summary: Option<&serde_json::Value>) -> TimeAxis {
        let (divisor, unit) = if last_s > 3.0 * 86_400.0 {
            (86_400.0, "days")
        } else if last_s > 3.0 * 3_600.0 {
            (3_600.0, "hours")
        } else {
            (60.0, "minutes")
        };
        let start = summary
            .and_then(|s| s.get("start"))
            .and_then(|s| s.as_str());
        let label = match start {
            Some(st) => format!("{unit} since {st}"),
            None => format!("{unit} since the start"),
        };
        TimeAxis { divisor, label }
    }

    pub(crate) fn chart(
        &self,
        title: &str,
        y_label: &str,
        scale: Scale,
        times: &[f64],
        series: &[&SeriesData],
    ) -> Chart {
        Chart {
            title: title.to_string(),
            x_label: self.label.clone(),
            y_label: y_label.to_string(),
            y_scale: scale,
            series: series
                .iter()
                .map(|s| self.series(&s.name.replace('_', " "), times, s, 1.0))
                .collect(),
            ..Chart::default()
        }
    }

    /// A plot series from a data series, values divided by `scale`.
    pub(crate) fn series(&self, name: &str, times: &[f64], s: &SeriesData, scale: f64) -> Series {
        let points = times
            .iter()
            .zip(&s.values)
            .map(|(t, v)| (t / self.divisor, v / scale))
            .collect();
        match &s.band {
            Some(b) => Series::banded(
                &format!("{name} (median, 5-95 %)"),
                points,
                b.iter().map(|(l, h)| (l / scale, h / scale)).collect(),
            ),
            None => Series::line(name, points),
        }
    }
}

/// Each variant's infected hosts over time from
/// `comparison-timeseries.csv`: medians with their bands on shared axes,
/// each variant in a colour of its own, the bar chart's (bands are
/// translucent, so where they overlap both stay visible).
/// Each variant's defense starts (`comparison.json`'s `defense_starts_s`,
/// by variant name) are marked in its colour.
pub(crate) fn comparison_chart(
    c: &Csv,
    axis: &TimeAxis,
    rows: &[input::VariantRow],
) -> Result<Option<Chart>, InputError> {
    let times = c.times()?;
    let groups = groups(c, "variant", &times)?;
    if groups.is_empty() {
        return Ok(None);
    }
    let p05 = c.numbers("infected_p05")?;
    let median = c.numbers("infected_median")?;
    let p95 = c.numbers("infected_p95")?;
    let series: Vec<Series> = groups
        .iter()
        .enumerate()
        .map(|(k, (name, rows))| {
            let mut s = Series::banded(
                name,
                rows.iter()
                    .map(|&i| (times[i] / axis.divisor, median[i]))
                    .collect(),
                rows.iter().map(|&i| (p05[i], p95[i])).collect(),
            );
            // The colours of the bar chart above it, variant by variant;
            // past the palette's eight, dashed, so that no two curves look
            // alike.
            s.color = Some(plot::bar_color(k));
            s.dashed = (k / plot::PALETTE.len()) % 2 == 1;
            s
        })
        .collect();
    let markers = groups
        .iter()
        .zip(&series)
        .filter_map(|((name, _), s)| {
            let row = rows.iter().find(|r| &r.variant == name)?;
            let color = s.color.expect("set above");
            Some(row.defense_starts_s.iter().map(move |&t| plot::Marker {
                x: t / axis.divisor,
                color,
            }))
        })
        .flatten()
        .collect();
    Ok(Some(Chart {
        title: "Infected hosts by variant (median, 5-95 %)".into(),
        x_label: axis.label.clone(),
        y_label: "infected hosts".into(),
        y_scale: variants_scale(&series),
        series,
        markers,
        ..Chart::default()
    }))
}

/// Logarithmic where the variants' peaks span two decades or more (a
/// defense that kept the outbreak a hundred times smaller would lie flat
/// against zero on a linear axis), else linear: every outbreak grows over
/// decades, and a log axis would squeeze the gaps between variants that
/// the chart is there to show.
fn variants_scale(series: &[Series]) -> Scale {
    let peaks: Vec<f64> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
        })
        .collect();
    let (lo, hi) = peaks.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    if lo > 0.0 && hi >= 100.0 * lo {
        Scale::Log
    } else {
        Scale::Linear
    }
}

/// A fit's charts from `fit-predictive.csv` and `fit-observed.csv`: one
/// per observed series (the posterior-predictive median and band, the
/// observations as dots), then the truth's band (`infected`), which no
/// sensor observed.
pub(crate) fn fit_charts(
    predictive: &Csv,
    observed: &Csv,
    axis: &TimeAxis,
) -> Result<Vec<Chart>, InputError> {
    let times = predictive.times()?;
    let p05 = predictive.numbers("p05")?;
    let median = predictive.numbers("median")?;
    let p95 = predictive.numbers("p95")?;
    let obs_times = observed.times()?;
    let obs_sensor = observed.strings("sensor")?;
    let obs_measure = observed.strings("measure")?;
    let obs_value = observed.numbers("value")?;
    let mut charts = Vec::new();
    let mut truth = None;
    for (k, (name, rows)) in groups(predictive, "series", &times)?
        .into_iter()
        .enumerate()
    {
        let mut band = Series::banded(
            "predicted (median, 5-95 %)",
            rows.iter()
                .map(|&i| (times[i] / axis.divisor, median[i]))
                .collect(),
            rows.iter().map(|&i| (p05[i], p95[i])).collect(),
        );
        band.color = est_color(k);
        let mut series = vec![band];
        let dots: Vec<(f64, f64)> = (0..obs_times.len())
            .filter(|&i| format!("{}/{}", obs_sensor[i], obs_measure[i]) == name)
            .map(|i| (obs_times[i] / axis.divisor, obs_value[i]))
            .collect();
        if !dots.is_empty() {
            series.push(Series {
                name: "observed".into(),
                points: dots,
                color: Some((0, 0, 0)),
                markers: true,
                ..Series::default()
            });
        }
        let (title, y_label) = if name == "infected" {
            (
                "The truth: infected hosts in the fitted scenarios (median, 5-95 %)".to_string(),
                "infected hosts".to_string(),
            )
        } else {
            (
                format!("{name}: observed and predicted"),
                name.replace('/', " "),
            )
        };
        let chart = Chart {
            title,
            x_label: axis.label.clone(),
            y_label,
            y_scale: y_scale_for(&series),
            series,
            ..Chart::default()
        };
        if name == "infected" {
            truth = Some(chart);
        } else {
            charts.push(chart);
        }
    }
    charts.extend(truth);
    Ok(charts)
}

/// A parameter's accepted draws as a weighted histogram over its prior
/// range (`bins` bars labelled by their centres).
pub(crate) fn posterior_histogram(
    name: &str,
    values: &[f64],
    weights: &[f64],
    range: (f64, f64),
    bins: usize,
) -> crate::plot::BarChart {
    let (lo, hi) = range;
    let width = (hi - lo) / bins as f64;
    let mut mass = vec![0.0; bins];
    for (v, w) in values.iter().zip(weights) {
        let b = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        mass[b] += w;
    }
    let total: f64 = mass.iter().sum();
    crate::plot::BarChart {
        title: format!("{name}: posterior over the prior range"),
        y_label: "share of the posterior".into(),
        bars: mass
            .iter()
            .enumerate()
            .map(|(b, m)| {
                (
                    crate::numbers::figure_number(lo + (b as f64 + 0.5) * width),
                    if total > 0.0 { m / total } else { 0.0 },
                    None,
                )
            })
            .collect(),
        height: 300,
        ..crate::plot::BarChart::default()
    }
}

/// A sensor's colour: the palette without black (the truth's) and yellow.
fn est_color(k: usize) -> Option<(u8, u8, u8)> {
    Some(plot::PALETTE[k % (plot::PALETTE.len() - 2)])
}

/// The rows of a long-format table (`sensors.csv`,
/// `comparison-timeseries.csv`) grouped by the value of column `key`, in
/// order of first appearance; each group's times must increase.
fn groups<'a>(
    c: &'a Csv,
    key: &str,
    times: &[f64],
) -> Result<Vec<(&'a str, Vec<usize>)>, InputError> {
    let names = c.strings(key)?;
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match groups.iter_mut().find(|(g, _)| g == n) {
            Some((_, rows)) => rows.push(i),
            None => groups.push((n, vec![i])),
        }
    }
    for (name, rows) in &groups {
        for w in rows.windows(2) {
            // NaN never comes after anything.
            if times[w[1]].partial_cmp(&times[w[0]]) != Some(std::cmp::Ordering::Greater) {
                return Err(input::input_error(
                    &c.file,
                    Some(c.rows[w[1]].0),
                    Some("time_s"),
                    format!(
                        "{key} `{name}`: {} does not come after {}",
                        times[w[1]], times[w[0]]
                    ),
                ));
            }
        }
    }
    Ok(groups)
}

/// Logarithmic where the positive values drawn span two decades or more
/// (on a linear axis the small ones lie flat against zero), else linear.
fn y_scale_for(series: &[Series]) -> Scale {
    let positive = series
        .iter()
        .flat_map(|s| {
            let band = s.band.iter().flatten().flat_map(|(l, h)| [*l, *h]);
            s.points.iter().map(|p| p.1).chain(band)
        })
        .filter(|v| *v > 0.0 && v.is_finite());
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if hi >= 100.0 * lo {
        Scale::Log
    } else {
        Scale::Linear
    }
}

/// The chart of sensors' estimates against the truth, and the sensors in
/// order of first appearance; `None` when the table has no rows.
pub(crate) fn sensor_chart(
    s: &Csv,
    axis: &TimeAxis,
) -> Result<Option<(Chart, Vec<String>)>, InputError> {
    let times = s.times()?;
    let groups = groups(s, "sensor", &times)?;
    if groups.is_empty() {
        return Ok(None);
    }
    let estimate = s.numbers("estimate")?;
    let truth = s.numbers("truth")?;
    let order: Vec<&str> = groups.iter().map(|(n, _)| *n).collect();
    let rows_of = |sensor: &str| -> Vec<usize> {
        groups
            .iter()
            .find(|(n, _)| *n == sensor)
            .map(|(_, rows)| rows.clone())
            .unwrap_or_default()
    };
    let truth_of = |rows: &[usize]| -> Vec<(f64, f64)> {
        rows.iter()
            .map(|&i| (times[i] / axis.divisor, truth[i]))
            .collect()
    };
    let first_truth = truth_of(&rows_of(order[0]));
    let shared_truth = order.iter().all(|n| truth_of(&rows_of(n)) == first_truth);
    let mut series = Vec::new();
    for (k, sensor) in order.iter().enumerate() {
        let rows = rows_of(sensor);
        let mut est = Series::line(
            &format!("{sensor}: estimate"),
            rows.iter()
                .map(|&i| (times[i] / axis.divisor, estimate[i]))
                .collect(),
        );
        est.color = est_color(k);
        series.push(est);
        if !shared_truth {
            let mut t = Series::line(&format!("{sensor}: truth"), truth_of(&rows));
            t.color = est_color(k);
            t.dashed = true;
            series.push(t);
        }
    }
    if shared_truth {
        let mut t = Series::line("truth", first_truth);
        t.color = Some((0, 0, 0));
        t.dashed = true;
        t.width = 3;
        series.push(t);
    }
    // Estimates and the truth often span decades (a telescope's scaled-up
    // count against a few thousand infected).
    let y_scale = y_scale_for(&series);
    Ok(Some((
        Chart {
            title: "Sensor estimates of infected hosts".into(),
            x_label: axis.label.clone(),
            y_label: "infected hosts".into(),
            y_scale,
            series,
            ..Chart::default()
        },
        order.iter().map(|n| n.to_string()).collect(),
    )))
}

/// `sensors.svg`: the figure of `sensors.csv` (each sensor's estimate of
/// the infected hosts against the truth) on its own, for a run's output
/// directory. `start` labels the time axis. `None` for a table without
/// rows.
pub fn sensors_svg(text: &str, file: &str, start: &str) -> Result<Option<String>, InputError> {
    let csv = Csv::parse(text, file)?;
    let last = csv.times()?.into_iter().fold(0.0, f64::max);
    let summary = serde_json::json!({ "start": start });
    let axis = TimeAxis::for_span(last, Some(&summary));
    Ok(sensor_chart(&csv, &axis)?.map(|(chart, _)| plot::line_chart(&chart)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_draws_every_variant_with_its_band() {
        let mut text = format!("{}\n", crate::COMPARISON_SERIES_HEADER);
        for (variant, scale) in [
            ("baseline", 1.0),
            ("isp-filter@6h", 0.5),
            ("patch@0h", 0.001),
        ] {
            for h in 1..=6 {
                let m = 1000.0 * f64::from(h) * scale;
                text.push_str(&format!(
                    "{},{variant},{},{m},{}\n",
                    h * 3600,
                    m * 0.8,
                    m * 1.2
                ));
            }
        }
        let csv = Csv::parse(&text, "comparison-timeseries.csv").unwrap();
        let axis = TimeAxis::for_span(6.0 * 3600.0, None);
        let chart = comparison_chart(&csv, &axis, &[]).unwrap().unwrap();
        let names: Vec<&str> = chart.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["baseline", "isp-filter@6h", "patch@0h"]);
        assert!(
            chart
                .series
                .iter()
                .all(|s| s.band.as_ref().unwrap().len() == 6)
        );
        let colors: Vec<_> = chart.series.iter().map(|s| s.color).collect();
        assert!(colors[0] != colors[1] && colors[1] != colors[2] && colors[0] != colors[2]);
        assert!(chart.markers.is_empty(), "no start known, none marked");
        // The defenses' starts, by variant, in hours and each variant's
        // colour; a row of no curve marks nothing.
        let row = |variant: &str, starts: &[f64]| crate::input::VariantRow {
            variant: variant.into(),
            defenses: None,
            metrics: Vec::new(),
            noticed_median: None,
            defense_starts_s: starts.to_vec(),
        };
        let rows = [
            row("baseline", &[]),
            row("isp-filter@6h", &[6.0 * 3600.0]),
            row("patch@0h", &[0.0]),
            row("elsewhere", &[3600.0]),
        ];
        let marked = comparison_chart(&csv, &axis, &rows).unwrap().unwrap();
        let marks: Vec<(f64, (u8, u8, u8))> =
            marked.markers.iter().map(|m| (m.x, m.color)).collect();
        assert_eq!(
            marks,
            [(6.0, colors[1].unwrap()), (0.0, colors[2].unwrap())]
        );
        // The bar chart's colours, variant by variant; past the palette,
        // the colours again, dashed.
        let mut many = format!("{}\n", crate::COMPARISON_SERIES_HEADER);
        for k in 0..10 {
            many.push_str(&format!("3600,v{k},1,2,3\n7200,v{k},2,3,4\n"));
        }
        let csv = Csv::parse(&many, "comparison-timeseries.csv").unwrap();
        let ten = comparison_chart(&csv, &axis, &[]).unwrap().unwrap();
        for (k, s) in ten.series.iter().enumerate() {
            assert_eq!(s.color, Some(plot::bar_color(k)), "{k}");
            assert_eq!(s.dashed, k >= 8, "{k}");
        }
        assert_eq!(ten.series[9].color, ten.series[1].color);
        // A variant three decades below the baseline: a log scale.
        assert_eq!(chart.y_scale, Scale::Log);
        // Variants within a decade of each other, though each grows over
        // decades (1 to 6,000 hosts): linear, where the gaps show.
        let mut close = format!("{}\n", crate::COMPARISON_SERIES_HEADER);
        for (variant, scale) in [("baseline", 1.0), ("isp-block@1h", 0.4)] {
            for h in 0..=6 {
                let m = (1000.0 * f64::from(h) * scale).max(1.0);
                close.push_str(&format!("{},{variant},{m},{m},{m}\n", h * 3600));
            }
        }
        let csv = Csv::parse(&close, "comparison-timeseries.csv").unwrap();
        let chart = comparison_chart(&csv, &axis, &[]).unwrap().unwrap();
        assert_eq!(chart.y_scale, Scale::Linear);
        // A defense that stopped the outbreak dead (no host infected): a
        // log axis could not draw it at all.
        let dead = close.replace(",isp-block@1h,", ",dead,");
        let dead: String = dead
            .lines()
            .map(|l| {
                if l.contains(",dead,") {
                    let t: Vec<&str> = l.split(',').collect();
                    format!("{},dead,0,0,0\n", t[0])
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let csv = Csv::parse(&dead, "comparison-timeseries.csv").unwrap();
        assert_eq!(
            comparison_chart(&csv, &axis, &[]).unwrap().unwrap().y_scale,
            Scale::Linear
        );
        // A variant's times must increase, named in the error.
        let bad = text.replacen("7200,patch@0h", "3600,patch@0h", 1);
        let csv = Csv::parse(&bad, "comparison-timeseries.csv").unwrap();
        let e = comparison_chart(&csv, &axis, &[]).unwrap_err().to_string();
        assert!(e.contains("variant `patch@0h`"), "{e}");
    }

    #[test]
    fn sensor_estimates_spanning_decades_are_drawn_on_a_log_scale() {
        let axis = TimeAxis::for_span(7200.0, None);
        let chart = |rows: &str| {
            let text = format!("time_s,sensor,probes,sources,estimate,truth\n{rows}");
            let csv = Csv::parse(&text, "sensors.csv").unwrap();
            sensor_chart(&csv, &axis).unwrap().unwrap().0
        };
        let near = chart("3600,a,5,2,900,1000\n7200,a,9,3,1800,2000\n");
        assert_eq!(near.y_scale, Scale::Linear);
        let far = chart("3600,a,5,2,250000,1000\n7200,a,9,3,0,2000\n");
        assert_eq!(far.y_scale, Scale::Log);
    }
}
