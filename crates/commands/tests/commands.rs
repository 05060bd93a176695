//! The commands as a library user calls them: what each returns, writes
//! and refuses, and whose fault a failure is. The binary's own tests
//! (`crates/cli/tests`) keep what needs a process: exit codes, threads,
//! pipes, standard input, the terminal.

mod common;

use common::{input_error, small_world, write};

use std::path::{Path, PathBuf};

use wormscope_commands::compare::StudyRequest;
use wormscope_commands::flaws::FlawsAnswer;
use wormscope_commands::{
    CaptureRequest, CommandError, CommandOutcome, CommandVerdict, CompareRequest, DetectRequest,
    FlawsRequest, IocRequest, ReportRequest, RulesRequest, ScenarioRequest, Silent,
    SimulateRequest, SweepRequest, ValidateRequest,
};
use wormscope_scenario::SimDuration;

/// A small world: one /14 of the default scenario, 3 hours.
fn small() -> String {
    small_world("3h")
}

/// A smaller one, for studies that run a week: one /16.
fn tiny() -> String {
    small().replace("61.4.0.0/14", "61.4.0.0/16")
}

fn simulate(scenario: &Path, out: &Path) -> Result<CommandOutcome, CommandError> {
    wormscope_commands::simulate::run(
        &SimulateRequest {
            scenario: Some(scenario.to_path_buf()),
            out: out.to_path_buf(),
            ..SimulateRequest::default()
        },
        &Silent,
    )
}

#[test]
fn simulate_answers_with_the_files_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "small.toml", &small());
    let out = dir.path().join("nested/out");
    let o = simulate(&file, &out).unwrap();
    assert_eq!(o.verdict, CommandVerdict::Done);
    let names: Vec<String> = o
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "timeseries.csv",
            "flood.csv",
            "summary.json",
            "sensors.csv",
            "sensors.json",
            "sensors.svg"
        ]
    );
    for f in &o.files {
        assert!(f.is_file(), "{}", f.display());
        assert!(f.starts_with(&out), "{}", f.display());
    }
    assert!(o.text.starts_with("small (seed 3): "), "{}", o.text);
    assert!(o.text.contains("ever infected "), "{}", o.text);
    assert!(o.text.contains("sensors.svg"), "{}", o.text);
    assert!(o.notes.starts_with("done in "), "{}", o.notes);
}

#[test]
fn bad_scenarios_are_bad_input_naming_file_line_and_field_and_write_nothing() {
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
        let file = write(dir.path(), &format!("bad{i}.toml"), text);
        let out = dir.path().join(format!("out{i}"));
        let msg = input_error(simulate(&file, &out));
        let want = format!("{}:{line}: field `{field}`", file.display());
        assert!(msg.contains(&want), "want {want} in {msg}");
        assert!(!out.exists(), "no output for a bad scenario");
    }
    // Only the scenario files are left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), cases.len());
}

#[test]
fn an_impossibly_large_world_is_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "huge.toml",
        "[world]\nonly_in = [\"0.0.0.0/0\"]\nused_slash16_pct = 100.0\n[[world.networks]]\nname = \"dense\"\nshare_pct = 100.0\nprefix_len = 16\nslash24_used_pct = 100.0\nhosts_per_used_slash24 = 200.0\nnat_pct = 0.0\nlan_hosts = [1, 1]\nfirewall_pct = 0.0\nfirewall_blocks_in = []\nfirewall_blocks_out = []\nos = { xp_pct = 50.0, w2000_pct = 0.0, nt4_pct = 0.0, w2003_pct = 0.0, other_pct = 50.0 }\npatched_pct = 0.0\nother_rpc_open_pct = 0.0\n",
    );
    let out = dir.path().join("out");
    let msg = input_error(simulate(&file, &out));
    assert!(msg.contains("live addresses"), "{msg}");
    assert!(!out.exists());
}

