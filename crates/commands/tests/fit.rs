//! `wormscope fit` through the commands, in process: what it writes and
//! answers, the page it draws, and every bad input refused with the file,
//! line and field before anything runs.

mod common;

use common::{input_error, small_world, write};

use std::path::Path;

use wormscope_commands::{FitRequest, ReportRequest, Silent, fit};

const OBSERVED: &str =
    "time_s,sensor,measure,value\n1200,isp-edge,sources,25\n3600,isp-edge,probes,13920\n";

fn request(dir: &Path) -> FitRequest {
    FitRequest {
        scenario: Some(write(dir, "small.toml", &small_world("2h"))),
        observed: write(dir, "obs.csv", OBSERVED),
        params: vec!["worm.initial_infected=1..20".into()],
        runs: 48,
        generations: 2,
        ..FitRequest::default()
    }
}

#[test]
fn a_fit_writes_its_files_answers_json_and_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    let req = FitRequest {
        out: Some(out.clone()),
        json: true,
        ..request(dir.path())
    };
    let o = fit::run(&req, &Silent).unwrap();
    let names: Vec<String> = o
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "fit.json",
            "fit-draws.csv",
            "fit-draws.parquet",
            "fit-predictive.csv",
            "fit-observed.csv",
            "fit.md"
        ]
    );
    let answer: serde_json::Value = serde_json::from_str(&o.text).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    assert_eq!(answer, written, "--json answers what fit.json holds");
    let p = &answer["parameters"][0];
    assert_eq!(p["name"], "worm.initial_infected");
    for key in ["p05", "median", "p95"] {
        let v = p[key].as_f64().unwrap();
        assert!((1.0..=20.0).contains(&v), "{key} = {v}");
    }
    assert_eq!(p["prior_lo"], 1.0);
    assert_eq!(p["prior_hi"], 20.0);
    let times: Vec<f64> = answer["infected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["time_s"].as_f64().unwrap())
        .collect();
    assert_eq!(
        times,
        [1200.0, 3600.0, 7200.0],
        "each observation time and the end"
    );
    for b in answer["infected"].as_array().unwrap() {
        assert!(b["p05"].as_f64() <= b["median"].as_f64());
        assert!(b["median"].as_f64() <= b["p95"].as_f64());
    }
    assert_eq!(answer["simulations"], 48);
    let draws = std::fs::read_to_string(out.join("fit-draws.csv")).unwrap();
    assert!(draws.starts_with("worm.initial_infected,weight,distance,seed\n"));
    assert_eq!(draws.lines().count(), 1 + 6, "a quarter of 24 kept");
    let predictive = std::fs::read_to_string(out.join("fit-predictive.csv")).unwrap();
    assert!(predictive.starts_with("time_s,series,p05,median,p95\n60,infected,"));
    assert!(predictive.contains(",isp-edge/sources,") && predictive.contains(",isp-edge/probes,"));
    let md = std::fs::read_to_string(out.join("fit.md")).unwrap();
    assert!(md.contains("## The true outbreak") && md.contains("`worm.initial_infected`"));
    // Six kept runs cannot hold a 5 % quantile: the finding says so.
    let ess = answer["effective_sample_size"].as_f64().unwrap();
    assert!(ess < 10.0, "{ess}");
    assert!(
        md.contains(&format!("the effective sample size is {ess:.1}, under 10"))
            && md.contains("too few runs to trust"),
        "{md}"
    );
    let table = fit::run(
        &FitRequest {
            out: None,
            json: false,
            ..req.clone()
        },
        &Silent,
    )
    .unwrap()
    .text;
    assert!(
        table.contains("warning: the effective sample size is"),
        "{table}"
    );

    // The same request gives the same bytes.
    let again = dir.path().join("again");
    fit::run(
        &FitRequest {
            out: Some(again.clone()),
            ..req.clone()
        },
        &Silent,
    )
    .unwrap();
    for f in ["fit.json", "fit-draws.parquet", "fit-predictive.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }

    // The page draws the observed series against their bands and the
    // parameters' posteriors.
    let report = wormscope_commands::report::run(&ReportRequest {
        dir: out.clone(),
        output: None,
    })
    .unwrap();
    assert!(report.text.contains("from a fit"), "{}", report.text);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for part in [
        "Observed against predicted",
        "isp-edge/sources: observed and predicted",
        "The true outbreak",
        "worm.initial_infected: posterior over the prior range",
        // As the table warned above.
        "The effective sample size is under 10",
    ] {
        assert!(html.contains(part), "{part}");
    }
}

#[test]
fn bad_fits_are_refused_naming_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let base = request(dir.path());
    let with_obs = |name: &str, text: &str| FitRequest {
        observed: write(dir.path(), name, text),
        out: Some(out.clone()),
        ..base.clone()
    };
    let with_param = |spec: &str| FitRequest {
        params: vec![spec.into()],
        out: Some(out.clone()),
        ..base.clone()
    };
    let cases = [
        (
            with_obs(
                "sensor.csv",
                "time_s,sensor,measure,value\n60,isc,sources,1\n120,nope,sources,2\n",
            ),
            "sensor.csv:3: field `sensor`: the scenario has no sensor `nope`",
        ),
        (
            with_obs(
                "measure.csv",
                "time_s,sensor,measure,value\n60,isc,hosts,1\n",
            ),
            "measure.csv:2: field `measure`",
        ),
        (
            with_obs(
                "late.csv",
                "time_s,sensor,measure,value\n9000,isc,sources,1\n",
            ),
            "late.csv:2: field `time_s`: 9000 s is outside the scenario's run",
        ),
        (
            with_obs("header.csv", "time,sensor,measure,value\n"),
            "header.csv:1: the header",
        ),
        (with_param("worm.no_such=1..2"), "no field `worm.no_such`"),
        (with_param("worm.batch_wait=1..2"), "is not numeric"),
        (with_param("worm.batch_size=9..3"), "is empty"),
        (
            with_param("world.used_slash16_pct=50..150"),
            "--param world.used_slash16_pct=50..150: at 150: field `world.used_slash16_pct`",
        ),
        (
            FitRequest {
                observed: dir.path().join("missing.csv"),
                ..base.clone()
            },
            "missing.csv: cannot read the file",
        ),
        (
            FitRequest {
                runs: 10,
                ..base.clone()
            },
            "--runs 10",
        ),
        (
            // A random-scanning worm is fitted too, but on its own fields.
            FitRequest {
                scenario: Some("slammer".into()),
                ..base.clone()
            },
            "the scenario has no field `worm.initial_infected`",
        ),
        (
            FitRequest {
                params: vec![
                    "worm.initial_infected=1..5".into(),
                    "worm.initial_infected=1..9".into(),
                ],
                ..base.clone()
            },
            "fitted twice",
        ),
    ];
    for (req, says) in cases {
        let msg = input_error(fit::run(&req, &Silent));
        assert!(msg.contains(says), "{says:?} not in: {msg}");
        assert!(!out.exists(), "nothing written for {says:?}");
    }
}

