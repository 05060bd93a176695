//! Historical validation: a scenario's ensemble measured the way its
//! `[[validation]]` figures say, beside the published values, with PASS or
//! FAIL against each figure's tolerance. A random-scanning worm's runs are
//! measured whole; a Blaster run by what its figures can name
//! ([`BlasterOutbreak`]: its hosts and its sensors' sources). Also the measures
//! themselves (the random-constant-spread fit, doubling time, time to a
//! share, peak rates) and the two-sample Kolmogorov-Smirnov test the
//! engine-versus-reference tests use.
//!
//! Pure numbers: runs the engine, writes nothing.

use rayon::prelude::*;
use serde::Serialize;
use wormscope_engine::population::{PopulationRun, simulate_population};
use wormscope_scenario::figure::{Figure, Measure};
use wormscope_scenario::units::When;
use wormscope_scenario::{BlasterScenario, PopulationScenario};

use crate::{Band, run_seed};

/// One published figure beside its simulated band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FigureCheck {
    pub scenario: String,
    pub figure: String,
    pub unit: &'static str,
    pub published: f64,
    /// The ensemble's median.
    pub simulated: f64,
    pub p05: f64,
    pub p95: f64,
    /// The tolerance as written, e.g. `±10%`.
    pub tolerance: String,
    pub pass: bool,
    pub runs: u32,
    pub source: String,
}

/// `runs` runs of a random-scanning scenario on derived seeds, in run
/// order (in parallel; the order does not depend on the thread count).
pub fn population_ensemble(
    s: &PopulationScenario,
    runs: u32,
    done: &(dyn Fn() + Sync),
) -> Vec<PopulationRun> {
    (0..runs)
        .into_par_iter()
        .map(|i| {
            let r = simulate_population(s, run_seed(s.seed, i), &mut |_| {});
            done();
            r
        })
        .collect()
}

/// Every figure of `s` measured on `runs`.
pub fn check_figures(s: &PopulationScenario, runs: &[PopulationRun]) -> Vec<FigureCheck> {
    check_each(&s.name, &s.validation, runs.len(), |m, i| {
        measure(&runs[i], m, s.start)
    })
}

/// Every figure of a Blaster scenario measured on its runs.
pub fn check_blaster_figures(s: &BlasterScenario, runs: &[BlasterOutbreak]) -> Vec<FigureCheck> {
    check_each(&s.name, &s.validation, runs.len(), |m, i| {
        runs[i].measure(m, s.start)
    })
}

/// Each figure's value on each of `runs` runs (`value(measure, run)`),
/// its band and its verdict.
fn check_each(
    scenario: &str,
    figures: &[Figure],
    runs: usize,
    value: impl Fn(&Measure, usize) -> f64,
) -> Vec<FigureCheck> {
    figures
        .iter()
        .map(|fig| {
            let values: Vec<f64> = (0..runs).map(|i| value(&fig.measure, i)).collect();
            let band = Band::of(&values);
            FigureCheck {
                scenario: scenario.to_string(),
                figure: fig.figure.clone(),
                unit: fig.measure.unit(),
                published: fig.published,
                simulated: band.median,
                p05: band.p05,
                p95: band.p95,
                tolerance: fig.tolerance.to_string(),
                pass: fig.tolerance.accepts(fig.published, band.median),
                runs: runs as u32,
                source: fig.source.clone(),
            }
        })
        .collect()
}

/// One Blaster run as its figures measure it: the hosts infected and each
/// sensor's distinct sources reported so far, at each step's end.
#[derive(Clone, Debug, PartialEq)]
pub struct BlasterOutbreak {
    pub step_us: u64,
    pub infected: Vec<u64>,
    /// Per sensor (by name), its sources at each step's end.
    pub sources: Vec<(String, Vec<u64>)>,
}

impl BlasterOutbreak {
    /// The run's value of a figure's measure (NaN where the run ended
    /// before the measure's time; the scenario's checks refuse the
    /// measures a Blaster run has no value for).
    pub fn measure(&self, m: &Measure, start: jiff::Timestamp) -> f64 {
        match m {
            Measure::InfectedAt { at } => {
                at_step(&self.infected, self.step_us, at.as_micros()).map_or(f64::NAN, |n| n as f64)
            }
            Measure::FinalInfected => self.infected.last().map_or(f64::NAN, |&n| n as f64),
            Measure::SourcesSeenAt { sensor, at } => self
                .sources
                .iter()
                .find(|(name, _)| name == sensor)
                .and_then(|(_, rows)| at_step(rows, self.step_us, moment_us(*at, start)?))
                .map_or(f64::NAN, |n| n as f64),
            _ => f64::NAN,
        }
    }
}

