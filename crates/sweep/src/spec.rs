//! The sweep file.
//!
//! ```toml
//! # The scenario every variant starts from: a built-in name or a scenario
//! # file (a relative path is taken from the sweep file's directory), of
//! # any worm: Blaster's, or a random-scanning worm's (codered2, slammer,
//! # witty, or a file laid over one).
//! base = "blaster"
//! # Seeds 1..=4 (or a list: seeds = [7, 11, 13]).
//! seeds = 4
//!
//! # Fields set in every variant (dotted scenario field paths).
//! [set]
//! duration = "6h"
//! "world.only_in" = ["61.0.0.0/12"]
//!
//! # The grid: each field with the list of its values. Variants are every
//! # combination, the first field varying slowest.
//! [grid]
//! "worm.guess_xp_pct" = [60, 80, 100]
//! "hosts.reboot_duration" = ["1m", "5m"]
//! ```
//!
//! A field path is what a scenario error names: `worm.batch_size`,
//! `world.networks[0].nat_pct`. Values are laid over the base scenario by
//! the scenario crate ([`wormscope_scenario::parse_any_with`]) and checked
//! exactly like a scenario file's; an error names the sweep file and the
//! line of the offending value.
//!
//! Reads the sweep file and the base scenario file; nothing else.

use std::path::Path;

use toml_edit::{Item, TableLike, Value};
use wormscope_scenario::{AnyScenario, Override};

use crate::SweepError;
use crate::table::SeriesKind;

/// Most jobs (variants x seeds) a sweep may have.
pub const MAX_JOBS: usize = 10_000_000;

/// One field of the grid and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Dotted scenario field path.
    pub path: String,
    pub values: Vec<toml::Value>,
    /// Each value as text, for tables: a string without its quotes, any
    /// other value as TOML.
    pub labels: Vec<String>,
    /// 1-based line of each value in the sweep file.
    pub lines: Vec<usize>,
}

/// A parsed and checked sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file, as named in errors.
    pub file: String,
    pub params: Vec<Param>,
    pub seeds: Vec<u64>,
    /// Every variant's scenario (seed still the base's), in variant order;
    /// all of the base's kind.
    pub variants: Vec<AnyScenario>,
    /// For each variant, the index of its value in each param.
    pub choices: Vec<Vec<usize>>,
}

/// Reads and checks a sweep file.
pub fn load(path: &Path) -> Result<Sweep, SweepError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| SweepError::Input(format!("{file}: cannot read the file: {e}")))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    parse(&text, &file, dir)
}

