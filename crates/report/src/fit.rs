//! A fit in the forms people and tools read: `fit.json` (the parameters'
//! bands, the truth's bands, each observation beside its predicted band),
//! the accepted draws (`fit-draws.csv`, `fit-draws.parquet`), the
//! posterior-predictive bands per step (`fit-predictive.csv`), the
//! observations fitted (`fit-observed.csv`), the text table, the written
//! finding (`fit.md`, every number from the fit) and a recovery study's
//! `fit-recovery.json`.

use std::fmt::Write as _;

use serde_json::{Value, json};
use wormscope_fit::{BandAt, Fit, FitResult, Recovery};

use crate::numbers::{figure_number, short_number};
use crate::outputs::{OutputFile, OutputSet};

/// The header of `fit-predictive.csv`.
pub const FIT_PREDICTIVE_HEADER: &str = "time_s,series,p05,median,p95";

/// Where a fit came from, for the files that describe it.
#[derive(Clone, Debug)]
pub struct FitSource<'a> {
    /// The observations' file, as the user named it.
    pub observed: &'a str,
    /// The command line that ran the fit.
    pub command: &'a str,
}

/// Below this effective sample size the last generation's bands rest on
/// too few runs to read a 5 % or a 95 % quantile from (a rule of thumb:
/// ten effective draws).
pub const FEW_EFFECTIVE_DRAWS: f64 = 10.0;

/// A warning when the fit's last generation rests on too few runs.
fn few_draws_warning(result: &FitResult) -> Option<String> {
    let ess = result.generations.last()?.effective_sample_size;
    (ess < FEW_EFFECTIVE_DRAWS).then(|| {
        format!(
            "warning: the effective sample size is {ess:.1}, under {FEW_EFFECTIVE_DRAWS:.0}: the \
             bands and verdicts below rest on too few runs to trust; fit with more runs \
             (--runs) or more generations"
        )
    })
}

/// A parameter's verdict from its interval against its prior.
fn informed(share: f64) -> &'static str {
    if share <= 0.5 {
        "informed"
    } else if share < 0.8 {
        "weakly informed"
    } else {
        "not informed"
    }
}

