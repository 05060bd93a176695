//! The `wormscope` command as a user meets it: exit codes, messages, files.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{stderr, wormscope};

/// `wormscope simulate --scenario FILE --out DIR`.
fn simulate(scenario: &Path, out: &Path, threads: Option<&str>) -> Output {
    wormscope(
        &[
            "simulate",
            "--scenario",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        threads,
    )
}

/// Simulates the scenario `text` (file `bad{i}.toml` in `dir`), which must
/// be refused: exit 2 and no output directory. Returns the file and the
/// error message.
fn simulate_bad(dir: &Path, i: usize, text: &str) -> (std::path::PathBuf, String) {
    let file = dir.join(format!("bad{i}.toml"));
    std::fs::write(&file, text).unwrap();
    let out = dir.join(format!("out{i}"));
    let o = simulate(&file, &out, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists(), "no output for a bad scenario");
    (file, stderr(&o))
}

/// A small world: one /14 of the default scenario, 3 hours.
const SMALL: &str = r#"
name = "small"
seed = 3
duration = "3h"
[world]
only_in = ["61.4.0.0/14"]
used_slash16_pct = 100.0
[worm]
initial_infected = 5
"#;

#[test]
fn scenario_print_gives_the_default_scenario() {
    let o = wormscope(&["scenario", "print", "blaster"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("# "), "commented");
    let parsed = wormscope_scenario::parse(&text, "printed").unwrap();
    assert_eq!(parsed, wormscope_scenario::default_scenario());
}

#[test]
fn unknown_builtin_is_exit_2() {
    let o = wormscope(&["scenario", "print", "nimda"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("blaster"));
}

#[test]
fn bad_scenarios_exit_2_naming_file_line_and_field_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("seed = 1\n[worm]\nbatch_sise = 3\n", "3", "worm.batch_sise"),
        ("seed = \"x\"\n", "1", "seed"),
        ("[worm]\n\nguess_xp_pct = 120.0\n", "3", "worm.guess_xp_pct"),
        (
            "[hosts]\nreboot_duration = \"-3s\"\n",
            "2",
            "hosts.reboot_duration",
        ),
        (
            "[[sensors]]\nname = \"dark\"\nkind = \"telescope\"\n",
            "1",
            "sensors[0].prefix",
        ),
        // Times that could overflow the simulated clock (issue 14).
        (
            "[worm]\nbatch_size = 1\nbatch_wait = \"10h\"\n",
            "3",
            "worm.batch_wait",
        ),
        (
            "[defenses.users]\nenabled = true\ndelay = \"99999d\"\n",
            "3",
            "defenses.users.delay",
        ),
    ];
    for (i, (text, line, field)) in cases.iter().enumerate() {
        let (_, msg) = simulate_bad(dir.path(), i, text);
        assert!(msg.contains(&format!("bad{i}.toml:{line}")), "{msg}");
        assert!(msg.contains(field), "{msg}");
    }
    // Only the scenario files are left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), cases.len());
}

#[test]
fn an_impossibly_large_world_is_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    std::fs::write(&file, "[world]\nonly_in = [\"0.0.0.0/0\"]\nused_slash16_pct = 100.0\n[[world.networks]]\nname = \"dense\"\nshare_pct = 100.0\nprefix_len = 16\nslash24_used_pct = 100.0\nhosts_per_used_slash24 = 200.0\nnat_pct = 0.0\nlan_hosts = [1, 1]\nfirewall_pct = 0.0\nfirewall_blocks_in = []\nfirewall_blocks_out = []\nos = { xp_pct = 50.0, w2000_pct = 0.0, nt4_pct = 0.0, w2003_pct = 0.0, other_pct = 50.0 }\npatched_pct = 0.0\nother_rpc_open_pct = 0.0\n").unwrap();
    let out = dir.path().join("out");
    let o = simulate(&file, &out, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("live addresses"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["simulate", "--duration", "ten minutes"][..],
        &["simulate", "--duration", "0s"][..],
        &["simulate", "--seed", "-1"][..],
        &["simulate", "--scenario", "/nonexistent/x.toml"][..],
        &["detect", "/nonexistent/capture.pcap"][..],
    ] {
        let o = wormscope(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

/// Runs the small scenario; returns its CSV files, its JSON files and the
/// rest (flood.csv, sensors.svg), each concatenated.
fn run_small(dir: &Path, name: &str, threads: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let file = dir.join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    let out = dir.join(name);
    let o = simulate(&file, &out, Some(threads));
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| std::fs::read(out.join(f)).unwrap();
    // The sensors' files ride along with the same guarantee.
    let mut csv = read("timeseries.csv");
    csv.extend(read("sensors.csv"));
    let mut json = read("summary.json");
    json.extend(read("sensors.json"));
    // The flood and the sensors' figure too.
    let mut rest = read("flood.csv");
    let svg = String::from_utf8(read("sensors.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("truth"), "{svg}");
    rest.extend(svg.into_bytes());
    (csv, json, rest)
}

#[test]
fn simulate_writes_the_promised_files_identically_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (csv1, json1, rest1) = run_small(dir.path(), "one", "1");
    let (csv2, json2, rest2) = run_small(dir.path(), "two", "2");
    assert_eq!(rest1, rest2, "flood.csv or sensors.svg differs");
    assert_eq!(csv1, csv2, "timeseries.csv differs between 1 and 2 threads");
    assert_eq!(json1, json2, "summary.json differs between 1 and 2 threads");

    let csv = String::from_utf8(csv1).unwrap();
    let (timeseries, sensors) = csv.split_at(csv.find("time_s,sensor").unwrap());
    let mut lines = timeseries.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in ["time_s", "infected", "crashed", "rebooting", "probes"] {
        assert!(header.contains(&col), "{col} in {header:?}");
    }
    assert_eq!(lines.count(), 180, "one row per simulated minute");
    let mut lines = sensors.lines();
    assert_eq!(
        lines.next(),
        Some("time_s,sensor,probes,sources,estimate,truth")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3 * 180, "one row per sensor per minute");
    let names: Vec<&str> = rows[..3].iter().map(|r| r[1]).collect();
    assert_eq!(names, ["telescope", "isc", "isp-edge"], "scenario order");
    // Truth is the engine's infected count of the same step.
    let infected: Vec<&str> = timeseries
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[5], infected[i / 3], "row {i}");
    }

    // summary.json, then sensors.json.
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&json1)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(docs.len(), 2);
    let summary = &docs[0];
    let names: Vec<&str> = docs[1]["sensors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["telescope", "isc", "isp-edge"]);
    assert_eq!(summary["scenario"], "small");
    assert_eq!(summary["seed"], 3);
    assert_eq!(summary["wormscope_version"], env!("CARGO_PKG_VERSION"));
    let probes = summary["totals"]["probes"].as_u64().unwrap();
    let by: u64 = summary["totals"]["probes_by_outcome"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(probes > 0);
    assert_eq!(probes, by, "every probe has one outcome");
}

#[test]
fn seed_and_duration_flags_override_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    let out = dir.path().join("o");
    let o = wormscope(
        &[
            "simulate",
            "--scenario",
            file.to_str().unwrap(),
            "--seed",
            "9",
            "--duration",
            "10m",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 9);
    assert_eq!(summary["duration_s"], 600.0);
}

#[test]
fn rules_and_iocs_are_printed_and_bad_choices_exit_2() {
    let o = wormscope(&["rules", "--defense", "border", "--format", "nft"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("CA-2003-20") && text.contains("4444"),
        "{text}"
    );
    let o = wormscope(&["ioc", "--format", "csv"], None);
    assert!(o.status.success());
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("5ae700c1dffb00cef492844a4db6cd69")
    );
    let o = wormscope(&["rules", "--defense", "dmz"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("border"), "{}", stderr(&o));
}

#[test]
fn ensembles_write_bands_and_the_same_bytes_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("ens{threads}"));
        let o = wormscope(
            &[
                "simulate",
                "--scenario",
                scenario.to_str().unwrap(),
                "--runs",
                "3",
                "--out",
                out.to_str().unwrap(),
            ],
            Some(threads),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let read = |f: &str| std::fs::read(out.join(f)).unwrap();
        outputs.push((
            read("timeseries.csv"),
            read("flood.csv"),
            read("summary.json"),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
    let csv = String::from_utf8(outputs[0].0.clone()).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("time_s,infected_p05,infected_median,infected_p95,scanning_p05"),
        "{header}"
    );
    // Bands are ordered in every row.
    for line in csv.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(v[1] <= v[2] && v[2] <= v[3], "{line}");
    }
    let summary: serde_json::Value = serde_json::from_slice(&outputs[0].2).unwrap();
    assert_eq!(summary["runs"], 3);
    assert_eq!(summary["run_seeds"].as_array().unwrap().len(), 3);
}

#[test]
fn compare_prints_one_object_per_variant_with_bands() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    // Short runs: the 7-day metric needs a week, so keep the world tiny.
    std::fs::write(&scenario, SMALL.replace("61.4.0.0/14", "61.4.0.0/16")).unwrap();
    let o = wormscope(
        &[
            "compare",
            "--scenario",
            scenario.to_str().unwrap(),
            "--defense",
            "isp-block-135@0h",
            "--defense",
            "dcom-off@1h+dns-takedown",
            "--runs",
            "2",
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    let names: Vec<&str> = list
        .iter()
        .map(|x| x["variant"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["baseline", "isp-block-135@0h", "dcom-off@1h+dns-takedown"]
    );
    for x in list {
        for key in ["infected_7d_median", "infected_7d_p05", "infected_7d_p95"] {
            assert!(x[key].is_number(), "{key} in {x}");
        }
        assert!(x["infected_7d_p05"].as_f64() <= x["infected_7d_median"].as_f64());
    }
    assert_eq!(list[0]["infected_7d_delta_median"], 0.0);
    // Taking the flood target's name down before 16 August leaves no flood.
    assert_eq!(list[2]["flood_gbps_aug16_median"], 0.0);

    // With --out, the runs are kept: the same study again resumes from
    // them and prints the same, byte for byte.
    let out = dir.path().join("out");
    let run = || {
        wormscope(
            &[
                "compare",
                "--scenario",
                scenario.to_str().unwrap(),
                "--defense",
                "isp-block-135@0h",
                "--runs",
                "2",
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        )
    };
    let first = run();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(!stderr(&first).contains("resumed"), "{}", stderr(&first));
    let kept = std::fs::read(out.join("comparison.json")).unwrap();
    let again = run();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("resumed: 4 runs were kept"),
        "{}",
        stderr(&again)
    );
    assert_eq!(again.stdout, first.stdout);
    assert_eq!(std::fs::read(out.join("comparison.json")).unwrap(), kept);
}

#[test]
fn bad_defense_parameters_exit_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[defenses.isp_filter]\nenabled = true\ncoverage_pct = 150\n",
            "3",
            "defenses.isp_filter.coverage_pct",
        ),
        (
            "[defenses.patch]\nenabled = true\nstart = \"2003-08-01T00:00:00Z\"\n",
            "3",
            "defenses.patch.start",
        ),
        (
            "[defenses.border_filter]\nblocks_in = [\"135/tcp\", \"4444/sctp\"]\n",
            "2",
            "defenses.border_filter.blocks_in[1]",
        ),
    ];
    for (i, (text, line, field)) in cases.iter().enumerate() {
        let (file, e) = simulate_bad(dir.path(), i, text);
        let want = format!("{}:{line}: field `{field}`", file.display());
        assert!(e.contains(&want), "want {want} in {e}");
    }
    // On the command line too.
    for (spec, says) in [
        ("isp-block-139@6h", "not a defense"),
        ("patch@2003-08-01T00:00:00Z", "before the simulation start"),
    ] {
        let o = wormscope(&["compare", "--defense", spec, "--runs", "1"], None);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}

#[test]
fn flaws_prints_each_variant_under_both_defense_sets() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, SMALL.replace("61.4.0.0/14", "61.4.0.0/16")).unwrap();
    let out = dir.path().join("flaws");
    let o = wormscope(
        &[
            "flaws",
            "--scenario",
            scenario.to_str().unwrap(),
            "--runs",
            "2",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 12, "six worms under two defense sets");
    for x in list {
        for key in [
            "variant",
            "defenses",
            "infected_7d_median",
            "crashed_median",
        ] {
            assert!(!x[key].is_null(), "{key} in {x}");
        }
    }
    let find = |variant: &str, defenses: &str| {
        list.iter()
            .find(|x| x["variant"] == variant && x["defenses"] == defenses)
            .unwrap()
    };
    // With the guess always right nothing crashes; as it was, hosts did.
    assert_eq!(find("no-os-guess", "none")["crashed_median"], 0.0);
    assert!(find("baseline", "none")["crashed_median"].as_f64().unwrap() > 0.0);
    // The written finding comes from the same numbers.
    let md = std::fs::read_to_string(out.join("flaws.md")).unwrap();
    assert!(md.starts_with("# What Blaster's flaws cost it"), "{md}");
    assert!(md.contains("Generated by `wormscope flaws --markdown`"));
    assert!(out.join("flaws-reliance.json").exists());
}

#[test]
fn capture_writes_a_pcap_and_refuses_bad_input_or_too_many_packets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    let out = dir.path().join("edge.pcap");
    let capture_with = |extra: &[&str], threads: Option<&str>| {
        let mut args = vec!["capture", "--scenario", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", out.to_str().unwrap()]);
        wormscope(&args, threads)
    };
    let capture = |extra: &[&str]| capture_with(extra, None);
    let window = ["--vantage", "isp-edge", "--from", "1h", "--to", "1h2m"];
    let mut pcaps = Vec::new();
    for threads in ["1", "2"] {
        let o = capture_with(&window, Some(threads));
        assert!(o.status.success(), "{}", stderr(&o));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("engine count for this vantage and window"),
            "{text}"
        );
        pcaps.push(std::fs::read(&out).unwrap());
        std::fs::remove_file(&out).unwrap();
    }
    assert_eq!(
        &pcaps[0][..4],
        &0xa1b2_c3d4u32.to_le_bytes(),
        "classic pcap"
    );
    assert!(pcaps[0].len() > 1000);
    assert_eq!(
        pcaps[0], pcaps[1],
        "the capture differs between 1 and 2 threads"
    );

    for (args, code, says) in [
        (
            &["--vantage", "radar", "--from", "1h", "--to", "2h"][..],
            2,
            "isp-edge",
        ),
        (
            &["--vantage", "isc", "--from", "1h", "--to", "2h"][..],
            2,
            "distributed",
        ),
        (
            &["--vantage", "isp-edge", "--from", "2h", "--to", "1h"][..],
            2,
            "--from",
        ),
        (
            &["--vantage", "isp-edge", "--from", "1h", "--to", "9h"][..],
            2,
            "--to",
        ),
        (
            &["--vantage", "isp-edge", "--from", "ten", "--to", "2h"][..],
            2,
            "--from",
        ),
        (
            &[
                "--vantage",
                "isp-edge",
                "--from",
                "1h",
                "--to",
                "1h10m",
                "--max-packets",
                "100",
            ][..],
            1,
            "--max-packets",
        ),
    ] {
        let o = capture(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote a file");
    }
}

/// The ensemble fixture of the report crate: every optional input.
fn ensemble_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures/ensemble")
}

/// `wormscope report DIR -o OUT`.
fn report(dir: &Path, out: &Path) -> Output {
    wormscope(
        &["report", dir.to_str().unwrap(), "-o", out.to_str().unwrap()],
        None,
    )
}

/// What no self-contained page may hold: scripts and links to resources.
/// Links within the page (`href="#flood"`, the table of contents) load
/// nothing and are allowed.
fn assert_self_contained(html: &str) {
    for bad in ["<script", "src=", "@import", "url("] {
        assert!(!html.contains(bad), "the report holds `{bad}`");
    }
    for (at, _) in html.match_indices("href=") {
        assert!(
            html[at..].starts_with("href=\"#"),
            "the report links outside itself: {}",
            &html[at..html.len().min(at + 60)]
        );
    }
    assert!(
        html.contains("href=\"#scenario\""),
        "the contents link the sections"
    );
    // The only address is SVG's namespace name, which loads nothing.
    assert_eq!(
        html.matches("http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
}

#[test]
fn report_of_a_run_plots_it_and_notes_what_is_absent() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "run", "2");
    let run = dir.path().join("run");
    // A run writes the flood and its sensors' view: both are plotted.
    let html_path = dir.path().join("report-full.html");
    let o = report(&run, &html_path);
    assert!(o.status.success(), "{}", stderr(&o));
    let full = std::fs::read_to_string(&html_path).unwrap();
    assert!(!full.contains("No flood.csv in this directory"));
    assert!(!full.contains("No sensors.csv in this directory"));
    let full_charts = full.matches("<svg").count();
    // Without them, their sections become notes.
    std::fs::remove_file(run.join("flood.csv")).unwrap();
    std::fs::remove_file(run.join("sensors.csv")).unwrap();
    let html_path = dir.path().join("report.html");
    let o = report(&run, &html_path);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_self_contained(&html);
    assert!(html.contains("<title>wormscope report: small</title>"));
    // Four charts of the run: infection, crashed/rebooting, events, probes.
    assert_eq!(html.matches("<svg").count(), 4, "charts");
    assert!(full_charts > 4, "{full_charts}");
    assert!(!html.contains("5-95 %"), "a single run has no band");
    for file in ["flood.csv", "sensors.csv", "comparison.json", "flaws.json"] {
        assert!(
            html.contains(&format!("No {file} in this directory")),
            "{file}"
        );
    }
    // The summary's numbers are in the page.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    let hosts = summary["world"]["hosts"].as_u64().unwrap();
    let grouped = hosts
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(",");
    assert!(html.contains(&grouped), "{grouped}");
    // The default output is OUT_DIR/report.html, and the same input gives
    // the same bytes.
    let o = wormscope(&["report", run.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(run.join("report.html")).unwrap(),
        html.as_bytes()
    );
}

#[test]
fn report_of_an_ensemble_draws_bands_flood_sensors_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("ens.html");
    let o = report(&ensemble_fixture(), &html_path);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("from an ensemble"), "{out}");
    assert!(!out.contains("skipped"), "{out}");
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_self_contained(&html);
    // 4 run charts, 2 flood charts, 1 sensor chart, 1 bar chart.
    assert_eq!(html.matches("<svg").count(), 8);
    assert!(html.contains("infected (median, 5-95 %)"));
    assert!(html.matches("<polygon").count() >= 8 + 4, "bands");
    assert!(!html.contains("in this directory: "), "nothing skipped");
    // Text from the inputs is escaped, in the tables and in the SVG.
    assert!(html.contains("host firewall &lt;XP SP2&gt;"));
    assert!(!html.contains("<XP SP2>"));
    assert!(html.contains("&lt;not a run&gt;"));
    // Each sensor has a line and a table row; the shared truth one line.
    for sensor in ["ims-/8", "darknet-/16", "isc-dshield"] {
        assert!(html.contains(&format!("{sensor}: estimate")), "{sensor}");
        assert!(html.contains(&format!("<tr><td>{sensor}</td>")), "{sensor}");
    }
    // Deltas are shown for the comparison, not for the flaws table.
    let flaws_at = html.find("id=\"flaws\"").unwrap();
    assert!(html[..flaws_at].contains("Δ -"));
    assert!(!html[flaws_at..].contains("Δ"));
}

#[test]
fn bad_report_input_is_exit_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |d: &Path| {
        let out = dir.path().join("r.html");
        let o = report(d, &out);
        assert!(!out.exists(), "nothing is written");
        o
    };
    let o = refused(&dir.path().join("nowhere"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nowhere"), "{}", stderr(&o));

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = refused(&empty);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("timeseries.csv: missing"),
        "{}",
        stderr(&o)
    );

    // A copy of the fixture, broken one file at a time.
    type Breaker = fn(&str) -> String;
    let cases: [(&str, Breaker, &str); 4] = [
        (
            "timeseries.csv",
            |t| t.replacen("\n7200,", "\n7200,x", 1),
            "timeseries.csv:3: field `infected_p05`: `x",
        ),
        (
            "flood.csv",
            |t| {
                let mut lines: Vec<&str> = t.lines().collect();
                lines[4] = "18000,1,2";
                lines.join("\n")
            },
            "flood.csv:5: field `flood_pps_p95`: 3 fields where the header has 13",
        ),
        (
            "sensors.csv",
            |t| t.replace("truth", "truthiness"),
            "sensors.csv:1: field `truth`: missing",
        ),
        (
            "comparison.json",
            |t| t.replacen("\"crashed_median\"", "\"crashed_mean\"", 1),
            "comparison.json: field `[0].crashed_median`: missing",
        ),
    ];
    for (file, breaker, want) in cases {
        let broken = dir.path().join(format!("broken-{file}"));
        std::fs::create_dir(&broken).unwrap();
        for entry in std::fs::read_dir(ensemble_fixture()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), broken.join(entry.file_name())).unwrap();
        }
        let text = std::fs::read_to_string(broken.join(file)).unwrap();
        std::fs::write(broken.join(file), breaker(&text)).unwrap();
        let o = refused(&broken);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{file}: {}", stderr(&o));
    }
}

