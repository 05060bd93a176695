//! Scenario files for wormscope.
//!
//! A scenario says everything a run needs: the world, the worm, the hosts'
//! reactions, the seed and the time span. This crate owns the file format:
//! the schema ([`BlasterScenario`]), the built-in scenarios with their documented
//! defaults and sources ([`builtin`]), and reading a user's file with errors
//! that name the file, the line and the field ([`ScenarioError`]).
//!
//! It may not touch anything beyond text: no world generation, no engine,
//! no file writing. Reading a file from disk is the one I/O it does
//! ([`load`]), so that a library user gets the same errors as the CLI.

mod check;
pub mod churn;
pub mod figure;
pub mod iana;
mod locate;
mod named;
pub mod population;
mod reproduce;
mod schema;
pub mod units;
pub mod variant;

use std::fmt;
use std::path::Path;

pub use check::{MAX_BLASTER_ROWS, MAX_SCAN_WAIT, MAX_SPAN};
pub use named::{ScenarioSource, builtin_names, load_named, suggestion};
pub use population::{
    ClusterBlocks, Clusters, Enterprises, FloodPayload, LOCAL_PREFERENCE, MAX_POPULATION_ROWS,
    PERMUTATION, PermutationConfig, PopulationScenario, SEQUENTIAL, SequentialConfig,
    UNIFORM_RANDOM,
};
pub use reproduce::{reproducing_file, reproducing_population_file};
pub use schema::{
    BandwidthConfig, BlasterConfig, BlasterScenario, CaptureConfig, CleanupDefense, CrashConfig,
    DateCheck, Defenses, DnsTakedown, FilterDefense, Flaws, HitListConfig, HostConfig, HostDefense,
    LocalPreferenceConfig, NetworkKind, OsMix, PatchDefense, PayloadConfig, SensorConfig,
    SensorKind, StopConfig, TargetingKind, UserAction, UsersDefense, WelchiaConfig, WorldConfig,
    batch_wait_us,
};
pub use units::{
    MaybeDuration, Percent, PortProto, PortRule, Prefix, SimDuration, Transport, When, fmt_seconds,
};

/// The built-in scenarios: name, one-line summary, commented TOML text.
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "blaster",
        "W32/Blaster over the IPv4 internet of August 2003 (the default)",
        include_str!("../builtin/blaster.toml"),
    ),
    (
        "blaster-sample",
        "Blaster on eight /8s: a fast sample for ensembles and comparisons",
        include_str!("../builtin/blaster-sample.toml"),
    ),
];

/// The built-in random-scanning scenarios ([`PopulationScenario`]): the
/// historical outbreaks the engine is validated against.
pub const POPULATION_BUILTIN: &[(&str, &str, &str)] = &[
    (
        "codered2",
        "Code Red v2, 19 July 2001: uniform random scanning of TCP 80 (validation)",
        include_str!("../builtin/codered2.toml"),
    ),
    (
        "slammer",
        "SQL Slammer, 25 January 2003: one UDP packet to 1434, bandwidth-limited (validation)",
        include_str!("../builtin/slammer.toml"),
    ),
    (
        "witty",
        "Witty, 20 March 2004: a hit list, then random UDP from port 4000; its payload crashes hosts (validation)",
        include_str!("../builtin/witty.toml"),
    ),
];

/// The commented TOML text of a built-in scenario of either kind, by name.
pub fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .chain(POPULATION_BUILTIN)
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, text)| *text)
}

/// A built-in random-scanning scenario, parsed.
pub fn builtin_population(name: &str) -> Option<PopulationScenario> {
    let (_, _, text) = POPULATION_BUILTIN.iter().find(|(n, _, _)| *n == name)?;
    Some(
        parse_population(text, &format!("<built-in {name}>"))
            .expect("built-in scenarios are valid"),
    )
}

/// A scenario of either kind: which one a file is, its `base` says.
// Read once per command: the size difference between the kinds is moot.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum AnyScenario {
    /// Blaster's sequential scanning over a generated internet.
    Blaster(BlasterScenario),
    /// A worm scanning a population in a scan space (Code Red, Slammer,
    /// Witty: `population.rs`).
    Population(PopulationScenario),
}

impl AnyScenario {
    /// The scenario's name.
    pub fn name(&self) -> &str {
        match self {
            AnyScenario::Blaster(s) => &s.name,
            AnyScenario::Population(s) => &s.name,
        }
    }

    /// Wall-clock time of simulated time zero.
    pub fn start(&self) -> jiff::Timestamp {
        match self {
            AnyScenario::Blaster(s) => s.start,
            AnyScenario::Population(s) => s.start,
        }
    }

    /// Simulated time to run.
    pub fn duration(&self) -> SimDuration {
        match self {
            AnyScenario::Blaster(s) => s.duration,
            AnyScenario::Population(s) => s.duration,
        }
    }

    /// Runs for `duration` on `seed` instead.
    pub fn set_run(&mut self, duration: SimDuration, seed: u64) {
        match self {
            AnyScenario::Blaster(s) => (s.duration, s.seed) = (duration, seed),
            AnyScenario::Population(s) => (s.duration, s.seed) = (duration, seed),
        }
    }

    /// The names of its sensors, in order (a random-scanning scenario's
    /// older `[[telescopes]]` first).
    pub fn sensor_names(&self) -> Vec<String> {
        match self {
            AnyScenario::Blaster(s) => s.sensors.iter().map(|x| x.name.clone()).collect(),
            AnyScenario::Population(s) => s.all_sensors().into_iter().map(|x| x.name).collect(),
        }
    }

    /// The value of a field at a dotted path, as [`field_value`] reads it.
    pub fn field_value(&self, path: &str) -> Option<toml::Value> {
        match self {
            AnyScenario::Blaster(s) => field_value(s, path),
            AnyScenario::Population(s) => field_value(s, path),
        }
    }
}

/// Reads and checks a scenario file of either kind.
pub fn load_any(path: &Path) -> Result<AnyScenario, ScenarioError> {
    let file = path.display().to_string();
    let text = read(path)?;
    parse_any(&text, &file)
}

/// Parses scenario text of either kind: a file whose `base` is a built-in
/// random-scanning scenario is one; any other is a Blaster scenario.
pub fn parse_any(text: &str, origin: &str) -> Result<AnyScenario, ScenarioError> {
    parse_any_with(text, origin, &[])
}

/// Parses and checks a random-scanning scenario, laid over the built-in
/// one its `base` names.
pub fn parse_population(text: &str, origin: &str) -> Result<PopulationScenario, ScenarioError> {
    parse_population_with(text, origin, &[])
}

/// Like [`parse_population`], with overrides set as [`parse_with`] sets
/// them.
pub fn parse_population_with(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<PopulationScenario, ScenarioError> {
    parse_kind(
        text,
        origin,
        overrides,
        None,
        POPULATION_BUILTIN,
        population::first_problem,
    )
}

/// Like [`parse_any`], with overrides set as [`parse_with`] sets them.
pub fn parse_any_with(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<AnyScenario, ScenarioError> {
    if is_population(text) {
        parse_population_with(text, origin, overrides).map(AnyScenario::Population)
    } else {
        parse_with(text, origin, overrides).map(AnyScenario::Blaster)
    }
}

/// Whether scenario text is laid over a built-in random-scanning scenario.
fn is_population(text: &str) -> bool {
    let base = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("base").and_then(|b| b.as_str().map(str::to_string)));
    base.as_deref()
        .is_some_and(|b| POPULATION_BUILTIN.iter().any(|(n, _, _)| *n == b))
}

fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        line: None,
        field: None,
        message: format!("cannot read the file: {e}"),
    })
}

/// A built-in Blaster scenario, parsed.
pub fn builtin(name: &str) -> Option<BlasterScenario> {
    let (_, _, text) = BUILTIN.iter().find(|(n, _, _)| *n == name)?;
    Some(parse(text, &format!("<built-in {name}>")).expect("built-in scenarios are valid"))
}

/// The default scenario: Blaster.
pub fn default_scenario() -> BlasterScenario {
    builtin("blaster").expect("blaster is built in")
}

/// A scenario that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or a description of the text's origin).
    pub file: String,
    /// 1-based line of the offending text, when it is in the file.
    pub line: Option<usize>,
    /// Dotted path of the field, e.g. `world.networks[1].patched_pct`.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<BlasterScenario, ScenarioError> {
    let file = path.display().to_string();
    let text = read(path)?;
    parse(&text, &file)
}

/// Parses and checks scenario text. `origin` names it in errors.
///
/// The text is laid over the built-in scenario named by its `base` field
/// (default `blaster`), itself complete (a built-in laid over another is
/// resolved down its chain of bases first): tables merge key by key,
/// anything else (values, arrays, arrays of tables) replaces the built-in
/// value whole.
pub fn parse(text: &str, origin: &str) -> Result<BlasterScenario, ScenarioError> {
    parse_with(text, origin, &[])
}

