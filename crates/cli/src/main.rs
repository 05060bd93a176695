//! The `wormscope` command. Parses arguments, calls the library crates,
//! prints what they return. Only this crate knows about terminals; it maps
//! outcomes to exit codes (`detect` and `capture` errors still carry
//! theirs).
//!
//! Exit codes: 0 success, 1 a failure while running, 2 bad input (flags,
//! scenario files).

mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wormscope_scenario::{AnyScenario, RandomScanScenario, Scenario, ScenarioError, SimDuration};

#[derive(Parser)]
#[command(
    name = "wormscope",
    version,
    about = "A laboratory for network worm outbreaks (reference case: W32/Blaster, August 2003). Defensive only: it simulates, observes and detects; it never sends a packet."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an outbreak and write timeseries.csv, summary.json and what the
    /// scenario's sensors saw (sensors.csv, sensors.json).
    #[command(after_help = "Examples:
  wormscope simulate                                   # blaster, its 24h, into wormscope-out/
  wormscope simulate --scenario blaster-sample --duration 7d --runs 4 --out ens
  wormscope simulate --scenario my.toml --seed 7 --quiet

Defaults: the scenario's duration (24h for blaster) and seed; one run.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Simulate(SimulateArgs),
    /// Run the baseline and defended variants as ensembles on the same
    /// seeds and compare them, with bands.
    #[command(after_help = "Examples:
  wormscope compare --runs 8 --defense isp-filter@6h
  wormscope compare --scenario blaster-sample --defense border-filter@0h --defense patch@24h

Defaults: 10 runs per variant, at least 7 simulated days. On the whole
internet (the default scenario) each run of a week takes minutes: 8 runs of
two variants took 16 minutes on 2 cores; blaster-sample takes seconds.
With --out DIR the finished runs are kept in DIR: run the same command
again after an interruption and it resumes.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Compare(CompareArgs),
    /// Measure what each of Blaster's design flaws cost it, and which
    /// defenses worked only because of them.
    #[command(after_help = "Examples:
  wormscope flaws --scenario blaster-sample --runs 4
  wormscope flaws --runs 8 --markdown > flaws.md

Defaults: 10 runs per variant, at least 7 simulated days, the defenses of
August 2003. It runs 20 ensembles: on the whole internet (the default
scenario) that is hours on 2 cores; blaster-sample takes minutes. With
--out DIR the finished runs are kept in DIR: run the same command again
after an interruption and it resumes.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Flaws(FlawsArgs),
    /// Built-in scenarios: print or list them.
    #[command(
        after_help = "Examples:\n  wormscope scenario list\n  wormscope scenario print blaster > my.toml   # then edit, and keep only what you change\n\nExit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths)."
    )]
    Scenario {
        #[command(subcommand)]
        action: ScenarioCommand,
    },
    /// Print the firewall rules that deploy a defense (CERT CA-2003-20).
    #[command(after_help = "Examples:
  wormscope rules --defense border-filter
  wormscope rules --defense isp-filter --format iptables -o isp.rules

Defaults: nft syntax, to standard output.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Rules(RulesArgs),
    /// Print the host indicators of W32/Blaster (STIX 2.1 or CSV).
    #[command(after_help = "Examples:
  wormscope ioc
  wormscope ioc --format csv -o blaster-ioc.csv

Defaults: a STIX 2.1 bundle, to standard output.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Ioc(IocArgs),
    /// Find worm-infected hosts in pcap/pcapng captures, with evidence.
    #[command(after_help = "Examples:
  wormscope detect capture.pcapng --eve eve.json --hosts hosts.csv
  tcpdump -w - -i eth0 | wormscope detect -

Exit codes: 0 read to the end; 1 a damaged capture (the report covers the
frames before the damage); 2 an unreadable capture or output path.")]
    Detect(DetectArgs),
    /// Write what a vantage point (an edge or telescope sensor of the
    /// scenario) captured in a time window, as pcap or pcapng.
    #[command(after_help = "Examples:
  wormscope capture --vantage telescope --from 1h --to 1h10m -o telescope.pcap
  wormscope capture --scenario blaster-sample --vantage telescope --from 2h --to 2h5m --pcapng -o t.pcapng

Defaults: the blaster scenario and seed; classic pcap.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Capture(CaptureArgs),
    /// Make one self-contained HTML report (inline SVG plots) from an
    /// output directory.
    #[command(after_help = "Examples:
  wormscope simulate --out run && wormscope report run

Defaults: writes OUT_DIR/report.html.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Report(ReportArgs),
    /// Run one shard of a parameter sweep (grid of variants x seeds) into
    /// a Parquet file, or merge the shards (`sweep merge DIR`).
    #[command(after_help = "Examples:
  wormscope sweep grid.toml --shard 0/4 --out sweep-out
  wormscope sweep merge sweep-out

Defaults: shard 0/1 (everything), into sweep-out/.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Sweep(SweepArgs),
    /// Run the historical scenarios (Code Red v2, Slammer) as ensembles and
    /// hold each published figure against its simulated band. Exits 1 if
    /// any figure fails.
    #[command(after_help = "Examples:
  wormscope validate
  wormscope validate --scenario slammer --runs 4 --json

