//! The historical scenarios from the command line: `scenario print`,
//! `simulate` of a random-scanning scenario, and `validate` (a reduced
//! ensemble that still fails when a figure is missed).

mod common;

use common::{stderr, wormscope};

#[test]
fn the_historical_scenarios_print_and_read_back() {
    for name in ["codered2", "slammer"] {
        let o = wormscope(&["scenario", "print", name], None);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains("[[validation]]") && text.contains("tolerance"));
        let parsed = wormscope_scenario::parse_random_scan(&text, "printed").unwrap();
        assert_eq!(Some(parsed), wormscope_scenario::builtin_random_scan(name));
    }
    let o = wormscope(&["scenario", "list"], None);
    let list = String::from_utf8(o.stdout).unwrap();
    assert!(list.contains("codered2") && list.contains("slammer"));
}

/// The reduced validation: both built-in scenarios at full scale, two runs
/// each. Every figure must pass, as the full `validate` does.
#[test]
fn validate_holds_both_outbreaks_to_their_published_figures() {
    let o = wormscope(&["validate", "--runs", "2", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checks = checks.as_array().expect("a list");
    for scenario in ["codered2", "slammer"] {
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
fn simulate_runs_a_random_scanning_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slammer");
    let o = wormscope(
        &[
            "simulate",
            "--scenario",
            "slammer",
            "--duration",
            "5m",
            "--seed",
            "9",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("time_s,infected,new_infections,scanning,probes_offered")
    );
    assert_eq!(lines.count(), 300, "one row a second for 5 minutes");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 9);
    assert!(summary["infected"].as_u64().unwrap() > 5);
    assert!(out.join("outbreak.svg").exists());
    assert!(out.join("validation.json").exists());
    // The report draws the probes and lists the figures measured on the run.
    let o = wormscope(&["report", out.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("SQL Slammer") && !html.contains("W32/Blaster"));
    assert!(html.contains("Where the delivered probes went"));
    assert!(html.contains("Published figures") && html.contains("early doubling time"));
    assert!(!html.contains("no data"), "every chart has its columns");
    let telescope = std::fs::read_to_string(out.join("telescope.csv")).unwrap();
    assert!(telescope.starts_with("time_s,sensor,probes,estimate,truth\n1,ucsd,"));
    assert!(html.contains("Telescopes against the truth"));
    // Blaster-only commands refuse it, naming the kind.
    let o = wormscope(&["flaws", "--scenario", "codered2"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("random-scanning"), "{}", stderr(&o));
}

#[test]
fn simulate_runs_random_scanning_ensembles_with_bands() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ens");
    let o = wormscope(
        &[
            "simulate",
            "--scenario",
            "slammer",
            "--duration",
            "3m",
            "--runs",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("time_s,infected_p05,infected_median,infected_p95,"));
    assert_eq!(csv.lines().count(), 181);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 3);
    assert!(summary["infected_p05"].as_f64().unwrap() <= summary["infected_p95"].as_f64().unwrap());
    let o = wormscope(&["report", out.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("ensemble of runs") && !html.contains("no data"));
    // The telescope's medians over the runs, one row per step.
    let telescope = std::fs::read_to_string(out.join("telescope.csv")).unwrap();
    assert_eq!(telescope.lines().count(), 181);
    assert!(html.contains("Telescopes against the truth"));
    let o = wormscope(
        &["simulate", "--scenario", "slammer", "--runs", "5000"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn bad_random_scanning_scenarios_exit_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "base = \"slammer\"\n[worm.rate]\nuplinks = [\n  { name = \"a\", share_pct = 50, bits_per_second = 1e6 },\n]\n",
            "3",
            "worm.rate.uplinks",
        ),
        (
            "base = \"codered2\"\n[population]\nvulnerable = 10\ninitial_infected = 20\n",
            "4",
            "population.initial_infected",
        ),
        (
            "base = \"codered2\"\n[worm]\ntargeting = \"sequential\"\n",
            "3",
            "worm.targeting",
        ),
        (
            "base = \"codered2\"\n[worm.rate]\nkind = \"probe-rate\"\nprobes_per_second = -1\n",
            "4",
            "worm.rate.probes_per_second",
        ),
        (
            "base = \"slammer\"\n\n[[validation]]\nfigure = \"x\"\nmeasure = { kind = \"peak-scan-rate\" }\npublished = 1\ntolerance = { relative_pct = 5, absolute = 1 }\nsource = \"-\"\n",
            "7",
            "validation[0].tolerance",
        ),
        (
            "base = \"codered2\"\n[worm.stop]\nat = \"2001-07-18T00:00:00Z\"\n",
            "3",
            "worm.stop.at",
        ),
        (
            "base = \"slammer\"\n[population]\nscan_space_bits = 24\n\n[[telescopes]]\nname = \"t\"\nprefix = \"10.0.0.0/8\"\n",
            "7",
            "telescopes[0].prefix",
        ),
        // A delay that would overflow the random core's nanosecond clock.
        (
            "base = \"codered2\"\n[worm.delivery]\nduration = \"99999d\"\n",
            "3",
            "worm.delivery.duration",
        ),
    ];
    for (i, (text, line, field)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join(format!("out{i}"));
        for args in [
            vec![
                "simulate",
                "--scenario",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            vec!["validate", "--scenario", file.to_str().unwrap()],
        ] {
            let o = wormscope(&args, None);
            let msg = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {msg}");
            assert!(msg.contains(&format!("bad{i}.toml:{line}")), "{msg}");
            assert!(msg.contains(field), "{msg}");
            assert!(!out.exists());
        }
    }
    // A scenario without figures has nothing to validate.
    let bare = dir.path().join("bare.toml");
    std::fs::write(&bare, "base = \"slammer\"\nvalidation = []\n").unwrap();
    let o = wormscope(&["validate", "--scenario", bare.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("validation"), "{}", stderr(&o));
    // A Blaster scenario is not something `validate` runs.
    let o = wormscope(&["validate", "--scenario", "blaster"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn figures_a_short_run_cannot_measure_read_n_a_and_do_not_pass() {
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
    // The same shortening in a file: validate runs it and fails.
    let file = dir.path().join("short.toml");
    std::fs::write(&file, "base = \"codered2\"\nduration = \"1h\"\nruns = 2\n").unwrap();
    let o = wormscope(&["validate", "--scenario", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