/// A value given to one scenario field from outside the scenario file (a
/// sweep's grid, say), with where it was written, for errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Dotted field path, as errors name fields: `worm.batch_size`,
    /// `world.networks[0].nat_pct`.
    pub path: String,
    pub value: toml::Value,
    /// The file the value was written in, and its 1-based line.
    pub file: String,
    pub line: Option<usize>,
}

/// Like [`parse`], then sets each override's field, in order, before the
/// scenario is checked: values are checked exactly like the file's. An
/// error in or under an overridden field names the override's file and
/// line; any other names `origin`.
pub fn parse_with(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<BlasterScenario, ScenarioError> {
    parse_kind(
        text,
        origin,
        overrides,
        Some("blaster"),
        BUILTIN,
        check::first_problem,
    )
}

/// Reads one kind of scenario: the user's table laid over the built-in one
/// its `base` names (from `family`; `default_base` if absent), overrides
/// set, deserialized and checked by `check`, every error located.
fn parse_kind<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
    overrides: &[Override],
    default_base: Option<&str>,
    family: &[(&str, &str, &str)],
    check: fn(&T) -> Option<(String, String)>,
) -> Result<T, ScenarioError> {
    let error_at = |line: Option<usize>, field: Option<String>, message: String| {
        // Blame the last override the field is in, or that is in the field.
        let blamed = field.as_deref().and_then(|f| {
            overrides
                .iter()
                .rev()
                .find(|o| path_within(f, &o.path) || path_within(&o.path, f))
        });
        match blamed {
            Some(o) => ScenarioError {
                file: o.file.clone(),
                line: o.line,
                field,
                message,
            },
            None => ScenarioError {
                file: origin.to_string(),
                line,
                field,
                message,
            },
        }
    };
    let user: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| locate::line_of_offset(text, s.start));
        let field = line.and_then(|l| locate::field_at_line(text, l));
        let message = e.message().trim();
        // The TOML reader's words for a whole number past its 64 bits.
        let message = if message == "u64 value was too large" || message.contains(" as i128,") {
            format!("a whole number above {}, the largest TOML holds", i64::MAX)
        } else {
            message.to_string()
        };
        error_at(line, field, message)
    })?;

    let base_name = match (user.get("base"), default_base) {
        (None, Some(default)) => default.to_string(),
        (None, None) => {
            return Err(error_at(
                None,
                Some("base".into()),
                "is missing: name the built-in scenario this file is laid over".into(),
            ));
        }
        (Some(toml::Value::String(s)), _) => s.clone(),
        (Some(_), _) => {
            return Err(error_at(
                locate::line_of_path(text, "base"),
                Some("base".into()),
                "must be the name of a built-in scenario, as a string".into(),
            ));
        }
    };
    let mut merged = match resolve_builtin(&base_name, family) {
        Some(table) => table,
        None if builtin_names().contains(&base_name.as_str()) => {
            let names: Vec<&str> = family.iter().map(|(n, _, _)| *n).collect();
            return Err(error_at(
                locate::line_of_path(text, "base"),
                Some("base".into()),
                format!(
                    "`{base_name}` is a built-in of another kind than this reads (it reads those \
                     laid over {})",
                    names.join(", ")
                ),
            ));
        }
        None => {
            // Every built-in, of either kind: a file whose base is
            // misspelt is read as the default kind's, whatever it meant.
            return Err(error_at(
                locate::line_of_path(text, "base"),
                Some("base".into()),
                format!(
                    "no built-in scenario is called `{base_name}`{} (there are: {})",
                    match suggestion(&base_name) {
                        Some(near) => format!("; did you mean `{near}`?"),
                        None => String::new(),
                    },
                    builtin_names().join(", ")
                ),
            ));
        }
    };
    merge_into(&mut merged, user);
    // A table's kind first: setting another kind empties the table for the
    // fields set after it.
    let kinds_first = overrides
        .iter()
        .filter(|o| o.path.ends_with(".kind"))
        .chain(overrides.iter().filter(|o| !o.path.ends_with(".kind")));
    for o in kinds_first {
        set_path(&mut merged, &o.path, o.value.clone())
            .map_err(|message| error_at(None, Some(o.path.clone()), message))?;
    }

    // Kept to name the key behind an error at a table: a table read by its
    // `kind` is read whole, so its errors name the table, not the key.
    let whole = merged.clone();
    let scenario: T =
        serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
            let field = e.path().to_string();
            let message = plain_words(e.inner().message().trim());
            let field = (field != "." && !field.is_empty()).then_some(field);
            let message = match field.as_deref().and_then(|f| kind_of(&whole, f)) {
                Some(kind) if message.starts_with("unknown field") => {
                    format!(
                        "{message} (the fields of kind `{kind}`; another kind's need its `kind`)"
                    )
                }
                _ => message,
            };
            let field = field.map(|f| key_behind(&whole, &f, &message).unwrap_or(f));
            let line = field.as_deref().and_then(|f| locate::line_of_path(text, f));
            error_at(line, field, message)
        })?;

    if let Some((field, message)) = check(&scenario) {
        return Err(error_at(
            locate::line_of_path(text, &field),
            Some(field),
            message,
        ));
    }
    Ok(scenario)
}

/// The key of the table at `field` (a dotted path into `merged`) that an
/// error `message` about the whole table is about, as a longer path: the
/// key an `unknown field` names, or the one key whose value the message
/// quotes (`invalid type: floating point `1.5``). `None` when the path is
/// no table or no single key fits.
fn key_behind(merged: &toml::Table, field: &str, message: &str) -> Option<String> {
    let table = table_at(merged, field)?;
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next()?;
        return table.contains_key(key).then(|| format!("{field}.{key}"));
    }
    let quoted = |v: &str| {
        [format!("`{v}`"), format!("\"{v}\""), format!("'{v}'")]
            .iter()
            .any(|q| message.contains(q.as_str()))
    };
    let mut fits = table.iter().filter(|(key, value)| {
        *key != "kind"
            && match value {
                toml::Value::String(v) => quoted(v),
                toml::Value::Integer(v) => quoted(&v.to_string()),
                toml::Value::Float(v) => quoted(&v.to_string()),
                toml::Value::Boolean(v) => quoted(&v.to_string()),
                _ => false,
            }
    });
    let (key, _) = fits.next()?;
    fits.next().is_none().then(|| format!("{field}.{key}"))
}

/// The table at dotted path `field` of `merged`, if it is one.
fn table_at<'a>(merged: &'a toml::Table, field: &str) -> Option<&'a toml::Table> {
    let mut node = merged.get(field.split('.').next()?)?;
    for part in field.split('.').skip(1) {
        node = node.as_table()?.get(part)?;
    }
    node.as_table()
}

/// The `kind` of the table at `field`, for a table read by its kind.
fn kind_of<'a>(merged: &'a toml::Table, field: &str) -> Option<&'a str> {
    table_at(merged, field)?.get("kind")?.as_str()
}

/// A reader's message in the words of a scenario file rather than of the
/// Rust types behind it: `expected struct HitListConfig` is `expected a
/// table`, `expected f64` a number.
fn plain_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("expected struct ") {
        out.push_str(&rest[..at]);
        out.push_str("expected a table ([section] or { key = value, ... })");
        let after = &rest[at + "expected struct ".len()..];
        let name_end = after
            .find(|c: char| !c.is_alphanumeric() && c != '_')
            .unwrap_or(after.len());
        rest = &after[name_end..];
    }
    out.push_str(rest);
    out.replace("expected f64", "expected a number")
        .replace("expected u64", "expected a whole number, not negative")
        .replace("expected u32", "expected a whole number, not negative")
        .replace("expected u8", "expected a whole number from 0 to 255")
        // What the TOML reader says of a number, a boolean or an array
        // where a name from a list is read.
        .replace(
            "invalid type: unit variant, expected string only",
            "expected one of the field's names, in quotes",
        )
}

/// The complete table of built-in scenario `name` of `family`, or None if
/// there is none: its own text laid over the built-in its `base` names, and
/// so on down the chain of bases (a built-in whose `base` is absent or names
/// itself ends the chain). A user's file is laid over this, so a built-in
/// laid over another passes on every default it does not change.
fn resolve_builtin(name: &str, family: &[(&str, &str, &str)]) -> Option<toml::Table> {
    let text_of = |n: &str| family.iter().find(|(f, _, _)| *f == n).map(|(_, _, t)| *t);
    let mut text = text_of(name)?;
    let mut chain = Vec::new();
    let mut next = name.to_string();
    loop {
        let table: toml::Table = toml::from_str(text).expect("built-in scenarios are valid TOML");
        let base = match table.get("base") {
            Some(toml::Value::String(b)) if *b != next => Some(b.clone()),
            _ => None,
        };
        chain.push(table);
        match base {
            Some(b) => {
                assert!(
                    chain.len() <= family.len(),
                    "the bases of built-in scenario `{name}` form a cycle"
                );
                text = text_of(&b).expect("a built-in's base is a built-in of its kind");
                next = b;
            }
            None => break,
        }
    }
    let mut merged = chain.pop().expect("the chain holds `name` itself");
    while let Some(over) = chain.pop() {
        merge_into(&mut merged, over);
    }
    Some(merged)
}

