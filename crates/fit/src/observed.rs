//! What the sensors saw: `obs.csv`, with the header
//! `time_s,sensor,measure,value`. `sensor` names one of the scenario's
//! `[[sensors]]`; `measure` is a column of `sensors.csv` (`probes`,
//! `sources` or `estimate`), so a row of `sensors.csv` reduced to those
//! four columns is an observation. `time_s` is seconds since the
//! scenario's start, after 0 and at most its duration.
//!
//! A simulated value at a time between two step ends is interpolated
//! linearly between them (a count is 0 at time 0).
//!
//! What it may not touch: anything but the text it is given.

use std::fmt;

use wormscope_observe::SensorRow;
use wormscope_scenario::AnyScenario;

/// The header `obs.csv` must start with.
pub const OBSERVED_HEADER: &str = "time_s,sensor,measure,value";

/// A column of `sensors.csv` an observation gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SensorMeasure {
    Probes,
    Sources,
    Estimate,
}

impl SensorMeasure {
    pub const ALL: [SensorMeasure; 3] = [
        SensorMeasure::Probes,
        SensorMeasure::Sources,
        SensorMeasure::Estimate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SensorMeasure::Probes => "probes",
            SensorMeasure::Sources => "sources",
            SensorMeasure::Estimate => "estimate",
        }
    }

    /// The measure's value in a sensor's row.
    pub fn of(self, row: &SensorRow) -> f64 {
        match self {
            SensorMeasure::Probes => row.probes as f64,
            SensorMeasure::Sources => row.sources as f64,
            SensorMeasure::Estimate => row.estimate,
        }
    }
}

impl fmt::Display for SensorMeasure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One observed value.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Seconds since the scenario's start.
    pub time_s: f64,
    pub sensor: String,
    pub measure: SensorMeasure,
    pub value: f64,
}

impl Observation {
    /// The series it belongs to, as `sensor/measure`.
    pub fn series(&self) -> String {
        format!("{}/{}", self.sensor, self.measure)
    }
}

/// Reads `obs.csv` text; `file` names it in errors, `scenario` gives the
/// sensors and the duration the observations must fit in.
pub fn parse(text: &str, file: &str, scenario: &AnyScenario) -> Result<Vec<Observation>, String> {
    let err =
        |line: usize, field: &str, msg: String| format!("{file}:{line}: field `{field}`: {msg}");
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    match lines.next() {
        Some((_, h)) if h.trim() == OBSERVED_HEADER => {}
        Some((_, h)) => {
            return Err(format!(
                "{file}:1: the header is `{}`, not `{OBSERVED_HEADER}`",
                h.trim()
            ));
        }
        None => {
            return Err(format!(
                "{file}: the file is empty (header `{OBSERVED_HEADER}`)"
            ));
        }
    }
    let duration_s = scenario.duration().as_micros() as f64 / 1e6;
    let names = scenario.sensor_names();
    let sensors: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut out: Vec<Observation> = Vec::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = text.split(',').map(str::trim).collect();
        if cells.len() != 4 {
            return Err(format!(
                "{file}:{line}: {} fields, not 4 ({OBSERVED_HEADER})",
                cells.len()
            ));
        }
        let time_s = cells[0]
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite())
            .ok_or_else(|| err(line, "time_s", format!("`{}` is not a number", cells[0])))?;
        if time_s <= 0.0 || time_s > duration_s {
            return Err(err(
                line,
                "time_s",
                format!(
                    "{time_s} s is outside the scenario's run (after 0, at most its duration, {duration_s} s)"
                ),
            ));
        }
        let sensor = cells[1];
        if !sensors.contains(&sensor) {
            return Err(err(
                line,
                "sensor",
                if sensors.is_empty() {
                    format!("the scenario has no sensors, so not `{sensor}`")
                } else {
                    format!(
                        "the scenario has no sensor `{sensor}` (it has: {})",
                        sensors.join(", ")
                    )
                },
            ));
        }
        let measure = SensorMeasure::ALL
            .into_iter()
            .find(|m| m.name() == cells[2])
            .ok_or_else(|| {
                err(
                    line,
                    "measure",
                    format!(
                        "`{}` is not a sensor's measure (probes, sources or estimate)",
                        cells[2]
                    ),
                )
            })?;
        let value = cells[3]
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                err(
                    line,
                    "value",
                    format!("`{}` is not a count (a number, 0 or more)", cells[3]),
                )
            })?;
        let o = Observation {
            time_s,
            sensor: sensor.to_string(),
            measure,
            value,
        };
        if out
            .iter()
            .any(|p| p.time_s == o.time_s && p.sensor == o.sensor && p.measure == o.measure)
        {
            return Err(err(
                line,
                "time_s",
                format!("{} at {time_s} s is observed twice", o.series()),
            ));
        }
        out.push(o);
    }
    if out.is_empty() {
        return Err(format!("{file}: no observations after the header"));
    }
    Ok(out)
}

