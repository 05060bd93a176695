//! `validate` as a process: the reduced ensemble that still fails when a
//! figure is missed (exit 1), and the same bytes at one and two threads.
//! The random-scanning scenarios' runs, pages and refusals are held in
//! process by `crates/commands/tests/population.rs`.

mod common;

use common::{stderr, wormscope};

/// The reduced validation: the built-in scenarios at full scale, two runs
/// each. Every figure must pass, as the full `validate` does.
#[test]
fn validate_holds_the_outbreaks_to_their_published_figures() {
    let o = wormscope(&["validate", "--runs", "2", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checks = checks.as_array().expect("a list");
    for scenario in ["codered2", "slammer", "witty"] {
        assert!(
            checks.iter().filter(|c| c["scenario"] == scenario).count() >= 4,
            "{scenario}"
        );
    }
    for c in checks {
        for key in ["scenario", "figure", "published", "simulated", "pass"] {
            assert!(c.get(key).is_some(), "{key} in {c}");
        }
        assert_eq!(c["pass"], serde_json::Value::Bool(true), "{c}");
        assert_eq!(c["runs"], 2);
    }
    let k = checks
        .iter()
        .find(|c| c["figure"] == "logistic K")
        .expect("Code Red's K");
    let fitted = k["simulated"].as_f64().unwrap();
    assert!((fitted - 1.8).abs() < 0.27, "K {fitted}");
}

#[test]
fn a_missed_figure_fails_validation_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    // Slammer without a capacity: the peak is hundreds of millions of
    // probes a second and 90 % are infected in under 3 minutes.
    let file = dir.path().join("unlimited.toml");
    std::fs::write(
        &file,
        "base = \"slammer\"\n[worm.rate]\ncapacity_bits_per_second = 0\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = wormscope(
        &[
            "validate",
            "--scenario",
            file.to_str().unwrap(),
            "--runs",
            "2",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let failed: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["pass"] == false)
        .map(|c| c["figure"].as_str().unwrap())
        .collect();
    assert!(failed.contains(&"peak scan rate"), "{failed:?}");
    assert!(
        failed.iter().any(|f| f.starts_with("time to 90")),
        "{failed:?}"
    );
    assert!(out.join("validation.json").exists());
    let svg = std::fs::read_to_string(out.join("slammer.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("probes per second"));
}

#[test]
fn validate_gives_the_same_bytes_at_one_and_two_threads() {
    let args = ["validate", "--scenario", "slammer", "--runs", "3", "--json"];
    let one = wormscope(&args, Some("1"));
    let two = wormscope(&args, Some("2"));
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn figures_a_short_run_cannot_measure_read_n_a_in_simulate_and_validate_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short");
    let o = wormscope(
        &[
            "simulate",
            "--scenario",
            "codered2",
            "--duration",
            "1h",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let table = String::from_utf8(o.stdout).unwrap();
    let line = table
        .lines()
        .find(|l| l.contains("infected at 14 h"))
        .unwrap();
    assert!(line.ends_with("n/a"), "{line}");
    let checks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("validation.json")).unwrap())
            .unwrap();
    assert_eq!(checks[0]["simulated"], serde_json::Value::Null);
    assert_eq!(checks[0]["pass"], false);
    // The same shortening in a file is bad input to validate, whose only
    // job is the figures: refused before any run, naming the figure, as a
    // figure of a missing sensor is; the file still simulates (above).
    let file = dir.path().join("short.toml");
    std::fs::write(&file, "base = \"codered2\"\nduration = \"1h\"\nruns = 2\n").unwrap();
    let o = wormscope(&["validate", "--scenario", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("short.toml: field `validation[0].measure.at`: 14h falls after the run ends"),
        "{}",
        stderr(&o)
    );
}