/// Parses and checks sweep text; `file` names it in errors, `dir` is where
/// a relative base scenario path is looked for.
pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Sweep, SweepError> {
    let err = |line: Option<usize>, field: &str, msg: String| {
        let at = line.map_or(String::new(), |l| format!(":{l}"));
        SweepError::Input(format!("{file}{at}: field `{field}`: {msg}"))
    };
    let doc = toml_edit::Document::parse(text.to_string()).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let at = line.map_or(String::new(), |l| format!(":{l}"));
        SweepError::Input(format!("{file}{at}: {}", e.message().trim()))
    })?;
    let root = doc.as_table();
    for (key, item) in root.iter() {
        if !["base", "seeds", "set", "grid"].contains(&key) {
            return Err(err(
                span_line(text, item),
                key,
                "unknown field (a sweep has base, seeds, [set] and [grid])".into(),
            ));
        }
    }

    // The base scenario's text.
    let (base_text, base_origin) = match root.get("base") {
        None => {
            return Err(err(
                None,
                "base",
                "missing: name a built-in scenario or a scenario file".into(),
            ));
        }
        Some(item) => {
            let Some(name) = item.as_str() else {
                return Err(err(
                    span_line(text, item),
                    "base",
                    "must be a string".into(),
                ));
            };
            let (base_text, base_origin) = wormscope_scenario::ScenarioSource::find(name, dir)
                .and_then(|source| source.text())
                .map_err(|e| {
                    err(
                        span_line(text, item),
                        "base",
                        format!("{}: {}", e.file, e.message),
                    )
                })?;
            (base_text, base_origin)
        }
    };

    let seeds = match root.get("seeds") {
        None => vec![1],
        Some(item) => {
            let line = span_line(text, item);
            match item.as_value() {
                Some(Value::Integer(n)) if *n.value() >= 1 => (1..=*n.value() as u64).collect(),
                Some(Value::Array(a)) if !a.is_empty() => {
                    let mut seeds = Vec::new();
                    for v in a.iter() {
                        match v.as_integer() {
                            Some(s) if s >= 0 && !seeds.contains(&(s as u64)) => {
                                seeds.push(s as u64)
                            }
                            _ => {
                                return Err(err(
                                    v.span().map(|s| line_of(text, s.start)).or(line),
                                    "seeds",
                                    format!(
                                        "`{}` is not a new non-negative integer",
                                        v.to_string().trim()
                                    ),
                                ));
                            }
                        }
                    }
                    seeds
                }
                _ => {
                    return Err(err(
                        line,
                        "seeds",
                        "must be a count (seeds 1..=N) or a non-empty list of distinct seeds"
                            .into(),
                    ));
                }
            }
        }
    };

    let mut fixed = Vec::new();
    if let Some(item) = root.get("set") {
        let table = item.as_table_like().ok_or_else(|| {
            err(
                span_line(text, item),
                "set",
                "must be a table of field = value".into(),
            )
        })?;
        for (path, value, span) in leaves(table, "") {
            fixed.push(Override {
                path,
                value: to_toml(&value, file)?,
                file: file.to_string(),
                line: span.map(|s| line_of(text, s)),
            });
        }
    }

    let mut params = Vec::new();
    if let Some(item) = root.get("grid") {
        let table = item.as_table_like().ok_or_else(|| {
            err(
                span_line(text, item),
                "grid",
                "must be a table of field = [values]".into(),
            )
        })?;
        for (path, value, span) in leaves(table, "") {
            let line = span.map(|s| line_of(text, s));
            let Value::Array(a) = &value else {
                return Err(err(
                    line,
                    &format!("grid.{path}"),
                    "must be a list of values".into(),
                ));
            };
            if a.is_empty() {
                return Err(err(
                    line,
                    &format!("grid.{path}"),
                    "the list of values is empty".into(),
                ));
            }
            let mut p = Param {
                path: path.clone(),
                values: Vec::new(),
                labels: Vec::new(),
                lines: Vec::new(),
            };
            for v in a.iter() {
                let tv = to_toml(v, file)?;
                p.labels.push(match &tv {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                p.values.push(tv);
                p.lines.push(
                    v.span()
                        .map(|s| line_of(text, s.start))
                        .or(line)
                        .unwrap_or(1),
                );
            }
            if let Some(dup) = p
                .labels
                .iter()
                .enumerate()
                .find(|(i, l)| p.labels[..*i].contains(l))
            {
                return Err(err(
                    Some(p.lines[dup.0]),
                    &format!("grid.{path}"),
                    format!("the value `{}` is listed twice", dup.1),
                ));
            }
            if fixed.iter().any(|f| f.path == path) {
                return Err(err(
                    line,
                    &format!("grid.{path}"),
                    "is also in [set]".into(),
                ));
            }
            params.push(p);
        }
    }

    let n_variants = params
        .iter()
        .try_fold(1usize, |acc, p| acc.checked_mul(p.values.len()))
        .filter(|&n| n.checked_mul(seeds.len()).is_some_and(|j| j <= MAX_JOBS))
        .ok_or_else(|| {
            SweepError::Input(format!(
                "{file}: the grid times the seeds makes more than {MAX_JOBS} runs"
            ))
        })?;

    let mut variants = Vec::with_capacity(n_variants);
    let mut choices = Vec::with_capacity(n_variants);
    for v in 0..n_variants {
        // The first param varies slowest.
        let mut rest = v;
        let mut choice = vec![0; params.len()];
        for (i, p) in params.iter().enumerate().rev() {
            choice[i] = rest % p.values.len();
            rest /= p.values.len();
        }
        let mut overrides = fixed.clone();
        for (p, &c) in params.iter().zip(&choice) {
            overrides.push(Override {
                path: p.path.clone(),
                value: p.values[c].clone(),
                file: file.to_string(),
                line: Some(p.lines[c]),
            });
        }
        let scenario = wormscope_scenario::parse_any_with(&base_text, &base_origin, &overrides)
            .map_err(|e| SweepError::Input(e.to_string()))?;
        variants.push(scenario);
        choices.push(choice);
    }
    Ok(Sweep {
        file: file.to_string(),
        params,
        seeds,
        variants,
        choices,
    })
}

impl Sweep {
    /// Whose series the sweep's table holds: the base scenario's worm's.
    pub fn kind(&self) -> SeriesKind {
        match self.variants.first() {
            Some(AnyScenario::Population(_)) => SeriesKind::Population,
            _ => SeriesKind::Blaster,
        }
    }

    /// The label of each param's value in variant `v`.
    pub fn variant_labels(&self, v: usize) -> Vec<&str> {
        self.params
            .iter()
            .zip(&self.choices[v])
            .map(|(p, &c)| p.labels[c].as_str())
            .collect()
    }

    /// What makes two shards parts of the same sweep: the params with
    /// their values and the seeds (not the file's name or location), and
    /// a random-scanning worm's series (a Blaster sweep's definition is
    /// what it was before other worms could be swept, so its older shards
    /// still merge).
    pub fn definition(&self) -> String {
        let mut s = String::new();
        if self.kind() == SeriesKind::Population {
            s.push_str("series=random-scan;");
        }
        for p in &self.params {
            s.push_str(&p.path);
            s.push('=');
            s.push_str(&toml::Value::Array(p.values.clone()).to_string());
            s.push(';');
        }
        s.push_str("seeds=");
        s.push_str(
            &self
                .seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        s
    }
}

/// Leaf values of a table as (dotted path, value, byte offset of the
/// value); nested tables are walked into, anything else is a leaf.
fn leaves(table: &dyn TableLike, prefix: &str) -> Vec<(String, Value, Option<usize>)> {
    let mut out = Vec::new();
    for (key, item) in table.iter() {
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        match item {
            Item::Table(t) => out.extend(leaves(t, &path)),
            Item::Value(Value::InlineTable(t)) => out.extend(leaves(t, &path)),
            Item::Value(v) => out.push((path, v.clone(), v.span().map(|s| s.start))),
            Item::ArrayOfTables(a) => {
                let v = Value::Array(
                    a.iter()
                        .map(|t| Value::InlineTable(t.clone().into_inline_table()))
                        .collect(),
                );
                out.push((path, v, a.span().map(|s| s.start)))
            }
            Item::None => {}
        }
    }
    out
}

/// A `toml_edit` value as a `toml` value (through its text).
fn to_toml(v: &Value, file: &str) -> Result<toml::Value, SweepError> {
    let text = format!("v = {}", v.clone().decorated("", ""));
    let mut t: toml::Table = toml::from_str(&text)
        .map_err(|e| SweepError::Run(format!("{file}: re-reading `{v}`: {e}")))?;
    Ok(t.remove("v").expect("the key just written"))
}

fn span_line(text: &str, item: &Item) -> Option<usize> {
    item.span().map(|s| line_of(text, s.start))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(text: &str) -> Result<Sweep, SweepError> {
        parse(text, "sweep.toml", Path::new("."))
    }

    fn input_error(text: &str) -> String {
        match sweep(text) {
            Err(SweepError::Input(m)) => m,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn the_grid_is_every_combination_first_field_slowest() {
        let s = sweep(
            "base = \"blaster\"\nseeds = 3\n[set]\nduration = \"2h\"\n[grid]\n\"worm.guess_xp_pct\" = [60, 80.5, 100]\nhosts.reboot_duration = [\"1m\", \"5m\"]\n",
        )
        .unwrap();
        assert_eq!(s.seeds, vec![1, 2, 3]);
        assert_eq!(s.variants.len(), 6);
        assert_eq!(s.params[0].labels, vec!["60", "80.5", "100"]);
        assert_eq!(s.params[1].path, "hosts.reboot_duration");
        assert_eq!(s.params[1].labels, vec!["1m", "5m"]);
        assert_eq!(s.variant_labels(3), vec!["80.5", "5m"]);
        let v3 = blaster(&s.variants[3]);
        assert_eq!(v3.worm.guess_xp_pct.as_pct(), 80.5);
        assert_eq!(v3.hosts.reboot_duration, "5m".parse().unwrap());
        assert_eq!(v3.duration, "2h".parse().unwrap());
        // Untouched fields keep the base's values.
        let d = wormscope_scenario::default_scenario();
        assert_eq!(v3.world, d.world);
        assert_eq!(v3.worm.batch_size, d.worm.batch_size);
    }

    fn blaster(s: &AnyScenario) -> &wormscope_scenario::BlasterScenario {
        match s {
            AnyScenario::Blaster(b) => b,
            other => panic!("expected a Blaster scenario, got {}", other.name()),
        }
    }

    #[test]
    fn a_random_scanning_base_varies_its_own_fields() {
        let s = sweep(
            "base = \"slammer\"\nseeds = 2\n[set]\nduration = \"5m\"\n[grid]\n\"population.initial_infected\" = [5, 50]\n\"defenses.isp_filter.enabled\" = [false, true]\n",
        )
        .unwrap();
        assert_eq!(s.kind(), SeriesKind::Population);
        assert_eq!(s.variants.len(), 4);
        assert_eq!(s.variant_labels(2), vec!["50", "false"]);
        let AnyScenario::Population(v3) = &s.variants[3] else {
            panic!("slammer is a random-scanning worm")
        };
        assert_eq!(v3.population.initial_infected, 50);
        assert!(v3.defenses.isp_filter.enabled);
        assert_eq!(v3.duration, "5m".parse().unwrap());
        // Untouched fields keep the built-in's values.
        let slammer = wormscope_scenario::builtin_population("slammer").unwrap();
        assert_eq!(v3.population.vulnerable, slammer.population.vulnerable);
        assert_eq!(v3.worm, slammer.worm);
    }

    #[test]
    fn fields_inside_arrays_of_tables_can_vary() {
        let s = sweep("base = \"blaster\"\nseeds = [7, 9]\n[grid]\n\"world.networks[0].nat_pct\" = [10, 90]\n").unwrap();
        assert_eq!(s.seeds, vec![7, 9]);
        assert_eq!(
            blaster(&s.variants[0]).world.networks[0].nat_pct.as_pct(),
            10.0
        );
        assert_eq!(
            blaster(&s.variants[1]).world.networks[0].nat_pct.as_pct(),
            90.0
        );
        assert_eq!(
            blaster(&s.variants[1]).world.networks[1],
            wormscope_scenario::default_scenario().world.networks[1]
        );
    }

    #[test]
    fn bad_values_are_named_with_the_sweep_file_line_and_field() {
        let e = input_error(
            "base = \"blaster\"\n[grid]\n\"worm.guess_xp_pct\" = [\n  60,\n  140,\n]\n",
        );
        assert!(
            e.starts_with("sweep.toml:5: field `worm.guess_xp_pct`"),
            "{e}"
        );
        assert!(e.contains("between 0 and 100"), "{e}");
        let e = input_error(
            "base = \"blaster\"\n[grid]\n\"hosts.reboot_duration\" = [\"1m\", \"-5m\"]\n",
        );
        assert!(
            e.starts_with("sweep.toml:3: field `hosts.reboot_duration`"),
            "{e}"
        );
        let e = input_error("base = \"blaster\"\n[set]\n\"worm.batch_sise\" = 3\n");
        assert!(
            e.starts_with("sweep.toml:3: field `worm.batch_sise`"),
            "{e}"
        );
        let e = input_error("base = \"blaster\"\n\n[set]\n\"world.networks[7].nat_pct\" = 3\n");
        assert!(
            e.starts_with("sweep.toml:4: field `world.networks[7]"),
            "{e}"
        );
        let e = input_error("base = \"blaster\"\nseeds = 0\n");
        assert!(e.starts_with("sweep.toml:2: field `seeds`"), "{e}");
        let e = input_error("base = \"blaster\"\nseeds = [1, 1]\n");
        assert!(e.starts_with("sweep.toml:2: field `seeds`"), "{e}");
        let e = input_error("base = \"nimda\"\n");
        assert!(e.starts_with("sweep.toml:1: field `base`"), "{e}");
        // A random-scanning worm's fields are its own.
        let e = input_error("base = \"slammer\"\n[grid]\n\"worm.guess_xp_pct\" = [60]\n");
        assert!(
            e.starts_with("sweep.toml:3: field `worm.guess_xp_pct`"),
            "{e}"
        );
        let e = input_error("base = \"blaster\"\ngird = 3\n");
        assert!(e.starts_with("sweep.toml:2: field `gird`"), "{e}");
        let e = input_error("base = \"blaster\"\n[grid]\n\"worm.batch_size\" = 3\n");
        assert!(e.contains("must be a list"), "{e}");
        let e = input_error("base = \"blaster\"\n[grid]\n\"worm.batch_size\" = [3, 4, 3]\n");
        assert!(e.contains("listed twice"), "{e}");
        let e = input_error("base = \"blaster\"\nseeds = 2\n[grid\n");
        assert!(e.starts_with("sweep.toml:3"), "{e}");
    }

    #[test]
    fn a_base_file_is_read_beside_the_sweep_and_its_errors_name_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("small.toml"),
            "seed = 5\nduration = \"1h\"\n",
        )
        .unwrap();
        let s = parse("base = \"small.toml\"\n", "sweep.toml", dir.path()).unwrap();
        assert_eq!(s.variants.len(), 1);
        assert_eq!(s.variants[0].duration(), "1h".parse().unwrap());
        assert_eq!(s.kind(), SeriesKind::Blaster);
        assert_eq!(s.seeds, vec![1]);
        std::fs::write(
            dir.path().join("bad.toml"),
            "seed = 5\n[worm]\nbatch_size = 0\n",
        )
        .unwrap();
        let Err(SweepError::Input(e)) = parse("base = \"bad.toml\"\n", "sweep.toml", dir.path())
        else {
            panic!()
        };
        assert!(e.contains("bad.toml:3: field `worm.batch_size`"), "{e}");
    }
}