#[test]
fn shards_of_a_fit_share_their_runs_and_give_the_whole_fits_answer() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let base = request(dir.path());
    let run_whole = || {
        fit::run(
            &FitRequest {
                out: Some(whole.clone()),
                ..base.clone()
            },
            &Silent,
        )
        .unwrap()
    };
    let o = run_whole();
    assert!(!o.notes.contains("resumed"), "{}", o.notes);
    // Run again: every simulation is found in the run store.
    let o = run_whole();
    assert!(
        o.notes.contains("resumed: 48 runs were kept"),
        "{}",
        o.notes
    );

    // Two shards, run in turn until one of them finishes the fit.
    let sharded = dir.path().join("sharded");
    let mut rounds = 0;
    let finished = 'rounds: loop {
        rounds += 1;
        assert!(rounds <= 3, "two generations need at most three rounds");
        for i in 0..2 {
            let o = fit::run(
                &FitRequest {
                    out: Some(sharded.clone()),
                    shard: Some(format!("{i}/2").parse().unwrap()),
                    ..base.clone()
                },
                &Silent,
            )
            .unwrap();
            if !o.files.is_empty() {
                break 'rounds o;
            }
            assert!(
                o.text.contains(&format!("shard {i}/2: generation")),
                "{}",
                o.text
            );
            assert!(o.text.contains("12 of 24 are other shards'"), "{}", o.text);
        }
    };
    assert!(finished.files.iter().any(|f| f.ends_with("fit.json")));
    for f in ["fit.json", "fit-draws.csv", "fit-predictive.csv"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(sharded.join(f)).unwrap(),
            "{f}"
        );
    }
    let msg = input_error(fit::run(
        &FitRequest {
            shard: Some("0/2".parse().unwrap()),
            ..base.clone()
        },
        &Silent,
    ));
    assert!(msg.contains("--shard: give --out DIR too"), "{msg}");
}

/// A random-scanning worm is fitted like Blaster: its proposals run on its
/// population, its sensors are its own, and a sensor it lacks is refused.
#[test]
fn a_random_scanning_worm_is_fitted_to_its_own_sensors() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "small-red.toml",
        "base = \"codered2\"\nduration = \"1h\"\nvalidation = []\n\
         [population]\nvulnerable = 2000\nother_hosts = 1000\ninitial_infected = 5\n\
         scan_space_bits = 20\n[worm.rate]\nprobes_per_second = 1.0\n\
         [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.12.0.0/14\"\n",
    );
    let req = FitRequest {
        scenario: Some(scenario),
        observed: write(
            dir.path(),
            "obs.csv",
            "time_s,sensor,measure,value\n60,dark,sources,12\n600,dark,sources,40\n",
        ),
        params: vec!["population.initial_infected=1..30".into()],
        runs: 48,
        generations: 2,
        json: true,
        ..FitRequest::default()
    };
    let o = fit::run(&req, &Silent).unwrap();
    let answer: serde_json::Value = serde_json::from_str(&o.text).unwrap();
    let p = &answer["parameters"][0];
    assert_eq!(p["name"], "population.initial_infected");
    // Twelve sources in the first minute: about a dozen hosts scanned.
    let median = p["median"].as_f64().unwrap();
    assert!((6.0..=20.0).contains(&median), "median {median}");
    let end = answer["infected"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(end["time_s"], 3600.0);
    // The built-in's own sensors are not this file's.
    let bad = FitRequest {
        observed: write(
            dir.path(),
            "bad.csv",
            "time_s,sensor,measure,value\n60,telescope,sources,12\n",
        ),
        ..req
    };
    let msg = input_error(fit::run(&bad, &Silent));
    assert!(
        msg.contains("bad.csv:2") && msg.contains("no sensor `telescope` (it has: dark)"),
        "{msg}"
    );
}