/// A series' value at the end of the last step that ends by `at_us` (0
/// before the first step's end); `None` if the run ends before `at_us`.
fn at_step(rows: &[u64], step_us: u64, at_us: u64) -> Option<u64> {
    let end = rows.len() as u64 * step_us;
    if at_us > end || step_us == 0 {
        return None;
    }
    let done = (at_us / step_us) as usize;
    Some(if done == 0 { 0 } else { rows[done - 1] })
}

/// A moment of a figure as µs after the start (checked: not before it).
fn moment_us(at: When, start: jiff::Timestamp) -> Option<u64> {
    at.after_start(start).ok()
}

/// One run's value of a measure (NaN where the run never got there, or
/// ended before the measure's time); `start` is the scenario's.
pub fn measure(r: &PopulationRun, m: &Measure, start: jiff::Timestamp) -> f64 {
    match m {
        Measure::InfectedAt { at } => {
            let end = r.rows.last().map_or(0, |row| row.time_us);
            if at.as_micros() > end {
                f64::NAN
            } else {
                infected_at(r, at.as_micros()) as f64
            }
        }
        Measure::FinalInfected => r.infection_times_us.len() as f64,
        Measure::LogisticK { from_pct, to_pct } => {
            logistic_k_per_hour(r, from_pct.as_fraction(), to_pct.as_fraction())
        }
        Measure::PeakInfectionsPerMinute => peak_infections_per_minute(r),
        Measure::TimeToShare { share_pct } => {
            time_to_share_us(r, share_pct.as_fraction()).map_or(f64::NAN, |us| us as f64 / 60e6)
        }
        Measure::DoublingTime {
            from_hosts,
            to_hosts,
        } => doubling_time_s(r, *from_hosts, *to_hosts),
        Measure::PeakScanRate => peak_scan_rate(r),
        Measure::ActivityAfterStop => activity_after_stop(r).map_or(f64::NAN, |n| n as f64),
        Measure::PeakScanningTime => peak_scanning_time_min(r),
        Measure::ScanningShareAt { at } => scanning_share_at_pct(r, at.as_micros()),
        Measure::SourcesSeenAt { sensor, at } => r
            .sensors
            .iter()
            .find(|x| x.sensor.name == *sensor)
            .and_then(|x| {
                // One address per host: a sensor's sources are its hosts.
                let mut so_far = 0;
                let sources: Vec<u64> = x
                    .new_sources
                    .iter()
                    .map(|n| {
                        so_far += n;
                        so_far
                    })
                    .collect();
                at_step(&sources, r.step_us, moment_us(*at, start)?)
            })
            .map_or(f64::NAN, |n| n as f64),
    }
}

/// When the most hosts were scanning at the end of a step, minutes (the
/// first such step; NaN for a run without rows).
pub fn peak_scanning_time_min(r: &PopulationRun) -> f64 {
    let mut best: Option<&wormscope_engine::population::PopulationRow> = None;
    for row in &r.rows {
        if best.is_none_or(|b| row.scanning > b.scanning) {
            best = Some(row);
        }
    }
    best.map_or(f64::NAN, |row| row.time_us as f64 / 60e6)
}

/// The percentage of the hosts infected by `us` that are scanning then, at
/// the end of the first step that ends at or after `us` (NaN if the run
/// ends before, or nobody is infected).
pub fn scanning_share_at_pct(r: &PopulationRun, us: u64) -> f64 {
    match r.rows.iter().find(|row| row.time_us >= us) {
        Some(row) if row.infected > 0 => 100.0 * row.scanning as f64 / row.infected as f64,
        _ => f64::NAN,
    }
}

/// Hosts infected at `us` after the start (infections at exactly `us`
/// count).
pub fn infected_at(r: &PopulationRun, us: u64) -> u64 {
    r.infection_times_us.partition_point(|&t| t <= us) as u64
}

/// When `share` of the vulnerable population was infected, µs (`None` if
/// it never was in the run).
pub fn time_to_share_us(r: &PopulationRun, share: f64) -> Option<u64> {
    let k = ((share * r.vulnerable as f64).ceil() as usize).max(1);
    r.infection_times_us.get(k - 1).copied()
}

