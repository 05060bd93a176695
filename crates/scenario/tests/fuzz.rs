//! Fuzzing the scenario reader: every input ends in a scenario or a
//! `ScenarioError`, never a panic or an arithmetic overflow (overflow
//! checks are on under `cargo test`, asserted below).
//!
//! Three kinds of input: arbitrary and TOML-shaped text; the built-in files
//! with lines replaced, deleted, doubled or inserted; and each built-in's
//! complete table with random fields set to random values of random types
//! (huge, negative and zero numbers, NaN, odd durations and timestamps,
//! unknown keys, empty tables, arrays where tables go) or removed, read as
//! a whole file, as a short file laid over the built-in, and as overrides.
//!
//! `tests/corpus/reader/*.toml` are replayed on every run: each starts with
//! `# expect: ok` or `# expect: error FIELD` (`-` for none) and holds an
//! input worth keeping (every failure found, and seeds). Proptest's own
//! regressions are in `fuzz.proptest-regressions`. Run longer with
//! `WORMSCOPE_FUZZ_CASES=20000 cargo test -p wormscope-scenario --test fuzz`.

use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use toml::Value;
use wormscope_scenario::{
    AnyScenario, BUILTIN, Override, POPULATION_BUILTIN, ScenarioError, builtin_text, parse,
    parse_any, parse_with, to_toml,
};

fn cases(default: u32) -> u32 {
    std::env::var("WORMSCOPE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The reader's contract on one input: a scenario (which prints back to
/// text that reads to the same scenario) or an error naming the file and,
/// if any, a line of the text.
fn read(text: &str) -> Result<AnyScenario, ScenarioError> {
    let result = parse_any(text, "fuzz.toml");
    match &result {
        Ok(AnyScenario::Blaster(s)) => {
            let printed = to_toml(s);
            let again = parse(&printed, "printed.toml")
                .unwrap_or_else(|e| panic!("prints to text it refuses: {e}\n{printed}"));
            assert_eq!(&again, s, "printed:\n{printed}");
        }
        Ok(AnyScenario::Population(_)) => {}
        Err(e) => check_error(e, text, "fuzz.toml"),
    }
    result
}

fn check_error(e: &ScenarioError, text: &str, file: &str) {
    assert_eq!(e.file, file, "{e}");
    assert!(!e.message.trim().is_empty(), "{e:?}");
    if let Some(line) = e.line {
        assert!(
            line >= 1 && line <= text.lines().count() + 1,
            "line {line} of {} lines: {e}",
            text.lines().count()
        );
    }
    let _ = e.to_string();
}

#[test]
fn overflow_checks_are_on() {
    let sum = std::panic::catch_unwind(|| std::hint::black_box(u64::MAX) + std::hint::black_box(1));
    assert!(
        sum.is_err(),
        "overflow checks are off: the fuzz tests cannot see overflows"
    );
}

#[test]
fn the_corpus_replays_with_its_expected_outcome() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/reader");
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{name}: the first line says `# expect: ...`"));
        let got = read(&text);
        match (expect.split_once(' '), &got) {
            (None, Ok(_)) if expect == "ok" => {}
            (Some(("error", field)), Err(e))
                if e.field.as_deref() == (field != "-").then_some(field) => {}
            _ => panic!("{name}: expected {expect}, got {:?}", got.map(|_| "ok")),
        }
        n += 1;
    }
    assert!(n >= 8, "the corpus holds {n} inputs");
}

// ---- values of every type, extremes first ----

fn duration_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0s",
            "0us",
            "1us",
            "1ms",
            "1.8s",
            "5m",
            "5m1us",
            "10h",
            "36500d",
            "36500d1us",
            "99999d",
            "213503982d",
            "18446744073709551615us",
            "18446744073709551616us",
            "1e9s",
            "-1s",
            "never",
            "",
            " ",
            "1",
            "s",
            ".s",
            "1.s",
            "0.0000001s",
            "1h30m",
            "1d1d1d",
            "１s",
        ])
        .prop_map(str::to_string),
        "[0-9]{1,22}(\\.[0-9]{1,8})?(us|ms|s|m|min|h|d)",
        "([0-9]{1,6}(us|ms|s|m|h|d)){1,4}",
    ]
}

