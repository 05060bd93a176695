//! The random-scanning scenarios (Code Red v2, Slammer) through the
//! commands, in process: printed and read back, simulated as one run and as
//! an ensemble, drawn, and refused with the file, line and field when a
//! scenario is wrong. What needs a process (exit codes, threads) stays in
//! `crates/cli/tests/validate.rs`.

mod common;

use common::{Noted, input_error, write};

use std::path::{Path, PathBuf};

use wormscope_commands::compare::StudyRequest;
use wormscope_commands::{
    CompareRequest, FlawsRequest, ReportRequest, ScenarioRequest, Silent, SimulateRequest,
    ValidateRequest,
};
use wormscope_scenario::SimDuration;

fn simulate(scenario: &str, duration: &str, out: &Path) -> SimulateRequest {
    SimulateRequest {
        scenario: Some(PathBuf::from(scenario)),
        duration: Some(duration.parse::<SimDuration>().unwrap()),
        out: out.to_path_buf(),
        ..SimulateRequest::default()
    }
}

/// A single run's `timeseries.csv`: its last row's `infected`.
fn last_infected(csv: &str) -> u64 {
    let last = csv.lines().last().expect("rows");
    last.split(',')
        .nth(1)
        .expect("an infected column")
        .parse()
        .expect("a count")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Draws the page of `dir` and returns it.
fn report(dir: &Path) -> String {
    wormscope_commands::report::run(&ReportRequest {
        dir: dir.to_path_buf(),
        output: None,
    })
    .unwrap();
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

#[test]
fn the_historical_scenarios_print_and_read_back() {
    for name in ["codered2", "slammer", "witty"] {
        let o = wormscope_commands::scenario::run(&ScenarioRequest::Print { name: name.into() })
            .unwrap();
        assert!(o.text.contains("[[validation]]") && o.text.contains("tolerance"));
        let parsed = wormscope_scenario::parse_population(&o.text, "printed").unwrap();
        assert_eq!(Some(parsed), wormscope_scenario::builtin_population(name));
    }
}

#[test]
fn simulate_runs_a_random_scanning_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slammer");
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            seed: Some(9),
            ..simulate("slammer", "5m", &out)
        },
        &Silent,
    )
    .unwrap();
    assert!(
        o.files.contains(&out.join("timeseries.csv")),
        "{:?}",
        o.files
    );
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("time_s,infected,new_infections,scanning,probes_offered")
    );
    assert_eq!(lines.count(), 300, "one row a second for 5 minutes");
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["seed"], 9);
    assert!(summary["infected"].as_u64().unwrap() > 5);
    assert_eq!(summary["ever_infected"], summary["infected"]);
    assert_eq!(summary["wormscope_version"], env!("CARGO_PKG_VERSION"));
    // Nobody is cleaned: the hosts carrying the worm at the end are every
    // host it reached, timeseries.csv's last `infected`.
    assert_eq!(summary["infected_at_end"], last_infected(&csv));
    assert_eq!(summary["infected_at_end"], summary["infected"]);
    assert!(out.join("outbreak.svg").exists());
    assert!(out.join("validation.json").exists());
    // The report draws the probes and lists the figures measured on the run.
    let html = report(&out);
    assert!(html.contains("SQL Slammer") && !html.contains("W32/Blaster"));
    assert!(html.contains("Where the delivered probes went"));
    assert!(html.contains("Published figures") && html.contains("early doubling time"));
    assert!(!html.contains("no data"), "every chart has its columns");
    let telescope = std::fs::read_to_string(out.join("telescope.csv")).unwrap();
    assert!(telescope.starts_with("time_s,sensor,probes,estimate,truth\n1,telescope,"));
    assert!(html.contains("Telescopes against the truth"));
    // Every worm's sensors: the built-in telescope and ISP edge.
    let sensors = std::fs::read_to_string(out.join("sensors.csv")).unwrap();
    assert!(sensors.starts_with("time_s,sensor,probes,sources,estimate,truth\n1,telescope,"));
    assert_eq!(
        sensors.lines().count(),
        1 + 2 * 300,
        "two sensors, 300 steps"
    );
    let seen = json(&out.join("sensors.json"));
    let names: Vec<&str> = seen["sensors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["telescope", "isp-edge"]);
    let edge = &seen["sensors"][1];
    assert!(edge["prefix"].as_str().unwrap().ends_with("/16"), "{edge}");
    assert!(edge["sources"].as_u64().unwrap() > 0, "{edge}");
    assert!(html.contains("Sensors against the truth"));
    // Slammer floods no one: no flood file, no flood section.
    assert!(!out.join("flood.csv").exists());
    assert!(!html.contains("The flood at its target"));
    // Blaster-only commands refuse it, naming the kind.
    let msg = input_error(wormscope_commands::flaws::run(
        &FlawsRequest {
            study: StudyRequest {
                scenario: Some("codered2".into()),
                runs: 1,
                ..StudyRequest::default()
            },
            ..FlawsRequest::default()
        },
        &Silent,
    ));
    assert!(msg.contains("random-scanning"), "{msg}");
    // A defense from the run's end on (slammer runs 30 minutes) would
    // change nothing: refused before any run.
    let compare = |spec: &str| {
        wormscope_commands::compare::run(
            &CompareRequest {
                study: StudyRequest {
                    scenario: Some("slammer".into()),
                    runs: 1,
                    ..StudyRequest::default()
                },
                defenses: vec![spec.into()],
                ..CompareRequest::default()
            },
            &Silent,
        )
    };
    let msg = input_error(compare("patch@1000h"));
    assert!(msg.contains("starts when the run ends or after"), "{msg}");
    // Exactly at the end (Slammer runs 30 minutes).
    let msg = input_error(compare("isp-block@30m"));
    assert!(
        msg.contains("`isp-block@30m` starts when the run ends or after"),
        "{msg}"
    );
}

