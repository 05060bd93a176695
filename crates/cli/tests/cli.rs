//! The `wormscope` command as a user meets it: exit codes, threads, pipes,
//! standard input, the terminal. What each command answers, writes and
//! refuses is held in `crates/commands/tests`.

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
    // The commands' tests hold every field; here, that the message and the
    // exit code reach the user.
    let cases = [
        ("seed = 1\n[worm]\nbatch_sise = 3\n", "3", "worm.batch_sise"),
        (
            "[defenses.border_filter]\nblocks_in = [\"135/tcp\", \"4444/sctp\"]\n",
            "2",
            "defenses.border_filter.blocks_in[1]",
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
fn bad_flags_exit_2() {
    for args in [
        &["simulate", "--duration", "ten minutes"][..],
        &["simulate", "--duration", "0s"][..],
        &["simulate", "--seed", "-1"][..],
        // Past what a scenario file holds (TOML's signed 64 bits).
        &["simulate", "--seed", "9223372036854775808"][..],
        &["simulate", "--scenario", "/nonexistent/x.toml"][..],
        &["detect", "/nonexistent/capture.pcap"][..],
        &["rules", "--defense", "dmz"][..],
        &["compare", "--defense", "isp-block-139@6h", "--runs", "1"][..],
        &["sweep", "x.toml", "--shard", "2/2"][..],
        &["sweep", "x.toml", "--shard", "1/0"][..],
        &[
            "capture",
            "--vantage",
            "isp-edge",
            "--from",
            "ten",
            "--to",
            "2h",
            "-o",
            "x.pcap",
        ][..],
        // A file where the output directory must go.
        &["simulate", "--out", "/dev/null/out"][..],
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
fn capture_writes_the_same_pcap_at_one_and_two_threads() {
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

    // Too many frames is a failure while running: exit 1, nothing written.
    let o = capture(&[
        "--vantage",
        "isp-edge",
        "--from",
        "1h",
        "--to",
        "1h10m",
        "--max-packets",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-packets"), "{}", stderr(&o));
    assert!(!out.exists(), "a file was written");
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
    // Five charts of the run: infection, hosts offline (churn is on in the
    // built-in), crashed/rebooting, events, probes.
    assert!(html.contains("Hosts offline"));
    assert_eq!(html.matches("<svg").count(), 5, "charts");
    assert!(full_charts > 5, "{full_charts}");
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
    // 4 run charts, 2 flood charts, 1 sensor chart, 1 bar chart and the
    // variants' curves.
    assert_eq!(html.matches("<svg").count(), 9);
    assert!(html.contains("infected (median, 5-95 %)"));
    assert!(html.contains("Infected hosts by variant"));
    assert!(html.matches("<polygon").count() >= 8 + 4 + 4, "bands");
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

#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_command_without_a_panic() {
    // A command whose output is larger than a pipe holds (64 KiB on
    // Linux), so that it is still writing when the reader has gone: the
    // hourly table of two months (of a /20: the table's length is the
    // duration's, whatever the world's size).
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SMALL.replace("61.4.0.0/14", "61.4.0.0/20")).unwrap();
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
    // A capture cut short: the verdicts so far on standard output, the
    // damage on standard error, exit 1.
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let o = wormscope(&["detect", cut.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("up to the damaged point"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(stderr(&o).contains("error: "), "{}", stderr(&o));
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
    // Options that take a scenario say it may be a name.
    let o = wormscope(&["simulate", "--help"], None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("--scenario <NAME or FILE>"));
}
