//! Reading what `wormscope` wrote, for the HTML report: CSV tables of
//! numbers (single runs and ensembles with `_p05/_median/_p95` columns),
//! `summary.json`, and the comparison and flaw tables (JSON lists). Every
//! problem is an [`InputError`] naming the file, the line and the field.
//!
//! Reads text given by the caller; opening files is [`read_text`]'s one
//! job. Knows nothing of HTML or plots.

use std::path::Path;

/// Input that could not be used, with where and why: the file, the
/// 1-based line, the column or key, and a message. The same shape (and
/// text) as a scenario file's errors, so it is that type.
pub type InputError = wormscope_scenario::ScenarioError;

/// An [`InputError`].
pub(crate) fn input_error(
    file: &str,
    line: Option<usize>,
    field: Option<&str>,
    message: String,
) -> InputError {
    InputError {
        file: file.to_string(),
        line,
        field: field.map(str::to_string),
        message,
    }
}

/// The text of `path`, `None` if there is no such file.
pub fn read_text(path: &Path) -> Result<Option<String>, InputError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            input_error(
                &path.display().to_string(),
                None,
                None,
                format!("not UTF-8 text ({e})"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(input_error(
            &path.display().to_string(),
            None,
            None,
            format!("cannot read the file: {e}"),
        )),
    }
}

/// A CSV table as written by wormscope: a header line, then rows of
/// comma-separated fields without quoting. Blank lines are skipped.
#[derive(Clone, Debug)]
pub struct Csv {
    pub file: String,
    pub header: Vec<String>,
    /// (1-based line, fields) of each row.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Csv {
    /// Parses `text`; every row must have as many fields as the header.
    pub fn parse(text: &str, file: &str) -> Result<Csv, InputError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty());
        let (hline, header) = lines
            .next()
            .ok_or_else(|| input_error(file, None, None, "empty file, no header".into()))?;
        let header: Vec<String> = header.split(',').map(|h| h.trim().to_string()).collect();
        for (i, h) in header.iter().enumerate() {
            if h.is_empty() {
                return Err(input_error(
                    file,
                    Some(hline),
                    None,
                    format!("column {} of the header has no name", i + 1),
                ));
            }
            if header[..i].contains(h) {
                return Err(input_error(
                    file,
                    Some(hline),
                    Some(h),
                    "appears twice in the header".into(),
                ));
            }
        }
        let mut rows = Vec::new();
        for (n, line) in lines {
            let fields: Vec<String> = line.split(',').map(|f| f.trim().to_string()).collect();
            if fields.len() != header.len() {
                let field = header.get(fields.len().min(header.len() - 1));
                return Err(input_error(
                    file,
                    Some(n),
                    field.map(String::as_str),
                    format!(
                        "{} fields where the header has {}",
                        fields.len(),
                        header.len()
                    ),
                ));
            }
            rows.push((n, fields));
        }
        Ok(Csv {
            file: file.to_string(),
            header,
            rows,
        })
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Whether the header has a column.
    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }

    /// A column that must be there.
    pub fn require(&self, name: &str) -> Result<usize, InputError> {
        self.col(name).ok_or_else(|| {
            input_error(
                &self.file,
                Some(self.header_line()),
                Some(name),
                format!("missing from the header ({})", self.header.join(",")),
            )
        })
    }

    fn header_line(&self) -> usize {
        self.rows
            .first()
            .map_or(1, |r| r.0.saturating_sub(1).max(1))
    }

    /// A column of numbers; a field that is not a number is an error
    /// naming its line.
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, InputError> {
        let c = self.require(name)?;
        self.rows
            .iter()
            .map(|(n, f)| {
                f[c].parse::<f64>().map_err(|_| {
                    input_error(
                        &self.file,
                        Some(*n),
                        Some(name),
                        format!("`{}` is not a number", f[c]),
                    )
                })
            })
            .collect()
    }

    /// A column of counts or rates: [`Csv::numbers`] that are finite and
    /// not below zero (a series is never negative, nor NaN).
    pub fn amounts(&self, name: &str) -> Result<Vec<f64>, InputError> {
        let values = self.numbers(name)?;
        if let Some(i) = values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            let (line, _) = &self.rows[i];
            return Err(input_error(
                &self.file,
                Some(*line),
                Some(name),
                format!(
                    "`{}` is not a count or rate (a number 0 or more)",
                    values[i]
                ),
            ));
        }
        Ok(values)
    }

    /// A column of text.
    pub fn strings(&self, name: &str) -> Result<Vec<&str>, InputError> {
        let c = self.require(name)?;
        Ok(self.rows.iter().map(|(_, f)| f[c].as_str()).collect())
    }

    /// The `time_s` column: the first one, finite and increasing.
    pub fn times(&self) -> Result<Vec<f64>, InputError> {
        if self.header.first().map(String::as_str) != Some("time_s") {
            return Err(input_error(
                &self.file,
                Some(self.header_line()),
                Some("time_s"),
                "the first column must be time_s".into(),
            ));
        }
        self.numbers("time_s")
    }

    /// Checks that `time_s` increases from row to row.
    pub fn increasing_times(&self) -> Result<Vec<f64>, InputError> {
        let t = self.times()?;
        for (i, w) in t.windows(2).enumerate() {
            // NaN never comes after anything.
            if w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater) {
                return Err(input_error(
                    &self.file,
                    Some(self.rows[i + 1].0),
                    Some("time_s"),
                    format!("{} does not come after {}", w[1], w[0]),
                ));
            }
        }
        Ok(t)
    }

    /// A series in either form: the plain column `name`, or the ensemble
    /// triple `name_p05`, `name_median`, `name_p95` (the median with the
    /// 5-95 % band). `None` if neither form is there; half a triple is an
    /// error.
    pub fn series(&self, name: &str) -> Result<Option<SeriesData>, InputError> {
        if self.has(name) {
            return Ok(Some(SeriesData {
                name: name.to_string(),
                values: self.amounts(name)?,
                band: None,
            }));
        }
        let [p05, med, p95] = ["p05", "median", "p95"].map(|q| format!("{name}_{q}"));
        if !(self.has(&p05) || self.has(&med) || self.has(&p95)) {
            return Ok(None);
        }
        let values = self.amounts(&med)?;
        let lo = self.amounts(&p05)?;
        let hi = self.amounts(&p95)?;
        Ok(Some(SeriesData {
            name: name.to_string(),
            values,
            band: Some(lo.into_iter().zip(hi).collect()),
        }))
    }
}