Defaults: every built-in random-scanning scenario, each with its own runs.

Exit codes: 0 every figure passed; 1 a figure failed, or a failure while
running; 2 bad input.")]
    Validate(ValidateArgs),
    /// Measure the engine (speed-up against the reference, full-scale run)
    /// and the detector (throughput).
    #[command(after_help = "Examples:
  wormscope bench --json
  wormscope bench --no-week --no-historical --compare-runs 0 --detector-bytes 0

Takes about 5 minutes on 2 cores (the full-scale week is most of it).

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Scenario files or built-in names (random-scanning scenarios);
    /// default: every built-in one (codered2, slammer).
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Vec<PathBuf>,
    /// Runs per ensemble (default: each scenario's `runs`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000))]
    runs: Option<u32>,
    /// Print a JSON list of objects (scenario, figure, published,
    /// simulated, pass, ...) instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write validation.json and each scenario's figure
    /// (SCENARIO.svg) into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RulesArgs {
    /// Which defense, by its scenario section's name: border-filter,
    /// isp-filter or host-firewall (`_` for `-` works too; so do the
    /// older border, isp and host).
    #[arg(long, value_name = "DEFENSE")]
    defense: wormscope_act::Defense,
    /// Rule syntax: nft, iptables, netsh or pf.
    #[arg(long, default_value = "nft")]
    format: wormscope_act::RuleFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Output directory of `wormscope simulate`, or of `compare` or
    /// `flaws` with --out (timeseries.csv, and summary.json, flood.csv,
    /// sensors.csv, telescope.csv, validation.json, comparison.json,
    /// flaws.json when present).
    #[arg(value_name = "OUT_DIR")]
    dir: PathBuf,
    /// The HTML file to write (atomically); default OUT_DIR/report.html.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct SweepArgs {
    #[command(subcommand)]
    action: Option<SweepCommand>,
    /// The sweep file (TOML: base, seeds, [set], [grid]).
    #[arg(value_name = "SWEEP.toml", required = true)]
    file: Option<PathBuf>,
    /// Which shard to run, I/N (0-based): job k of the sweep belongs to
    /// shard k mod N.
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    shard: wormscope_sweep::Shard,
    /// Directory the shard's Parquet file is written into.
    #[arg(long, value_name = "DIR", default_value = "sweep-out")]
    out: PathBuf,
}