#[test]
fn overrides_out_of_bounds_are_blamed_on_their_flag() {
    let dir = tempfile::tempdir().unwrap();
    let run = |scenario: &str, duration: &str| {
        wormscope_commands::simulate::run(
            &SimulateRequest {
                scenario: Some(scenario.into()),
                duration: Some(duration.parse::<SimDuration>().unwrap()),
                out: dir.path().join("out"),
                ..SimulateRequest::default()
            },
            &Silent,
        )
    };
    for scenario in ["blaster-sample", "slammer"] {
        let msg = input_error(run(scenario, "0s"));
        assert!(msg.starts_with("--duration: "), "{scenario}: {msg}");
    }
    // A Blaster run's rows are whole steps (blaster-sample's: 1 minute).
    let msg = input_error(run("blaster-sample", "61m30s"));
    assert!(
        msg.starts_with("--duration: ") && msg.contains("62m"),
        "{msg}"
    );
    // No scenario file could hold a seed of 2^63 or more: every output
    // records its scenario to run again.
    for scenario in ["blaster-sample", "slammer"] {
        let msg = input_error(wormscope_commands::simulate::run(
            &SimulateRequest {
                scenario: Some(scenario.into()),
                seed: Some(1 << 63),
                out: dir.path().join("out"),
                ..SimulateRequest::default()
            },
            &Silent,
        ));
        assert!(msg.starts_with("--seed: "), "{scenario}: {msg}");
    }
    // A Blaster study runs a week at least: a shorter --duration is
    // refused at once, not run for a week.
    let msg = input_error(wormscope_commands::compare::run(
        &CompareRequest {
            study: StudyRequest {
                scenario: Some("blaster-sample".into()),
                duration: Some("6h".parse().unwrap()),
                ..StudyRequest::default()
            },
            defenses: vec!["patch@0h".into()],
            ..CompareRequest::default()
        },
        &Silent,
    ));
    assert!(msg.starts_with("--duration: 6h is too short"), "{msg}");
    let msg = input_error(run("/nonexistent/x.toml", "1h"));
    assert!(msg.contains("/nonexistent/x.toml"), "{msg}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_misspelt_builtin_scenario_gets_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let msg = input_error(simulate(Path::new("blaster-smaple"), dir.path()));
    assert!(msg.contains("did you mean `blaster-sample`?"), "{msg}");
    let msg = input_error(wormscope_commands::scenario::run(&ScenarioRequest::Print {
        name: "slamer".into(),
    }));
    assert!(msg.contains("did you mean `slammer`?"), "{msg}");
    assert!(msg.contains("blaster"), "the names are listed: {msg}");
}

#[test]
fn scenario_print_and_list_answer_with_text() {
    let o = wormscope_commands::scenario::run(&ScenarioRequest::Print {
        name: "blaster".into(),
    })
    .unwrap();
    let parsed = wormscope_scenario::parse(&o.text, "printed").unwrap();
    assert_eq!(parsed, wormscope_scenario::default_scenario());
    let o = wormscope_commands::scenario::run(&ScenarioRequest::List).unwrap();
    for name in ["blaster", "blaster-sample", "codered2", "slammer", "witty"] {
        assert!(
            o.text.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} in {}",
            o.text
        );
    }
    // The summaries start in one column, whatever the names' lengths.
    let starts: std::collections::BTreeSet<usize> = o
        .text
        .lines()
        .map(|l| {
            let name_end = l.find(' ').unwrap();
            name_end + l[name_end..].find(|c: char| c != ' ').unwrap()
        })
        .collect();
    assert_eq!(starts.len(), 1, "{}", o.text);
}

#[test]
fn rules_and_iocs_answer_with_text_or_write_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = |output: Option<PathBuf>| {
        wormscope_commands::rules::run(&RulesRequest {
            defense: "border".parse().unwrap(),
            scenario: None,
            format: "nft".parse().unwrap(),
            inside: Vec::new(),
            output,
        })
    };
    let o = rules(None).unwrap();
    assert!(o.text.contains("CA-2003-20") && o.text.contains("4444"));
    assert!(o.files.is_empty());
    // Missing parents are created; the answer is the file.
    let path = dir.path().join("new/dirs/border.nft");
    let o = rules(Some(path.clone())).unwrap();
    assert_eq!(o.text, "");
    assert_eq!(o.files, std::slice::from_ref(&path));
    assert!(std::fs::read_to_string(&path).unwrap().contains("4444"));
    // A file where a directory must be: bad input, naming the path, no
    // temporary name, nothing written.
    let blocker = write(dir.path(), "a-file", "x");
    let msg = input_error(rules(Some(blocker.join("out.nft"))));
    assert!(msg.contains("a-file"), "{msg}");
    // (The writer's temporary files end in `.tmp`; the test's directory
    // begins with it.)
    assert!(!msg.contains(".tmp:") && !msg.ends_with(".tmp"), "{msg}");
    let o = wormscope_commands::ioc::run(&IocRequest {
        format: "csv".parse().unwrap(),
        output: None,
    })
    .unwrap();
    assert!(o.text.contains("5ae700c1dffb00cef492844a4db6cd69"));
}