fn timestamp_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "2003-08-11T19:00:00Z",
            "2003-08-10T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "9999-12-30T00:00:00Z",
            "9999-12-30T22:00:00Z",
            "9999-12-30T21:59:59Z",
            "-009999-01-02T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2103-08-11T19:00:00Z",
            "2003-02-30T00:00:00Z",
            "2003-08-11T19:00:00",
            "2003-08-11",
            "2003-08",
        ])
        .prop_map(str::to_string),
        "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z",
    ]
}

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => duration_text(),
        2 => timestamp_text(),
        1 => "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}/[0-9]{1,2}",
        1 => prop::sample::select(vec![
            "0.0.0.0/0", "255.255.255.255/32", "44.0.0.0/8", "10.0.0.1/8", "61.4.0.0/20",
            "*", "135/tcp", "69/UDP", "70000/tcp", "135/sctp", "0/tcp",
            "telescope", "edge", "distributed", "radar", "clean", "unplug",
            "probe-rate", "batches", "bandwidth", "tcp-exploit", "udp-packet", "infected-at",
            "final-infected", "logistic-k", "peak-infections-per-minute", "time-to-share",
            "doubling-time", "peak-scan-rate", "activity-after-stop", "uniform-random",
            "local-preference", "permutation", "allocated", "anywhere",
            "blaster", "blaster-sample", "codered2", "slammer", "nimda",
            "2003-13", "2003-08", "0000-00", "",
        ])
        .prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Boolean),
        prop_oneof![
            prop::sample::select(vec![
                0i64,
                1,
                -1,
                2,
                20,
                100,
                101,
                255,
                256,
                1024,
                1025,
                65_535,
                65_536,
                10_000_000,
                50_000_001,
                i64::from(u32::MAX),
                1 << 32,
                i64::MAX,
                i64::MIN,
            ]),
            any::<i64>(),
        ]
        .prop_map(Value::Integer),
        prop_oneof![
            prop::sample::select(vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -0.0,
                1e-300,
                5e-324,
                99.9999999,
                100.0,
                100.000_000_1,
                254.0,
                254.1,
                -1e-9,
                1e300,
            ]),
            any::<f64>(),
        ]
        .prop_map(Value::Float),
        text_value().prop_map(Value::String),
        prop::sample::select(vec!["1979-05-27T07:32:00Z", "1979-05-27", "07:32:00"])
            .prop_map(|d| Value::Datetime(d.parse().unwrap())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "base",
            "name",
            "seed",
            "start",
            "duration",
            "step",
            "enabled",
            "kind",
            "at",
            "prefix",
            "source",
            "delay",
            "curve",
            "only_in",
            "uplinks",
            "networks",
            "clusters",
            "prefix_len",
            "count",
            "local_preference",
            "same_slash16_pct",
            "same_slash8_pct",
            "batch_size",
            "batch_wait",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,10}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Table(m.into_iter().collect())),
        ]
    })
}

// ---- structured mutations of the built-ins ----

#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn dotted(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The names of every built-in of either kind.
fn builtin_names() -> Vec<&'static str> {
    BUILTIN
        .iter()
        .chain(POPULATION_BUILTIN)
        .map(|(n, _, _)| *n)
        .collect()
}

/// A built-in's complete table, as its parsed scenario serializes.
fn full_table(name: &str) -> toml::Table {
    let text = builtin_text(name).unwrap();
    let value = match parse_any(text, name).unwrap() {
        AnyScenario::Blaster(s) => Value::try_from(s),
        AnyScenario::Population(s) => Value::try_from(s),
    };
    match value.unwrap() {
        Value::Table(t) => t,
        _ => unreachable!("scenarios are tables"),
    }
}

/// Every place in `v` a mutation can aim at: each key and array element,
/// one unknown key per table and one index past the end of each array.
fn places(v: &Value, prefix: &[Seg], out: &mut Vec<Vec<Seg>>) {
    let at = |seg: Seg| {
        let mut p = prefix.to_vec();
        p.push(seg);
        p
    };
    match v {
        Value::Table(t) => {
            for (k, child) in t {
                let p = at(Seg::Key(k.clone()));
                out.push(p.clone());
                places(child, &p, out);
            }
            out.push(at(Seg::Key("zz_unknown".into())));
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = at(Seg::Index(i));
                out.push(p.clone());
                places(child, &p, out);
            }
            out.push(at(Seg::Index(a.len())));
        }
        _ => {}
    }
}