/// Once hosts are cleaned, `summary.json` tells every host the worm ever
/// reached (`infected`, `ever_infected`) from those carrying it at the end
/// (`infected_at_end`, the curve's last point), and `simulate` prints both.
#[test]
fn a_cleaned_outbreak_tells_hosts_ever_infected_from_those_carrying_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cleaned.toml");
    std::fs::write(
        &file,
        "base = \"witty\"\nduration = \"2h\"\n[defenses.cleanup]\nenabled = true\nper_day_pct = 99\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(file),
            ..simulate("witty", "2h", &out)
        },
        &Silent,
    )
    .unwrap();
    let summary = json(&out.join("summary.json"));
    let (ever, at_end) = (
        summary["ever_infected"].as_u64().unwrap(),
        summary["infected_at_end"].as_u64().unwrap(),
    );
    assert_eq!(summary["infected"], ever);
    assert!(at_end < ever, "{summary}");
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert_eq!(at_end, last_infected(&csv));
    assert!(
        o.text.contains(&format!("ever infected in 2h: {ever}\n")),
        "{}",
        o.text
    );
    assert!(
        o.text.contains(&format!(
            "carrying the worm at the end (timeseries.csv's last `infected`): {at_end}\n"
        )),
        "{}",
        o.text
    );
}

#[test]
fn simulate_runs_random_scanning_ensembles_with_bands() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ens");
    wormscope_commands::simulate::run(
        &SimulateRequest {
            runs: Some(3),
            ..simulate("slammer", "3m", &out)
        },
        &Silent,
    )
    .unwrap();
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("time_s,infected_p05,infected_median,infected_p95,"));
    assert_eq!(csv.lines().count(), 181);
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["runs"], 3);
    assert!(summary["infected_p05"].as_f64().unwrap() <= summary["infected_p95"].as_f64().unwrap());
    let html = report(&out);
    assert!(html.contains("ensemble of runs") && !html.contains("no data"));
    // The telescope's medians over the runs, one row per step.
    let telescope = std::fs::read_to_string(out.join("telescope.csv")).unwrap();
    assert_eq!(telescope.lines().count(), 181);
    assert!(html.contains("Telescopes against the truth"));
    // Too many runs is bad input, refused before any run.
    let too_many = dir.path().join("too-many");
    let msg = input_error(wormscope_commands::simulate::run(
        &SimulateRequest {
            runs: Some(5000),
            ..simulate("slammer", "3m", &too_many)
        },
        &Silent,
    ));
    assert!(msg.contains("runs"), "{msg}");
    assert!(!too_many.exists());
}