#[test]
fn rules_come_from_any_scenarios_own_defense_section() {
    let dir = tempfile::tempdir().unwrap();
    let rules = |scenario: &str, defense: &str, format: &str| {
        wormscope_commands::rules::run(&RulesRequest {
            defense: defense.parse().unwrap(),
            scenario: Some(PathBuf::from(scenario)),
            format: format.parse().unwrap(),
            inside: Vec::new(),
            output: None,
        })
    };
    let o = rules("slammer", "isp-filter", "nft").unwrap();
    assert!(o.text.contains("udp dport 1434 drop"), "{}", o.text);
    assert!(o.text.contains("table inet wormscope_slammer_isp"));
    assert!(!o.text.contains("135"), "none of Blaster's ports");
    let o = rules("witty", "host-firewall", "iptables").unwrap();
    assert!(o.text.contains("-p udp -m udp --sport 4000"), "{}", o.text);
    // A user's file over Code Red, filtering 8080/tcp too on the way in.
    let file = write(
        dir.path(),
        "red.toml",
        "base = \"codered2\"\nname = \"red lab\"\n[defenses.border_filter]\nblocks_in = [\"80/tcp\", \"8080/tcp\"]\nblocks_out = [\"80/tcp\"]\n",
    );
    let o = rules(file.to_str().unwrap(), "border", "pf").unwrap();
    assert!(o.text.contains("--scenario ") && o.text.contains("red.toml"));
    let blocks: Vec<&str> = o.text.lines().filter(|l| l.starts_with("block")).collect();
    assert_eq!(
        blocks,
        [
            "block drop in quick on $ext_if proto tcp from any to any port 80",
            "block drop in quick on $ext_if proto tcp from any to any port 8080",
            "block drop out quick on $ext_if proto tcp from any to any port 80",
        ]
    );
    // Bad input: a misspelt built-in, a list that cuts the network off.
    let msg = input_error(rules("slamer", "isp", "nft"));
    assert!(msg.contains("slammer"), "{msg}");
    let cut = write(
        dir.path(),
        "cut.toml",
        "base = \"slammer\"\n[defenses.isp_filter]\nblocks_out = [\"*\"]\n",
    );
    let msg = input_error(rules(cut.to_str().unwrap(), "isp", "nft"));
    assert!(
        msg.contains("cut.toml:3: field `defenses.isp_filter.blocks_out`")
            && msg.contains("blocks_out lists `*`"),
        "{msg}"
    );
    // Nothing to drop: named at the section's list.
    let none = write(
        dir.path(),
        "none.toml",
        "base = \"slammer\"\n\n[defenses.isp_filter]\nblocks_in = []\nblocks_out = []\n",
    );
    let msg = input_error(rules(none.to_str().unwrap(), "isp", "nft"));
    assert!(
        msg.contains("none.toml:4: field `defenses.isp_filter.blocks_in`")
            && msg.contains("nothing to drop"),
        "{msg}"
    );
    // Code Red's target move null-routes its flood's address; Blaster's
    // flood aims at a name, and Slammer has none, so both are refused
    // saying why, with or without a scenario.
    let o = rules("codered2", "target-move", "iptables").unwrap();
    assert!(
        o.text.contains("-A FORWARD -i eth0 -d 198.137.240.91/32"),
        "{}",
        o.text
    );
    let msg = input_error(rules("blaster", "target-move", "nft"));
    assert!(
        msg.contains("windowsupdate.com") && msg.contains("--defense target-move"),
        "{msg}"
    );
    let msg = input_error(rules("slammer", "target_move", "nft"));
    assert!(
        msg.starts_with("slammer: ") && msg.contains("no [payload]"),
        "{msg}"
    );
    let msg = input_error(wormscope_commands::rules::run(&RulesRequest {
        defense: "target-move".parse().unwrap(),
        scenario: None,
        format: wormscope_act::RuleFormat::Pf,
        inside: Vec::new(),
        output: None,
    }));
    assert!(msg.contains("DNS record"), "{msg}");
}

#[test]
fn spoof_filter_rules_need_the_networks_own_prefixes_and_only_it_takes_them() {
    let rules = |defense: &str, scenario: Option<&str>, format: &str, inside: &[&str]| {
        wormscope_commands::rules::run(&RulesRequest {
            defense: defense.parse().unwrap(),
            scenario: scenario.map(PathBuf::from),
            format: format.parse().unwrap(),
            inside: inside.iter().map(|p| p.parse().unwrap()).collect(),
            output: None,
        })
    };
    let o = rules("bcp38", None, "nft", &["192.0.2.0/24", "198.51.100.0/23"]).unwrap();
    assert!(
        o.text
            .contains("oifname $EXT_IF ip saddr != { 192.0.2.0/24, 198.51.100.0/23 } drop"),
        "{}",
        o.text
    );
    let o = rules("spoof-filter", Some("blaster"), "pf", &["192.0.2.0/24"]).unwrap();
    assert!(
        o.text.contains("--inside 192.0.2.0/24 --format pf")
            && o.text.contains("from ! <wormscope_inside> to any"),
        "{}",
        o.text
    );
    // Bad input, exit code 2: no prefix, a Windows firewall, a flood that
    // does not spoof, --inside with another defense.
    let msg = input_error(rules("spoof-filter", None, "nft", &[]));
    assert!(
        msg.starts_with("--defense spoof-filter: ") && msg.contains("--inside PREFIX"),
        "{msg}"
    );
    let msg = input_error(rules("spoof-filter", None, "netsh", &["192.0.2.0/24"]));
    assert!(msg.contains("nft, iptables or pf"), "{msg}");
    let msg = input_error(rules(
        "spoof-filter",
        Some("codered2"),
        "nft",
        &["192.0.2.0/24"],
    ));
    assert!(
        msg.contains("field `payload.spoofed_sources`") && msg.contains("drops none of it"),
        "{msg}"
    );
    for (defense, scenario) in [("border", None), ("target-move", Some("codered2"))] {
        let msg = input_error(rules(defense, scenario, "nft", &["192.0.2.0/24"]));
        assert_eq!(
            msg, "--inside: only spoof-filter's rules use the network's own prefixes",
            "{defense}"
        );
    }
}

