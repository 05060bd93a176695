//! The `wormscope` command as a user meets it: exit codes, messages, files.

use std::path::Path;
use std::process::{Command, Output};

fn wormscope(args: &[&str], threads: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wormscope"));
    cmd.args(args);
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    cmd.output().expect("the binary runs")
}

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
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
    ];
    for (i, (text, line, field)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join(format!("out{i}"));
        let o = simulate(&file, &out, None);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let msg = stderr(&o);
        assert!(msg.contains(&format!("bad{i}.toml:{line}")), "{msg}");
        assert!(msg.contains(field), "{msg}");
        assert!(!out.exists(), "no output for a bad scenario");
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

fn run_small(dir: &Path, name: &str, threads: &str) -> (Vec<u8>, Vec<u8>) {
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
    (csv, json)
}

#[test]
fn simulate_writes_the_promised_files_identically_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (csv1, json1) = run_small(dir.path(), "one", "1");
    let (csv2, json2) = run_small(dir.path(), "two", "2");
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
        let file = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join(format!("out{i}"));
        let o = simulate(&file, &out, None);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let e = stderr(&o);
        let want = format!("{}:{line}: field `{field}`", file.display());
        assert!(e.contains(&want), "want {want} in {e}");
        assert!(!out.exists());
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