#[test]
fn bad_random_scanning_scenarios_name_file_line_and_field() {
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
            "base = \"codered2\"\n[worm]\ntargeting = \"sequental\"\n",
            "3",
            "worm.targeting",
        ),
        (
            "base = \"codered2\"\n[worm]\ntargeting = \"sequential\"\n\
             [worm.sequential]\nlocal_start_pct = 101\n",
            "5",
            "worm.sequential.local_start_pct",
        ),
        (
            "base = \"codered2\"\n[worm.rate]\nkind = \"probe-rate\"\nprobes_per_second = -1\n",
            "4",
            "worm.rate.probes_per_second",
        ),
        (
            "base = \"codered2\"\n[worm.rate]\nkind = \"batches\"\nbatch_size = 0\n\
             batch_wait = \"1.8s\"\n",
            "4",
            "worm.rate.batch_size",
        ),
        (
            "base = \"codered2\"\n[worm.rate]\nkind = \"batches\"\nbatch_size = 20\n\
             batch_wait = \"10m\"\n",
            "5",
            "worm.rate.batch_wait",
        ),
        // A wrong type inside a table read by its kind: the key's own line.
        (
            "base = \"codered2\"\n[worm.rate]\nkind = \"batches\"\nbatch_size = 1.5\n\
             batch_wait = \"1.8s\"\n",
            "4",
            "worm.rate.batch_size",
        ),
        // Another kind's field without its kind.
        (
            "base = \"codered2\"\n[worm.rate]\nbatch_size = 20\nbatch_wait = \"1s\"\n",
            "3",
            "worm.rate.batch_size",
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
        // A delay that would overflow the population core's nanosecond clock.
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
        let messages = [
            input_error(wormscope_commands::simulate::run(
                &SimulateRequest {
                    scenario: Some(file.clone()),
                    out: out.clone(),
                    ..SimulateRequest::default()
                },
                &Silent,
            )),
            input_error(wormscope_commands::validate::run(
                &ValidateRequest {
                    scenarios: vec![file.clone()],
                    out: Some(out.clone()),
                    ..ValidateRequest::default()
                },
                &Silent,
            )),
        ];
        for msg in messages {
            assert!(msg.contains(&format!("bad{i}.toml:{line}")), "{msg}");
            assert!(msg.contains(field), "{msg}");
            assert!(!out.exists(), "nothing is written for bad{i}.toml");
        }
    }
}

/// Slammer on 2,000 vulnerable hosts in 2^20 addresses for two minutes;
/// its patch, when a variant turns it on, covers everyone at once.
const SMALL_SLAMMER: &str = r#"base = "slammer"
duration = "2m"
telescopes = []
sensors = []
[population]
vulnerable = 2000
other_hosts = 20000
scan_space_bits = 20
[defenses.patch]
curve = [["0h", 100.0]]
"#;

/// Code Red in a small space, all of it infected within the hour, until
/// 02:00 UTC on the 20th: two hours of its flood.
const SMALL_CODERED: &str = r#"base = "codered2"
duration = "16h"
step = "10m"
validation = []
sensors = []
[population]
vulnerable = 2000
other_hosts = 20000
scan_space_bits = 20
"#;

