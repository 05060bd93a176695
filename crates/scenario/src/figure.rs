//! Published figures a scenario reproduces (`[[validation]]`), of either
//! kind of worm: what is measured on a run, the published value and how
//! close the ensemble's median must come. `wormscope validate` measures
//! them (`wormscope_study::validate`); this module only says what they
//! are and checks them against the scenario they sit in.
//!
//! May not touch: the engines, I/O.

use serde::{Deserialize, Serialize};

use crate::check::span_problem;
use crate::units::{Percent, SimDuration, When};

/// One published figure, how the simulation measures it, and how close
/// the ensemble's median must come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// Short name, printed in the validation table.
    pub figure: String,
    pub measure: Measure,
    /// The published value, in the measure's unit.
    pub published: f64,
    pub tolerance: Tolerance,
    /// Where the published value comes from.
    pub source: String,
}

/// How a figure is measured on one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Measure {
    /// Hosts infected at a time after the start (hosts; `validate` refuses
    /// a figure whose time falls after the run ends).
    InfectedAt { at: SimDuration },
    /// Hosts infected at the end of the run (hosts).
    FinalInfected,
    /// K of the random-constant-spread (logistic) model fitted to the
    /// infected share between `from_pct` and `to_pct` of the final count
    /// (per hour).
    LogisticK { from_pct: Percent, to_pct: Percent },
    /// The most new infections in one minute (hosts per minute).
    PeakInfectionsPerMinute,
    /// Time until `share_pct` of the vulnerable hosts are infected
    /// (minutes).
    TimeToShare { share_pct: Percent },
    /// Doubling time of the infected count while it grows from `from_hosts`
    /// to `to_hosts`, from a least-squares fit of its logarithm (seconds).
    DoublingTime { from_hosts: u64, to_hosts: u64 },
    /// The highest aggregate rate of probes delivered, over one time step
    /// (probes per second).
    PeakScanRate,
    /// Probes sent and hosts infected after the stop date (count).
    ActivityAfterStop,
    /// When the most hosts were scanning at once, at the end of a time
    /// step (minutes).
    PeakScanningTime,
    /// The share of the hosts infected by `at` that are still scanning then
    /// (percent; refused past the run's end, as `InfectedAt`).
    ScanningShareAt { at: SimDuration },
    /// The distinct source addresses sensor `sensor` had reported by `at`
    /// (a duration after the start or a UTC moment), at the end of the
    /// last step that ends by then (sources; what its reporting delay
    /// holds back is not counted; refused past the run's end, as
    /// `InfectedAt`).
    SourcesSeenAt { sensor: String, at: When },
}

impl Measure {
    /// Whether the measure is of the whole outbreak (its end, its peak, a
    /// fit over it), so that a run cut short of the scenario's duration
    /// has no value for it; the others are read at a time or a share, n/a
    /// where the run ends before.
    pub fn needs_whole_run(&self) -> bool {
        matches!(
            self,
            Measure::FinalInfected
                | Measure::LogisticK { .. }
                | Measure::PeakInfectionsPerMinute
                | Measure::PeakScanRate
                | Measure::ActivityAfterStop
                | Measure::PeakScanningTime
        )
    }

    /// The unit the measure is written in.
    pub fn unit(&self) -> &'static str {
        match self {
            Measure::InfectedAt { .. } | Measure::FinalInfected => "hosts",
            Measure::LogisticK { .. } => "per hour",
            Measure::PeakInfectionsPerMinute => "hosts/min",
            Measure::TimeToShare { .. } => "min",
            Measure::DoublingTime { .. } => "s",
            Measure::PeakScanRate => "probes/s",
            Measure::ActivityAfterStop => "probes+hosts",
            Measure::PeakScanningTime => "min",
            Measure::ScanningShareAt { .. } => "%",
            Measure::SourcesSeenAt { .. } => "sources",
        }
    }

    /// The measure's name as files write it (`kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Measure::InfectedAt { .. } => "infected-at",
            Measure::FinalInfected => "final-infected",
            Measure::LogisticK { .. } => "logistic-k",
            Measure::PeakInfectionsPerMinute => "peak-infections-per-minute",
            Measure::TimeToShare { .. } => "time-to-share",
            Measure::DoublingTime { .. } => "doubling-time",
            Measure::PeakScanRate => "peak-scan-rate",
            Measure::ActivityAfterStop => "activity-after-stop",
            Measure::PeakScanningTime => "peak-scanning-time",
            Measure::ScanningShareAt { .. } => "scanning-share-at",
            Measure::SourcesSeenAt { .. } => "sources-seen-at",
        }
    }
}

/// How close the simulated median must be to the published value. Exactly
/// one field is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Within this percentage of the published value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_pct: Option<Percent>,
    /// Within this distance of the published value, in its unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absolute: Option<f64>,
    /// At least this value (the published figure is a lower bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// Between these two values, inclusive (e.g. "tens of millions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<[f64; 2]>,
}

