//! Historical validation: a scenario's ensemble measured the way its
//! `[[validation]]` figures say, beside the published values, with PASS or
//! FAIL against each figure's tolerance. A random-scanning worm's runs are
//! measured whole; a Blaster run by its rows and its sensors' sources
//! ([`BlasterOutbreak`]), the same measures read at the rows' resolution.
//! Also the measures themselves (the random-constant-spread fit, doubling
//! time, time to a share, peak rates) and the two-sample
//! Kolmogorov-Smirnov test the engine-versus-reference tests use.
//!
//! Pure numbers: runs the engine, writes nothing.

use rayon::prelude::*;
use serde::Serialize;
use wormscope_engine::BlasterRun;
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

/// One Blaster run as its figures measure it: the hosts infected, the
/// infections, the hosts scanning and the probes of each step, and each
/// sensor's distinct sources reported so far, at each step's end.
#[derive(Clone, Debug, PartialEq)]
pub struct BlasterOutbreak {
    pub step_us: u64,
    pub infected: Vec<u64>,
    /// Infections during each step (the initial hosts' in the first).
    pub new_infections: Vec<u64>,
    /// Hosts scanning at each step's end.
    pub scanning: Vec<u64>,
    /// Probes whose batch started during each step (Welchia's too).
    pub probes: Vec<u64>,
    /// Of those, the probes that arrived: all but what a network capacity
    /// dropped (`[worm.bandwidth] capacity_bits_per_second`).
    pub arrived: Vec<u64>,
    /// The vulnerable and reachable candidates (machines) of the world,
    /// what a share of "the vulnerable" is taken of.
    pub vulnerable: u64,
    /// The stop date (`[worm.stop] at`), µs after the start.
    pub stop_us: Option<u64>,
    /// Per sensor (by name), its sources at each step's end.
    pub sources: Vec<(String, Vec<u64>)>,
}

impl BlasterOutbreak {
    /// A run's rows, its world's `vulnerable` candidates, its stop date,
    /// and each sensor's sources by step.
    pub fn new(
        run: &BlasterRun,
        vulnerable: u64,
        stop_us: Option<u64>,
        sources: Vec<(String, Vec<u64>)>,
    ) -> BlasterOutbreak {
        let series = |f: fn(&wormscope_engine::BlasterRow) -> u64| run.rows.iter().map(f).collect();
        BlasterOutbreak {
            step_us: run.step,
            infected: series(|r| r.infected),
            new_infections: series(|r| r.new_infections),
            scanning: series(|r| r.scanning),
            probes: series(|r| r.probes),
            arrived: series(|r| r.probes - r.dropped),
            vulnerable,
            stop_us,
            sources,
        }
    }

    /// When each infection happened, as far as the rows tell: a step's
    /// infections spread evenly over it (the population core knows each
    /// one's moment; Blaster's rows only the step's count).
    pub fn infection_times_us(&self) -> Vec<u64> {
        let mut times = Vec::new();
        for (i, &n) in self.new_infections.iter().enumerate() {
            let from = i as u64 * self.step_us;
            times.extend((0..n).map(|j| {
                from + ((2 * j + 1) as u128 * u128::from(self.step_us) / (2 * u128::from(n))) as u64
            }));
        }
        times
    }