/// One series of a table: a run's values, or an ensemble's medians with
/// their 5th and 95th percentiles.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesData {
    pub name: String,
    pub values: Vec<f64>,
    /// (p05, p95) per row, for an ensemble.
    pub band: Option<Vec<(f64, f64)>>,
}

/// JSON text parsed, with syntax errors located.
pub fn parse_json(text: &str, file: &str) -> Result<serde_json::Value, InputError> {
    serde_json::from_str(text).map_err(|e| {
        input_error(
            file,
            Some(e.line()).filter(|&l| l > 0),
            None,
            format!("not valid JSON: {e}"),
        )
    })
}

/// The metrics of `comparison.json` and `flaws.json`, with a label and unit.
/// A file has those its worm's study measured (Blaster's flood on 16
/// August, a random-scanning worm's flood of its run if it has one; older
/// files no `infected_final`).
pub const METRICS: &[(&str, &str)] = &[
    ("peak_infected", "peak infected (hosts)"),
    ("infected_24h", "infected at 24 h"),
    ("infected_7d", "infected at 7 days"),
    ("crashed", "crashed (hosts)"),
    ("flood_gbps_aug16", "flood on 16 Aug (Gbit/s)"),
    ("infected_final", "infected at the end"),
    ("flood_packets", "flood packets at the target"),
];

/// A metric's 5th percentile, median and 95th percentile (`None`: null in
/// the file).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quantiles {
    pub p05: Option<f64>,
    pub median: Option<f64>,
    pub p95: Option<f64>,
    /// Median minus the baseline's median.
    pub delta_median: Option<f64>,
}

/// One row of `comparison.json` or `flaws.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantRow {
    pub variant: String,
    /// `flaws.json` only: `baseline` or `none`.
    pub defenses: Option<String>,
    /// In the order of [`METRICS`]; `None` for a metric the file does not
    /// have.
    pub metrics: Vec<Option<Quantiles>>,
    /// `flaws.json` only.
    pub noticed_median: Option<f64>,
    /// `comparison.json` only, optional: when the variant's defenses that
    /// name a start begin, seconds after the run's start.
    pub defense_starts_s: Vec<f64>,
}

