//! The parameters a fit searches: `FIELD=LO..HI` (uniform over a range) or
//! `FIELD=A,B,C` (uniform over a list), `FIELD` a dotted scenario field as
//! in sweep files (`world.used_slash16_pct`, `world.networks[0].nat_pct`).
//!
//! A parameter is checked against the base scenario before anything runs:
//! the field must exist and hold a number, a range must not be empty, and
//! the scenario must accept the range's ends (or every listed value).
//! An integer field takes the nearest integer of the value drawn.
//!
//! What it may not touch: files, runs.

use std::fmt;

use wormscope_scenario::AnyScenario;

use crate::abc::Prior;

/// One searched field and its prior.
#[derive(Clone, Debug, PartialEq)]
pub struct FitParam {
    /// Dotted scenario field path.
    pub path: String,
    pub prior: Prior,
    /// The field holds an integer: values drawn are rounded.
    pub integer: bool,
}

impl FitParam {
    /// Reads `FIELD=LO..HI` or `FIELD=A,B,...` and checks the field's kind
    /// in `base`. The error says what is wrong, without naming the flag.
    pub fn parse(spec: &str, base: &AnyScenario) -> Result<FitParam, String> {
        let Some((path, values)) = spec.split_once('=') else {
            return Err(format!(
                "`{spec}` is not FIELD=LO..HI or FIELD=A,B,C (for example world.used_slash16_pct=5..40)"
            ));
        };
        let path = path.trim().to_string();
        let integer = match base.field_value(&path) {
            None => return Err(format!("the scenario has no field `{path}`")),
            Some(toml::Value::Integer(_)) => true,
            Some(toml::Value::Float(_)) => false,
            Some(other) => {
                return Err(format!(
                    "field `{path}` is not numeric (it holds {}): a fit searches numbers",
                    other.type_str()
                ));
            }
        };
        let number = |text: &str| -> Result<f64, String> {
            let t = text.trim();
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("field `{path}`: `{t}` is not a number"))
        };
        let prior = if let Some((lo, hi)) = values.split_once("..") {
            let (lo, hi) = (number(lo)?, number(hi)?);
            if lo >= hi {
                return Err(format!(
                    "field `{path}`: the range {lo}..{hi} is empty (LO must be below HI)"
                ));
            }
            if integer && hi.round() - lo.round() < 1.0 {
                return Err(format!(
                    "field `{path}` holds integers and {lo}..{hi} holds at most one"
                ));
            }
            Prior::Uniform { lo, hi }
        } else {
            let list = values
                .split(',')
                .map(number)
                .collect::<Result<Vec<f64>, String>>()?;
            if list.len() < 2 {
                return Err(format!(
                    "field `{path}`: give a range LO..HI or at least two values A,B"
                ));
            }
            Prior::Choice(list)
        };
        Ok(FitParam {
            path,
            prior,
            integer,
        })
    }

    /// The scenario value for a drawn value.
    pub fn value(&self, x: f64) -> toml::Value {
        if self.integer {
            toml::Value::Integer(x.round() as i64)
        } else {
            toml::Value::Float(x)
        }
    }

    /// The values the scenario must accept: the range's ends or the list.
    pub fn extremes(&self) -> Vec<f64> {
        match &self.prior {
            Prior::Uniform { lo, hi } => vec![*lo, *hi],
            Prior::Choice(v) => v.clone(),
        }
    }
}

impl fmt::Display for FitParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.prior {
            Prior::Uniform { lo, hi } => write!(f, "{}={lo}..{hi}", self.path),
            Prior::Choice(v) => {
                let list: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                write!(f, "{}={}", self.path, list.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_lists_and_what_is_refused() {
        let s = wormscope_scenario::AnyScenario::Blaster(wormscope_scenario::default_scenario());
        let p = FitParam::parse("world.used_slash16_pct=5..40", &s).unwrap();
        assert_eq!(p.prior, Prior::Uniform { lo: 5.0, hi: 40.0 });
        assert!(!p.integer);
        let p = FitParam::parse("worm.initial_infected=50,100,200", &s).unwrap();
        assert!(p.integer);
        assert_eq!(p.value(99.6), toml::Value::Integer(100));
        assert_eq!(p.to_string(), "worm.initial_infected=50,100,200");
        let p = FitParam::parse("world.networks[0].nat_pct=50..90", &s).unwrap();
        assert_eq!(p.path, "world.networks[0].nat_pct");
        for (spec, says) in [
            ("world.used_slash16_pct", "not FIELD=LO..HI"),
            ("world.no_such=1..2", "no field `world.no_such`"),
            ("worm.batch_wait=1..2", "not numeric"),
            ("world.used_slash16_pct=40..5", "is empty"),
            ("world.used_slash16_pct=5..x", "`x` is not a number"),
            ("worm.initial_infected=3.1..3.3", "at most one"),
            ("worm.initial_infected=7", "at least two values"),
        ] {
            let e = FitParam::parse(spec, &s).unwrap_err();
            assert!(e.contains(says), "{spec}: {e}");
        }
    }
}