/// Renders the ensemble report in headless Chromium and checks it logged
/// no error. Where Chromium is installed, a page that does not render
/// fails. CI installs Debian's chromium (`.ci/run`, which sets `CI`), so
/// under `CI` a missing browser fails too; elsewhere it is skipped with a
/// message. `WORMSCOPE_SKIP_BROWSER=1` skips the test on a developer's
/// machine.
#[test]
fn report_renders_in_chromium_without_console_errors() {
    if std::env::var_os("WORMSCOPE_SKIP_BROWSER").is_some() {
        eprintln!("skipped: WORMSCOPE_SKIP_BROWSER is set");
        return;
    }
    if !Path::new("/usr/bin/chromium").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "/usr/bin/chromium is not installed, and CI must render the report \
             (`apt-get install -y chromium`)"
        );
        eprintln!("skipped: /usr/bin/chromium is not installed (`apt-get install -y chromium`)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("ens.html");
    let o = report(&ensemble_fixture(), &html);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = dir.path().join("ens.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/render-report.sh");
    let o = Command::new("bash")
        .arg(&script)
        .args([&html, &png])
        .arg("1200,3000")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 3000));
    // A blank page compresses to almost nothing; plots do not.
    assert!(bytes.len() > 100_000, "{} bytes", bytes.len());

    // A page with a script error is caught: the check can fail.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<html><body><script>undefinedFunction();</script></body></html>",
    )
    .unwrap();
    let o = Command::new("bash")
        .arg(&script)
        .args([&bad, &dir.path().join("bad.png")])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Uncaught ReferenceError"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sweep_shards_and_merge_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        "base = \"small.toml\"\nseeds = 2\n[set]\nduration = \"1h\"\n[grid]\n\"worm.guess_xp_pct\" = [50, 100]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let (sweep_s, out_s) = (sweep.to_str().unwrap(), out.to_str().unwrap());
    let o = wormscope(&["sweep", sweep_s, "--shard", "1/2", "--out", out_s], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("shard 1/2: 2 of 4 runs (2 variants x 2 seeds), 120 rows"),
        "{text}"
    );
    // Shard 0 is missing: the merge says which, exit code 2.
    let o = wormscope(&["sweep", "merge", out_s], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("shard-00000-of-00002.parquet"),
        "{}",
        stderr(&o)
    );
    let o = wormscope(&["sweep", sweep_s, "--shard", "0/2", "--out", out_s], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wormscope(&["sweep", "merge", out_s], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("merged 2 shards: 2 variants x 2 seeds, 240 rows"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(out.join("merged.parquet").exists());

    // Bad input: exit 2 naming the sweep file, line and field.
    std::fs::write(
        &sweep,
        "base = \"small.toml\"\n[grid]\n\"worm.guess_xp_pct\" = [50, 150]\n",
    )
    .unwrap();
    let o = wormscope(&["sweep", sweep_s, "--out", out_s], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("sweep.toml:3: field `worm.guess_xp_pct`"),
        "{}",
        stderr(&o)
    );
    for bad in ["2/2", "x", "1/0"] {
        let o = wormscope(&["sweep", sweep_s, "--shard", bad], None);
        assert_eq!(o.status.code(), Some(2), "{bad}");
    }
}

#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_command_without_a_panic() {
    // A command whose output is larger than a pipe holds (64 KiB on
    // Linux), so that it is still writing when the reader has gone: the
    // hourly table of two months.
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SMALL.replace("61.4.0.0/14", "61.4.0.0/16")).unwrap();
    let command = |out: &str| {
        format!(
            "'{}' simulate --scenario '{}' --duration 60d --out '{}'",
            env!("CARGO_BIN_EXE_wormscope"),
            scenario.display(),
            dir.path().join(out).display()
        )
    };
    let whole = Command::new("sh")
        .arg("-c")
        .arg(command("a"))
        .output()
        .unwrap();
    assert!(whole.status.success(), "{}", stderr(&whole));
    assert!(whole.stdout.len() > 1 << 16, "{} bytes", whole.stdout.len());
    // `| head -c 100` closes the reading end after 100 bytes.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("{} | head -c 100 >/dev/null", command("b")))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn detect_reads_a_capture_from_standard_input() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("in.pcap");
    let mut bytes = Vec::new();
    wormscope_wire::synth::SyntheticCapture::new(wormscope_wire::synth::SynthConfig {
        target_bytes: 2 << 20,
        ..Default::default()
    })
    .read_to_end(&mut bytes)
    .unwrap();
    std::fs::write(&capture, &bytes).unwrap();
    let (from_file, from_stdin) = (dir.path().join("file.csv"), dir.path().join("stdin.csv"));
    let o = wormscope(
        &[
            "detect",
            capture.to_str().unwrap(),
            "--hosts",
            from_file.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_wormscope"))
        .args(["detect", "-", "--hosts", from_stdin.to_str().unwrap()])
        .stdin(std::fs::File::open(&capture).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let verdicts = std::fs::read_to_string(&from_stdin).unwrap();
    assert!(verdicts.lines().count() > 1, "the worm's hosts are found");
    assert_eq!(verdicts, std::fs::read_to_string(&from_file).unwrap());
    // Standard input cannot be read twice.
    let o = wormscope(&["detect", "-", "-"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_misspelt_builtin_scenario_gets_a_suggestion() {
    let o = wormscope(&["simulate", "--scenario", "blaster-smaple"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `blaster-sample`?"),
        "{}",
        stderr(&o)
    );
    let o = wormscope(&["scenario", "print", "slamer"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `slammer`?"),
        "{}",
        stderr(&o)
    );
    let o = wormscope(&["simulate", "--help"], None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("--scenario <NAME or FILE>"));
}

#[test]
fn quiet_prints_nothing_but_writes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    let out = dir.path().join("out");
    let o = wormscope(
        &[
            "simulate",
            "--quiet",
            "--scenario",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "");
    assert_eq!(stderr(&o), "");
    assert!(out.join("timeseries.csv").is_file());
}

#[test]
fn output_paths_are_created_or_refused_before_any_work() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let under = blocker.join("out.nft");
    // A file where a directory must be: exit 2, naming the path, no
    // temporary name, nothing written.
    for args in [
        vec![
            "rules",
            "--defense",
            "border",
            "-o",
            under.to_str().unwrap(),
        ],
        vec!["ioc", "-o", under.to_str().unwrap()],
        vec!["simulate", "--out", under.to_str().unwrap()],
        vec![
            "capture",
            "--vantage",
            "telescope",
            "--from",
            "0s",
            "--to",
            "1h",
            "-o",
            under.to_str().unwrap(),
        ],
    ] {
        let o = wormscope(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("a-file"), "{args:?}: {}", stderr(&o));
        // (The writer's temporary files end in `.tmp`; the test's
        // directory begins with it.)
        assert!(!stderr(&o).contains(".tmp\n"), "{}", stderr(&o));
        assert!(!stderr(&o).contains(".tmp:"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Missing parents are created, and the file is an ordinary one.
    let rules = dir.path().join("new/dirs/border.nft");
    let o = wormscope(
        &[
            "rules",
            "--defense",
            "border",
            "-o",
            rules.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = std::fs::metadata(&rules).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode & 0o044,
        0o044,
        "readable by others (umask permitting): {mode:o}"
    );
}