/// Checks a scenario built or changed in code (e.g. by command-line
/// overrides): the first problem as (field path, message).
pub fn check(scenario: &BlasterScenario) -> Result<(), (String, String)> {
    match check::first_problem(scenario) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// Checks a random-scanning scenario built or changed in code: the first
/// problem as (field path, message).
pub fn check_population(scenario: &PopulationScenario) -> Result<(), (String, String)> {
    match population::first_problem(scenario) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// Prints a scenario as TOML (without comments; the built-in files carry
/// the documentation).
pub fn to_toml(scenario: &BlasterScenario) -> String {
    toml::to_string(scenario).expect("scenarios serialize")
}

/// The value of a scenario's field at a dotted path (`worm.batch_size`,
/// `world.networks[0].nat_pct`), as the scenario prints it; `None` if the
/// scenario has no such field.
pub fn field_value<S: serde::Serialize>(scenario: &S, path: &str) -> Option<toml::Value> {
    if path.trim().is_empty() {
        return None;
    }
    let mut node = toml::Value::try_from(scenario).expect("scenarios serialize");
    for step in locate::segments(path) {
        node = match (step, node) {
            (locate::Segment::Key(k), toml::Value::Table(mut t)) => t.remove(k)?,
            (locate::Segment::Index(i), toml::Value::Array(mut a)) if i < a.len() => {
                a.swap_remove(i)
            }
            _ => return None,
        };
    }
    Some(node)
}

/// Whether dotted path `inner` is `outer` or lies under it.
fn path_within(inner: &str, outer: &str) -> bool {
    inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Sets the value at a dotted path (`a.b[2].c`) of a complete scenario
/// table. Every step but the last must exist; the last key may be new (an
/// unknown field is then refused when the scenario is read).
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let steps = locate::segments(path);
    let Some((last, init)) = steps.split_last() else {
        return Err("is not a field path".into());
    };
    let mut node = toml::Value::Table(std::mem::take(table));
    let result = (|| {
        let mut cur = &mut node;
        let mut walked = String::new();
        for step in init {
            cur = match (step, cur) {
                (locate::Segment::Key(k), toml::Value::Table(t)) => {
                    walked = join(&walked, k);
                    t.get_mut(*k).ok_or_else(|| {
                        format!(
                            "there is no field `{walked}` in the base scenario (misspelt? \
                                 or a table the base leaves out, such as `[worm.hit_list]`, \
                                 which a base file of your own must give)"
                        )
                    })?
                }
                (locate::Segment::Index(i), toml::Value::Array(a)) => {
                    let n = a.len();
                    walked = format!("{walked}[{i}]");
                    a.get_mut(*i)
                        .ok_or_else(|| format!("`{walked}` is past the end ({n} entries)"))?
                }
                _ => return Err(format!("`{walked}` has no part `{path}` names")),
            };
        }
        match (last, cur) {
            (locate::Segment::Key(k), toml::Value::Table(t)) => {
                // Another kind replaces the table, as laying a file's table
                // of another kind does: its fields are the new kind's.
                if *k == "kind" && t.get("kind").is_some_and(|old| *old != value) {
                    t.clear();
                }
                t.insert((*k).to_string(), value);
                Ok(())
            }
            (locate::Segment::Index(i), toml::Value::Array(a)) => {
                let n = a.len();
                let slot = a
                    .get_mut(*i)
                    .ok_or_else(|| format!("index {i} is past the end ({n} entries)"))?;
                *slot = value;
                Ok(())
            }
            _ => Err(format!("`{walked}` has no part `{path}` names")),
        }
    })();
    if let toml::Value::Table(t) = node {
        *table = t;
    }
    result
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Lays `over` on `base`: tables merge key by key, anything else replaces.
/// A table whose `kind` differs from the base's is another variant of its
/// field (`[worm.rate] kind = "probe-rate"` over a bandwidth rate): it
/// replaces the base table whole, so no field of the other variant is left.
fn merge_into(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if o.get("kind").is_none_or(|k| Some(k) == b.get("kind")) =>
            {
                merge_into(b, o)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_another_kind_replaces_the_table_whatever_the_order() {
        let set = |path: &str, value: toml::Value| Override {
            path: path.into(),
            value,
            file: "sweep.toml".into(),
            line: None,
        };
        // The wait before the kind: the kind still goes first.
        let overrides = [
            set("worm.rate.batch_wait", toml::Value::String("1.8s".into())),
            set("worm.rate.kind", toml::Value::String("batches".into())),
            set("worm.rate.batch_size", toml::Value::Integer(20)),
        ];
        let s = parse_population_with("base = \"codered2\"\n", "x.toml", &overrides).unwrap();
        assert_eq!(
            s.worm.rate,
            population::RateConfig::Batches {
                batch_size: 20,
                batch_wait: SimDuration::from_millis(1800),
            }
        );
        // The same kind keeps the table's other fields.
        let same = [set(
            "worm.rate.kind",
            toml::Value::String("probe-rate".into()),
        )];
        let s = parse_population_with("base = \"codered2\"\n", "x.toml", &same).unwrap();
        assert!(matches!(
            s.worm.rate,
            population::RateConfig::ProbeRate { .. }
        ));
    }

    #[test]
    fn every_builtin_parses_on_its_own() {
        for (name, _, text) in BUILTIN {
            let s = parse(text, name).unwrap();
            assert_eq!(s.name, *name);
        }
    }

    #[test]
    fn a_builtin_laid_over_another_is_a_complete_base() {
        // Issue 14: this was refused with "missing field `source`".
        let text = "base = \"blaster-sample\"\n[defenses.users]\nenabled = true\n";
        let s = parse(text, "mine.toml").unwrap();
        let mut want = builtin("blaster-sample").unwrap();
        want.base = "blaster-sample".into();
        want.defenses.users.enabled = true;
        assert_eq!(s, want);
    }

    /// The complete table of a built-in scenario of either kind, as it
    /// serializes.
    fn builtin_table(name: &str) -> toml::Table {
        let value = match builtin(name) {
            Some(s) => toml::Value::try_from(s),
            None => toml::Value::try_from(builtin_population(name).unwrap()),
        };
        match value.unwrap() {
            toml::Value::Table(t) => t,
            other => panic!("{name} serializes to {other:?}"),
        }
    }

    /// Every table (not array of tables) under `table`, depth first, as
    /// (dotted path, table).
    fn sections(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Table)>) {
        for (key, value) in table {
            if let toml::Value::Table(t) = value {
                let path = join(prefix, key);
                out.push((path.clone(), t.clone()));
                sections(&path, t, out);
            }
        }
    }

    #[test]
    fn every_builtin_is_a_base_for_a_file_that_opens_any_of_its_sections() {
        let names = BUILTIN.iter().chain(POPULATION_BUILTIN).map(|(n, _, _)| *n);
        let mut files = 0;
        for name in names {
            let full = builtin_table(name);
            let mut found = Vec::new();
            sections("", &full, &mut found);
            assert!(!found.is_empty(), "{name} has sections");
            for (path, section) in found {
                // One file per field a section holds directly: `enabled`
                // switched on (and off), any other field at its own value.
                let mut edits: Vec<(String, toml::Value)> = section
                    .iter()
                    .filter(|(k, v)| *k != "enabled" && !v.is_table())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if section.contains_key("enabled") {
                    edits.push(("enabled".into(), true.into()));
                    edits.push(("enabled".into(), false.into()));
                }
                for (key, value) in edits {
                    let mut user = toml::Table::new();
                    user.insert("base".into(), name.into());
                    set_nested(&mut user, &format!("{path}.{key}"), value.clone());
                    let text = toml::to_string(&user).unwrap();
                    let parsed = match parse_any(&text, "mine.toml") {
                        Ok(AnyScenario::Blaster(s)) => toml::Value::try_from(&s),
                        Ok(AnyScenario::Population(s)) => toml::Value::try_from(&s),
                        // Code Red carries its target's address: a
                        // takedown needs the name it would resolve.
                        Err(e)
                            if path == "defenses.dns_takedown"
                                && value == toml::Value::Boolean(true)
                                && e.to_string().contains("there is no name to take down") =>
                        {
                            continue;
                        }
                        // And its flood comes from its hosts' own
                        // addresses: a source filter has nothing to drop.
                        Err(e)
                            if path == "defenses.spoof_filter"
                                && value == toml::Value::Boolean(true)
                                && e.to_string().contains("a source filter lets all of it") =>
                        {
                            continue;
                        }
                        Err(e) => panic!("over {name}:\n{text}\nrefused: {e}"),
                    };
                    let mut want = full.clone();
                    want.insert("base".into(), name.into());
                    set_path(&mut want, &format!("{path}.{key}"), value).unwrap();
                    assert_eq!(
                        parsed.unwrap(),
                        toml::Value::Table(want),
                        "over {name}:\n{text}"
                    );
                    files += 1;
                }
            }
        }
        assert!(files > 100, "{files} files");
    }

    /// Sets a dotted path of plain keys, creating the tables on the way.
    fn set_nested(table: &mut toml::Table, path: &str, value: toml::Value) {
        match path.split_once('.') {
            None => {
                table.insert(path.into(), value);
            }
            Some((head, rest)) => {
                let inner = table
                    .entry(head)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                set_nested(inner.as_table_mut().unwrap(), rest, value);
            }
        }
    }

    #[test]
    fn random_scanning_builtins_parse_and_a_files_base_picks_its_kind() {
        for (name, _, text) in POPULATION_BUILTIN {
            let s = parse_population(text, name).unwrap();
            assert_eq!(s.name, *name);
            assert!(!s.validation.is_empty(), "{name} states its figures");
            assert!(builtin(name).is_none(), "not a Blaster scenario");
        }
        let any = parse_any("base = \"slammer\"\nseed = 4\n", "mine.toml").unwrap();
        match any {
            AnyScenario::Population(s) => {
                assert_eq!(s.seed, 4);
                assert_eq!(
                    s.population,
                    builtin_population("slammer").unwrap().population
                );
            }
            AnyScenario::Blaster(_) => panic!("slammer's base is a random-scanning scenario"),
        }
        assert!(matches!(
            parse_any("seed = 4\n", "b.toml"),
            Ok(AnyScenario::Blaster(_))
        ));
        // A Blaster file cannot name a random-scanning base, nor the reverse.
        let e = parse("base = \"slammer\"\n", "x.toml").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("base"));
        let e = parse_population("base = \"blaster\"\n", "y.toml").unwrap_err();
        assert_eq!((e.field.as_deref(), e.line), (Some("base"), Some(1)));
        assert!(
            parse_population("seed = 1\n", "z.toml").is_err(),
            "base is required"
        );
    }

    #[test]
    fn a_table_of_another_kind_replaces_the_base_table() {
        let text = "base = \"slammer\"\n[worm.delivery]\nkind = \"tcp-exploit\"\nport = 80\n\
                    duration = \"1s\"\n[worm.rate]\nkind = \"probe-rate\"\nprobes_per_second = 10\n";
        let s = parse_population(text, "x.toml").unwrap();
        assert_eq!(
            s.worm.rate,
            population::RateConfig::ProbeRate {
                probes_per_second: 10.0
            }
        );
        // Same kind: merged key by key, the rest kept.
        let s = parse_population(
            "base = \"slammer\"\n[worm.rate]\nkind = \"bandwidth\"\ncapacity_bits_per_second = 0\n",
            "y.toml",
        )
        .unwrap();
        let population::RateConfig::Bandwidth { uplinks, .. } = &s.worm.rate else {
            panic!("still a bandwidth rate");
        };
        assert_eq!(uplinks.len(), 3);
    }

    #[test]
    fn tolerances_accept_what_they_say() {
        use population::Tolerance;
        let none = Tolerance {
            relative_pct: None,
            absolute: None,
            at_least: None,
            within: None,
        };
        let rel = Tolerance {
            relative_pct: Percent::new(10.0),
            ..none.clone()
        };
        assert!(rel.accepts(359_000.0, 323_100.0) && !rel.accepts(359_000.0, 323_000.0));
        let abs = Tolerance {
            absolute: Some(2.0),
            ..none.clone()
        };
        assert!(abs.accepts(10.0, 12.0) && !abs.accepts(10.0, 12.1));
        let least = Tolerance {
            at_least: Some(2000.0),
            ..none.clone()
        };
        assert!(least.accepts(2000.0, 2000.0) && !least.accepts(2000.0, 1999.0));
        let within = Tolerance {
            within: Some([1e7, 1e8]),
            ..none.clone()
        };
        assert!(within.accepts(5.5e7, 1.9e7) && !within.accepts(5.5e7, 3.5e8));
        assert!(!rel.accepts(1.0, f64::NAN), "an unmeasured figure fails");
        assert!(!none.accepts(1.0, 1.0));
    }

    #[test]
    fn a_short_file_keeps_the_documented_defaults() {
        let s = parse("seed = 7\nduration = \"48h\"\n", "short.toml").unwrap();
        let d = default_scenario();
        assert_eq!(s.seed, 7);
        assert_eq!(s.duration, "48h".parse().unwrap());
        assert_eq!(s.world, d.world);
        assert_eq!(s.worm, d.worm);
    }

    /// A Blaster run's rows are whole steps, each stamped with its end: a
    /// duration between two of them is refused, naming both.
    #[test]
    fn a_duration_between_steps_is_refused() {
        let e = parse("duration = \"61m30s\"\nstep = \"1m\"\n", "odd.toml").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("duration"), "{e:?}");
        assert_eq!(e.line, Some(1), "{e:?}");
        assert!(
            e.message.contains("61m") && e.message.contains("62m"),
            "{e:?}"
        );
        assert!(parse("duration = \"62m\"\nstep = \"1m\"\n", "even.toml").is_ok());
    }

    #[test]
    fn a_section_switched_off_keeps_its_moment_unchecked_until_switched_on() {
        // Blaster's built-in dates its ISP filter 12 August and Welchia 18
        // August: a file that moves the start past them needs to restate
        // only what it switches on.
        let e = parse("start = \"2003-08-30T00:00:00Z\"\n", "moved.toml").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("welchia.release"), "{e}");
        assert!(e.message.contains("`[welchia] enabled = false`"), "{e}");
        let moved = "start = \"2003-08-30T00:00:00Z\"\n[welchia]\nenabled = false\n";
        let s = parse(moved, "moved.toml").unwrap();
        assert!(!s.defenses.isp_filter.enabled);
        let e = parse(
            &format!("{moved}[defenses.isp_filter]\nenabled = true\n"),
            "moved.toml",
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("defenses.isp_filter.start"), "{e}");
        assert!(e.message.contains("before the simulation start"), "{e}");
        // A spec that switches it on is checked too.
        let spec: crate::variant::Variant = "isp-filter".parse().unwrap();
        assert!(spec.applied_to(&s).is_err());
        assert!(
            "isp-filter@1h"
                .parse::<crate::variant::Variant>()
                .unwrap()
                .applied_to(&s)
                .is_ok()
        );
        // The same for a random-scanning worm.
        let c = parse_population(
            "base = \"codered2\"\n[defenses.target_move]\nat = \"2001-07-01T00:00:00Z\"\n",
            "c.toml",
        )
        .unwrap();
        let spec: crate::variant::Variant = "target-move".parse().unwrap();
        assert!(spec.applied_to(&c).is_err());
    }

    #[test]
    fn nested_tables_merge_key_by_key() {
        let s = parse("[worm]\nbatch_size = 10\n", "x.toml").unwrap();
        assert_eq!(s.worm.batch_size, 10);
        assert_eq!(s.worm.batch_wait, default_scenario().worm.batch_wait);
    }

    fn err(text: &str) -> ScenarioError {
        parse(text, "bad.toml").unwrap_err()
    }

    #[test]
    fn a_misspelt_base_names_every_builtin_and_the_one_it_meant() {
        let e = parse_any("seed = 2\nbase = \"slamer\"\n", "b.toml").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("base")), "{e}");
        assert!(e.message.contains("did you mean `slammer`?"), "{e}");
        assert!(
            e.message.contains("codered2") && e.message.contains("blaster-sample"),
            "{e}"
        );
        // A population built-in read as a Blaster file says so, and no
        // more suggests what was written.
        let e = err("base = \"witty\"\n");
        assert!(e.message.contains("another kind"), "{e}");
        assert!(!e.message.contains("did you mean"), "{e}");
    }

    #[test]
    fn unknown_fields_are_named_with_their_line() {
        let e = err("seed = 1\n\n[worm]\nbatch_sise = 3\n");
        assert_eq!(e.line, Some(4), "{e}");
        assert_eq!(e.field.as_deref(), Some("worm.batch_sise"), "{e}");
        assert!(
            e.to_string()
                .starts_with("bad.toml:4: field `worm.batch_sise`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_types_are_named_with_their_line() {
        let e = err("name = \"x\"\nseed = \"seven\"\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.field.as_deref(), Some("seed"));
    }

    #[test]
    fn percentages_over_100_are_refused() {
        let e = err("[worm]\nguess_xp_pct = 140\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.field.as_deref(), Some("worm.guess_xp_pct"));
        assert!(e.message.contains("between 0 and 100"), "{e}");
    }

    #[test]
    fn targeting_is_sequential_by_default_and_a_typo_is_refused() {
        assert_eq!(default_scenario().worm.targeting, TargetingKind::Sequential);
        let s = parse(
            "base = \"blaster\"\n[worm]\ntargeting = \"uniform-random\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.worm.targeting, TargetingKind::UniformRandom);
        let e = err("[worm]\ntargeting = \"uniform_random\"\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.field.as_deref(), Some("worm.targeting"), "{e}");
        assert!(e.message.contains("uniform-random"), "{e}");
    }

    #[test]
    fn local_preference_reads_its_shares_and_refuses_shares_over_100() {
        let s = parse(
            "base = \"blaster\"\n[worm]\ntargeting = \"local-preference\"\n\
             [worm.local_preference]\nsame_slash16_pct = 10\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.worm.targeting, TargetingKind::LocalPreference);
        let local = s.worm.local_preference;
        assert_eq!(local.same_slash16_pct.as_pct(), 10.0);
        // The built-in's /8 share stays under an overlay that names the /16.
        assert_eq!(local.same_slash8_pct.as_pct(), 50.0);
        assert_eq!(local.anywhere_pct(), 40.0);
        let e = err("[worm.local_preference]\nsame_slash16_pct = 60\n");
        assert_eq!(
            e.field.as_deref(),
            Some("worm.local_preference.same_slash8_pct"),
            "{e}"
        );
        assert!(e.message.contains("110"), "{e}");
    }

    #[test]
    fn a_blaster_permutation_walk_reads_its_key_and_refuses_a_bad_one() {
        let s = parse(
            "base = \"blaster\"\n[worm]\ntargeting = \"permutation\"\n\
             [worm.permutation]\nkey = 42\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.worm.targeting, TargetingKind::Permutation);
        assert_eq!(s.worm.permutation, Some(PermutationConfig { key: 42 }));
        // The built-in's key serves a file that only names the targeting.
        let s = parse(
            "base = \"blaster\"\n[worm]\ntargeting = \"permutation\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.worm.permutation, Some(PermutationConfig { key: 1 }));
        let e = err("[worm.permutation]\nkey = -1\n");
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(2), Some("worm.permutation.key")),
            "{e}"
        );
        let e = err("[worm.permutation]\nkee = 3\n");
        assert!(e.message.contains("expected `key`"), "{e}");
        // A scenario built in code without the key is refused, naming it.
        let mut s = default_scenario();
        s.worm.targeting = TargetingKind::Permutation;
        s.worm.permutation = None;
        let (field, message) = check(&s).unwrap_err();
        assert_eq!(field, "worm.permutation", "{message}");
    }

    #[test]
    fn a_blaster_hit_list_is_read_and_its_bad_numbers_named() {
        let s = parse(
            "base = \"blaster\"\n[worm.hit_list]\nhosts = 5000\nprobes_per_second = 20\n",
            "t.toml",
        )
        .unwrap();
        let list = s.worm.hit_list.expect("read");
        assert_eq!((list.hosts, list.probes_per_second), (5000, 20.0));
        // The built-in has none, and Welchia never takes one.
        assert!(crate::default_scenario().worm.hit_list.is_none());
        let e = err("[worm.hit_list]\nhosts = 0\nprobes_per_second = 20\n");
        assert_eq!(e.field.as_deref(), Some("worm.hit_list.hosts"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
        let e = err("[worm.hit_list]\nhosts = 10\nprobes_per_second = 0\n");
        assert_eq!(
            e.field.as_deref(),
            Some("worm.hit_list.probes_per_second"),
            "{e}"
        );
        let e = err("[worm.hit_list]\nhosts = 10\n");
        assert!(e.message.contains("probes_per_second"), "{e}");
        let e = err("[worm.hit_list]\nhost = 10\nprobes_per_second = 1\n");
        assert_eq!(e.field.as_deref(), Some("worm.hit_list.host"), "{e}");
    }

    #[test]
    fn a_blaster_stop_reads_its_date_limit_and_crash_and_names_their_mistakes() {
        let s = parse(
            "[worm.stop]\nat = \"2003-08-13T00:00:00Z\"\nafter_probes = 5000\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.worm.stop.after_probes, Some(5000));
        assert!(s.worm.stop.at.is_some());
        assert!(crate::default_scenario().worm.stop.is_none());
        let e = err("[worm.stop]\nafter_probes = 0\n");
        assert_eq!(e.field.as_deref(), Some("worm.stop.after_probes"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
        let s = parse(
            "[worm.stop.crash]\ncycle_probes = 10\nchance_pct = 5\n",
            "t.toml",
        )
        .unwrap();
        let crash = s.worm.stop.crash.expect("read");
        assert_eq!((crash.cycle_probes, crash.chance_pct.as_pct()), (10, 5.0));
        let e = err("[worm.stop.crash]\ncycle_probes = 0\nchance_pct = 5\n");
        assert_eq!(
            e.field.as_deref(),
            Some("worm.stop.crash.cycle_probes"),
            "{e}"
        );
        assert_eq!(e.line, Some(2), "{e}");
        let e = err("[worm.stop.crash]\ncycle_probes = 10\nchance_pct = 0\n");
        assert_eq!(
            e.field.as_deref(),
            Some("worm.stop.crash.chance_pct"),
            "{e}"
        );
        let e = err("[worm.stop.crash]\ncycle_probes = 10\n");
        assert!(e.message.contains("chance_pct"), "{e}");
        let e = err("[worm.stop]\nat = \"2003-08-01T00:00:00Z\"\n");
        assert_eq!(e.field.as_deref(), Some("worm.stop.at"), "{e}");
        assert!(e.message.contains("before the simulation start"), "{e}");
    }

    #[test]
    fn a_permutation_scan_reads_its_key_and_its_mistakes_are_named() {
        let over = |extra: &str| {
            crate::parse_population(
                &format!("base = \"codered2\"\n[worm]\ntargeting = \"permutation\"\n{extra}"),
                "p.toml",
            )
        };
        let s = over("").unwrap();
        assert_eq!(s.worm.targeting, PERMUTATION);
        // The built-in's key, laid under the file.
        assert_eq!(s.worm.permutation.as_ref().map(|p| p.key), Some(1));
        let s = over("[worm.permutation]\nkey = 2002\n").unwrap();
        assert_eq!(s.worm.permutation.map(|p| p.key), Some(2002));
        let e = over("[worm.permutation]\nkee = 3\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("worm.permutation.kee"), "{e}");
        assert_eq!(e.line, Some(5), "{e}");
        let e = over("[worm.permutation]\nkey = -1\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("worm.permutation.key"), "{e}");
        let e = crate::parse_population(
            "base = \"codered2\"\n[worm]\ntargeting = \"permutations\"\n",
            "p.toml",
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("worm.targeting"), "{e}");
        assert!(
            e.message.contains(
                "(uniform-random, permutation, local-preference, sequential); \
                 did you mean `permutation`?"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_sequential_scan_starts_by_blasters_rule_unless_told_and_its_mistakes_are_named() {
        let over = |extra: &str| {
            crate::parse_population(
                &format!("base = \"slammer\"\n[worm]\ntargeting = \"sequential\"\n{extra}"),
                "q.toml",
            )
        };
        let s = over("").unwrap();
        assert_eq!(s.worm.targeting, SEQUENTIAL);
        // The built-in's, Blaster's rule (also the rule of a file without
        // the table).
        assert_eq!(s.worm.sequential, Some(SequentialConfig::blasters()));
        assert_eq!(SequentialConfig::blasters().local_start_pct.as_pct(), 40.0);
        let s = over("[worm.sequential]\nlocal_start_pct = 75\n").unwrap();
        assert_eq!(s.worm.sequential.unwrap().local_start_pct.as_pct(), 75.0);
        let e = over("[worm.sequential]\nlocal_start_pct = 140\n").unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("worm.sequential.local_start_pct"),
            "{e}"
        );
        assert_eq!(e.line, Some(5), "{e}");
        let e = over("[worm.sequential]\nlocal_start = 10\n").unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("worm.sequential.local_start"),
            "{e}"
        );
        let e = crate::parse_population(
            "base = \"witty\"\n[worm]\ntargeting = \"sequental\"\n",
            "q.toml",
        )
        .unwrap_err();
        assert!(e.message.contains("did you mean `sequential`?"), "{e}");
    }

    #[test]
    fn type_errors_are_told_in_a_files_words() {
        let e = err("[worm]\nhit_list = 5\n");
        assert_eq!(e.field.as_deref(), Some("worm.hit_list"), "{e}");
        assert!(e.message.contains("expected a table"), "{e}");
        assert!(!e.message.contains("struct"), "{e}");
        let e = crate::parse_population(
            "base = \"slammer\"\n[worm.sequential]\nlocal_start_pct = \"half\"\n",
            "q.toml",
        )
        .unwrap_err();
        assert!(e.message.contains("expected a number"), "{e}");
        for (text, field) in [
            (
                "base = \"codered2\"\n[payload]\ndate_checked = true\n",
                "payload.date_checked",
            ),
            (
                "base = \"codered2\"\n[payload]\ndate_checked = [1]\n",
                "payload.date_checked",
            ),
        ] {
            let e = crate::parse_population(text, "q.toml").unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{e}");
            assert!(
                e.message
                    .contains("expected one of the field's names, in quotes"),
                "{e}"
            );
        }
        let e = crate::parse_population(
            "base = \"codered2\"\n[payload]\nevery_day_from_month = 300\n",
            "q.toml",
        )
        .unwrap_err();
        assert!(
            e.message.contains("expected a whole number from 0 to 255"),
            "{e}"
        );
        assert_eq!(
            plain_words("invalid type: integer `5`, expected struct PermutationConfig"),
            "invalid type: integer `5`, expected a table ([section] or { key = value, ... })"
        );
    }

    #[test]
    fn a_bandwidth_section_is_read_and_its_uplinks_checked() {
        let ok = parse(
            "base = \"blaster\"\n[worm]\nbatch_size = 20\n[worm.bandwidth]\nprobe_bytes = 60\n\
             uplinks = [{ name = \"T1\", share_pct = 100, bits_per_second = 1544000 }]\n",
            "b.toml",
        )
        .unwrap();
        let bw = ok.worm.bandwidth.as_ref().unwrap();
        assert_eq!(bw.probe_bytes, 60);
        assert_eq!(bw.capacity_bits_per_second, 0.0, "no capacity by default");
        // 20 probes of 60 bytes over a T1: 6,218 µs, rounded up.
        assert_eq!(batch_wait_us(20 * 60 * 8, 1_544_000.0), 6_218);
        assert!(
            default_scenario().worm.bandwidth.is_none(),
            "off by default"
        );
        for (text, line, field, says) in [
            (
                "[worm.bandwidth]\nprobe_bytes = 60\nuplinks = [\n  { name = \"a\", share_pct = 60, bits_per_second = 1e6 },\n]\n",
                3,
                "worm.bandwidth.uplinks",
                "sum to 60, not 100",
            ),
            (
                "[worm.bandwidth]\nprobe_bytes = 60\nuplinks = [{ name = \"fast\", share_pct = 100, bits_per_second = 1e8 }]\n",
                3,
                "worm.bandwidth.uplinks[0].bits_per_second",
                "under the 1ms a batch takes at least",
            ),
            (
                "[worm]\nbatch_size = 1024\n[worm.bandwidth]\nprobe_bytes = 65535\nuplinks = [{ name = \"slow\", share_pct = 100, bits_per_second = 1000 }]\n",
                5,
                "worm.bandwidth.uplinks[0].bits_per_second",
                "longer than 5m",
            ),
            (
                "[worm.bandwidth]\nprobe_bytes = 10\nuplinks = [{ name = \"a\", share_pct = 100, bits_per_second = 1e5 }]\n",
                2,
                "worm.bandwidth.probe_bytes",
                "outside 20..=65535",
            ),
            (
                "[worm]\ntargeting = \"uniform-random\"\n[welchia]\nenabled = false\n\
                 [worm.bandwidth]\nprobe_bytes = 60\n\
                 uplinks = [{ name = \"T1\", share_pct = 100, bits_per_second = 1544000 }]\n\
                 capacity_bits_per_second = -1\n",
                8,
                "worm.bandwidth.capacity_bits_per_second",
                "not a finite rate of 0 (no limit) or more",
            ),
            (
                "[welchia]\nenabled = false\n[worm.bandwidth]\nprobe_bytes = 60\n\
                 uplinks = [{ name = \"T1\", share_pct = 100, bits_per_second = 1544000 }]\n\
                 capacity_bits_per_second = 1e9\n",
                6,
                "worm.bandwidth.capacity_bits_per_second",
                "needs random targets",
            ),
            (
                "[worm]\ntargeting = \"uniform-random\"\n[worm.bandwidth]\nprobe_bytes = 60\n\
                 uplinks = [{ name = \"T1\", share_pct = 100, bits_per_second = 1544000 }]\n\
                 capacity_bits_per_second = 1e9\n",
                6,
                "worm.bandwidth.capacity_bits_per_second",
                "switch Welchia off",
            ),
            (
                "[worm.bandwidth]\nprobe_bytes = 60\nuplinks = [\n  { name = \"a\", share_pct = 50, bits_per_second = 1e6 },\n  { name = \"b\", share_pct = 25, bits_per_second = 1e6 },\n  { name = \"a\", share_pct = 25, bits_per_second = 2e6 },\n]\n",
                6,
                "worm.bandwidth.uplinks[2].name",
                "\"a\" is already that of worm.bandwidth.uplinks[0]",
            ),
        ] {
            let e = err(text);
            assert_eq!(e.field.as_deref(), Some(field), "{e}");
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.message.contains(says), "{e}");
        }
    }

    /// A number TOML cannot hold fails before any field is read: the
    /// error still names the key its line sets, in plain words.
    #[test]
    fn a_number_past_what_toml_holds_names_its_field() {
        for (text, field) in [
            ("seed = 9223372036854775808\n", "seed"),
            (
                "[worm]\nbatch_size = 99999999999999999999\n",
                "worm.batch_size",
            ),
        ] {
            let e = err(text);
            assert_eq!(e.field.as_deref(), Some(field), "{e}");
            assert_eq!(e.line, Some(text.lines().count()), "{e}");
            assert!(e.message.contains("above 9223372036854775807"), "{e}");
        }
    }

    #[test]
    fn negative_durations_are_refused() {
        let e = err("[worm]\nbatch_wait = \"-2s\"\n");
        assert_eq!(e.field.as_deref(), Some("worm.batch_wait"));
        assert!(e.message.contains("negative"), "{e}");
    }

    #[test]
    fn the_time_bounds_leave_room_in_both_clocks() {
        // A sweep of 2^32 addresses at the longest per-address time (batch
        // wait, exploit pause, two round trips, the longest wait), plus a
        // run and three delays of the longest span, in microseconds.
        let sweep = (1u128 << 32) * 5 * u128::from(MAX_SCAN_WAIT.as_micros());
        let spans = 4 * u128::from(MAX_SPAN.as_micros());
        assert!(sweep + spans < u128::from(u64::MAX / 2));
        // Four longest spans in the population core's nanoseconds.
        assert!(4 * u128::from(MAX_SPAN.as_micros()) * 1000 < u128::from(u64::MAX));
    }

    #[test]
    fn times_that_could_overflow_the_clock_are_refused_naming_the_field() {
        let cases = [
            (
                "[worm]\nbatch_size = 1\nbatch_wait = \"10h\"\n",
                3,
                "worm.batch_wait",
            ),
            (
                "[worm]\nexploit_pause = \"5m1s\"\n",
                2,
                "worm.exploit_pause",
            ),
            ("[worm]\nround_trip = \"1h\"\n", 2, "worm.round_trip"),
            (
                "[worm]\nconnect_timeout = \"1d\"\n",
                2,
                "worm.connect_timeout",
            ),
            (
                "[worm]\ntftp_block_interval = \"6m\"\n",
                2,
                "worm.tftp_block_interval",
            ),
            ("[worm]\ntftp_wait = \"2h\"\n", 2, "worm.tftp_wait"),
            (
                "[worm]\nstart_after_boot = \"36501d\"\n",
                2,
                "worm.start_after_boot",
            ),
            (
                "[hosts]\nxp_crash_reboot_after = \"99999d\"\n",
                2,
                "hosts.xp_crash_reboot_after",
            ),
            (
                "[hosts]\nnt4_crash_reboot_after = \"40000d\"\n",
                2,
                "hosts.nt4_crash_reboot_after",
            ),
            (
                "[hosts]\nreboot_duration = \"200000d\"\n",
                2,
                "hosts.reboot_duration",
            ),
            (
                "[defenses.users]\ndelay = \"36500d1s\"\n",
                2,
                "defenses.users.delay",
            ),
            (
                "[defenses.cleanup]\nenabled = true\nstart = \"40000d\"\n",
                3,
                "defenses.cleanup.start",
            ),
            (
                "[defenses.dns_takedown]\nenabled = true\nat = \"2200-01-01T00:00:00Z\"\n",
                3,
                "defenses.dns_takedown.at",
            ),
            (
                "[defenses.patch]\ncurve = [[\"0h\", 0.0],\n [\"40000d\", 50.0]]\n",
                3,
                "defenses.patch.curve[1]",
            ),
            (
                "[welchia]\nbatch_size = 1\nbatch_wait = \"6m\"\n",
                3,
                "welchia.batch_wait",
            ),
            (
                "[welchia]\nrelease = \"9000-01-01T00:00:00Z\"\n",
                2,
                "welchia.release",
            ),
            (
                "[flaws]\nboot_tick = [\"20s\", \"40000d\"]\n",
                2,
                "flaws.boot_tick[1]",
            ),
            (
                "[flaws]\ntick_granularity = \"40000d\"\n",
                2,
                "flaws.tick_granularity",
            ),
            (
                "seed = 1\nduration = \"36501d\"\nstep = \"1d\"\n",
                2,
                "duration",
            ),
            ("start = \"9999-12-30T21:00:00Z\"\n", 1, "start"),
            (
                "[[sensors]]\nname = \"i\"\nkind = \"distributed\"\naddresses = 5\nreport_delay = \"99999d\"\n",
                5,
                "sensors[0].report_delay",
            ),
        ];
        for (text, line, field) in cases {
            let e = err(text);
            assert_eq!(
                (e.line, e.field.as_deref()),
                (Some(line), Some(field)),
                "{text}: {e}"
            );
        }
        let e = err("start = \"9999-12-30T21:00:00Z\"\n");
        assert!(e.message.contains("would end after"), "{e}");
        // The bounds themselves are accepted.
        for text in [
            "[worm]\nbatch_size = 1\nbatch_wait = \"5m\"\nconnect_timeout = \"5m\"\ntftp_wait = \"5m\"\n",
            "[welchia]\nbatch_size = 1\nbatch_wait = \"5m\"\n",
            "[defenses.users]\nenabled = true\ndelay = \"36500d\"\n",
            "duration = \"36500d\"\nstep = \"1d\"\n[hosts]\nreboot_duration = \"36500d\"\n",
            "[defenses.dns_takedown]\nat = \"2100-01-01T00:00:00Z\"\n",
        ] {
            parse(text, "ok.toml").unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn a_flood_payload_and_its_target_move_are_checked_naming_file_line_and_field() {
        let s = parse_population("base = \"codered2\"\n", "ok.toml").unwrap();
        let p = s.payload.as_ref().expect("Code Red floods");
        assert_eq!((p.first_day, p.last_day), (20, 27));
        assert!(!s.defenses.target_move.enabled);
        // Slammer floods nothing, and its file need not say so.
        let slammer = parse_population("base = \"slammer\"\n", "ok.toml").unwrap();
        assert!(slammer.payload.is_none() && slammer.defenses.target_move.is_off());
        assert!(!reproducing_population_file(&slammer).contains("target_move"));
        let cases = [
            ("[payload]\nfirst_day = 0\n", 3, "payload.first_day"),
            ("[payload]\nlast_day = 19\n", 3, "payload.last_day"),
            ("[payload]\nlast_day = 32\n", 3, "payload.last_day"),
            (
                "[payload]\nevery_day_from_month = 14\n",
                3,
                "payload.every_day_from_month",
            ),
            (
                "[payload]\ndate_checked = \"daily\"\n",
                3,
                "payload.date_checked",
            ),
            (
                "[payload]\npackets_per_second = 0\n",
                3,
                "payload.packets_per_second",
            ),
            ("[payload]\npacket_bytes = 19\n", 3, "payload.packet_bytes"),
            ("[payload]\ntarget = \"198.137.240\"\n", 3, "payload.target"),
            ("[payload]\nfirst_days = 20\n", 3, "payload.first_days"),
            (
                "[defenses.target_move]\nenabled = true\nat = \"2001-07-01T00:00:00Z\"\n",
                4,
                "defenses.target_move.at",
            ),
            ("[payload]\nname = \"\"\n", 3, "payload.name"),
            ("[payload]\nname = \"www..gov\"\n", 3, "payload.name"),
            (
                "[payload]\nname = \"http://whitehouse.gov\"\n",
                3,
                "payload.name",
            ),
            (
                "[payload]\nname = \"www1.whitehouse.gov\"\n\
                 [defenses.dns_takedown]\nenabled = true\nat = \"2001-07-01T00:00:00Z\"\n",
                6,
                "defenses.dns_takedown.at",
            ),
            // Code Red as it was carries the address: nothing to take down.
            (
                "[defenses.dns_takedown]\nenabled = true\n",
                3,
                "defenses.dns_takedown.enabled",
            ),
            // Its flood comes from its own addresses: nothing to filter.
            (
                "[defenses.spoof_filter]\nenabled = true\n",
                3,
                "defenses.spoof_filter.enabled",
            ),
            // A spoofed packet is a SYN, 40 bytes at least.
            (
                "[payload]\nspoofed_sources = true\npacket_bytes = 39\n",
                4,
                "payload.packet_bytes",
            ),
            (
                "[payload]\nspoofed_sources = 1\npacket_bytes = 40\n",
                3,
                "payload.spoofed_sources",
            ),
        ];
        for (extra, line, field) in cases {
            let text = format!("base = \"codered2\"\n{extra}");
            let e = parse_population(&text, "bad.toml").unwrap_err();
            assert_eq!(
                (e.file.as_str(), e.line, e.field.as_deref()),
                ("bad.toml", Some(line), Some(field)),
                "{text}: {e}"
            );
        }
        // Moving a target the worm does not flood.
        let e = parse_population(
            "base = \"slammer\"\n[defenses.target_move]\nenabled = true\nsource = \"s\"\nat = \"0h\"\n",
            "bad.toml",
        )
        .unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("defenses.target_move.enabled"),
            "{e}"
        );
        assert!(e.to_string().contains("needs a [payload]"), "{e}");
        // Switched on alone over a worm whose built-in lacks the section,
        // either defense is told what is wrong, not that `source` is
        // missing.
        for (name, section) in [
            ("slammer", "target_move"),
            ("slammer", "dns_takedown"),
            ("witty", "dns_takedown"),
        ] {
            let text = format!("base = \"{name}\"\n[defenses.{section}]\nenabled = true\n");
            let e = parse_population(&text, "bad.toml").unwrap_err();
            assert_eq!(
                (e.line, e.field.clone()),
                (Some(3), Some(format!("defenses.{section}.enabled"))),
                "{e}"
            );
            assert!(e.to_string().contains("the worm floods no target"), "{e}");
        }
        // A spoofed flood can be filtered at the first hops; written back,
        // the file says so (and a file without it does not).
        let spoofed = parse_population(
            "base = \"codered2\"\n[payload]\nspoofed_sources = true\npacket_bytes = 40\n\
             [defenses.spoof_filter]\nenabled = true\nstart = \"1d\"\n",
            "ok.toml",
        )
        .unwrap();
        let again = reproducing_population_file(&spoofed);
        assert!(again.contains("spoofed_sources = true"), "{again}");
        assert_eq!(parse_population(&again, "again.toml").unwrap(), spoofed);
        assert!(!reproducing_population_file(&s).contains("spoofed_sources"));
        // Witty floods no one: switched on alone over a built-in without
        // the section, the filter is told so, not that a field is missing.
        let e = parse_population(
            "base = \"witty\"\n[defenses.spoof_filter]\nenabled = true\n",
            "bad.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("the worm floods no target"), "{e}");
        // Given a spoofed flood, the section alone filters at every first
        // hop from the start.
        let spoofing_slammer = parse_population(
            "base = \"slammer\"\n[payload]\nfirst_day = 1\nlast_day = 31\n\
             packets_per_second = 1\npacket_bytes = 40\ntarget = \"192.0.2.1\"\n\
             spoofed_sources = true\n[defenses.spoof_filter]\nenabled = true\n",
            "ok.toml",
        )
        .unwrap();
        let filter = &spoofing_slammer.defenses.spoof_filter;
        assert_eq!(
            (filter.start, filter.coverage_pct.as_fraction()),
            (When::zero(), 1.0)
        );
        // A name is resolved, and its record can be taken down; written
        // back, the file says so (and a file without them does not).
        let named = parse_population(
            "base = \"codered2\"\n[payload]\nname = \"www1.whitehouse.gov.\"\n\
             [defenses.dns_takedown]\nenabled = true\nat = \"20h\"\n",
            "ok.toml",
        )
        .unwrap();
        let again = reproducing_population_file(&named);
        assert!(again.contains("name = \"www1.whitehouse.gov.\""), "{again}");
        assert!(!reproducing_population_file(&s).contains("name = \"www1"));
        let e = parse_population(
            "base = \"codered2\"\n[defenses.dns_takedown]\nenabled = true\n",
            "bad.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("[defenses.target_move]"), "{e}");
        // A flood laid over a worm without one needs every field.
        let e = parse_population("base = \"slammer\"\n[payload]\nfirst_day = 1\n", "bad.toml")
            .unwrap_err();
        assert!(e.to_string().contains("last_day"), "{e}");
    }

    #[test]
    fn random_scanning_times_that_could_overflow_are_refused_naming_the_field() {
        let cases = [
            (
                "base = \"slammer\"\nduration = \"36501d\"\nstep = \"1d\"\n",
                2,
                "duration",
            ),
            (
                "base = \"slammer\"\nstart = \"9999-12-30T21:59:00Z\"\n",
                2,
                "start",
            ),
            (
                "base = \"codered2\"\n[worm.delivery]\nduration = \"99999d\"\n",
                3,
                "worm.delivery.duration",
            ),
            (
                "base = \"codered2\"\n[worm.stop]\nat = \"2200-07-20T00:00:00Z\"\n",
                3,
                "worm.stop.at",
            ),
            (
                "base = \"codered2\"\n[[validation]]\nfigure = \"x\"\nmeasure = { kind = \"infected-at\", at = \"40000d\" }\npublished = 1\ntolerance = { absolute = 1 }\nsource = \"s\"\n",
                4,
                "validation[0].measure.at",
            ),
        ];
        for (text, line, field) in cases {
            let e = parse_population(text, "bad.toml").unwrap_err();
            assert_eq!(
                (e.line, e.field.as_deref()),
                (Some(line), Some(field)),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn fields_inside_arrays_of_tables_are_located() {
        let mut text = String::from("[world]\nused_slash16_pct = 100.0\n");
        let d = builtin_text("blaster").unwrap();
        // Take the three network kinds from the built-in file, then break
        // the second one's patched share.
        let start = d.find("[[world.networks]]").unwrap();
        let end = d.find("[worm]").unwrap();
        let networks = d[start..end].to_string();
        let second = networks
            .match_indices("[[world.networks]]")
            .nth(1)
            .unwrap()
            .0;
        let patched = second + networks[second..].find("patched_pct = 50.0").unwrap();
        let broken = format!(
            "{}patched_pct = 125.0{}",
            &networks[..patched],
            &networks[patched + "patched_pct = 50.0".len()..]
        );
        text.push_str(&broken);
        let e = err(&text);
        assert_eq!(
            e.field.as_deref(),
            Some("world.networks[1].patched_pct"),
            "{e}"
        );
        let want_line = text[..text.find("patched_pct = 125.0").unwrap()]
            .lines()
            .count()
            + 1;
        assert_eq!(e.line, Some(want_line), "{e}");
    }

    #[test]
    fn semantic_problems_name_the_field() {
        let e = err("step = \"0s\"\n");
        assert_eq!(e.field.as_deref(), Some("step"));
        assert_eq!(e.line, Some(1));
        let e = err("[world]\nnetworks = []\n");
        assert_eq!(e.field.as_deref(), Some("world.networks"));
    }

    #[test]
    fn churn_problems_name_file_line_and_field() {
        let e = err("seed = 1\n[world.churn]\nenabeld = true\n");
        assert_eq!(e.field.as_deref(), Some("world.churn.enabeld"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        let e = err("[world.churn.office]\non = \"18h\"\noff = \"17h\"\n");
        assert_eq!(e.field.as_deref(), Some("world.churn.office.off"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        // A start of office hours near the largest duration is refused, not
        // an overflow (found by the fuzz test).
        let e = err("[world.churn.office]\non = \"213503982d\"\n");
        assert_eq!(e.field.as_deref(), Some("world.churn.office.off"), "{e}");
        let e = err("[[world.networks]]\nname = \"x\"\nhours = \"night\"\n");
        assert!(e.to_string().contains("unknown variant `night`"), "{e}");
        // The schedules' clock starts in 1970; without churn any start goes.
        let e = err("start = \"1960-01-01T00:00:00Z\"\n");
        assert_eq!(e.field.as_deref(), Some("start"), "{e}");
        assert!(
            parse(
                "start = \"1960-01-01T00:00:00Z\"\n[world.churn]\nenabled = false\n",
                "ok.toml"
            )
            .is_ok()
        );
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let e = err("seed = 1\nname = \n");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn overrides_are_checked_like_the_file_and_blamed_on_their_own_line() {
        let o = |path: &str, value: toml::Value, line| Override {
            path: path.into(),
            value,
            file: "sweep.toml".into(),
            line: Some(line),
        };
        let s = parse_with(
            "seed = 2\n",
            "base.toml",
            &[
                o("worm.batch_size", 10.into(), 4),
                o("world.networks[2].nat_pct", 5.0.into(), 5),
                o("duration", "2h".into(), 6),
            ],
        )
        .unwrap();
        assert_eq!(s.seed, 2);
        assert_eq!(s.worm.batch_size, 10);
        assert_eq!(s.world.networks[2].nat_pct.as_pct(), 5.0);
        assert_eq!(s.duration, "2h".parse().unwrap());
        let e = parse_with(
            "seed = 2\n",
            "base.toml",
            &[o("worm.guess_xp_pct", 140.into(), 9)],
        )
        .unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.field.as_deref()),
            ("sweep.toml", Some(9), Some("worm.guess_xp_pct")),
            "{e}"
        );
        // A problem of the enclosing field (shares no longer sum to 100).
        let e = parse_with(
            "",
            "base.toml",
            &[o("world.networks[0].share_pct", 50.into(), 3)],
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("sweep.toml", Some(3)), "{e}");
        for (path, want) in [
            ("worm.nope", "worm.nope"),
            ("world.networks[9].nat_pct", "past the end"),
            ("seed.x", "seed"),
            ("nothing.here", "no field `nothing`"),
            // A table the built-in leaves out: the message says where it goes.
            (
                "worm.hit_list.hosts",
                "no field `worm.hit_list` in the base scenario (misspelt? or a table the base leaves out",
            ),
        ] {
            let e = parse_with("", "base.toml", &[o(path, 1.into(), 2)]).unwrap_err();
            assert_eq!(e.file, "sweep.toml", "{e}");
            assert!(e.to_string().contains(want), "{path}: {e}");
        }
        // The base file's own errors still name the base file.
        let e = parse_with(
            "seed = \"x\"\n",
            "base.toml",
            &[o("worm.batch_size", 3.into(), 4)],
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("base.toml", Some(1)), "{e}");
    }

    #[test]
    fn unknown_base_is_refused() {
        let e = err("base = \"nimda\"\n");
        assert_eq!(e.field.as_deref(), Some("base"));
        assert!(e.message.contains("blaster"));
    }

    #[test]
    fn the_default_ships_three_sensors() {
        let s = default_scenario();
        let names: Vec<(&str, SensorKind)> = s
            .sensors
            .iter()
            .map(|x| (x.name.as_str(), x.kind))
            .collect();
        assert_eq!(
            names,
            [
                ("telescope", SensorKind::Telescope),
                ("isc", SensorKind::Distributed),
                ("isp-edge", SensorKind::Edge)
            ]
        );
    }

    #[test]
    fn sensor_problems_name_file_line_and_field() {
        let e = err("seed = 2\n[[sensors]]\nname = \"t\"\nkind = \"telescope\"\n");
        assert_eq!(e.field.as_deref(), Some("sensors[0].prefix"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
        let e = err(
            "[[sensors]]\nname = \"a\"\nkind = \"edge\"\n[[sensors]]\nname = \"b\"\nkind = \"edge\"\naddresses = 5\n",
        );
        assert_eq!(e.field.as_deref(), Some("sensors[1].addresses"), "{e}");
        assert_eq!(e.line, Some(7), "{e}");
        assert!(e.message.contains("does not apply"), "{e}");
        let e = err(
            "[[sensors]]\nname = \"a\"\nkind = \"edge\"\n[[sensors]]\nname = \"a\"\nkind = \"edge\"\n",
        );
        assert_eq!(e.field.as_deref(), Some("sensors[1].name"), "{e}");
        assert_eq!(e.line, Some(5), "{e}");
        let e = err("[[sensors]]\nname = \"a\"\nkind = \"radar\"\n");
        assert_eq!(e.field.as_deref(), Some("sensors[0].kind"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        let e = err(
            "[[sensors]]\nname = \"i\"\nkind = \"distributed\"\naddresses = 0\nreport_delay = \"1h\"\n",
        );
        assert_eq!(e.field.as_deref(), Some("sensors[0].addresses"), "{e}");
        assert_eq!(e.line, Some(4), "{e}");
        let e = err("[[sensors]]\nname = \"a\"\nkind = \"edge\"\nprefix = \"0.0.0.0/0\"\n");
        assert_eq!(e.field.as_deref(), Some("sensors[0].prefix"), "{e}");
        assert_eq!(e.line, Some(4), "{e}");
        let e = err("[capture]\nbackground_pps = -1.0\n");
        assert_eq!(e.field.as_deref(), Some("capture.background_pps"), "{e}");
    }
}