#[derive(Subcommand)]
enum SweepCommand {
    /// Check that every shard and run is there once and write
    /// DIR/merged.parquet, sorted by (variant, seed, time_s).
    Merge {
        /// The directory the shards were written into.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct IocArgs {
    /// Output format: stix (a STIX 2.1 bundle) or csv.
    #[arg(long, default_value = "stix")]
    format: wormscope_act::IocFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct DetectArgs {
    /// Capture files (pcap or pcapng), read in order as one stream; `-`
    /// reads standard input (`tcpdump -w - | wormscope detect -`).
    #[arg(required = true, value_name = "CAPTURE")]
    captures: Vec<PathBuf>,
    /// Write alerts as Suricata EVE JSON lines to this file.
    #[arg(long, value_name = "FILE")]
    eve: Option<PathBuf>,
    /// Write the per-host verdict table (CSV) to this file.
    #[arg(long, value_name = "FILE")]
    hosts: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CaptureArgs {
    /// Scenario file (TOML) or built-in name; default: blaster.
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Name of an edge or telescope sensor of the scenario.
    #[arg(long, value_name = "NAME")]
    vantage: String,
    /// Window start, since the scenario's start, e.g. 1h.
    #[arg(long, value_name = "DURATION")]
    from: SimDuration,
    /// Window end (exclusive), e.g. 1h10m.
    #[arg(long, value_name = "DURATION")]
    to: SimDuration,
    /// Output capture file.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Write pcapng instead of classic pcap.
    #[arg(long)]
    pcapng: bool,
    /// Refuse captures of more frames (default: the scenario's
    /// capture.max_packets).
    #[arg(long, value_name = "N")]
    max_packets: Option<u64>,
    /// Background packets per second (default: the scenario's
    /// capture.background_pps).
    #[arg(long, value_name = "PPS")]
    background_rate: Option<f64>,
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// Scenario file (TOML) or built-in name; default: blaster.
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the simulated duration, e.g. 90s, 10m, 48h, 7d.
    #[arg(long, value_name = "DURATION")]
    duration: Option<SimDuration>,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "wormscope-out")]
    out: PathBuf,
    /// Run an ensemble of N runs on derived seeds (in parallel) and write
    /// each series' median and 5-95 % band.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: Option<u32>,
    /// Print nothing but errors: no summary, progress or timing.
    #[arg(long)]
    quiet: bool,
}

/// What every study of many runs takes.
#[derive(clap::Args)]
struct StudyArgs {
    /// Scenario file (TOML) or built-in name; default: blaster. For runs
    /// that finish in minutes, try blaster-sample.
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Option<PathBuf>,
    /// Runs per variant (the same seeds for every variant).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: u32,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated duration; at least 7 days and to the end of 16 August
    /// (for the 7-day and flood metrics), longer if given.
    #[arg(long, value_name = "DURATION")]
    duration: Option<SimDuration>,
}

impl StudyArgs {
    /// The scenario, running long enough for every metric.
    fn scenario(&self) -> Result<Scenario, Failure> {
        let mut s = load_scenario(self.scenario.as_ref(), self.seed, self.duration)?;
        s.duration = wormscope_study::comparison_duration(&s);
        Ok(s)
    }
}

#[derive(clap::Args)]
struct CompareArgs {
    #[command(flatten)]
    study: StudyArgs,
    /// A variant: a defense name with an optional start, e.g.
    /// isp-filter@6h, border-filter@0h, patch@24h, dns-takedown@120h;
    /// join several with `+`. A defense's name is its scenario section's
    /// (`-` or `_`): patch, isp-filter, border-filter, host-firewall,
    /// dcom-disabled, users, cleanup, dns-takedown, spoof-filter; presets
    /// and older names: isp-block-135, isp-block-all, dcom-off,
    /// users-notice, bcp38.
    #[arg(long = "defense", value_name = "SPEC")]
    defenses: Vec<String>,
    /// A TOML file with a list of [[variant]] tables (name, defenses).
    #[arg(long, value_name = "FILE")]
    variants: Option<PathBuf>,
    /// Print the table as JSON: a list of objects, one per variant.
    #[arg(long)]
    json: bool,
    /// Also write comparison.json, comparison.txt and the baseline's
    /// ensemble files into this directory (`wormscope report DIR` draws
    /// them).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct FlawsArgs {
    #[command(flatten)]
    study: StudyArgs,
    /// The baseline's defenses, joined with `+` (default: those of August
    /// 2003).
    #[arg(long, value_name = "SPEC", default_value = wormscope_study::flaws::DEFENSES_2003)]
    defenses: String,
    /// Print the first table as JSON: a list of objects.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print the written finding (Markdown) instead of the tables.
    #[arg(long)]
    markdown: bool,
    /// Also write flaws.json, flaws-reliance.json, flaws.txt, flaws.md and
    /// the baseline's ensemble files into this directory (`wormscope report
    /// DIR` draws them).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Print a built-in scenario as a commented TOML file.
    Print {
        /// Name of the built-in scenario.
        #[arg(default_value = "blaster")]
        name: String,
    },
    /// List the built-in scenarios.
    List,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Simulated time of the engine-against-reference comparison, e.g.
    /// 6h.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    reference_duration: SimDuration,
    /// The same in whole hours (an older spelling, kept for scripts).
    #[arg(
        long,
        value_name = "HOURS",
        hide = true,
        conflicts_with = "reference_duration"
    )]
    reference_hours: Option<u64>,
    /// Skip the full-scale runs (the speed-up only).
    #[arg(long)]
    no_full_scale: bool,
    /// Skip the full-scale week (keep the full-scale day).
    #[arg(long)]
    no_week: bool,
    /// Runs per variant of the benchmark-sized defense comparison (0
    /// skips it).
    #[arg(long, default_value_t = 4)]
    compare_runs: u32,
    /// Skip Code Red v2 and Slammer (full scale, and random scanning
    /// against its reference).
    #[arg(long)]
    no_historical: bool,
    /// Bytes of synthetic capture for the detector's throughput row (0
    /// skips it).
    #[arg(long, default_value_t = 1 << 30)]
    detector_bytes: u64,
}

/// A failure, by whose fault: bad input exits 2, anything else 1.
enum Failure {
    Input(String),
    Run(anyhow::Error),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::Input(e.to_string())
    }
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    if let Err(f) = check_outputs(&cli.command) {
        return failed(f);
    }
    let result = match cli.command {
        Command::Simulate(args) => simulate(args),
        Command::Compare(args) => compare(args),
        Command::Flaws(args) => flaws(args),
        Command::Scenario { action } => scenario(action),
        Command::Rules(args) => emit(wormscope_act::rules(args.defense, args.format), args.output),
        Command::Ioc(args) => emit(wormscope_act::ioc(args.format), args.output),
        Command::Report(args) => report(args),
        Command::Sweep(args) => sweep(args),
        Command::Detect(args) => return detect(args),
        Command::Capture(args) => capture(args),
        Command::Validate(args) => return validate(args),
        Command::Bench(args) => bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => failed(f),
    }
}