#[test]
fn code_reds_flood_is_written_drawn_and_compared() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "small-codered.toml", SMALL_CODERED);
    let out = dir.path().join("run");
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(scenario.clone()),
            out: out.clone(),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(o.files.contains(&out.join("flood.csv")), "{:?}", o.files);
    // Every host, ten packets a second, for the two hours of the 20th.
    let all = 2000 * 10 * 7200;
    assert!(
        o.text.contains(&format!(
            "flood packets that reached 198.137.240.91: {all}\n"
        )),
        "{}",
        o.text
    );
    assert_eq!(json(&out.join("summary.json"))["flood_packets"], all);
    assert_eq!(json(&out.join("summary.json"))["flood_sent_packets"], all);
    let flood = std::fs::read_to_string(out.join("flood.csv")).unwrap();
    let rows: Vec<&str> = flood.lines().collect();
    assert_eq!(
        rows[0],
        "time_s,flood_pps,flood_bps,flood_pps_filtered,flood_bps_filtered"
    );
    assert_eq!(rows.len(), 1 + 16 * 6, "a row every ten minutes");
    // Before 00:00 UTC on the 20th (14 h in) nothing; then every host, ten
    // packets a second of 41 bytes each, none spoofed.
    assert_eq!(rows[14 * 6], "50400,0,0,0,0");
    assert_eq!(rows[14 * 6 + 1], "51000,20000,6560000,20000,6560000");
    let html = report(&out);
    assert!(html.contains("The flood at its target"));
    assert!(!html.contains("after BCP 38") && !html.contains("windowsupdate"));
    // An ensemble's flood: each column as a band over the runs, drawn.
    let ensemble = dir.path().join("ensemble");
    wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(scenario.clone()),
            runs: Some(2),
            out: ensemble.clone(),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    let flood = std::fs::read_to_string(ensemble.join("flood.csv")).unwrap();
    assert!(
        flood.starts_with("time_s,flood_pps_p05,flood_pps_median,flood_pps_p95,"),
        "{flood}"
    );
    assert!(flood.contains("\n51000,20000,20000,20000,"), "{flood}");
    assert!(report(&ensemble).contains("Flood packets at the target"));
    // Moving the target at 01:00 halves what reaches it, on the same seeds.
    let compared = dir.path().join("compare");
    let o = wormscope_commands::compare::run(
        &CompareRequest {
            study: StudyRequest {
                scenario: Some(scenario),
                runs: 2,
                ..StudyRequest::default()
            },
            defenses: vec!["target-move@15h".into()],
            out: Some(compared.clone()),
            ..CompareRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(o.text.contains("flood packets"), "{}", o.text);
    let list = json(&compared.join("comparison.json"));
    assert_eq!(list[1]["defense_starts_s"], serde_json::json!([54000.0]));
    let flood = |i: usize| list[i]["flood_packets_median"].as_f64().unwrap();
    assert_eq!(flood(0), 2000.0 * 10.0 * 7200.0);
    assert_eq!(flood(1), flood(0) / 2.0);
    assert_eq!(
        list[1]["flood_packets_delta_median"].as_f64(),
        Some(-flood(1))
    );
    assert!(report(&compared).contains("flood packets at the target"));
    // Resolving its name instead, the worm is said to reach the site by
    // it; a takedown an hour before the day leaves nothing to send.
    let named = write(
        dir.path(),
        "named.toml",
        &format!(
            "{SMALL_CODERED}\n[payload]\nname = \"www1.whitehouse.gov\"\n\
             [defenses.dns_takedown]\nenabled = true\nat = \"13h\"\n"
        ),
    );
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(named),
            out: dir.path().join("named"),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(
        o.text
            .contains("flood packets sent: 0 (no instance ran on a flood day with a target it could send to)\nflood packets that reached www1.whitehouse.gov: 0\n"),
        "{}",
        o.text
    );
    assert_eq!(
        json(&dir.path().join("named/summary.json"))["flood_sent_packets"],
        0
    );
    // Read as Blaster read the date, once at the start, before the 20th:
    // no flood, and the reason.
    let at_start = write(
        dir.path(),
        "at-start.toml",
        &format!("{SMALL_CODERED}\n[payload]\ndate_checked = \"at_start\"\n"),
    );
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(at_start),
            out: dir.path().join("at-start"),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(
        o.text.contains(
            "flood packets sent: 0 (the worm reads the date only when it starts, and no instance that started on a flood day could send)\n"
        ),
        "{}",
        o.text
    );
    // A run that ends before the 20th has no flood day to send on.
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(dir.path().join("at-start.toml")),
            duration: Some("10h".parse().unwrap()),
            out: dir.path().join("short"),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(
        o.text
            .contains("flood packets sent: 0 (no flood day falls in the run)\n"),
        "{}",
        o.text
    );
}

#[test]
fn a_defense_switched_on_after_the_run_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let late = write(
        dir.path(),
        "late.toml",
        &format!("{SMALL_CODERED}\n[defenses.host_firewall]\nenabled = true\nstart = \"20h\"\n"),
    );
    // Noted before the run, through the progress.
    let noted = Noted::default();
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(late),
            out: dir.path().join("late"),
            ..SimulateRequest::default()
        },
        &noted,
    )
    .unwrap();
    assert_eq!(
        noted.text(),
        "note: defenses.host_firewall.start = 20h is at or after the end (16h after the start): it changes nothing in a run this long\n"
    );
    assert!(!o.notes.contains("note:"), "{}", o.notes);
    // Within the run: nothing to say.
    let early = write(
        dir.path(),
        "early.toml",
        &format!("{SMALL_CODERED}\n[defenses.host_firewall]\nenabled = true\nstart = \"2h\"\n"),
    );
    let noted = Noted::default();
    wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(early),
            out: dir.path().join("early"),
            ..SimulateRequest::default()
        },
        &noted,
    )
    .unwrap();
    assert_eq!(noted.text(), "");
    // A variant of a section the baseline already runs measures moving
    // it: said before the runs.
    let noted = Noted::default();
    let compare = |defense: &str, noted: &Noted| {
        wormscope_commands::compare::run(
            &CompareRequest {
                study: StudyRequest {
                    scenario: Some(dir.path().join("early.toml")),
                    runs: 2,
                    ..StudyRequest::default()
                },
                defenses: vec![defense.into()],
                ..CompareRequest::default()
            },
            noted,
        )
        .unwrap()
    };
    compare("host-firewall@4h", &noted);
    assert_eq!(
        noted.text(),
        "note: variant `host-firewall@4h`: the baseline already runs `host-firewall` \
         (defenses.host_firewall.start = 2h): the variant measures moving it, not the \
         defense itself\n"
    );
    let noted = Noted::default();
    compare("host-firewall@2h", &noted);
    assert_eq!(
        noted.text(),
        "note: variant `host-firewall@2h`: the baseline already runs `host-firewall` \
         (defenses.host_firewall.start = 2h): the variant is the baseline itself\n"
    );
    let noted = Noted::default();
    compare("patch@4h", &noted);
    assert_eq!(noted.text(), "");
}

