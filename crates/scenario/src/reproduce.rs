//! The scenario file that reproduces a scenario with the least text: its
//! `base` and every value that differs from that built-in, each marked
//! with the built-in's value in a comment. Reading the file gives the
//! scenario back (tested for every built-in and for changed ones). Output
//! files carry it (`summary.json`'s `scenario_file`), so that a run can be
//! made again from its results.

use std::fmt::Write as _;

use serde::Serialize;

use crate::{BlasterScenario, PopulationScenario, builtin, builtin_population};

/// The reproducing file of a Blaster scenario.
pub fn reproducing_file(s: &BlasterScenario) -> String {
    let base = builtin(&s.base).unwrap_or_else(crate::default_scenario);
    file_over(&s.base, s, &base)
}

/// The reproducing file of a random-scanning scenario.
pub fn reproducing_population_file(s: &PopulationScenario) -> String {
    match builtin_population(&s.base) {
        Some(base) => file_over(&s.base, s, &base),
        // Not reachable from a file (its base must be built in); a scenario
        // made in code gets every value.
        None => file_over(&s.base, s, &toml::Table::new()),
    }
}

/// One changed value: the table it is in, its key, its value and the
/// built-in's.
struct Change {
    table: Vec<String>,
    key: String,
    value: toml::Value,
    built_in: Option<toml::Value>,
}

fn file_over<T: Serialize, B: Serialize>(base_name: &str, s: &T, base: &B) -> String {
    let mine = toml::Table::try_from(s).expect("scenarios serialize");
    let theirs = toml::Table::try_from(base).expect("scenarios serialize");
    let mut changes = Vec::new();
    diff(&mut Vec::new(), &mine, &theirs, &mut changes);
    let mut out = format!("base = {}\n", toml::Value::from(base_name));
    let mut tables: Vec<&Vec<String>> = Vec::new();
    for c in &changes {
        if !tables.contains(&&c.table) {
            tables.push(&c.table);
        }
    }
    // Top-level values first (after a [table] header they would land in
    // it), then each table before the tables inside it.
    tables.sort();
    for table in tables {
        if !table.is_empty() {
            let _ = writeln!(out, "\n[{}]", table.join("."));
        }
        for c in changes.iter().filter(|c| &c.table == table) {
            let _ = write!(out, "{} = {}", c.key, c.value);
            match &c.built_in {
                Some(b) => {
                    let _ = writeln!(out, "  # built-in: {b}");
                }
                None => out.push_str("  # not in the built-in\n"),
            }
        }
    }
    out
}

/// Collects the values of `mine` that differ from `theirs`: tables key by
/// key, anything else (values, arrays, arrays of tables) whole, as the
/// reader lays a file over its base.
fn diff(path: &mut Vec<String>, mine: &toml::Table, theirs: &toml::Table, out: &mut Vec<Change>) {
    for (key, value) in mine {
        if path.is_empty() && key == "base" {
            continue;
        }
        let built_in = theirs.get(key);
        match (value, built_in) {
            (a, Some(b)) if a == b => {}
            (toml::Value::Table(a), Some(toml::Value::Table(b))) => {
                path.push(key.clone());
                diff(path, a, b, out);
                path.pop();
            }
            // A table the built-in leaves out (a hit list): its own
            // `[table]`, every value new.
            (toml::Value::Table(a), None) if !a.is_empty() => {
                path.push(key.clone());
                diff(path, a, &toml::Table::new(), out);
                path.pop();
            }
            _ => out.push(Change {
                table: path.clone(),
                key: key.clone(),
                value: value.clone(),
                built_in: built_in.cloned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BUILTIN, POPULATION_BUILTIN, parse, parse_population};

    #[test]
    fn a_table_the_built_in_lacks_gets_its_own_header() {
        let text =
            "base = \"blaster-sample\"\n[worm.hit_list]\nhosts = 2000\nprobes_per_second = 50\n";
        let s = parse(text, "h.toml").unwrap();
        let file = reproducing_file(&s);
        assert!(
            file.contains(
                "\n[worm.hit_list]\nhosts = 2000  # not in the built-in\n\
                 probes_per_second = 50.0  # not in the built-in\n"
            ),
            "{file}"
        );
        assert_eq!(parse(&file, "r.toml").unwrap(), s, "{file}");
    }

    #[test]
    fn a_built_in_is_its_base_alone() {
        let s = builtin("blaster").unwrap();
        assert_eq!(reproducing_file(&s), "base = \"blaster\"\n");
    }

    #[test]
    fn every_built_in_reads_back_from_its_file() {
        for (name, _, _) in BUILTIN {
            let s = builtin(name).unwrap();
            let file = reproducing_file(&s);
            assert_eq!(parse(&file, "r.toml").unwrap(), s, "{name}:\n{file}");
        }
        for (name, _, _) in POPULATION_BUILTIN {
            let s = builtin_population(name).unwrap();
            let file = reproducing_population_file(&s);
            assert_eq!(
                parse_population(&file, "r.toml").unwrap(),
                s,
                "{name}:\n{file}"
            );
        }
    }

    #[test]
    fn changed_values_are_marked_and_read_back() {
        let text = "base = \"blaster-sample\"\nseed = 9\nduration = \"2d\"\nsensors = []\n\
                    [worm]\nguess_xp_pct = 100.0\n[defenses.patch]\nenabled = true\n";
        let s = parse(text, "mine.toml").unwrap();
        let file = reproducing_file(&s);
        assert_eq!(parse(&file, "r.toml").unwrap(), s, "{file}");
        assert!(file.starts_with("base = \"blaster-sample\"\n"), "{file}");
        assert!(file.contains("seed = 9  # built-in: "), "{file}");
        assert!(
            file.contains("\n[worm]\nguess_xp_pct = 100.0  # built-in: "),
            "{file}"
        );
        assert!(
            file.contains("\n[defenses.patch]\nenabled = true  # built-in: false"),
            "{file}"
        );
        assert!(file.contains("sensors = []  # built-in: ["), "{file}");
        // Nothing unchanged is written.
        assert!(!file.contains("batch_size"), "{file}");
    }

    /// A table comes before the tables inside it, whatever their keys'
    /// order: `[worm]`'s `targeting` before `[worm.local_preference]`.
    #[test]
    fn a_table_is_written_before_the_tables_inside_it() {
        let text = "base = \"blaster-sample\"\n[worm]\ntargeting = \"local-preference\"\n\
                    [worm.local_preference]\nsame_slash16_pct = 25.0\n";
        let s = parse(text, "mine.toml").unwrap();
        let file = reproducing_file(&s);
        assert_eq!(parse(&file, "r.toml").unwrap(), s, "{file}");
        let (worm, local) = (
            file.find("\n[worm]\n"),
            file.find("[worm.local_preference]"),
        );
        assert!(worm.is_some() && worm < local, "{file}");
    }
}