/// Sets (or with None removes) the value at `path`, if its parent exists.
fn edit(root: &mut Value, path: &[Seg], new: Option<Value>) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let mut cur = root;
    for seg in init {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Table(t)) => match t.get_mut(k) {
                Some(c) => c,
                None => return,
            },
            (Seg::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(c) => c,
                None => return,
            },
            _ => return,
        };
    }
    match (last, cur, new) {
        (Seg::Key(k), Value::Table(t), Some(n)) => {
            t.insert(k.clone(), n);
        }
        (Seg::Key(k), Value::Table(t), None) => {
            t.remove(k);
        }
        (Seg::Index(i), Value::Array(a), Some(n)) if *i < a.len() => a[*i] = n,
        (Seg::Index(_), Value::Array(a), Some(n)) => a.push(n),
        (Seg::Index(i), Value::Array(a), None) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

/// Sets a path of keys in a sparse table, creating tables on the way
/// (replacing whatever is not a table).
fn set_sparse(root: &mut toml::Table, keys: &[&str], new: Value) {
    match keys {
        [] => {}
        [k] => {
            root.insert((*k).to_string(), new);
        }
        [k, rest @ ..] => {
            let slot = root
                .entry(*k)
                .or_insert_with(|| Value::Table(toml::Table::new()));
            if !slot.is_table() {
                *slot = Value::Table(toml::Table::new());
            }
            set_sparse(slot.as_table_mut().unwrap(), rest, new);
        }
    }
}

struct Builtin {
    name: &'static str,
    full: toml::Table,
    places: Vec<Vec<Seg>>,
}

fn builtins() -> &'static [Builtin] {
    static ALL: std::sync::OnceLock<Vec<Builtin>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        builtin_names()
            .into_iter()
            .map(|name| {
                let full = full_table(name);
                let mut p = Vec::new();
                places(&Value::Table(full.clone()), &[], &mut p);
                Builtin {
                    name,
                    full,
                    places: p,
                }
            })
            .collect()
    })
}

/// What a mutation does to the value at its place.
#[derive(Clone, Debug)]
enum Change {
    /// Any value of any type.
    Set(Value),
    /// A value of the type already there, extreme or odd: another integer,
    /// float or duration, a timestamp, the boolean flipped, an array
    /// emptied, cut or doubled, a table emptied.
    Typed {
        int: i64,
        float: f64,
        duration: String,
        timestamp: String,
        shape: u8,
    },
    Remove,
}

impl Change {
    /// The new value at a place that holds `old` (None: remove).
    fn apply(&self, old: Option<&Value>) -> Option<Value> {
        let Change::Typed {
            int,
            float,
            duration,
            timestamp,
            shape,
        } = self
        else {
            return match self {
                Change::Set(v) => Some(v.clone()),
                _ => None,
            };
        };
        Some(match old {
            Some(Value::Integer(_)) => Value::Integer(*int),
            Some(Value::Float(_)) => Value::Float(*float),
            Some(Value::Boolean(b)) => Value::Boolean(!b),
            Some(Value::String(s)) if s.contains('T') && s.contains('-') => {
                Value::String(timestamp.clone())
            }
            Some(Value::String(_)) => Value::String(duration.clone()),
            Some(Value::Array(a)) => Value::Array(match shape % 4 {
                0 => Vec::new(),
                1 => a.iter().take(1).cloned().collect(),
                2 => a.iter().chain(a).cloned().collect(),
                _ => a.iter().rev().cloned().collect(),
            }),
            Some(Value::Table(_)) => Value::Table(toml::Table::new()),
            Some(Value::Datetime(_)) | None => Value::String(duration.clone()),
        })
    }
}

fn change() -> impl Strategy<Value = Change> {
    let int = prop_oneof![
        prop::sample::select(vec![
            0i64,
            1,
            -1,
            2,
            16,
            24,
            25,
            32,
            33,
            100,
            101,
            254,
            255,
            1024,
            1025,
            65_535,
            65_536,
            1_000_000,
            10_000_000,
            50_000_001,
            i64::from(u32::MAX),
            1 << 32,
            i64::MAX,
            i64::MIN,
        ]),
        any::<i64>(),
        0i64..2000,
    ];
    let float = prop_oneof![
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1e-300,
            99.999_999_9,
            100.0,
            100.000_000_1,
            254.1,
            -1e-9,
            1e300,
        ]),
        any::<f64>(),
        0.0f64..=100.0,
    ];
    prop_oneof![
        3 => (int, float, duration_text(), timestamp_text(), any::<u8>()).prop_map(
            |(int, float, duration, timestamp, shape)| Change::Typed {
                int,
                float,
                duration,
                timestamp,
                shape,
            }
        ),
        2 => value().prop_map(Change::Set),
        1 => Just(Change::Remove),
    ]
}