/// The predicted band of an observation (from its series' per-step bands).
fn predicted(result: &FitResult, series: &str, time_s: f64) -> Option<BandAt> {
    let s = result.predictive.iter().find(|s| s.series == series)?;
    let at = |f: fn(&BandAt) -> f64| {
        let values: Vec<f64> = s.bands.iter().map(f).collect();
        let step = s.bands.first().map_or(1.0, |b| b.time_s);
        wormscope_fit::observed::at_time(&values, step, time_s)
    };
    Some(BandAt {
        time_s,
        p05: at(|b| b.p05),
        median: at(|b| b.median),
        p95: at(|b| b.p95),
    })
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// `fit.json` (and `fit --json`): `parameters` as `{name, p05, median,
/// p95, prior_lo, prior_hi}` (and `interval_to_prior`), `infected` as
/// `{time_s, p05, median, p95}` at each observation time and at the end,
/// the observations with their predicted bands, and how the fit ran.
pub fn fit_json(fit: &Fit, result: &FitResult, source: &FitSource<'_>) -> String {
    let observations: Vec<Value> = fit
        .observations
        .iter()
        .map(|o| {
            let p = predicted(result, &o.series(), o.time_s);
            json!({
                "time_s": number(o.time_s),
                "sensor": o.sensor,
                "measure": o.measure.name(),
                "value": number(o.value),
                "predicted_p05": number(p.map_or(f64::NAN, |b| b.p05)),
                "predicted_median": number(p.map_or(f64::NAN, |b| b.median)),
                "predicted_p95": number(p.map_or(f64::NAN, |b| b.p95)),
            })
        })
        .collect();
    let last = result.generations.last().copied();
    let v = json!({
        "scenario": fit.scenario.name(),
        "start": fit.scenario.start().to_string(),
        "duration_s": number(fit.scenario.duration().as_micros() as f64 / 1e6),
        "observed": source.observed,
        "command": source.command,
        "seed": fit.settings.seed,
        "method": "ABC population Monte Carlo (Beaumont et al. 2009), tolerance from a quantile of each generation",
        "distance": "root mean square of ln(1 + simulated) - ln(1 + observed) over the observations",
        "simulations": result.simulations,
        "population": fit.settings.keep,
        "tolerance": number(last.map_or(f64::NAN, |g| g.tolerance)),
        "effective_sample_size": number(last.map_or(f64::NAN, |g| g.effective_sample_size)),
        "generations": result.generations,
        "parameters": result.parameters,
        "infected": result.infected,
        "observations": observations,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("serializes");
    s.push('\n');
    s
}

/// `fit-draws.csv`: the accepted draws, one column per parameter, then
/// `weight,distance,seed`.
pub fn fit_draws_csv(fit: &Fit, result: &FitResult) -> String {
    let mut out: Vec<String> = fit.params.iter().map(|p| p.path.clone()).collect();
    out.extend(["weight", "distance", "seed"].map(String::from));
    let mut text = out.join(",");
    text.push('\n');
    for d in &result.draws {
        for v in &d.values {
            let _ = write!(text, "{v},");
        }
        let _ = writeln!(text, "{},{},{}", d.weight, d.distance, d.seed);
    }
    text
}

/// `fit-predictive.csv`: `time_s,series,p05,median,p95`, one row per step
/// of `infected` and of each observed series.
pub fn fit_predictive_csv(result: &FitResult) -> String {
    let mut text = String::from(FIT_PREDICTIVE_HEADER);
    text.push('\n');
    for s in &result.predictive {
        for b in &s.bands {
            let _ = writeln!(
                text,
                "{},{},{},{},{}",
                b.time_s, s.series, b.p05, b.median, b.p95
            );
        }
    }
    text
}

/// `fit-observed.csv`: the observations fitted, in `obs.csv`'s form.
pub fn fit_observed_csv(fit: &Fit) -> String {
    let mut text = String::from(wormscope_fit::OBSERVED_HEADER);
    text.push('\n');
    for o in &fit.observations {
        let _ = writeln!(text, "{},{},{},{}", o.time_s, o.sensor, o.measure, o.value);
    }
    text
}

/// A time since the scenario's start with its clock time, as
/// `19 h 02 min (2003-08-12 14:02 UTC)`.
fn when(start: jiff::Timestamp, time_s: f64) -> String {
    // Seconds are shown where the time has them (an observation at 90 s
    // is not at "2 min").
    let whole_minutes = time_s % 60.0 == 0.0;
    let since = if time_s < 60.0 {
        format!("{time_s} s")
    } else if !whole_minutes {
        let (h, m, sec) = (
            (time_s / 3600.0).floor(),
            ((time_s % 3600.0) / 60.0).floor(),
            time_s % 60.0,
        );
        if h > 0.0 {
            format!("{h} h {m:02} min {sec} s")
        } else {
            format!("{m} min {sec} s")
        }
    } else {
        let minutes = (time_s / 60.0).round() as u64;
        match (minutes / 60, minutes % 60) {
            (0, m) => format!("{m} min"),
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m:02} min"),
        }
    };
    let clock = if whole_minutes {
        "%Y-%m-%d %H:%M UTC"
    } else {
        "%Y-%m-%d %H:%M:%S UTC"
    };
    match start.checked_add(jiff::SignedDuration::from_secs_f64(time_s)) {
        Ok(t) => format!("{since} ({})", t.strftime(clock)),
        Err(_) => since,
    }
}

fn band_text(b: &BandAt) -> String {
    format!(
        "{} ({} to {})",
        figure_number(b.median),
        figure_number(b.p05),
        figure_number(b.p95)
    )
}

/// The fit as printed: parameters, observations against predictions,
/// the truth's bands.
pub fn fit_table(fit: &Fit, result: &FitResult) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{}: {} simulations in {} generations, {} kept; tolerance {:.3}, effective sample size {:.1}",
        fit.scenario.name(),
        result.simulations,
        result.generations.len(),
        fit.settings.keep,
        result.generations.last().map_or(f64::NAN, |g| g.tolerance),
        result
            .generations
            .last()
            .map_or(f64::NAN, |g| g.effective_sample_size),
    );
    if let Some(warning) = few_draws_warning(result) {
        let _ = writeln!(t, "{warning}");
    }
    let _ = writeln!(
        t,
        "\n{:<36} {:>21} {:>12} {:>12} {:>12}  verdict",
        "parameter", "prior", "p05", "median", "p95"
    );
    for p in &result.parameters {
        let _ = writeln!(
            t,
            "{:<36} {:>21} {:>12} {:>12} {:>12}  {} ({:.0} % of the prior)",
            p.name,
            format!(
                "{}..{}",
                figure_number(p.prior_lo),
                figure_number(p.prior_hi)
            ),
            figure_number(p.p05),
            figure_number(p.median),
            figure_number(p.p95),
            informed(p.interval_to_prior),
            100.0 * p.interval_to_prior
        );
    }
    let _ = writeln!(
        t,
        "\n{:<28} {:<22} {:>12}  predicted median (5 % to 95 %)",
        "time", "observed", "value"
    );
    for o in &fit.observations {
        let p = predicted(result, &o.series(), o.time_s);
        let _ = writeln!(
            t,
            "{:<28} {:<22} {:>12}  {}",
            when(fit.scenario.start(), o.time_s),
            o.series(),
            figure_number(o.value),
            p.map_or("n/a".into(), |b| band_text(&b))
        );
    }
    let _ = writeln!(
        t,
        "\ninfected hosts (the truth no sensor sees): median (5 % to 95 %)"
    );
    for b in &result.infected {
        let _ = writeln!(
            t,
            "  {:<28} {}",
            when(fit.scenario.start(), b.time_s),
            band_text(b)
        );
    }
    t
}