#[test]
fn outputs_that_cannot_be_written_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = write(dir.path(), "a-file", "x");
    let under = blocker.join("out");
    // Each of these would run for a while before writing: the refusal
    // comes first, so a full-scale scenario costs nothing here.
    let study = StudyRequest {
        runs: 100,
        ..StudyRequest::default()
    };
    let refusals = [
        wormscope_commands::simulate::run(
            &SimulateRequest {
                out: under.clone(),
                ..SimulateRequest::default()
            },
            &Silent,
        ),
        wormscope_commands::compare::run(
            &CompareRequest {
                study: study.clone(),
                defenses: vec!["patch@0h".into()],
                out: Some(under.clone()),
                ..CompareRequest::default()
            },
            &Silent,
        ),
        wormscope_commands::flaws::run(
            &FlawsRequest {
                study,
                defenses: wormscope_study::flaws::DEFENSES_2003.into(),
                out: Some(under.clone()),
                ..FlawsRequest::default()
            },
            &Silent,
        ),
        wormscope_commands::capture::run(&capture_request(None, &under, "0s", "1h"), &Silent),
        wormscope_commands::validate::run(
            &ValidateRequest {
                out: Some(under.clone()),
                ..ValidateRequest::default()
            },
            &Silent,
        ),
        wormscope_commands::report::run(&ReportRequest {
            dir: dir.path().to_path_buf(),
            output: Some(under.join("r.html")),
        }),
        wormscope_commands::detect::run(&DetectRequest {
            captures: vec!["/nonexistent.pcap".into()],
            hosts: Some(under.join("hosts.csv")),
            ..DetectRequest::default()
        }),
    ];
    for r in refusals {
        let msg = input_error(r);
        assert!(msg.contains("a-file"), "{msg}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

fn study(scenario: &Path, runs: u32) -> StudyRequest {
    StudyRequest {
        scenario: Some(scenario.to_path_buf()),
        runs,
        ..StudyRequest::default()
    }
}

#[test]
fn compare_answers_one_object_per_variant_with_bands_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.toml", &tiny());
    let o = wormscope_commands::compare::run(
        &CompareRequest {
            study: study(&scenario, 2),
            defenses: vec!["isp-block-135@0h".into(), "dcom-off@1h+dns-takedown".into()],
            json: true,
            ..CompareRequest::default()
        },
        &Silent,
    )
    .unwrap();
    assert!(o.files.is_empty());
    let v: serde_json::Value = serde_json::from_str(&o.text).unwrap();
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
        // Every worm's comparison has the infected count at the run's end.
        let q = |k: &str| x[format!("infected_final_{k}")].as_f64().expect("a number");
        assert!(q("p05") <= q("median") && q("median") <= q("p95") && q("p05") > 0.0);
    }
    assert_eq!(list[0]["infected_final_delta_median"], 0.0);
    assert_eq!(list[0]["infected_7d_delta_median"], 0.0);
    // Taking the flood target's name down before 16 August leaves no flood,
    // on the 16th or over the whole run.
    assert_eq!(list[2]["flood_gbps_aug16_median"], 0.0);
    assert_eq!(list[2]["flood_packets_median"], 0.0);
    let baseline = list[0]["flood_packets_median"].as_f64().expect("a number");
    assert!(baseline > 0.0, "{}", list[0]);

    // With an output directory, the runs are kept: the same study again
    // resumes from them and answers the same, byte for byte.
    let out = dir.path().join("out");
    let run = || {
        wormscope_commands::compare::run(
            &CompareRequest {
                study: study(&scenario, 2),
                defenses: vec!["isp-filter@0h".into()],
                out: Some(out.clone()),
                ..CompareRequest::default()
            },
            &Silent,
        )
        .unwrap()
    };
    let first = run();
    assert!(!first.notes.contains("resumed"), "{}", first.notes);
    assert!(first.files.contains(&out.join("comparison.json")));
    let kept = std::fs::read(out.join("comparison.json")).unwrap();
    let again = run();
    assert!(
        again.notes.contains("resumed: 4 runs were kept"),
        "{}",
        again.notes
    );
    assert_eq!(again.text, first.text);
    assert_eq!(std::fs::read(out.join("comparison.json")).unwrap(), kept);
}