/// The value at `path`, if there is one.
fn get<'a>(root: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(root, |cur, seg| match (seg, cur) {
        (Seg::Key(k), Value::Table(t)) => t.get(k),
        (Seg::Index(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

/// One mutation: where (an index into the built-in's places) and what.
fn mutations() -> impl Strategy<Value = Vec<(Index, Change)>> {
    prop::collection::vec((any::<Index>(), change()), 1..5)
}

/// Reads the mutations of built-in `b` as a whole file, as a short file
/// laid over it, and (Blaster kind) as overrides of a sweep.
fn read_mutated(b: &Builtin, muts: &[(Index, Change)]) {
    let mut full = Value::Table(b.full.clone());
    let mut chosen: Vec<(&Vec<Seg>, Option<Value>)> = Vec::new();
    for (i, change) in muts {
        let path = &b.places[i.index(b.places.len())];
        let new = change.apply(get(&full, path));
        edit(&mut full, path, new.clone());
        chosen.push((path, new));
    }

    // The whole file.
    if let Ok(text) = toml::to_string(&full) {
        let _ = read(&text);
    }

    // A short file over the built-in: the edits of plain key paths.
    let mut short = toml::Table::new();
    short.insert("base".into(), b.name.into());
    for (path, v) in &chosen {
        let keys: Option<Vec<&str>> = path
            .iter()
            .map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect();
        if let (Some(keys), Some(v)) = (keys, v) {
            set_sparse(&mut short, &keys, v.clone());
        }
    }
    if let Ok(text) = toml::to_string(&short) {
        let _ = read(&text);
    }

    // Overrides, as a sweep sets them.
    if BUILTIN.iter().any(|(n, _, _)| *n == b.name) {
        let overrides: Vec<Override> = chosen
            .iter()
            .filter_map(|(path, v)| {
                Some(Override {
                    path: dotted(path),
                    value: v.clone()?,
                    file: "sweep.toml".into(),
                    line: Some(3),
                })
            })
            .collect();
        let text = format!("base = \"{}\"\n", b.name);
        if let Err(e) = parse_with(&text, "fuzz.toml", &overrides) {
            if e.file == "sweep.toml" {
                assert_eq!(e.line, Some(3), "{e}");
                assert!(!e.message.trim().is_empty(), "{e:?}");
            } else {
                check_error(&e, &text, "fuzz.toml");
            }
        }
    }
}

// ---- line edits of the commented built-in files ----

#[derive(Clone, Debug)]
enum LineEdit {
    /// Keep the key, write a new value.
    Value(Index, Value),
    Delete(Index),
    Double(Index),
    Insert(Index, String),
}

fn toml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        (key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        prop::collection::vec(key(), 1..4).prop_map(|ks| format!("[{}]", ks.join("."))),
        prop::collection::vec(key(), 1..3).prop_map(|ks| format!("[[{}]]", ks.join("."))),
        prop::sample::select(vec![
            "[defenses.users]",
            "[[sensors]]",
            "[[world.networks]]",
            "[worm.rate]",
            "[[validation]]",
            "[[telescopes]]",
            "[worm]",
            "[welchia]",
            "",
            "=",
            "[",
            "\"",
            "a = \"\"\"",
        ])
        .prop_map(str::to_string),
        "\\PC{0,30}",
    ]
}

fn line_edits() -> impl Strategy<Value = Vec<LineEdit>> {
    prop::collection::vec(
        prop_oneof![
            4 => (any::<Index>(), value()).prop_map(|(i, v)| LineEdit::Value(i, v)),
            1 => any::<Index>().prop_map(LineEdit::Delete),
            1 => any::<Index>().prop_map(LineEdit::Double),
            2 => (any::<Index>(), toml_line()).prop_map(|(i, l)| LineEdit::Insert(i, l)),
        ],
        1..5,
    )
}

fn apply_line_edits(text: &str, edits: &[LineEdit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        let n = lines.len().max(1);
        match e {
            LineEdit::Value(i, v) => {
                // The i-th line that sets a key.
                let setting: Vec<usize> = (0..lines.len())
                    .filter(|&j| !lines[j].starts_with('#') && lines[j].contains(" = "))
                    .collect();
                if !setting.is_empty() {
                    let j = setting[i.index(setting.len())];
                    let key = lines[j].split(" = ").next().unwrap().to_string();
                    lines[j] = format!("{key} = {v}");
                }
            }
            LineEdit::Delete(i) if !lines.is_empty() => {
                lines.remove(i.index(n));
            }
            LineEdit::Double(i) if !lines.is_empty() => {
                let j = i.index(n);
                lines.insert(j, lines[j].clone());
            }
            LineEdit::Insert(i, l) => lines.insert(i.index(n + 1).min(lines.len()), l.clone()),
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    /// Any text, and TOML-shaped text.
    #[test]
    fn arbitrary_text_is_read_or_refused(
        noise in "\\PC{0,200}",
        lines in prop::collection::vec(toml_line(), 0..12),
    ) {
        let _ = read(&noise);
        let _ = read(&(lines.join("\n") + "\n"));
    }

    /// The built-in files with lines edited.
    #[test]
    fn edited_builtin_files_are_read_or_refused(
        which in any::<Index>(),
        edits in line_edits(),
    ) {
        let names = builtin_names();
        let name = names[which.index(names.len())];
        let text = apply_line_edits(builtin_text(name).unwrap(), &edits);
        let _ = read(&text);
    }

    /// Each built-in's fields set to random values of random types.
    #[test]
    fn mutated_builtins_are_read_or_refused(
        which in any::<Index>(),
        muts in mutations(),
    ) {
        let all = builtins();
        read_mutated(&all[which.index(all.len())], &muts);
    }
}