/// The weighted correlation of two parameters over the accepted draws.
fn correlation(result: &FitResult, a: usize, b: usize) -> f64 {
    let w = |d: &wormscope_fit::AcceptedDraw| d.weight;
    let mean = |k: usize| result.draws.iter().map(|d| w(d) * d.values[k]).sum::<f64>();
    let (ma, mb) = (mean(a), mean(b));
    let cov = |x: usize, mx: f64, y: usize, my: f64| {
        result
            .draws
            .iter()
            .map(|d| w(d) * (d.values[x] - mx) * (d.values[y] - my))
            .sum::<f64>()
    };
    let r = cov(a, ma, b, mb) / (cov(a, ma, a, ma) * cov(b, mb, b, mb)).sqrt();
    if r.is_finite() { r } else { 0.0 }
}

/// `fit.md`: what the sensors implied about the true outbreak, with bands,
/// and which assumptions the data cannot tell apart.
pub fn fit_markdown(fit: &Fit, result: &FitResult, source: &FitSource<'_>) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# What the sensors imply: `{}` fitted to `{}`\n",
        fit.scenario.name(),
        source.observed
    );
    let _ = writeln!(
        md,
        "Generated by `{}`. Every number below comes from that fit; rerunning it gives the same file.\n",
        source.command
    );
    if let Some(warning) = few_draws_warning(result) {
        let _ = writeln!(md, "**{warning}**\n");
    }
    md.push_str("## What was observed, and what the fitted scenarios predict\n\n");
    md.push_str("| time since the start | sensor / measure | observed | predicted median | 5 % to 95 % |\n|---|---|---:|---:|---:|\n");
    for o in &fit.observations {
        let p = predicted(result, &o.series(), o.time_s);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            when(fit.scenario.start(), o.time_s),
            o.series(),
            figure_number(o.value),
            p.map_or("n/a".into(), |b| figure_number(b.median)),
            p.map_or("n/a".into(), |b| format!(
                "{} to {}",
                figure_number(b.p05),
                figure_number(b.p95)
            )),
        );
    }
    md.push_str("\n## The true outbreak\n\nInfected hosts (the truth no sensor sees) in the scenarios that agree with the observations: the median and the 5th to 95th percentile of the posterior. At each observation time, each day, and at the end:\n\n");
    md.push_str("| time since the start | infected, median | 5 % to 95 % |\n|---|---:|---:|\n");
    let mut rows: Vec<BandAt> = result.infected.clone();
    if let Some(inf) = result.predictive.iter().find(|s| s.series == "infected") {
        for b in &inf.bands {
            let day = b.time_s / 86_400.0;
            if (day - day.round()).abs() < 1e-9 && !rows.iter().any(|r| r.time_s == b.time_s) {
                rows.push(*b);
            }
        }
    }
    rows.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    for b in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} to {} |",
            when(fit.scenario.start(), b.time_s),
            short_number(b.median),
            short_number(b.p05),
            short_number(b.p95)
        );
    }
    md.push_str("\n## The assumptions\n\n| field | prior | 5 % | median | 95 % | interval / prior | the data |\n|---|---|---:|---:|---:|---:|---|\n");
    for p in &result.parameters {
        let _ = writeln!(
            md,
            "| `{}` | {} to {} | {} | {} | {} | {:.0} % | {} |",
            p.name,
            figure_number(p.prior_lo),
            figure_number(p.prior_hi),
            figure_number(p.p05),
            figure_number(p.median),
            figure_number(p.p95),
            100.0 * p.interval_to_prior,
            informed(p.interval_to_prior)
        );
    }
    md.push('\n');
    let untold: Vec<&str> = result
        .parameters
        .iter()
        .filter(|p| p.interval_to_prior > 0.5)
        .map(|p| p.name.as_str())
        .collect();
    if untold.is_empty() {
        md.push_str("Every fitted assumption is informed by the data: its 90 % interval is at most half its prior range.\n");
    } else {
        let _ = writeln!(
            md,
            "**What the data cannot tell apart.** The 90 % interval of {} still spans more than half of its prior range: these observations do not pin it, and the bands above carry that uncertainty.",
            untold
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for a in 0..fit.params.len() {
        for b in a + 1..fit.params.len() {
            let r = correlation(result, a, b);
            if r.abs() >= 0.5 {
                let _ = writeln!(
                    md,
                    "\n`{}` and `{}` trade off (weighted correlation {r:.2} over the accepted draws): the observations fix a combination of the two more than either alone, and {} fits as well.",
                    fit.params[a].path,
                    fit.params[b].path,
                    if r < 0.0 {
                        "more of one with less of the other"
                    } else {
                        "more of one with more of the other"
                    },
                );
            }
        }
    }
    let last = result.generations.last();
    let _ = writeln!(
        md,
        "\n## How\n\nApproximate Bayesian computation by population Monte Carlo (Beaumont, Cornuet, Marin and Robert, Biometrika 2009): {} simulations in {} generations of {}, each on its own seed and its own world; each generation keeps the {} runs closest to the observations (distance: the root mean square of ln(1 + simulated) - ln(1 + observed)) and the next proposes around them. The last generation's tolerance was {:.3} and its effective sample size {:.1}. Uniform priors over the ranges given.",
        result.simulations,
        result.generations.len(),
        fit.settings.proposals,
        fit.settings.keep,
        last.map_or(f64::NAN, |g| g.tolerance),
        last.map_or(f64::NAN, |g| g.effective_sample_size),
    );
    md
}

/// `fit-recovery.json`: each synthetic truth's hidden values and bands,
/// and the coverage of the 90 % intervals per parameter.
pub fn recovery_json(fit: &Fit, recovery: &Recovery) -> String {
    let per_param: Vec<Value> = fit
        .params
        .iter()
        .enumerate()
        .map(|(k, p)| {
            json!({
                "name": p.path,
                "coverage": number(recovery.coverage[k]),
                "mean_interval_to_prior": number(recovery.mean_interval_to_prior[k]),
            })
        })
        .collect();
    let v = json!({
        "scenario": fit.scenario.name(),
        "truths": recovery.truths.len(),
        "nominal": 0.9,
        "parameters": per_param,
        "fits": recovery.truths,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("serializes");
    s.push('\n');
    s
}

/// A recovery study as printed.
pub fn recovery_table(fit: &Fit, recovery: &Recovery) -> String {
    let mut t = format!(
        "\nrecovery: {} synthetic truths, each fitted as above on its own seed\n{:<36} {:>10} {:>22}\n",
        recovery.truths.len(),
        "parameter",
        "coverage",
        "interval / prior"
    );
    for (k, p) in fit.params.iter().enumerate() {
        let _ = writeln!(
            t,
            "{:<36} {:>9.0}% {:>21.0}%",
            p.path,
            100.0 * recovery.coverage[k],
            100.0 * recovery.mean_interval_to_prior[k]
        );
    }
    t
}

/// Every file of a fit's output directory.
pub fn fit_files(
    fit: &Fit,
    result: &FitResult,
    recovery: Option<&Recovery>,
    source: &FitSource<'_>,
) -> Result<OutputSet, String> {
    let mut set = OutputSet::new();
    set.push(OutputFile::Fit, fit_json(fit, result, source));
    set.push(OutputFile::FitDraws, fit_draws_csv(fit, result));
    let metadata = vec![
        (
            "wormscope.scenario".to_string(),
            fit.scenario.name().to_string(),
        ),
        (
            "wormscope.observed".to_string(),
            source.observed.to_string(),
        ),
        ("wormscope.seed".to_string(), fit.settings.seed.to_string()),
    ];
    set.push(
        OutputFile::FitDrawsParquet,
        result.draws_parquet(&fit.params, &metadata)?,
    );
    set.push(OutputFile::FitPredictive, fit_predictive_csv(result));
    set.push(OutputFile::FitObserved, fit_observed_csv(fit));
    set.push(OutputFile::FitFinding, fit_markdown(fit, result, source));
    if let Some(r) = recovery {
        set.push(OutputFile::FitRecovery, recovery_json(fit, r));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_their_seconds() {
        let start: jiff::Timestamp = "2001-07-19T10:00:00Z".parse().unwrap();
        assert_eq!(when(start, 30.0), "30 s (2001-07-19 10:00:30 UTC)");
        assert_eq!(when(start, 90.0), "1 min 30 s (2001-07-19 10:01:30 UTC)");
        assert_eq!(when(start, 120.0), "2 min (2001-07-19 10:02 UTC)");
        assert_eq!(when(start, 3720.0), "1 h 02 min (2001-07-19 11:02 UTC)");
        assert_eq!(
            when(start, 3750.0),
            "1 h 02 min 30 s (2001-07-19 11:02:30 UTC)"
        );
    }
}