    /// The run's value of a figure's measure (NaN where the run ended
    /// before the measure's time or never got there). The measures of the
    /// infection curve read it at the rows' resolution
    /// ([`BlasterOutbreak::infection_times_us`]).
    pub fn measure(&self, m: &Measure, start: jiff::Timestamp) -> f64 {
        let end_us = self.infected.len() as u64 * self.step_us;
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
            Measure::LogisticK { from_pct, to_pct } => logistic_k_of(
                &self.infection_times_us(),
                from_pct.as_fraction(),
                to_pct.as_fraction(),
            ),
            Measure::DoublingTime {
                from_hosts,
                to_hosts,
            } => doubling_time_of(&self.infection_times_us(), *from_hosts, *to_hosts),
            Measure::TimeToShare { share_pct } => time_to_share_of(
                &self.infection_times_us(),
                self.vulnerable,
                share_pct.as_fraction(),
            )
            .map_or(f64::NAN, |us| us as f64 / 60e6),
            Measure::PeakInfectionsPerMinute => peak_per_minute(&self.new_infections, self.step_us),
            Measure::PeakScanRate => peak_per_second(&self.arrived, self.step_us),
            Measure::PeakScanningTime => {
                peak_time_min(&self.scanning, |i| (i as u64 + 1) * self.step_us).unwrap_or(f64::NAN)
            }
            Measure::ScanningShareAt { at } => {
                let us = at.as_micros();
                let row = us.div_ceil(self.step_us.max(1)).max(1) as usize - 1;
                match (self.scanning.get(row), self.infected.get(row)) {
                    (Some(&scanning), Some(&infected)) if us <= end_us && infected > 0 => {
                        100.0 * scanning as f64 / infected as f64
                    }
                    _ => f64::NAN,
                }
            }
            Measure::ActivityAfterStop => {
                let Some(stop) = self.stop_us else {
                    return 0.0;
                };
                let after = (stop.div_ceil(self.step_us.max(1))) as usize;
                if after >= self.probes.len() {
                    return f64::NAN;
                }
                let probes: u64 = self.probes[after..].iter().sum();
                let infections = self
                    .infection_times_us()
                    .iter()
                    .filter(|&&t| t >= stop)
                    .count() as u64;
                (probes + infections) as f64
            }
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
    let scanning: Vec<u64> = r.rows.iter().map(|row| row.scanning).collect();
    peak_time_min(&scanning, |i| r.rows[i].time_us).unwrap_or(f64::NAN)
}

/// The end (`end_us` of its index) of the first step with the most of
/// `per_row`, minutes after the start (`None` without rows).
fn peak_time_min(per_row: &[u64], end_us: impl Fn(usize) -> u64) -> Option<f64> {
    let mut best: Option<(usize, u64)> = None;
    for (i, &n) in per_row.iter().enumerate() {
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((i, n));
        }
    }
    best.map(|(i, _)| end_us(i) as f64 / 60e6)
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
    time_to_share_of(&r.infection_times_us, r.vulnerable, share)
}

/// When `share` of `vulnerable` hosts had been infected, of infections at
/// `times` (µs, ascending).
fn time_to_share_of(times: &[u64], vulnerable: u64, share: f64) -> Option<u64> {
    let k = ((share * vulnerable as f64).ceil() as usize).max(1);
    times.get(k - 1).copied()
}

/// K of the random-constant-spread model (Staniford, Paxson and Weaver):
/// a(t) = e^{K(t−T)} / (1 + e^{K(t−T)}), so logit(a) = K·(t − T). Fitted by
/// least squares over the infection times at which the infected share of
/// the final count lies between `from` and `to` (one point per infection:
/// the curve is a step function of them). Per hour.
pub fn logistic_k_per_hour(r: &PopulationRun, from: f64, to: f64) -> f64 {
    logistic_k_of(&r.infection_times_us, from, to)
}

/// [`logistic_k_per_hour`] of infections at `times` (µs, ascending).
fn logistic_k_of(times: &[u64], from: f64, to: f64) -> f64 {
    let n = times.len() as f64;
    let points: Vec<(f64, f64)> = times
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
    doubling_time_of(&r.infection_times_us, from, to)
}

/// [`doubling_time_s`] of infections at `times` (µs, ascending).
fn doubling_time_of(times: &[u64], from: u64, to: u64) -> f64 {
    let points: Vec<(f64, f64)> = times
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
    let per_row: Vec<u64> = r.rows.iter().map(|row| row.new_infections).collect();
    peak_per_minute(&per_row, r.step_us)
}

/// The most of `per_row` (counts per step of `step_us`) in one minute,
/// over windows of whole steps.
fn peak_per_minute(per_row: &[u64], step_us: u64) -> f64 {
    let per_window = (60_000_000 / step_us.max(1)).max(1) as usize;
    let scale = 60e6 / (per_window as f64 * step_us as f64);
    per_row
        .windows(per_window.min(per_row.len()).max(1))
        .map(|w| w.iter().sum::<u64>() as f64 * scale)
        .fold(0.0, f64::max)
}