#[test]
fn bad_variants_are_bad_input_before_any_run() {
    for (spec, says) in [
        ("isp-block-139@6h", "not a defense"),
        ("patch@2003-08-01T00:00:00Z", "before the simulation start"),
    ] {
        // The full-scale default: a refusal after any work would take
        // minutes.
        let msg = input_error(wormscope_commands::compare::run(
            &CompareRequest {
                study: StudyRequest {
                    runs: 1,
                    ..StudyRequest::default()
                },
                defenses: vec![spec.into()],
                ..CompareRequest::default()
            },
            &Silent,
        ));
        assert!(msg.contains(says), "{msg}");
    }
    let msg = input_error(wormscope_commands::compare::run(
        &CompareRequest::default(),
        &Silent,
    ));
    assert!(msg.contains("--defense"), "{msg}");
}

#[test]
fn flaws_answers_each_variant_under_both_defense_sets() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.toml", &tiny());
    let out = dir.path().join("flaws");
    let o = wormscope_commands::flaws::run(
        &FlawsRequest {
            study: study(&scenario, 2),
            defenses: wormscope_study::flaws::DEFENSES_2003.into(),
            answer: FlawsAnswer::Json,
            out: Some(out.clone()),
        },
        &Silent,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&o.text).unwrap();
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
    for name in ["flaws.json", "flaws-reliance.json", "flaws.txt", "flaws.md"] {
        assert!(o.files.contains(&out.join(name)), "{name}");
    }
}

fn capture_request(scenario: Option<&Path>, output: &Path, from: &str, to: &str) -> CaptureRequest {
    CaptureRequest {
        scenario: scenario.map(Path::to_path_buf),
        seed: None,
        vantage: "isp-edge".into(),
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        output: output.to_path_buf(),
        format: wormscope_wire::write::OutputFormat::Pcap,
        max_packets: None,
        background_pps: None,
    }
}

#[test]
fn capture_writes_a_pcap_and_refuses_bad_windows_or_too_many_packets() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "small.toml", &small());
    let out = dir.path().join("edge.pcap");
    let o = wormscope_commands::capture::run(
        &capture_request(Some(&file), &out, "1h", "1h2m"),
        &Silent,
    )
    .unwrap();
    assert!(
        o.text.contains("engine count for this vantage and window"),
        "{}",
        o.text
    );
    assert_eq!(o.files, std::slice::from_ref(&out));
    let pcap = std::fs::read(&out).unwrap();
    assert_eq!(&pcap[..4], &0xa1b2_c3d4u32.to_le_bytes(), "classic pcap");
    std::fs::remove_file(&out).unwrap();

    for (vantage, from, to, says) in [
        ("radar", "1h", "2h", "isp-edge"),
        ("isc", "1h", "2h", "distributed"),
        ("isp-edge", "2h", "1h", "--from"),
        // The run would outgrow its rows: the window is to blame.
        (
            "isp-edge",
            "1h",
            "30000d",
            "--to: 30000d is past the scenario's",
        ),
    ] {
        let mut req = capture_request(Some(&file), &out, from, to);
        req.vantage = vantage.into();
        let msg = input_error(wormscope_commands::capture::run(&req, &Silent));
        assert!(msg.contains(says), "{vantage} {from} {to}: {msg}");
        assert!(!out.exists());
    }
    // A window past the scenario's end carries the run on to it.
    let req = capture_request(Some(&file), &out, "8h", "8h1m");
    let o = wormscope_commands::capture::run(&req, &Silent).unwrap();
    assert!(o.text.contains("8h to 8h1m"), "{}", o.text);
    assert!(out.exists());
    std::fs::remove_file(&out).unwrap();
    // Too many frames is not the input's fault: a failure while running.
    let mut req = capture_request(Some(&file), &out, "1h", "1h10m");
    req.max_packets = Some(100);
    match wormscope_commands::capture::run(&req, &Silent) {
        Err(CommandError::Run(e)) => assert!(e.to_string().contains("--max-packets"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(!out.exists());
}

/// The ensemble fixture of the report crate: every optional input.
fn ensemble_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures/ensemble")
}

#[test]
fn report_writes_the_page_and_says_what_it_drew() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("ens.html");
    let o = wormscope_commands::report::run(&ReportRequest {
        dir: ensemble_fixture(),
        output: Some(page.clone()),
    })
    .unwrap();
    assert!(o.text.contains("from an ensemble"), "{}", o.text);
    assert!(!o.text.contains("skipped"), "{}", o.text);
    assert_eq!(o.files, std::slice::from_ref(&page));
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}