#[test]
fn compare_runs_a_random_scanning_worm_with_its_own_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "small-slammer.toml", SMALL_SLAMMER);
    let out = dir.path().join("compare");
    let request = |out: Option<PathBuf>, json: bool| CompareRequest {
        study: StudyRequest {
            scenario: Some(scenario.clone()),
            runs: 3,
            ..StudyRequest::default()
        },
        defenses: vec!["patch@0h".into(), "host-firewall@0h".into()],
        json,
        out,
        ..CompareRequest::default()
    };
    let o = wormscope_commands::compare::run(&request(Some(out.clone()), false), &Silent).unwrap();
    // The table has the columns of a random worm, none of Blaster's.
    assert!(o.text.contains("peak infected") && o.text.contains("infected at end"));
    for blaster in ["7 d", "24 h", "crashed", "flood"] {
        assert!(!o.text.contains(blaster), "{blaster} in {}", o.text);
    }
    let comparison = json(&out.join("comparison.json"));
    let list = comparison.as_array().unwrap();
    let names: Vec<&str> = list
        .iter()
        .map(|x| x["variant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["baseline", "patch@0h", "host-firewall@0h"]);
    for x in list {
        let keys: Vec<&String> = x.as_object().unwrap().keys().collect();
        for q in ["p05", "median", "p95", "delta_median"] {
            for m in ["peak_infected", "infected_final"] {
                assert!(x[format!("{m}_{q}")].is_number(), "{m}_{q} in {x}");
            }
        }
        // Nothing of Blaster's, and no 24-hour count of a two-minute run;
        // a variant's defense starts beside.
        let starts = usize::from(x.get("defense_starts_s").is_some());
        assert_eq!(keys.len(), 1 + 2 * 4 + starts, "{keys:?}");
        assert!(!keys.iter().any(|k| k.contains("flood")), "{keys:?}");
    }
    assert!(list[0].get("defense_starts_s").is_none(), "the baseline's");
    assert_eq!(list[1]["defense_starts_s"], serde_json::json!([0.0]));
    // Everyone patched at the start: only the five initial hosts carry the
    // worm; on the same seeds, fewer than the baseline's.
    assert_eq!(list[1]["infected_final_median"], 5.0);
    assert!(list[0]["infected_final_p05"].as_f64().unwrap() > 5.0);
    assert!(list[1]["infected_final_delta_median"].as_f64().unwrap() < 0.0);
    assert!(list[2]["infected_final_delta_median"].as_f64().unwrap() < 0.0);
    // --json answers what comparison.json holds, byte for byte.
    let again = wormscope_commands::compare::run(&request(None, true), &Silent).unwrap();
    assert_eq!(
        again.text,
        std::fs::read_to_string(out.join("comparison.json")).unwrap()
    );
    // The baseline's ensemble as `simulate --runs` writes it, the table and
    // the curves beside; the page draws them.
    for f in [
        "timeseries.csv",
        "summary.json",
        "validation.json",
        "outbreak.svg",
        "comparison.txt",
        "comparison-timeseries.csv",
    ] {
        assert!(o.files.contains(&out.join(f)), "{f}: {:?}", o.files);
    }
    let series = std::fs::read_to_string(out.join("comparison-timeseries.csv")).unwrap();
    assert!(
        series.starts_with("time_s,variant,infected_p05,infected_median,infected_p95\n1,baseline,")
    );
    assert_eq!(
        series.lines().count(),
        1 + 3 * 120,
        "three variants, a row a second"
    );
    let html = report(&out);
    assert!(html.contains("Defenses compared") && html.contains("infected at the end"));
    assert!(html.contains("Infected at the end (median"));
    assert!(!html.contains("flood on 16 Aug") && !html.contains("No comparison.json"));
}

#[test]
fn compare_refuses_defenses_a_random_scanning_worm_does_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let study = StudyRequest {
        scenario: Some("slammer".into()),
        runs: 8,
        ..StudyRequest::default()
    };
    for spec in ["dcom-disabled@1h", "patch@0h+dcom-off", "users"] {
        let msg = input_error(wormscope_commands::compare::run(
            &CompareRequest {
                study: study.clone(),
                defenses: vec![spec.into()],
                out: Some(out.clone()),
                ..CompareRequest::default()
            },
            &Silent,
        ));
        let name = spec.rsplit('+').next().unwrap().split('@').next().unwrap();
        assert!(
            msg.contains(&format!("variant `{spec}`"))
                && msg.contains(&format!("`{name}` is not a defense of `slammer`"))
                && msg.contains(
                    "patch, host-firewall, isp-filter, isp-block, border-filter, cleanup"
                ),
            "{msg}"
        );
    }
    // A source filter is a defense of a worm whose flood spoofs; Slammer
    // floods no one.
    let msg = input_error(wormscope_commands::compare::run(
        &CompareRequest {
            study: study.clone(),
            defenses: vec!["patch@0h+spoof-filter".into()],
            out: Some(out.clone()),
            ..CompareRequest::default()
        },
        &Silent,
    ));
    assert!(
        msg.contains("variant `patch@0h+spoof-filter`")
            && msg.contains("defenses.spoof_filter.enabled")
            && msg.contains("the worm floods no target"),
        "{msg}"
    );
    // In a variants file: the file, line and field.
    let file = write(
        dir.path(),
        "v.toml",
        "[[variant]]\nname = \"late patch\"\ndefenses = [\"patch@5m\"]\n\n[[variant]]\nname = \"isp\"\ndefenses = [\"dcom-disabled@1h\"]\n",
    );
    let msg = input_error(wormscope_commands::compare::run(
        &CompareRequest {
            study,
            variants: Some(file),
            out: Some(out.clone()),
            ..CompareRequest::default()
        },
        &Silent,
    ));
    assert!(
        msg.contains("v.toml:7: field `variant[1].defenses`") && msg.contains("`dcom-disabled`"),
        "{msg}"
    );
    assert!(!out.exists(), "nothing is written");
}