/// Which of the two list files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `comparison.json`: variant and `M_p05/_median/_p95/_delta_median`.
    Comparison,
    /// `flaws.json`: also `defenses` and `noticed_median`; the deltas are
    /// optional.
    Flaws,
}

/// The objects of a JSON list, each with the file and its place for errors.
fn list_objects<'a>(
    v: &'a serde_json::Value,
    file: &'a str,
) -> Result<Vec<ListItem<'a>>, InputError> {
    let list = v
        .as_array()
        .ok_or_else(|| input_error(file, None, None, "must be a JSON list of objects".into()))?;
    list.iter()
        .enumerate()
        .map(|(index, item)| {
            let obj = item.as_object().ok_or_else(|| {
                input_error(
                    file,
                    None,
                    Some(&format!("[{index}]")),
                    "must be an object".into(),
                )
            })?;
            Ok(ListItem { file, index, obj })
        })
        .collect()
}

/// One object of a JSON list, read field by field with errors that name
/// `[index].field`.
struct ListItem<'a> {
    file: &'a str,
    index: usize,
    obj: &'a serde_json::Map<String, serde_json::Value>,
}

impl ListItem<'_> {
    fn error(&self, field: &str, message: &str) -> InputError {
        input_error(
            self.file,
            None,
            Some(&format!("[{}].{field}", self.index)),
            message.into(),
        )
    }

    fn text(&self, key: &str) -> Result<String, InputError> {
        match self.obj.get(key) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.error(key, "must be a string")),
            None => Err(self.error(key, "missing")),
        }
    }

    /// A number, or `None` for null (or, unless `required`, absent).
    fn number(&self, key: &str, required: bool) -> Result<Option<f64>, InputError> {
        match self.obj.get(key) {
            Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(self.error(key, "must be a number or null")),
            None if required => Err(self.error(key, "missing")),
            None => Ok(None),
        }
    }

    /// A list of moments in seconds (not negative); empty when absent.
    fn seconds(&self, key: &str) -> Result<Vec<f64>, InputError> {
        let Some(value) = self.obj.get(key) else {
            return Ok(Vec::new());
        };
        let bad = || self.error(key, "must be a list of seconds (numbers, not negative)");
        value
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|v| {
                v.as_f64()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(bad)
            })
            .collect()
    }

    fn boolean(&self, key: &str) -> Result<bool, InputError> {
        match self.obj.get(key) {
            Some(serde_json::Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.error(key, "must be true or false")),
            None => Err(self.error(key, "missing")),
        }
    }
}

/// Parses `comparison.json` or `flaws.json`: a list of objects. The file
/// has the metrics its first object has a key of; every object must have
/// all their keys.
pub fn parse_variants(
    text: &str,
    file: &str,
    kind: ListKind,
) -> Result<Vec<VariantRow>, InputError> {
    let v = parse_json(text, file)?;
    let items = list_objects(&v, file)?;
    let keys = |m: &str| ["p05", "median", "p95", "delta_median"].map(|q| format!("{m}_{q}"));
    let has: Vec<bool> = METRICS
        .iter()
        .map(|(m, _)| {
            items
                .first()
                .is_some_and(|first| keys(m).iter().any(|k| first.obj.contains_key(k)))
        })
        .collect();
    let mut out = Vec::new();
    for item in items {
        let variant = item.text("variant")?;
        let defenses = match kind {
            ListKind::Comparison => None,
            ListKind::Flaws => Some(item.text("defenses")?),
        };
        let mut metrics = Vec::new();
        for ((m, _), has) in METRICS.iter().zip(&has) {
            if !has {
                metrics.push(None);
                continue;
            }
            let [p05, median, p95, delta] = keys(m);
            metrics.push(Some(Quantiles {
                p05: item.number(&p05, true)?,
                median: item.number(&median, true)?,
                p95: item.number(&p95, true)?,
                delta_median: item.number(&delta, kind == ListKind::Comparison)?,
            }));
        }
        let noticed_median = match kind {
            ListKind::Comparison => None,
            ListKind::Flaws => item.number("noticed_median", true)?,
        };
        let defense_starts_s = match kind {
            ListKind::Comparison => item.seconds("defense_starts_s")?,
            ListKind::Flaws => Vec::new(),
        };
        out.push(VariantRow {
            variant,
            defenses,
            metrics,
            noticed_median,
            defense_starts_s,
        });
    }
    Ok(out)
}