#[test]
fn bad_report_input_is_bad_input_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("r.html");
    let refused = |d: &Path| {
        let msg = input_error(wormscope_commands::report::run(&ReportRequest {
            dir: d.to_path_buf(),
            output: Some(page.clone()),
        }));
        assert!(!page.exists(), "nothing is written");
        msg
    };
    let msg = refused(&dir.path().join("nowhere"));
    assert!(msg.contains("nowhere"), "{msg}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(refused(&empty).contains("timeseries.csv: missing"));

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
        let msg = refused(&broken);
        assert!(msg.contains(want), "{file}: {msg}");
    }
}

#[test]
fn sweep_shards_merge_and_name_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.toml", &small());
    let sweep = write(
        dir.path(),
        "sweep.toml",
        "base = \"small.toml\"\nseeds = 2\n[set]\nduration = \"1h\"\n[grid]\n\"worm.guess_xp_pct\" = [50, 100]\n",
    );
    let out = dir.path().join("out");
    let shard = |s: &str| {
        wormscope_commands::sweep::run(
            &SweepRequest::Shard {
                file: sweep.clone(),
                shard: s.parse().unwrap(),
                out: out.clone(),
            },
            &Silent,
        )
    };
    let merge =
        || wormscope_commands::sweep::run(&SweepRequest::Merge { dir: out.clone() }, &Silent);
    let o = shard("1/2").unwrap();
    assert!(
        o.text
            .contains("shard 1/2: 2 of 4 runs (2 variants x 2 seeds), 120 rows"),
        "{}",
        o.text
    );
    // Shard 0 is missing: the merge says which.
    let msg = input_error(merge());
    assert!(msg.contains("shard-00000-of-00002.parquet"), "{msg}");
    shard("0/2").unwrap();
    let o = merge().unwrap();
    assert!(
        o.text
            .contains("merged 2 shards: 2 variants x 2 seeds, 240 rows"),
        "{}",
        o.text
    );
    assert_eq!(o.files, [out.join("merged.parquet")]);
    assert!(out.join("merged.parquet").exists());
    // Bad input names the sweep file, line and field.
    std::fs::write(
        &sweep,
        "base = \"small.toml\"\n[grid]\n\"worm.guess_xp_pct\" = [50, 150]\n",
    )
    .unwrap();
    let msg = input_error(shard("0/1"));
    assert!(
        msg.contains("sweep.toml:3: field `worm.guess_xp_pct`"),
        "{msg}"
    );
}

#[test]
fn detect_fails_its_verdict_on_a_damaged_capture_and_refuses_an_unreadable_one() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    wormscope_wire::synth::SyntheticCapture::new(wormscope_wire::synth::SynthConfig {
        target_bytes: 1 << 20,
        ..Default::default()
    })
    .read_to_end(&mut bytes)
    .unwrap();
    let hosts = dir.path().join("hosts.csv");
    let detect = |capture: PathBuf| {
        wormscope_commands::detect::run(&DetectRequest {
            captures: vec![capture],
            hosts: Some(hosts.clone()),
            ..DetectRequest::default()
        })
    };
    let whole = write(dir.path(), "whole.pcap", "");
    std::fs::write(&whole, &bytes).unwrap();
    let o = detect(whole).unwrap();
    assert_eq!(o.verdict, CommandVerdict::Done);
    assert_eq!(o.files, std::slice::from_ref(&hosts));
    assert!(o.text.contains("infected"), "{}", o.text);
    // Cut in the middle of a frame: the answer covers what came before,
    // and the verdict says where it broke.
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let o = detect(cut).unwrap();
    let CommandVerdict::Failed(why) = &o.verdict else {
        panic!("a damaged capture passed")
    };
    assert!(why.contains("cut.pcap") && why.contains("offset"), "{why}");
    assert!(o.text.contains("up to the damaged point"), "{}", o.text);
    assert!(hosts.exists(), "the table of the frames before the damage");
    // Not a capture at all: bad input, nothing written.
    std::fs::remove_file(&hosts).unwrap();
    let junk = write(dir.path(), "junk.pcap", "this is not a capture at all");
    let msg = input_error(detect(junk));
    assert!(msg.contains("unknown capture format"), "{msg}");
    assert!(!hosts.exists());
}