/// An output directory holds one command's files: a second run into it
/// removes what the first wrote and it did not, and a file it cannot
/// write fails the set (bad input, naming the file) before any is
/// replaced.
#[test]
fn an_output_directory_holds_one_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let single =
        wormscope_commands::simulate::run(&simulate("slammer", "1m", &out), &Silent).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    // An earlier command's file (a flaw study's, a fit's) is stale here.
    std::fs::write(out.join("flaws.json"), "[]").unwrap();
    std::fs::write(out.join("fit.json"), "{}").unwrap();
    let ensemble = wormscope_commands::simulate::run(
        &SimulateRequest {
            runs: Some(2),
            ..simulate("slammer", "2m", &out)
        },
        &Silent,
    )
    .unwrap();
    assert!(!single.files.is_empty());
    let mut want: Vec<String> = ensemble
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .chain(["notes.txt".to_string()])
        .collect();
    want.sort();
    assert_eq!(names(&out), want, "the user's own file stays");

    let summary = std::fs::read(out.join("summary.json")).unwrap();
    std::fs::remove_file(out.join("timeseries.csv")).unwrap();
    std::fs::create_dir(out.join("timeseries.csv")).unwrap();
    let before = names(&out);
    let msg = input_error(wormscope_commands::simulate::run(
        &simulate("slammer", "1m", &out),
        &Silent,
    ));
    assert!(msg.contains("timeseries.csv: "), "{msg}");
    assert_eq!(names(&out), before, "nothing written, nothing left");
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), summary);
}

#[test]
fn a_run_cut_short_leaves_the_figures_of_the_whole_outbreak_unchecked() {
    // Slammer's figures describe its half hour; three minutes are the
    // start of it: its final count and peak cannot be read there.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short");
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(PathBuf::from("slammer")),
            duration: Some("3m".parse().unwrap()),
            out: out.clone(),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(
        o.text.contains(
            "not checked on a run cut to 3m of the scenario's 30m: peak scan rate, hosts infected\n"
        ),
        "{}",
        o.text
    );
    assert!(!o.text.contains("FAIL"), "{}", o.text);
    // The figures read at a time or a share are still there.
    assert!(o.text.contains("early doubling time"), "{}", o.text);
    let written = std::fs::read_to_string(out.join("validation.json")).unwrap();
    assert!(!written.contains("hosts infected") && written.contains("early doubling time"));
    // The whole half hour checks every figure.
    let o = wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(PathBuf::from("slammer")),
            out: dir.path().join("whole"),
            ..SimulateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(!o.text.contains("not checked"), "{}", o.text);
    assert!(o.text.contains("hosts infected"), "{}", o.text);
}