/// The value at `time_s` of a series given at the ends of steps of `step_s`
/// seconds (`values[i]` at `(i + 1) * step_s`), linearly interpolated, 0
/// at time 0.
pub fn at_time(values: &[f64], step_s: f64, time_s: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let x = time_s / step_s; // in steps; values[i] sits at x = i + 1
    let i = x.floor() as usize;
    let before = if i == 0 {
        0.0
    } else {
        values[(i - 1).min(values.len() - 1)]
    };
    let after = values[i.min(values.len() - 1)];
    if i >= values.len() {
        return values[values.len() - 1];
    }
    before + (after - before) * (x - i as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_observations_and_refuses_with_line_and_field() {
        let s = wormscope_scenario::AnyScenario::Blaster(wormscope_scenario::default_scenario());
        let ok =
            "time_s,sensor,measure,value\r\n68520,isc,sources,30000\n3600,telescope,probes,12\n";
        let obs = parse(ok, "obs.csv", &s).unwrap();
        assert_eq!(obs.len(), 2);
        assert_eq!(obs[0].series(), "isc/sources");
        assert_eq!(obs[1].measure, SensorMeasure::Probes);
        for (text, says) in [
            ("time,sensor,measure,value\n", "obs.csv:1: the header"),
            ("", "the file is empty"),
            ("time_s,sensor,measure,value\n", "no observations"),
            (
                "time_s,sensor,measure,value\n60,isc,sources\n",
                "obs.csv:2: 3 fields",
            ),
            (
                "time_s,sensor,measure,value\nx,isc,sources,1\n",
                "obs.csv:2: field `time_s`",
            ),
            (
                "time_s,sensor,measure,value\n90000,isc,sources,1\n",
                "outside the scenario's run",
            ),
            ("time_s,sensor,measure,value\n0,isc,sources,1\n", "outside"),
            (
                "time_s,sensor,measure,value\n60,ics,sources,1\n",
                "no sensor `ics` (it has: telescope, isc",
            ),
            (
                "time_s,sensor,measure,value\n60,isc,truth,1\n",
                "field `measure`",
            ),
            (
                "time_s,sensor,measure,value\n60,isc,sources,-1\n",
                "field `value`",
            ),
            (
                "time_s,sensor,measure,value\n60,isc,sources,1\n\n60,isc,sources,2\n",
                "obs.csv:4: field `time_s`: isc/sources at 60 s is observed twice",
            ),
        ] {
            let e = parse(text, "obs.csv", &s).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn values_between_step_ends_are_interpolated() {
        let v = [10.0, 20.0, 40.0];
        assert_eq!(at_time(&v, 60.0, 30.0), 5.0);
        assert_eq!(at_time(&v, 60.0, 60.0), 10.0);
        assert_eq!(at_time(&v, 60.0, 90.0), 15.0);
        assert_eq!(at_time(&v, 60.0, 150.0), 30.0);
        assert_eq!(at_time(&v, 60.0, 180.0), 40.0);
        assert_eq!(at_time(&v, 60.0, 500.0), 40.0);
    }
}