/// One published figure beside the simulated one (`validation.json`).
#[derive(Clone, Debug, PartialEq)]
pub struct FigureRow {
    pub figure: String,
    pub unit: String,
    pub published: f64,
    /// `None`: the runs never got there (null in the file).
    pub simulated: Option<f64>,
    pub p05: Option<f64>,
    pub p95: Option<f64>,
    pub tolerance: String,
    pub pass: bool,
    pub source: String,
}

/// Parses `validation.json` (what `wormscope validate --json` prints).
pub fn parse_figures(text: &str, file: &str) -> Result<Vec<FigureRow>, InputError> {
    let v = parse_json(text, file)?;
    list_objects(&v, file)?
        .into_iter()
        .map(|item| {
            Ok(FigureRow {
                figure: item.text("figure")?,
                unit: item.text("unit")?,
                published: item
                    .number("published", true)?
                    .ok_or_else(|| item.error("published", "must be a number"))?,
                simulated: item.number("simulated", true)?,
                p05: item.number("p05", false)?,
                p95: item.number("p95", false)?,
                tolerance: item.text("tolerance")?,
                pass: item.boolean("pass")?,
                source: item.text("source")?,
            })
        })
        .collect()
}

/// A JSON value as (dotted key, text) pairs, depth first, for a table.
pub fn flatten_json(v: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            serde_json::Value::Array(a) if a.iter().any(|x| x.is_object()) => {
                for (i, v) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), v, out);
                }
            }
            serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_name_line_and_field() {
        let e = Csv::parse("time_s,a,b\n60,1,2\n120,1\n", "t.csv").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("b")), "{e}");
        let csv = Csv::parse("time_s,a\n60,1\n\n120,x\n", "t.csv").unwrap();
        let e = csv.numbers("a").unwrap_err();
        assert_eq!(e.to_string(), "t.csv:4: field `a`: `x` is not a number");
        let e = csv.numbers("nope").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nope"));
        let e = Csv::parse("time_s,a\n60,1\n60,2\n", "t.csv")
            .unwrap()
            .increasing_times()
            .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let e = Csv::parse("a,time_s\n1,2\n", "t.csv")
            .unwrap()
            .times()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("time_s"));
        assert!(Csv::parse("", "t.csv").is_err());
        assert!(Csv::parse("time_s,a,a\n", "t.csv").is_err());
    }

    #[test]
    fn series_come_plain_or_as_ensemble_triples() {
        let csv = Csv::parse(
            "time_s,x,y_p05,y_median,y_p95,z_median\n1,5,1,2,3,4\n2,6,2,3,4,5\n",
            "e.csv",
        )
        .unwrap();
        let x = csv.series("x").unwrap().unwrap();
        assert_eq!((x.values, x.band), (vec![5.0, 6.0], None));
        let y = csv.series("y").unwrap().unwrap();
        assert_eq!(y.values, vec![2.0, 3.0]);
        assert_eq!(y.band, Some(vec![(1.0, 3.0), (2.0, 4.0)]));
        assert!(csv.series("w").unwrap().is_none());
        let e = csv.series("z").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("z_p05"), "{e}");
        // A series holds counts and rates: never negative, never NaN.
        for bad in ["-5", "NaN", "inf"] {
            let csv = Csv::parse(&format!("time_s,x\n1,5\n2,{bad}\n"), "e.csv").unwrap();
            let e = csv.series("x").unwrap_err();
            assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("x")), "{e}");
        }
    }

    fn comparison_entry(variant: &str, base: f64) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("variant".into(), variant.into());
        for (k, _) in METRICS {
            m.insert(format!("{k}_p05"), (base - 1.0).into());
            m.insert(format!("{k}_median"), base.into());
            m.insert(format!("{k}_p95"), (base + 1.0).into());
            m.insert(format!("{k}_delta_median"), (base - 10.0).into());
        }
        serde_json::Value::Object(m)
    }

    #[test]
    fn comparison_and_flaw_lists_are_checked_key_by_key() {
        let list = serde_json::json!([
            comparison_entry("baseline", 10.0),
            comparison_entry("isp", 4.0)
        ]);
        let rows = parse_variants(&list.to_string(), "c.json", ListKind::Comparison).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].variant, "isp");
        assert_eq!(rows[1].metrics[2].unwrap().median, Some(4.0));
        assert_eq!(rows[1].metrics[2].unwrap().delta_median, Some(-6.0));

        let mut broken = list.clone();
        broken[1].as_object_mut().unwrap().remove("crashed_p95");
        let e = parse_variants(&broken.to_string(), "c.json", ListKind::Comparison).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("[1].crashed_p95"), "{e}");

        // Flaws need `defenses` and `noticed_median`.
        let e = parse_variants(&list.to_string(), "f.json", ListKind::Flaws).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("[0].defenses"), "{e}");
        let mut flaws = list.clone();
        for (i, e) in flaws.as_array_mut().unwrap().iter_mut().enumerate() {
            let o = e.as_object_mut().unwrap();
            o.insert("defenses".into(), "none".into());
            o.insert("noticed_median".into(), serde_json::Value::Null);
            if i == 0 {
                o.remove("peak_infected_delta_median");
            }
        }
        let rows = parse_variants(&flaws.to_string(), "f.json", ListKind::Flaws).unwrap();
        assert_eq!(rows[0].defenses.as_deref(), Some("none"));
        assert_eq!(rows[0].noticed_median, None);

        let e = parse_variants("[1,\n{", "c.json", ListKind::Comparison).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");

        // When a variant's defenses start: optional, seconds, checked.
        assert!(rows_of(&list)[1].defense_starts_s.is_empty());
        let mut started = list.clone();
        started[1]["defense_starts_s"] = serde_json::json!([300, 21600.5]);
        assert_eq!(rows_of(&started)[1].defense_starts_s, [300.0, 21600.5]);
        for bad in [
            serde_json::json!(300),
            serde_json::json!([-1]),
            serde_json::json!(["6h"]),
        ] {
            started[1]["defense_starts_s"] = bad;
            let e =
                parse_variants(&started.to_string(), "c.json", ListKind::Comparison).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("[1].defense_starts_s"), "{e}");
        }
    }

    fn rows_of(list: &serde_json::Value) -> Vec<VariantRow> {
        parse_variants(&list.to_string(), "c.json", ListKind::Comparison).unwrap()
    }

    #[test]
    fn a_list_has_the_metrics_its_worm_measured() {
        let only = |names: &[&str], entry: serde_json::Value| {
            let mut e = entry;
            e.as_object_mut()
                .unwrap()
                .retain(|k, _| k == "variant" || names.iter().any(|m| k.starts_with(m)));
            e
        };
        // A random-scanning worm's: peak and final count, nothing of
        // Blaster's.
        let random = ["peak_infected", "infected_final"];
        let list = serde_json::json!([
            only(&random, comparison_entry("baseline", 10.0)),
            only(&random, comparison_entry("patch@0h", 5.0)),
        ]);
        let rows = parse_variants(&list.to_string(), "c.json", ListKind::Comparison).unwrap();
        let present: Vec<&str> = METRICS
            .iter()
            .zip(&rows[1].metrics)
            .filter(|(_, q)| q.is_some())
            .map(|((m, _), _)| *m)
            .collect();
        assert_eq!(present, random);
        assert_eq!(rows[1].metrics[5].unwrap().delta_median, Some(-5.0));
        // An older Blaster file, written before `infected_final`.
        let older: Vec<&str> = METRICS[..5].iter().map(|(m, _)| *m).collect();
        let list = serde_json::json!([only(&older, comparison_entry("baseline", 10.0))]);
        let rows = parse_variants(&list.to_string(), "c.json", ListKind::Comparison).unwrap();
        assert!(rows[0].metrics[..5].iter().all(Option::is_some));
        assert_eq!(rows[0].metrics[5], None);
        // A metric the first object has is required of every object.
        let list = serde_json::json!([
            only(&random, comparison_entry("baseline", 10.0)),
            only(&["peak_infected"], comparison_entry("patch@0h", 5.0)),
        ]);
        let e = parse_variants(&list.to_string(), "c.json", ListKind::Comparison).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("[1].infected_final_p05"), "{e}");
    }

    #[test]
    fn json_flattens_to_dotted_keys() {
        let v = serde_json::json!({"a": 1, "b": {"c": "x", "d": [1, 2]}});
        assert_eq!(
            flatten_json(&v),
            vec![
                ("a".to_string(), "1".to_string()),
                ("b.c".to_string(), "x".to_string()),
                ("b.d".to_string(), "[1,2]".to_string()),
            ]
        );
    }
}