#[test]
fn validate_refuses_scenarios_it_cannot_hold_to_figures() {
    let dir = tempfile::tempdir().unwrap();
    let refusal = |scenarios: Vec<PathBuf>| {
        input_error(wormscope_commands::validate::run(
            &ValidateRequest {
                scenarios,
                ..ValidateRequest::default()
            },
            &Silent,
        ))
    };
    let msg = refusal(vec!["blaster-sample".into()]);
    assert!(
        msg.contains("blaster-sample: field `validation`: there are no figures"),
        "{msg}"
    );
    // A figure of a sensor the file took away (the run reaches ISC's count).
    let unwatched = write(
        dir.path(),
        "unwatched.toml",
        &small_world("24h").replace("[world]", "sensors = []\n[world]"),
    );
    let msg = refusal(vec![unwatched]);
    assert!(
        msg.contains("field `validation[0].measure.sensor`: no sensor is called `isc`")
            && msg.contains("no sensors"),
        "{msg}"
    );
    // A count made before the run began: the file runs, but cannot be
    // held to it.
    let later = write(
        dir.path(),
        "later.toml",
        &small().replace(
            "[world]",
            "validation = [{ figure = \"x\", measure = { kind = \"sources-seen-at\", \
             sensor = \"isc\", at = \"2003-08-10T00:00:00Z\" }, published = 1, \
             tolerance = { at_least = 1 }, source = \"-\" }]\n[world]",
        ),
    );
    assert!(simulate(&later, &dir.path().join("later")).is_ok());
    let msg = refusal(vec![later]);
    assert!(
        msg.contains("later.toml: field `validation[0].measure.at`") && msg.contains("before"),
        "{msg}"
    );
    // Code Red cut short of its figure at 14 h: it could never be measured.
    let short = write(
        dir.path(),
        "short.toml",
        "base = \"codered2\"\nname = \"short\"\nduration = \"12h\"\n",
    );
    let msg = refusal(vec![short]);
    assert!(
        msg.contains("short.toml: field `validation[")
            && msg.contains("].measure.at`: 14h falls after the run ends (12h after the start)"),
        "{msg}"
    );
    // A count made after a Blaster run ends, given as a moment.
    let after = write(
        dir.path(),
        "after.toml",
        &small().replace(
            "[world]",
            "validation = [{ figure = \"x\", measure = { kind = \"sources-seen-at\", \
             sensor = \"isc\", at = \"2003-08-30T00:00:00Z\" }, published = 1, \
             tolerance = { at_least = 1 }, source = \"-\" }]\n[world]",
        ),
    );
    let msg = refusal(vec![after]);
    assert!(
        msg.contains("after.toml: field `validation[0].measure.at`: 2003-08-30T00:00:00Z (")
            && msg.contains("after the start) falls after the run ends (3h after the start)"),
        "{msg}"
    );
    // Slammer with its figures taken away.
    let file = write(
        dir.path(),
        "bare.toml",
        "base = \"slammer\"\nname = \"bare\"\nvalidation = []\n",
    );
    let msg = refusal(vec![file]);
    assert!(msg.contains("no figures to check"), "{msg}");
    // Two scenarios of one name: their rows and figure files would clash.
    let walking = write(
        dir.path(),
        "walking.toml",
        "base = \"witty\"\n[worm]\ntargeting = \"sequential\"\n",
    );
    let msg = refusal(vec!["witty".into(), walking]);
    assert!(
        msg.contains("walking.toml: field `name`") && msg.contains("`witty`"),
        "{msg}"
    );
}