/// Refuses, before any work, an output path that cannot be written (a file
/// where a directory must go, or the reverse): bad input, exit 2. Missing
/// parent directories are fine: the writer creates them.
fn check_outputs(command: &Command) -> Result<(), Failure> {
    use wormscope_atomic::{check_dir_target, check_file_target};
    let (files, dirs): (Vec<&PathBuf>, Vec<&PathBuf>) = match command {
        Command::Simulate(a) => (vec![], vec![&a.out]),
        Command::Compare(a) => (vec![], a.out.iter().collect()),
        Command::Flaws(a) => (vec![], a.out.iter().collect()),
        Command::Validate(a) => (vec![], a.out.iter().collect()),
        Command::Sweep(a) if a.action.is_none() => (vec![], vec![&a.out]),
        Command::Capture(a) => (vec![&a.output], vec![]),
        Command::Rules(a) => (a.output.iter().collect(), vec![]),
        Command::Ioc(a) => (a.output.iter().collect(), vec![]),
        Command::Report(a) => (a.output.iter().collect(), vec![]),
        Command::Detect(a) => (a.eve.iter().chain(&a.hosts).collect(), vec![]),
        Command::Sweep(_) | Command::Scenario { .. } | Command::Bench(_) => (vec![], vec![]),
    };
    for f in files {
        check_file_target(f).map_err(|e| Failure::Input(e.to_string()))?;
    }
    for d in dirs {
        check_dir_target(d).map_err(|e| Failure::Input(e.to_string()))?;
    }
    Ok(())
}