/// K of the random-constant-spread model (Staniford, Paxson and Weaver):
/// a(t) = e^{K(t−T)} / (1 + e^{K(t−T)}), so logit(a) = K·(t − T). Fitted by
/// least squares over the infection times at which the infected share of
/// the final count lies between `from` and `to` (one point per infection:
/// the curve is a step function of them). Per hour.
pub fn logistic_k_per_hour(r: &PopulationRun, from: f64, to: f64) -> f64 {
    let n = r.infection_times_us.len() as f64;
    let points: Vec<(f64, f64)> = r
        .infection_times_us
        .iter()
        .enumerate()
        .filter_map(|(i, &t)| {
            let a = (i + 1) as f64 / n;
            (from..=to)
                .contains(&a)
                .then(|| (t as f64 / 3.6e9, (a / (1.0 - a)).ln()))
        })
        .collect();
    slope(&points)
}

/// The doubling time while the infected count grows from `from` to `to`
/// hosts: ln 2 over the least-squares slope of ln(count) against time, one
/// point per infection. Seconds.
pub fn doubling_time_s(r: &PopulationRun, from: u64, to: u64) -> f64 {
    let points: Vec<(f64, f64)> = r
        .infection_times_us
        .iter()
        .enumerate()
        .filter(|(i, _)| (from..=to).contains(&(*i as u64 + 1)))
        .map(|(i, &t)| (t as f64 / 1e6, ((i + 1) as f64).ln()))
        .collect();
    std::f64::consts::LN_2 / slope(&points)
}

/// The most infections in one minute of the time series (per minute),
/// over windows of whole steps.
pub fn peak_infections_per_minute(r: &PopulationRun) -> f64 {
    let per_window = (60_000_000 / r.step_us).max(1) as usize;
    let scale = 60e6 / (per_window as f64 * r.step_us as f64);
    r.rows
        .windows(per_window.min(r.rows.len()).max(1))
        .map(|w| w.iter().map(|row| row.new_infections).sum::<u64>() as f64 * scale)
        .fold(0.0, f64::max)
}

/// The highest rate of delivered probes over one step, per second.
pub fn peak_scan_rate(r: &PopulationRun) -> f64 {
    let secs = r.step_us as f64 / 1e6;
    r.rows
        .iter()
        .map(|row| row.probes_delivered as f64 / secs)
        .fold(0.0, f64::max)
}

/// Probes sent and hosts infected from the stop date on: in the steps that
/// begin at or after it, and infection times at or after it (0 without a
/// stop date; `None` when the run ends before a step begins after it, and
/// has nothing to say).
pub fn activity_after_stop(r: &PopulationRun) -> Option<u64> {
    let Some(stop) = r.stop_us else {
        return Some(0);
    };
    let after: Vec<_> = r
        .rows
        .iter()
        .filter(|row| row.time_us.saturating_sub(r.step_us) >= stop)
        .collect();
    if after.is_empty() {
        return None;
    }
    let probes: u64 = after
        .iter()
        .map(|row| row.probes_offered + row.probes_delivered)
        .sum();
    let infections = r.infection_times_us.iter().filter(|&&t| t >= stop).count() as u64;
    Some(probes + infections)
}

/// Least-squares slope of y on x (NaN with fewer than two distinct x).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return f64::NAN;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    if sxx == 0.0 { f64::NAN } else { sxy / sxx }
}

/// The two-sample Kolmogorov-Smirnov test: the statistic D and its
/// asymptotic p-value (Kolmogorov's distribution with Stephens' small-sample
/// correction, as in Numerical Recipes' `kstwo`).
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len(), b.len());
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < n && j < m {
        let x = a[i].min(b[j]);
        while i < n && a[i] <= x {
            i += 1;
        }
        while j < m && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    let en = ((n * m) as f64 / (n + m) as f64).sqrt();
    let lambda = (en + 0.12 + 0.11 / en) * d;
    (d, kolmogorov_q(lambda))
}

/// Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}.
fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 1e-3 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for j in 1..=100 {
        let term = sign * 2.0 * (-2.0 * (j * j) as f64 * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-12 {
            return sum.clamp(0.0, 1.0);
        }
        sign = -sign;
    }
    1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blaster_figure_reads_the_last_step_ended_by_its_moment() {
        let start: jiff::Timestamp = "2003-08-11T19:00:00Z".parse().unwrap();
        // Steps of a minute: the rows are the counts at 1, 2 and 3 minutes.
        let run = BlasterOutbreak {
            step_us: 60_000_000,
            infected: vec![5, 9, 20],
            sources: vec![("isc".into(), vec![1, 4, 7])],
        };
        let at = |text: &str| -> When { text.parse().unwrap() };
        let sources = |moment: &str| {
            run.measure(
                &Measure::SourcesSeenAt {
                    sensor: "isc".into(),
                    at: at(moment),
                },
                start,
            )
        };
        assert_eq!(sources("30s"), 0.0, "before the first step ends");
        assert_eq!(sources("2m"), 4.0);
        assert_eq!(sources("2003-08-11T19:02:59Z"), 4.0);
        assert_eq!(sources("2003-08-11T19:03:00Z"), 7.0);
        assert!(sources("4m").is_nan(), "after the run");
        let other = Measure::SourcesSeenAt {
            sensor: "telescope".into(),
            at: at("1m"),
        };
        assert!(run.measure(&other, start).is_nan());
        let infected = |d: &str| {
            run.measure(
                &Measure::InfectedAt {
                    at: d.parse().unwrap(),
                },
                start,
            )
        };
        assert_eq!(infected("1m"), 5.0);
        assert_eq!(infected("179s"), 9.0);
        assert_eq!(run.measure(&Measure::FinalInfected, start), 20.0);
        assert!(run.measure(&Measure::PeakScanRate, start).is_nan());
    }

    #[test]
    fn ks_tells_equal_samples_from_shifted_ones() {
        let a: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let same: Vec<f64> = (0..200).map(|i| i as f64 + 0.5).collect();
        let shifted: Vec<f64> = (0..200).map(|i| i as f64 + 60.0).collect();
        let (d, p) = ks_two_sample(&a, &same);
        assert!(d < 0.01 && p > 0.99, "D {d} p {p}");
        let (d, p) = ks_two_sample(&a, &shifted);
        assert!((d - 0.3).abs() < 1e-9 && p < 1e-6, "D {d} p {p}");
    }

    fn run_of(times_us: Vec<u64>) -> PopulationRun {
        PopulationRun {
            step_us: 1_000_000,
            rows: Vec::new(),
            vulnerable: times_us.len() as u64,
            sensors: Vec::new(),
            infection_times_us: times_us,
            stop_us: None,
            events: 0,
        }
    }

    #[test]
    fn the_logistic_fit_recovers_k_from_an_exact_curve() {
        // Infection i happens when the logistic curve with K = 1.8/h and
        // midpoint 7 h crosses (i + 1) / n.
        let n = 10_000;
        let k = 1.8;
        let times: Vec<u64> = (0..n)
            .map(|i| {
                let a = (i as f64 + 1.0) / n as f64;
                let a = a.min(1.0 - 1e-9);
                let hours = 7.0 + (a / (1.0 - a)).ln() / k;
                (hours.max(0.0) * 3.6e9) as u64
            })
            .collect();
        let fitted = logistic_k_per_hour(&run_of(times), 0.05, 0.95);
        assert!((fitted - k).abs() < 1e-3, "{fitted}");
    }

    #[test]
    fn doubling_time_and_time_to_share_read_the_infection_times() {
        // The count doubles every 10 s exactly.
        let times: Vec<u64> = (1..=1024u64)
            .map(|c| ((c as f64).log2() * 10e6) as u64)
            .collect();
        let r = run_of(times);
        assert!((doubling_time_s(&r, 4, 1000) - 10.0).abs() < 0.01);
        assert_eq!(time_to_share_us(&r, 0.5), Some(90_000_000));
        assert_eq!(infected_at(&r, 90_000_000), 512);
    }

    /// A run that ends before its stop date says nothing of what came
    /// after it: not a pass at zero.
    #[test]
    fn activity_after_the_stop_needs_a_step_after_it() {
        let row = |s: u64, probes: u64| wormscope_engine::population::PopulationRow {
            time_us: s * 1_000_000,
            probes_offered: probes,
            probes_delivered: probes,
            ..Default::default()
        };
        let mut r = run_of(vec![500_000, 1_500_000]);
        r.rows = vec![row(1, 5), row(2, 7)];
        r.stop_us = Some(2_000_000);
        assert_eq!(activity_after_stop(&r), None);
        assert!(measure(&r, &Measure::ActivityAfterStop, jiff::Timestamp::UNIX_EPOCH).is_nan());
        r.rows.push(row(3, 0));
        assert_eq!(activity_after_stop(&r), Some(0));
        r.rows.push(row(4, 2));
        assert_eq!(activity_after_stop(&r), Some(4));
        r.stop_us = None;
        assert_eq!(activity_after_stop(&r), Some(0));
    }
}