#[test]
fn validate_holds_a_blaster_scenario_to_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let figures = "validation = [\n\
        { figure = \"infected at 2 h\", measure = { kind = \"infected-at\", at = \"2h\" }, \
          published = 1, tolerance = { at_least = 1 }, source = \"-\" },\n\
        { figure = \"isc at 2 h\", measure = { kind = \"sources-seen-at\", sensor = \"isc\", \
          at = \"2003-08-11T21:00:00Z\" }, published = 1e9, tolerance = { relative_pct = 1 }, \
          source = \"-\" },\n\
        { figure = \"in the end\", measure = { kind = \"final-infected\" }, published = 1, \
          tolerance = { at_least = 1 }, source = \"-\" },\n]\n";
    let file = write(
        dir.path(),
        "small.toml",
        &small().replace("[world]", &format!("{figures}[world]")),
    );
    let out = dir.path().join("v");
    let o = wormscope_commands::validate::run(
        &ValidateRequest {
            scenarios: vec![file.clone()],
            runs: Some(2),
            out: Some(out.clone()),
            ..ValidateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    // The isc figure is a billion sources: it fails, the others pass.
    assert!(
        matches!(o.verdict, CommandVerdict::Failed(_)),
        "{:?}",
        o.verdict
    );
    let rows: Vec<&str> = o.text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{}", o.text);
    assert!(
        rows[0].ends_with("PASS") && rows[2].ends_with("PASS"),
        "{}",
        o.text
    );
    assert!(
        rows[1].contains("(sources)") && rows[1].ends_with("FAIL"),
        "{}",
        o.text
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("validation.json")).unwrap()).unwrap();
    let isc = &json[1];
    assert_eq!(isc["runs"], 2);
    // The sensor had reported some sources by then.
    let sources = isc["simulated"].as_f64().unwrap();
    assert!(sources > 0.0, "{json}");
    let svg = std::fs::read_to_string(out.join("small.svg")).unwrap();
    assert!(svg.contains("sources reported by isc") && svg.contains("published: isc at 2 h"));
    // The curve's measures read a Blaster run's rows as they read a
    // random-scanning worm's infections: each has a value, and a published
    // figure far off it fails.
    let curve = write(
        dir.path(),
        "curve.toml",
        &small().replace(
            "[world]",
            "validation = [\n\
             { figure = \"rate\", measure = { kind = \"peak-scan-rate\" }, \
               published = 1, tolerance = { at_least = 1 }, source = \"-\" },\n\
             { figure = \"peak\", measure = { kind = \"peak-infections-per-minute\" }, \
               published = 1, tolerance = { at_least = 1 }, source = \"-\" },\n\
             { figure = \"k\", measure = { kind = \"logistic-k\", from_pct = 5, to_pct = 95 }, \
               published = 1000, tolerance = { relative_pct = 10 }, source = \"-\" },\n\
             { figure = \"all\", measure = { kind = \"time-to-share\", share_pct = 99 }, \
               published = 60, tolerance = { absolute = 60 }, source = \"-\" },\n]\n[world]",
        ),
    );
    let o = wormscope_commands::validate::run(
        &ValidateRequest {
            scenarios: vec![curve],
            runs: Some(1),
            json: true,
            ..ValidateRequest::default()
        },
        &Silent,
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&o.text).unwrap();
    let value = |i: usize| json[i]["simulated"].as_f64().unwrap_or(f64::NAN);
    assert!(value(0) > 50.0, "probes a second: {json}");
    assert!(value(1) >= 1.0, "infections a minute: {json}");
    assert!(value(2).is_finite() && value(2) > 0.0, "K: {json}");
    assert_eq!(
        (json[0]["pass"].as_bool(), json[2]["pass"].as_bool()),
        (Some(true), Some(false)),
        "{json}"
    );
    // 99 % of the vulnerable are never infected in 3 hours: n/a, told
    // apart from the figure outside its tolerance.
    assert!(value(3).is_nan(), "{json}");
    match &o.verdict {
        CommandVerdict::Failed(why) => assert_eq!(
            why,
            "1 of 4 figures falls outside their tolerance; \
             1 of 4 figures was not measured (n/a: the runs never got there)"
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        o.notes
            .starts_with("4 figures, 1 failed, 1 not measured (n/a), in "),
        "{}",
        o.notes
    );
}

#[test]
fn a_world_with_fewer_patient_zeros_or_hit_list_hosts_than_asked_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, initial: u64, listed: u64| {
        let text = small().replace("duration = \"3h\"", "duration = \"1m\"");
        let text = text.replace(
            "initial_infected = 5\n",
            &format!(
                "initial_infected = {initial}\n[worm.hit_list]\nhosts = {listed}\nprobes_per_second = 10\n"
            ),
        );
        let scenario = write(dir.path(), name, &text);
        let noted = common::Noted::default();
        wormscope_commands::simulate::run(
            &SimulateRequest {
                scenario: Some(scenario),
                out: dir.path().join(format!("{name}-out")),
                ..Default::default()
            },
            &noted,
        )
        .unwrap();
        noted.text()
    };
    let many = run("many.toml", 50_000, 1_000_000);
    assert!(
        many.contains("note: worm.initial_infected asks for 50000 hosts; the world has "),
        "{many}"
    );
    let few = run("few.toml", 2, 1_000_000);
    assert!(!few.contains("initial_infected"), "{few}");
    let (_, rest) = few
        .split_once("note: worm.hit_list asks for 1000000 hosts; only ")
        .unwrap_or_else(|| panic!("{few}"));
    let named: u64 = rest.split(' ').next().unwrap().parse().unwrap();
    assert!(named > 0 && named < 1_000_000, "{few}");
    // Exactly as many as there are is no shortfall; one more is.
    assert!(!run("exact.toml", 2, named).contains("hit_list"));
    assert!(run("over.toml", 2, named + 1).contains(&format!("only {named} vulnerable hosts")));
}