/// Prints a failure and gives its exit code: 2 for bad input, else 1.
fn failed(f: Failure) -> ExitCode {
    match f {
        Failure::Input(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Failure::Run(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// A closed pipe on standard output (`wormscope ... | head`) ends the
/// process quietly, as for any Unix filter, instead of a panic in `print!`
/// (Rust ignores SIGPIPE by default).
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The scenario from a file or the default, with command-line overrides
/// applied and checked again.
fn load_scenario(
    path: Option<&PathBuf>,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<Scenario, Failure> {
    let mut s = match load_any_scenario(path)? {
        AnyScenario::Blaster(s) => s,
        AnyScenario::RandomScan(r) => {
            return Err(Failure::Input(format!(
                "{}: `{}` is a random-scanning scenario; this command runs Blaster \
                 scenarios (random-scanning ones run with `simulate` and `validate`)",
                path.map_or("<default>".into(), |p| p.display().to_string()),
                r.name
            )));
        }
    };
    if let Some(seed) = seed {
        s.seed = seed;
    }
    if let Some(d) = duration {
        s.duration = d;
    }
    wormscope_scenario::check(&s).map_err(|(field, msg)| {
        let flag = match field.as_str() {
            "duration" => "--duration",
            "seed" => "--seed",
            other => other,
        };
        Failure::Input(format!("{flag}: {msg}"))
    })?;
    Ok(s)
}

/// A scenario of either kind given as "NAME or FILE", or the default.
fn load_any_scenario(path: Option<&PathBuf>) -> Result<AnyScenario, Failure> {
    Ok(match path {
        Some(p) => wormscope_scenario::load_named(p)?,
        None => AnyScenario::Blaster(wormscope_scenario::default_scenario()),
    })
}

/// A random-scanning scenario with `--seed` and `--duration` applied.
fn random_scan_with(
    mut s: RandomScanScenario,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<RandomScanScenario, Failure> {
    if let Some(seed) = seed {
        s.seed = seed;
    }
    if let Some(d) = duration {
        // Figures measured past the new end read n/a.
        s.duration = d;
    }
    wormscope_scenario::check_random_scan(&s).map_err(|(field, msg)| {
        let flag = if field == "duration" || field == "step" {
            "--duration"
        } else {
            field.as_str()
        };
        Failure::Input(format!("{flag}: {msg}"))
    })?;
    Ok(s)
}

/// A run or an ensemble of a random-scanning scenario (`simulate
/// --scenario slammer [--runs N]`).
fn simulate_random(s: RandomScanScenario, args: &SimulateArgs) -> Result<(), Failure> {
    if args.runs.is_some_and(|n| n > 1_000) {
        // Every run's infection times are kept until the figures are measured.
        return Err(Failure::Input(
            "--runs: a random-scanning ensemble takes at most 1000 runs".into(),
        ));
    }
    let started = std::time::Instant::now();
    let results = match args.runs {
        Some(n) => {
            let bar = progress::runs(u64::from(n));
            let runs = wormscope_study::validate::random_ensemble(&s, n, &|| bar.inc(1));
            bar.finish_and_clear();
            runs
        }
        None => {
            let bar = progress::simulated_time(s.duration.as_micros());
            let run = wormscope_engine::random::simulate_random(&s, s.seed, &mut |t| {
                bar.set_position(t / 1_000_000)
            });
            bar.finish_and_clear();
            vec![run]
        }
    };
    let files = wormscope_report::random_run_files(&s, &results);
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    let dir = wormscope_atomic::write_dir(&args.out, &files)
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", args.out.display())))?;
    if !args.quiet {
        let infected: Vec<String> = results
            .iter()
            .map(|r| r.infection_times_us.len().to_string())
            .collect();
        println!(
            "{} (seed {}): {} vulnerable, infected after {}: {}",
            s.name,
            s.seed,
            s.population.vulnerable,
            s.duration,
            infected.join(", ")
        );
        let checks = wormscope_study::validate::check_figures(&s, &results);
        print!("{}", wormscope_report::validation_table(&checks));
        println!("wrote {}/{{{}}}", dir.display(), names.join(","));
    }
    if !args.quiet {
        let events: u64 = results.iter().map(|r| r.events).sum();
        eprintln!(
            "done in {:.1}s ({events} events)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn validate(args: ValidateArgs) -> ExitCode {
    match validate_checks(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(f) => failed(f),
    }
}

/// Runs the validation; whether every figure passed.
fn validate_checks(args: &ValidateArgs) -> Result<bool, Failure> {
    let mut scenarios = Vec::new();
    if args.scenario.is_empty() {
        for (name, _, _) in wormscope_scenario::RANDOM_SCAN_BUILTIN {
            scenarios.push(wormscope_scenario::builtin_random_scan(name).expect("built in"));
        }
    }
    for p in &args.scenario {
        match load_any_scenario(Some(p))? {
            AnyScenario::RandomScan(s) if s.validation.is_empty() => {
                return Err(Failure::Input(format!(
                    "{}: field `validation`: there are no figures to check \
                     (add [[validation]] tables)",
                    p.display()
                )));
            }
            AnyScenario::RandomScan(s) => scenarios.push(s),
            AnyScenario::Blaster(s) => {
                return Err(Failure::Input(format!(
                    "{}: `{}` is a Blaster scenario; `validate` runs random-scanning \
                     scenarios with [[validation]] figures (codered2, slammer)",
                    p.display(),
                    s.name
                )));
            }
        }
    }
    let started = std::time::Instant::now();
    let mut checks = Vec::new();
    let mut svgs = Vec::new();
    for s in &scenarios {
        let runs = args.runs.unwrap_or(s.runs);
        let bar = progress::runs(u64::from(runs));
        bar.set_message(s.name.clone());
        let results = wormscope_study::validate::random_ensemble(s, runs, &|| bar.inc(1));
        bar.finish_and_clear();
        checks.extend(wormscope_study::validate::check_figures(s, &results));
        svgs.push((
            format!("{}.svg", s.name),
            wormscope_report::outbreak_svg(s, &results).into_bytes(),
        ));
    }
    if args.json {
        print!("{}", wormscope_report::validation_json(&checks));
    } else {
        print!("{}", wormscope_report::validation_table(&checks));
    }
    if let Some(out) = &args.out {
        let mut files: Vec<(&str, Vec<u8>)> = vec![(
            "validation.json",
            wormscope_report::validation_json(&checks).into_bytes(),
        )];
        files.extend(svgs.iter().map(|(n, b)| (n.as_str(), b.clone())));
        wormscope_atomic::write_dir(out, &files)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", out.display())))?;
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    eprintln!(
        "{} figures, {} failed, in {:.1}s",
        checks.len(),
        failed,
        started.elapsed().as_secs_f64()
    );
    Ok(failed == 0)
}

/// The scenario's world, with a too-large world blamed on the input.
fn world_of(s: &Scenario) -> Result<wormscope_model::World, Failure> {
    wormscope_model::generate::generate(s).map_err(|e| match e {
        // The scenario asked for it: the user's input is at fault.
        wormscope_model::world::WorldError::TooLarge { .. } => Failure::Input(e.to_string()),
        e => Failure::Run(anyhow::anyhow!("generating the world: {e}")),
    })
}

fn capture(args: CaptureArgs) -> Result<(), Failure> {
    let s = load_scenario(args.scenario.as_ref(), args.seed, None)?;
    let mut opts =
        wormscope_observe::capture::CaptureOptions::new(&s, &args.vantage, args.from, args.to);
    if args.pcapng {
        opts.format = wormscope_wire::write::OutputFormat::PcapNg;
    }
    if let Some(n) = args.max_packets {
        opts.max_packets = n;
    }
    if let Some(r) = args.background_rate {
        opts.background_pps = r;
    }
    let started = std::time::Instant::now();
    let spinner = progress::spinner("generating the world");
    let world = world_of(&s)?;
    spinner.finish_and_clear();
    let bar = progress::simulated_time(args.to.as_micros());
    let r = wormscope_observe::capture::capture(&s, &world, &opts, &args.output, &mut |t| {
        bar.set_position(t / 1_000_000)
    });
    bar.finish_and_clear();
    let c = r.map_err(|e| match e.exit_code() {
        2 => Failure::Input(e.to_string()),
        _ => Failure::Run(e.into()),
    })?;
    println!(
        "{}: vantage {} ({}), {} to {}: {} frames, {} bytes",
        args.output.display(),
        args.vantage,
        c.prefix,
        args.from,
        args.to,
        c.frames,
        c.bytes
    );
    println!(
        "  {} probes (135/tcp SYNs) from {} sources; engine count for this vantage and window: {}",
        c.probes,
        c.sources,
        c.engine_probes
            .map_or("not computed".to_string(), |n| n.to_string())
    );
    println!(
        "  {} exploits in view, {} background frames",
        c.exploits, c.background
    );
    eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn simulate(args: SimulateArgs) -> Result<(), Failure> {
    if args.quiet {
        progress::silence();
    }
    if let AnyScenario::RandomScan(r) = load_any_scenario(args.scenario.as_ref())? {
        return simulate_random(random_scan_with(r, args.seed, args.duration)?, &args);
    }
    let s = load_scenario(args.scenario.as_ref(), args.seed, args.duration)?;
    let started = std::time::Instant::now();
    let world = generate_world(&s)?;
    if let Some(runs) = args.runs {
        return simulate_ensemble(&s, &world, runs, &args, started);
    }
    let bar = progress::simulated_time(s.duration.as_micros());
    let observed =
        wormscope_observe::simulate(&s, &world, &mut |t| bar.set_position(t / 1_000_000));
    bar.finish_and_clear();
    let result = &observed.result;

    let summary = wormscope_report::RunSummary::new(&s, &world, result);
    let dir = wormscope_report::write_run_with(&args.out, &s, &summary, result, observed.files())
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", args.out.display())))?;
    if !args.quiet {
        println!(
            "{} (seed {}): {} hosts, {} vulnerable and reachable candidates, {} simulated",
            s.name, s.seed, summary.world.hosts, summary.world.candidates, s.duration
        );
        print!("{}", wormscope_report::hourly_table(result));
        println!(
            "ever infected {}, crashes {}, reboots {}, probes {}",
            result.totals.ever_infected,
            result.totals.crashes,
            result.totals.reboots,
            result.totals.probes
        );
        println!(
            "wrote {}/timeseries.csv, flood.csv, summary.json, sensors.csv, sensors.json and sensors.svg",
            dir.display()
        );
    }
    if !args.quiet {
        eprintln!(
            "done in {:.1}s ({} events)",
            started.elapsed().as_secs_f64(),
            result.events
        );
    }
    Ok(())
}

/// The scenario's world, behind a spinner.
fn generate_world(s: &Scenario) -> Result<wormscope_model::World, Failure> {
    let spinner = progress::spinner("generating the world");
    let world = world_of(s)?;
    spinner.finish_and_clear();
    Ok(world)
}

fn simulate_ensemble(
    s: &Scenario,
    world: &wormscope_model::World,
    runs: u32,
    args: &SimulateArgs,
    started: std::time::Instant,
) -> Result<(), Failure> {
    let bar = progress::runs(u64::from(runs));
    let results = wormscope_study::ensemble(s, world, runs, &|| bar.inc(1));
    bar.finish_and_clear();
    let files = wormscope_report::ensemble_files(s, world, &results);
    let dir = wormscope_atomic::write_dir(&args.out, &files)
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", args.out.display())))?;
    if !args.quiet {
        let summary = wormscope_report::EnsembleSummary::new(s, world, &results);
        println!(
            "{} (seed {}): {} runs of {} on {} hosts",
            s.name, s.seed, runs, s.duration, summary.world.hosts
        );
        print!("{}", summary.table());
        println!(
            "wrote {}/timeseries.csv, flood.csv and summary.json",
            dir.display()
        );
    }
    if !args.quiet {
        let events: u64 = results.iter().map(|r| r.events).sum();
        eprintln!(
            "done in {:.1}s ({events} events)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn compare(args: CompareArgs) -> Result<(), Failure> {
    let s = args.study.scenario()?;
    let runs = args.study.runs;
    let mut variants = Vec::new();
    for text in &args.defenses {
        let v: wormscope_scenario::variant::Variant = text
            .parse()
            .map_err(|e| Failure::Input(format!("--defense {text}: {e}")))?;
        variants.push(v);
    }
    if let Some(path) = &args.variants {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::Input(format!("{}: cannot read the file: {e}", path.display()))
        })?;
        variants.extend(wormscope_scenario::variant::parse_variants(
            &text,
            &path.display().to_string(),
        )?);
    }
    if variants.is_empty() {
        return Err(Failure::Input(
            "name at least one variant with --defense SPEC or --variants FILE".into(),
        ));
    }
    // Check every variant before the long work starts.
    for v in &variants {
        v.applied_to(&s).map_err(Failure::Input)?;
    }
    let started = std::time::Instant::now();
    let world = generate_world(&s)?;
    let total = u64::from(runs) * (variants.len() as u64 + 1);
    let bar = progress::runs(total);
    let store = run_store(args.out.as_deref());
    let results = wormscope_study::compare(
        &s,
        &world,
        &variants,
        runs,
        &|| bar.inc(1),
        as_store(&store),
    )
    .map_err(Failure::Input)?;
    bar.finish_and_clear();
    report_resumed(store.as_ref(), args.out.as_deref());
    let json = wormscope_report::comparison_json(&results);
    let table = wormscope_report::comparison_table(&results, runs);
    if let Some(dir) = &args.out {
        // The baseline's ensemble beside the table, so that `wormscope
        // report DIR` has a run to draw.
        let mut files = wormscope_report::ensemble_files(&s, &world, &results[0].runs);
        files.push(("comparison.json", json.clone().into_bytes()));
        files.push(("comparison.txt", table.clone().into_bytes()));
        wormscope_atomic::write_dir(dir, &files)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", dir.display())))?;
    }
    if args.json {
        print!("{json}");
    } else {
        println!(
            "{} (seed {}), {} simulated, {} hosts",
            s.name,
            s.seed,
            s.duration,
            world.hosts.len()
        );
        print!("{table}");
    }
    eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn flaws(args: FlawsArgs) -> Result<(), Failure> {
    let s = args.study.scenario()?;
    let runs = args.study.runs;
    let defenses: wormscope_scenario::variant::Variant = args
        .defenses
        .parse()
        .map_err(|e| Failure::Input(format!("--defenses {}: {e}", args.defenses)))?;
    defenses.applied_to(&s).map_err(Failure::Input)?;
    let started = std::time::Instant::now();
    let world = generate_world(&s)?;
    let total = u64::from(runs) * u64::from(wormscope_study::flaws::ensembles(&defenses));
    let bar = progress::runs(total);
    let store = run_store(args.out.as_deref());
    let study = wormscope_study::flaws::study(
        &s,
        &world,
        &defenses,
        runs,
        &|| bar.inc(1),
        as_store(&store),
    )
    .map_err(Failure::Input)?;
    bar.finish_and_clear();
    report_resumed(store.as_ref(), args.out.as_deref());
    let table = wormscope_report::flaws_table(&study);
    let markdown = wormscope_report::flaws_markdown(&study, &s.name);
    let json = wormscope_report::flaws_json(&study);
    if let Some(dir) = &args.out {
        // The worm as it was, under the study's defenses, as an ensemble
        // beside the tables, so that `wormscope report DIR` has a run to
        // draw.
        let baseline = &study.rows[0].result.runs;
        let defended = defenses.applied_to(&s).map_err(Failure::Input)?;
        let mut files = wormscope_report::ensemble_files(&defended, &world, baseline);
        files.push(("flaws.json", json.clone().into_bytes()));
        files.push((
            "flaws-reliance.json",
            wormscope_report::reliance_json(&study).into_bytes(),
        ));
        files.push(("flaws.txt", table.clone().into_bytes()));
        files.push(("flaws.md", markdown.clone().into_bytes()));
        wormscope_atomic::write_dir(dir, &files)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", dir.display())))?;
    }
    if args.json {
        print!("{json}");
    } else if args.markdown {
        print!("{markdown}");
    } else {
        print!("{table}");
    }
    eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Where a study keeps its finished runs: in its output directory, if it
/// has one (a study run again with the same arguments resumes), else
/// nowhere.
fn run_store(out: Option<&std::path::Path>) -> Option<wormscope_report::run_store::DirRunStore> {
    let dir = out?;
    match wormscope_report::run_store::DirRunStore::open(dir) {
        Ok(store) => Some(store),
        Err(e) => {
            eprintln!("note: runs will not be kept for resuming ({e})");
            None
        }
    }
}

fn as_store(
    store: &Option<wormscope_report::run_store::DirRunStore>,
) -> &dyn wormscope_study::RunStore {
    match store {
        Some(s) => s,
        None => &wormscope_study::NoStore,
    }
}

/// Says how many runs a study found kept rather than ran.
fn report_resumed(
    store: Option<&wormscope_report::run_store::DirRunStore>,
    out: Option<&std::path::Path>,
) {
    if let (Some(store), Some(out)) = (store, out) {
        if store.found() > 0 {
            eprintln!(
                "resumed: {} runs were kept in {}",
                store.found(),
                out.join(wormscope_report::run_store::RUN_STORE_DIR)
                    .display()
            );
        }
    }
}

/// Prints `text`, or writes it atomically to `output`.
fn emit(text: String, output: Option<PathBuf>) -> Result<(), Failure> {
    match output {
        None => print!("{text}"),
        Some(path) => wormscope_atomic::write_file(&path, text.as_bytes())
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", path.display())))?,
    }
    Ok(())
}

fn report(args: ReportArgs) -> Result<(), Failure> {
    let report =
        wormscope_report::render_report(&args.dir).map_err(|e| Failure::Input(e.to_string()))?;
    let path = args.output.unwrap_or_else(|| args.dir.join("report.html"));
    wormscope_atomic::write_file(&path, report.html.as_bytes())
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", path.display())))?;
    println!(
        "wrote {} ({} KiB) from {}",
        path.display(),
        report.html.len().div_ceil(1024),
        if report.ensemble {
            "an ensemble"
        } else {
            "one run"
        }
    );
    if !report.rendered.is_empty() {
        println!("  rendered: timeseries.csv, {}", report.rendered.join(", "));
    }
    if !report.skipped.is_empty() {
        println!("  absent, skipped: {}", report.skipped.join(", "));
    }
    Ok(())
}

impl From<wormscope_sweep::SweepError> for Failure {
    fn from(e: wormscope_sweep::SweepError) -> Self {
        match e {
            wormscope_sweep::SweepError::Input(m) => Failure::Input(m),
            wormscope_sweep::SweepError::Run(m) => Failure::Run(anyhow::anyhow!(m)),
        }
    }
}

fn sweep(args: SweepArgs) -> Result<(), Failure> {
    if let Some(SweepCommand::Merge { dir }) = args.action {
        let m = wormscope_sweep::merge(&dir)?;
        println!(
            "merged {} shards: {} variants x {} seeds, {} rows -> {}",
            m.shards,
            m.variants,
            m.seeds,
            m.rows,
            m.path.display()
        );
        return Ok(());
    }
    let file = args.file.expect("clap requires the file");
    let sweep = wormscope_sweep::spec::load(&file)?;
    let jobs = args.shard.select(&sweep.jobs()).len();
    let started = std::time::Instant::now();
    let bar = progress::runs(jobs as u64);
    let (path, rows) = wormscope_sweep::write_shard(&sweep, args.shard, &args.out, &|done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    println!(
        "shard {}: {jobs} of {} runs ({} variants x {} seeds), {rows} rows -> {}",
        args.shard,
        sweep.jobs().len(),
        sweep.variants.len(),
        sweep.seeds.len(),
        path.display()
    );
    eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn detect(args: DetectArgs) -> ExitCode {
    let options = wormscope_detect::Options {
        eve: args.eve,
        hosts: args.hosts,
        config: wormscope_detect::DetectConfig::default(),
    };
    let outcome = wormscope_detect::command(&args.captures, &options);
    if outcome.exit_code == 0 {
        print!("{}", outcome.summary);
    } else {
        eprint!("{}", outcome.summary);
    }
    ExitCode::from(outcome.exit_code.clamp(0, 255) as u8)
}

fn scenario(action: ScenarioCommand) -> Result<(), Failure> {
    match action {
        ScenarioCommand::Print { name } => {
            let text = wormscope_scenario::builtin_text(&name).ok_or_else(|| {
                let hint = wormscope_scenario::suggestion(&name)
                    .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
                Failure::Input(format!(
                    "no built-in scenario is called `{name}`{hint} (there are: {})",
                    wormscope_scenario::builtin_names().join(", ")
                ))
            })?;
            print!("{text}");
        }
        ScenarioCommand::List => {
            let all = wormscope_scenario::BUILTIN
                .iter()
                .chain(wormscope_scenario::RANDOM_SCAN_BUILTIN);
            for (name, summary, _) in all {
                println!("{name:<12} {summary}");
            }
        }
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<(), Failure> {
    let reference = match args.reference_hours {
        Some(h) => SimDuration::from_secs(h.saturating_mul(3600)),
        None => args.reference_duration,
    };
    if reference.as_micros() == 0 || reference > wormscope_scenario::MAX_SPAN {
        return Err(Failure::Input(format!(
            "--reference-duration: must be more than 0 and at most {}",
            wormscope_scenario::MAX_SPAN
        )));
    }
    let spinner = progress::spinner("engine and reference on small worlds");
    let speedups: Vec<_> = wormscope_bench::small_world_scenarios(reference)
        .iter()
        .map(|(name, s)| wormscope_bench::measure_speedup(name, s))
        .collect();
    spinner.finish_and_clear();
    let (full_scale, full_scale_week) = if args.no_full_scale {
        (None, None)
    } else {
        let s = wormscope_scenario::default_scenario();
        let day_bar = progress::simulated_time(s.duration.as_micros());
        let week_bar = progress::simulated_time(7 * 86_400_000_000);
        let (day, week) =
            wormscope_bench::measure_full_scale_day_and_week(!args.no_week, &mut |phase, t| {
                let bar = if phase == "day" { &day_bar } else { &week_bar };
                bar.set_position(t / 1_000_000);
            });
        day_bar.finish_and_clear();
        week_bar.finish_and_clear();
        (Some(day), week)
    };
    let detector = if args.detector_bytes == 0 {
        None
    } else {
        let spinner = progress::spinner("detector on a synthetic capture");
        let r = wormscope_detect::bench(
            args.detector_bytes,
            &wormscope_detect::DetectConfig::default(),
        )
        .map_err(|e| Failure::Run(anyhow::anyhow!("detector bench: {e}")))?;
        spinner.finish_and_clear();
        Some(r)
    };
    let compare = (args.compare_runs > 0).then(|| {
        let bar = progress::runs(2 * u64::from(args.compare_runs));
        let row = wormscope_bench::measure_compare(args.compare_runs, &|| bar.inc(1));
        bar.finish_and_clear();
        row
    });
    let (random_speedup, historical) = if args.no_historical {
        (None, Vec::new())
    } else {
        let spinner = progress::spinner("random scanning: engine and reference on a small world");
        let speedup = wormscope_bench::measure_random_speedup();
        spinner.finish_and_clear();
        let rows = ["codered2", "slammer"]
            .iter()
            .map(|name| {
                let s = wormscope_scenario::builtin_random_scan(name).expect("built in");
                let bar = progress::simulated_time(s.duration.as_micros());
                let row = wormscope_bench::measure_random_full_scale(name, &mut |t| {
                    bar.set_position(t / 1_000_000)
                });
                bar.finish_and_clear();
                row
            })
            .collect();
        (Some(speedup), rows)
    };
    let report = wormscope_bench::BenchReport {
        speedups,
        full_scale,
        full_scale_week,
        detector,
        compare,
        random_speedup,
        historical,
        peak_rss_bytes: wormscope_bench::peak_rss_bytes(),
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.text());
    }
    if report.speedups.iter().any(|r| !r.identical) {
        return Err(Failure::Run(anyhow::anyhow!(
            "the engine and the reference disagreed on the bench world"
        )));
    }
    Ok(())
}