impl Tolerance {
    /// Whether a simulated value passes against the published one.
    pub fn accepts(&self, published: f64, simulated: f64) -> bool {
        if !simulated.is_finite() {
            return false;
        }
        if let Some(pct) = self.relative_pct {
            (simulated - published).abs() <= pct.as_fraction() * published.abs()
        } else if let Some(d) = self.absolute {
            (simulated - published).abs() <= d
        } else if let Some(lo) = self.at_least {
            simulated >= lo
        } else if let Some([lo, hi]) = self.within {
            (lo..=hi).contains(&simulated)
        } else {
            false
        }
    }
}

impl std::fmt::Display for Tolerance {
    /// As people read it: `±10%`, `±0.5`, `≥1M`, `10M to 100M` (large
    /// bounds to three significant digits with k, M, G).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(pct) = self.relative_pct {
            write!(f, "±{}%", pct.as_pct())
        } else if let Some(d) = self.absolute {
            write!(f, "±{}", compact(d))
        } else if let Some(lo) = self.at_least {
            write!(f, "≥{}", compact(lo))
        } else if let Some([lo, hi]) = self.within {
            write!(f, "{} to {}", compact(lo), compact(hi))
        } else {
            f.write_str("none")
        }
    }
}

/// A bound as people read it: 99999999 is `100M`, 2500 is `2500`, 0.25 is
/// `0.25`.
fn compact(v: f64) -> String {
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => return format!("{v}"),
    };
    // Three significant digits, trailing zeros dropped.
    let digits = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{scaled:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// The first problem with a scenario's figures, of either kind, as (field
/// path, message). What only one kind of worm can measure is checked by
/// its own scenario's checks; the sensor and the moment a figure names, by
/// [`unmeasurable`] when the figures are to be measured: a file may take
/// the sensors away, move the start past a figure's moment or shorten the
/// run, and never validate.
pub(crate) fn figures_problem(figures: &[Figure]) -> Option<(String, String)> {
    for (i, fig) in figures.iter().enumerate() {
        let f = |name: &str| format!("validation[{i}].{name}");
        let bad = |name: &str, message: String| Some((f(name), message));
        let t = &fig.tolerance;
        let given = [
            t.relative_pct.is_some(),
            t.absolute.is_some(),
            t.at_least.is_some(),
            t.within.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            return bad(
                "tolerance",
                "give exactly one of relative_pct, absolute, at_least, within".into(),
            );
        }
        if let Some([lo, hi]) = t.within
            && (lo.is_nan() || hi.is_nan() || lo > hi)
        {
            return bad("tolerance.within", format!("[{lo}, {hi}] is empty"));
        }
        if !fig.published.is_finite() {
            return bad("published", "must be a number".into());
        }
        if let Measure::InfectedAt { at } | Measure::ScanningShareAt { at } = fig.measure
            && let Some(e) = span_problem(at)
        {
            return bad("measure.at", e);
        }
        match &fig.measure {
            Measure::LogisticK { from_pct, to_pct }
                if !(from_pct.as_pct() > 0.0
                    && from_pct.as_pct() < to_pct.as_pct()
                    && to_pct.as_pct() < 100.0) =>
            {
                return bad(
                    "measure",
                    "needs 0 < from_pct < to_pct < 100 (the logit is infinite at 0 and 100)".into(),
                );
            }
            Measure::DoublingTime {
                from_hosts,
                to_hosts,
            } if !(*from_hosts >= 1 && from_hosts < to_hosts) => {
                return bad("measure", "needs 1 <= from_hosts < to_hosts".into());
            }
            _ => {}
        }
    }
    None
}

/// The first figure that cannot be measured on a scenario starting at
/// `start`, running for `duration`, with sensors named `sensors`: one that
/// names another sensor, or a moment before the start or after the run
/// ends (it would never be measured, and so never pass), as (field path,
/// message).
pub fn unmeasurable(
    figures: &[Figure],
    start: jiff::Timestamp,
    duration: SimDuration,
    sensors: &[&str],
) -> Option<(String, String)> {
    figures.iter().enumerate().find_map(|(i, fig)| {
        let at = match &fig.measure {
            Measure::InfectedAt { at } | Measure::ScanningShareAt { at } => When::After(*at),
            Measure::SourcesSeenAt { at, .. } => *at,
            _ => return None,
        };
        let field = format!("validation[{i}].measure.at");
        match at.after_start(start) {
            Err(e) => return Some((field, e)),
            Ok(us) if us > duration.as_micros() => {
                let after = match at {
                    When::After(_) => String::new(),
                    When::At(_) => format!(
                        " ({} after the start)",
                        SimDuration::from_micros(us).compound()
                    ),
                };
                return Some((
                    field,
                    format!(
                        "{at}{after} falls after the run ends ({} after the start): \
                         lengthen `duration` or drop this figure",
                        duration.compound()
                    ),
                ));
            }
            Ok(_) => {}
        }
        let Measure::SourcesSeenAt { sensor, .. } = &fig.measure else {
            return None;
        };
        if sensors.contains(&sensor.as_str()) {
            return None;
        }
        let names = sensors
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let have = if names.is_empty() {
            "the scenario has no sensors".to_string()
        } else {
            format!("its sensors are {names}")
        };
        Some((
            format!("validation[{i}].measure.sensor"),
            format!("no sensor is called `{sensor}`: {have}"),
        ))
    })
}