/// The highest rate of delivered probes over one step, per second.
pub fn peak_scan_rate(r: &PopulationRun) -> f64 {
    let per_row: Vec<u64> = r.rows.iter().map(|row| row.probes_delivered).collect();
    peak_per_second(&per_row, r.step_us)
}

/// The highest of `per_row` (counts per step of `step_us`) over one step,
/// per second.
fn peak_per_second(per_row: &[u64], step_us: u64) -> f64 {
    let secs = step_us as f64 / 1e6;
    per_row.iter().map(|&n| n as f64 / secs).fold(0.0, f64::max)
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
            new_infections: vec![5, 4, 11],
            scanning: vec![5, 9, 18],
            probes: vec![600, 1_200, 2_400],
            arrived: vec![600, 1_200, 2_400],
            vulnerable: 40,
            stop_us: None,
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
        assert_eq!(run.measure(&Measure::PeakScanRate, start), 40.0);
    }

    /// The curve's measures read a Blaster run's rows as the population
    /// core's exact moments: a step's infections spread evenly over it.
    #[test]
    fn a_blaster_runs_curve_is_measured_at_its_rows_resolution() {
        let start: jiff::Timestamp = "2003-08-11T19:00:00Z".parse().unwrap();
        // Doubling every minute: 1, 2, 4, ... 512 infected by minute 10.
        let new_infections: Vec<u64> = (0..10)
            .map(|i| if i == 0 { 1 } else { 1 << (i - 1) })
            .collect();
        let infected: Vec<u64> = new_infections
            .iter()
            .scan(0, |n, &k| {
                *n += k;
                Some(*n)
            })
            .collect();
        let run = BlasterOutbreak {
            step_us: 60_000_000,
            scanning: infected.iter().map(|n| n - n / 2).collect(),
            probes: infected.iter().map(|n| n * 2_000).collect(),
            arrived: infected.iter().map(|n| n * 1_500).collect(),
            infected,
            new_infections,
            vulnerable: 2_048,
            stop_us: Some(9 * 60_000_000),
            sources: Vec::new(),
        };
        let times = run.infection_times_us();
        assert_eq!(times.len(), 512);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        // The first minute's one infection at its middle; the last
        // minute's 256 spread over it.
        assert_eq!(times[0], 30_000_000);
        assert!(
            times[256..]
                .iter()
                .all(|&t| (540_000_000..600_000_000).contains(&t))
        );
        let m = |measure: Measure| run.measure(&measure, start);
        let doubling = m(Measure::DoublingTime {
            from_hosts: 4,
            to_hosts: 512,
        });
        assert!((doubling - 60.0).abs() < 6.0, "{doubling}");
        // Half of the 2,048 vulnerable: never reached.
        assert!(
            m(Measure::TimeToShare {
                share_pct: pct(50.0)
            })
            .is_nan()
        );
        let eighth = m(Measure::TimeToShare {
            share_pct: pct(12.5),
        });
        assert!((8.0..9.0).contains(&eighth), "{eighth}");
        assert_eq!(m(Measure::PeakInfectionsPerMinute), 256.0);
        // The probes that arrived, not those sent.
        assert_eq!(m(Measure::PeakScanRate), 512.0 * 1_500.0 / 60.0);
        assert_eq!(m(Measure::PeakScanningTime), 10.0);
        let share = m(Measure::ScanningShareAt {
            at: "90s".parse().unwrap(),
        });
        assert_eq!(share, 50.0, "the step ending at 2 min: 1 of 2");
        assert!(
            m(Measure::ScanningShareAt {
                at: "11m".parse().unwrap()
            })
            .is_nan()
        );
        // From the stop at 9 min: the last step's probes and infections.
        assert_eq!(m(Measure::ActivityAfterStop), (512 * 2_000 + 256) as f64);
        let k = m(Measure::LogisticK {
            from_pct: pct(5.0),
            to_pct: pct(95.0),
        });
        assert!(k.is_finite() && k > 0.0, "{k}");
    }

    fn pct(v: f64) -> wormscope_scenario::Percent {
        wormscope_scenario::Percent::new(v).unwrap()
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
