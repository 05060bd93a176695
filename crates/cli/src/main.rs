//! The `wormscope` command: parses arguments into a request of
//! `wormscope-commands`, draws its progress, prints its outcome and maps it
//! to an exit code. Nothing else: what a command does lives in the
//! commands crate, where a library user can call it.
//!
//! Exit codes: 0 done; 1 a failure while running, or a verdict that failed
//! (a validation figure, a damaged capture); 2 bad input (flags, scenario
//! files, captures, output paths).

mod progress;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wormscope_commands as commands;
use wormscope_commands::{CommandError, CommandOutcome, CommandVerdict, Request};
use wormscope_scenario::SimDuration;

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
  wormscope compare --scenario slammer --runs 8 --defense patch@0h --defense host-firewall@0h

Defaults: 10 runs per variant, at least 7 simulated days (a random-scanning
worm: its scenario's duration). On the whole internet (the default
scenario, churn and laptops on) a run of a week took about 40 minutes on
2 cores, so a study takes hours: start with blaster-sample (a week in
about a minute) or a random-scanning worm (seconds).
With --out DIR the finished runs of a Blaster study are kept in DIR: run
the same command again after an interruption and it resumes.

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
    /// Print the firewall rules that deploy a defense (CERT CA-2003-20, or any scenario's own)
    #[command(after_help = "Examples:
  wormscope rules --defense border-filter
  wormscope rules --defense isp-filter --format iptables -o isp.rules
  wormscope rules --scenario slammer --defense isp-filter
  wormscope rules --scenario witty --defense host-firewall --format pf
  wormscope rules --defense spoof-filter --inside 192.0.2.0/24 --format nft
  wormscope rules --scenario blaster --defense spoof-filter --inside 192.0.2.0/24 --inside 198.51.100.0/23 --format iptables

Defaults: W32/Blaster's rules after CERT CA-2003-20; nft syntax, to
standard output. spoof-filter (BCP 38) needs your network's own prefixes
(--inside) and has no netsh form.

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
  wormscope detect slammer.pcap.gz
  tcpdump -w - -i eth0 | wormscope detect -

Exit codes: 0 read to the end; 1 a damaged capture (the report covers the
frames before the damage); 2 an unreadable capture or output path.")]
    Detect(DetectArgs),
    /// Write what a vantage point (an edge or telescope sensor of the
    /// scenario, Blaster or a random-scanning worm) captured in a time
    /// window, as pcap or pcapng.
    #[command(after_help = "Examples:
  wormscope capture --vantage telescope --from 1h --to 1h10m -o telescope.pcap
  wormscope capture --scenario blaster-sample --vantage telescope --from 2h --to 2h5m --pcapng -o t.pcapng
  wormscope capture --scenario slammer --vantage telescope --from 1m --to 1m1s -o slammer.pcap
  wormscope capture --scenario blaster-sample --vantage isp-edge --from 5d --to 5d1m -o late.pcap   # past the scenario's 1d: the run carries on

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
    /// Run the historical scenarios (Code Red v2, Slammer, Witty; Blaster
    /// when named) as ensembles and hold each published figure against its
    /// simulated band. Exits 1 if any figure fails.
    #[command(after_help = "Examples:
  wormscope validate
  wormscope validate --scenario slammer --runs 4 --json
  wormscope validate --scenario blaster --runs 4

Defaults: every built-in random-scanning scenario, each with its own runs.

Exit codes: 0 every figure passed; 1 a figure failed, or a failure while
running; 2 bad input.")]
    Validate(ValidateArgs),
    /// Fit a scenario's unknown fields to what its sensors saw (ABC
    /// population Monte Carlo), and estimate the true outbreak with bands.
    #[command(after_help = "Examples:
  wormscope fit --scenario blaster-sample --observed obs.csv \\
      --param world.used_slash16_pct=5..40 --param worm.initial_infected=20..300 --out fit-out
  wormscope fit --scenario my.toml --observed obs.csv --param worm.guess_xp_pct=50,80,100 --json

obs.csv has the header time_s,sensor,measure,value: a sensor of the
scenario, a column of sensors.csv (probes, sources or estimate), a time in
seconds since the scenario's start. `wormscope report fit-out` draws the fit.

Defaults: the blaster scenario; 800 simulations in 4 generations; seed 1.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario
files, observations, output paths).")]
    Fit(FitArgs),
    /// Measure the engine (speed-up against the reference, full-scale run)
    /// and the detector (throughput).
    #[command(after_help = "Examples:
  wormscope bench --json
  wormscope bench --no-week --no-historical --compare-runs 0 --detector-bytes 0

The full-scale week is nearly all of the time: most of an hour on 2 cores,
as the default outbreak infects some 3.6 million hosts by its end. With
--no-week, about 3 minutes.

Exit codes: 0 done; 1 a failure while running; 2 bad input (flags, scenario files, output paths).")]
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct FitArgs {
    /// Scenario file (TOML) or built-in name, of any worm; default:
    /// blaster. For fits that finish in minutes, try blaster-sample, or a
    /// random-scanning worm (codered2, slammer, witty), whose runs take a
    /// second or less.
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Option<PathBuf>,
    /// The observations: CSV with the header time_s,sensor,measure,value.
    #[arg(long, value_name = "FILE")]
    observed: PathBuf,
    /// A field to fit, with its prior: FIELD=LO..HI (uniform) or
    /// FIELD=A,B,C (one of the values); FIELD is a dotted scenario field,
    /// as in sweep files. Repeat for each field.
    #[arg(long = "param", value_name = "FIELD=LO..HI", required = true)]
    params: Vec<String>,
    /// Simulations in all, split evenly over the generations.
    #[arg(long, value_name = "N", default_value_t = 800)]
    runs: u32,
    /// Generations: each keeps the quarter of its runs closest to the
    /// observations and proposes the next around them.
    #[arg(long, value_name = "G", default_value_t = 4)]
    generations: u32,
    /// The fit's seed (its proposals and every simulation's seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Override the scenario's duration (the bands of the truth run to its
    /// end; the observations must fit in it).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    duration: Option<SimDuration>,
    /// Print fit.json instead of the table.
    #[arg(long)]
    json: bool,
    /// Write fit.json, fit-draws.csv, fit-draws.parquet,
    /// fit-predictive.csv, fit-observed.csv and fit.md into this directory
    /// (`wormscope report DIR` draws them).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also fit N synthetic truths (hidden values drawn from the prior,
    /// observed at the same times) and report how often the 90 % interval
    /// holds the hidden value.
    #[arg(long, value_name = "N")]
    recover: Option<u32>,
    /// Run only shard I of N of each generation's simulations, keeping
    /// them in --out's run store, which the shards share (a cluster's job
    /// array): run every shard once per generation, then once more.
    #[arg(long, value_name = "I/N")]
    shard: Option<wormscope_sweep::Shard>,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Scenario files or built-in names, of either kind, with
    /// [[validation]] figures; default: every random-scanning built-in
    /// (codered2, slammer, witty).
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
    /// isp-filter, host-firewall, target-move or spoof-filter (`_` for `-`
    /// works too; so do the older border, isp and host, and bcp38).
    /// target-move null-routes the address a worm's flood aims at, and
    /// needs --scenario with a `[payload]` (codered2). spoof-filter drops
    /// packets leaving whose source is not inside --inside (BCP 38, against
    /// a spoofed flood such as Blaster's).
    #[arg(long, value_name = "DEFENSE")]
    defense: wormscope_act::Defense,
    /// Take the rules from this scenario's own defense section (built-in
    /// name or file, any worm: the ports its filter lists, the worm's own
    /// port for a host firewall). Without it: W32/Blaster's rules after
    /// CERT CA-2003-20.
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Option<PathBuf>,
    /// Rule syntax: nft, iptables, netsh or pf.
    #[arg(long, default_value = "nft")]
    format: wormscope_act::RuleFormat,
    /// One of your network's own IPv4 prefixes (repeatable), whose sources
    /// spoof-filter lets out: every other source leaving is spoofed.
    /// Only for --defense spoof-filter, which needs at least one.
    #[arg(long, value_name = "PREFIX")]
    inside: Vec<wormscope_scenario::Prefix>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Output directory of `wormscope simulate`, or of `compare`, `flaws`
    /// or `fit` with --out (timeseries.csv, and summary.json, flood.csv,
    /// sensors.csv, telescope.csv, validation.json, comparison.json,
    /// flaws.json when present; fit.json), or a sweep's once merged
    /// (merged.parquet).
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
    /// Capture files (pcap or pcapng, plain or compressed with gzip,
    /// bzip2, xz, zstd or lz4), read in
    /// order as one stream; `-` reads standard input (`tcpdump -w - |
    /// wormscope detect -`).
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
    /// Scenario file (TOML) or built-in name (blaster, codered2, slammer,
    /// witty, ...); default: blaster.
    #[arg(long, value_name = "NAME or FILE")]
    scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Name of an edge or telescope sensor of the scenario.
    #[arg(long, value_name = "NAME")]
    vantage: String,
    /// Window start, since the scenario's start, e.g. 1h.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    from: SimDuration,
    /// Window end (exclusive), e.g. 1h10m: what starts before it is
    /// captured, and a session that starts inside it (an exploit, its
    /// shell and transfer) is written whole, even past the end. A window
    /// past the scenario's end carries the run on to it.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    to: SimDuration,
    /// Output capture file (uncompressed; a name ending in .pcapng is
    /// written as pcapng).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Write pcapng instead of classic pcap (whatever the file's name).
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
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    duration: Option<SimDuration>,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "wormscope-out")]
    out: PathBuf,
    /// Run an ensemble of N runs on derived seeds (in parallel) and write
    /// each series' median and 5-95 % band.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: Option<u32>,
    /// Print nothing but errors: no summary, progress, notes or timing.
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
    /// Simulated duration; for Blaster at least 7 days and, where 16 August
    /// is a flood day, to its end (for the 7-day and flood metrics): that by
    /// default, longer if given, and a shorter one is refused; a
    /// random-scanning worm runs for this or its scenario's duration.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    duration: Option<SimDuration>,
}

#[derive(clap::Args)]
struct CompareArgs {
    #[command(flatten)]
    study: StudyArgs,
    /// A variant: a defense name with an optional start, e.g.
    /// isp-filter@6h, border-filter@0h, patch@24h, dns-takedown@120h;
    /// join several with `+`. A defense's name is its scenario section's
    /// (`-` or `_`): patch, isp-filter, border-filter, host-firewall,
    /// dcom-disabled, users, cleanup, dns-takedown (the record of the name
    /// the flood resolves), target-move (the flooded site moves to another
    /// address), spoof-filter; presets and older names: isp-block (the
    /// worm's own exploit port), isp-block-135, isp-block-all, dcom-off,
    /// users-notice, bcp38. A random-scanning worm (codered2, slammer,
    /// witty) runs patch, host-firewall, isp-filter, isp-block,
    /// border-filter, cleanup and, with a flood (codered2's), target-move,
    /// dns-takedown where the flood resolves a name ([payload] name), and
    /// spoof-filter where it spoofs its sources ([payload]
    /// spoofed_sources).
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
    /// Simulated time of the full-scale runs of the default scenario with
    /// random targets (uniform random, local preference, permutation), e.g. 2h; 0s
    /// skips them.
    #[arg(long, value_name = "DURATION", default_value = "2h")]
    random_targets_duration: SimDuration,
    /// Runs per variant of the benchmark-sized defense comparison (0
    /// skips it).
    #[arg(long, default_value_t = 4)]
    compare_runs: u32,
    /// Skip Code Red v2, Slammer and Witty (full scale, Code Red also
    /// walking a permutation, drawing by local preference and scanning
    /// sequentially, and random scanning against its reference).
    #[arg(long)]
    no_historical: bool,
    /// Bytes of synthetic capture for the detector's throughput row (0
    /// skips it).
    #[arg(long, default_value_t = 1 << 30)]
    detector_bytes: u64,
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    let quiet = matches!(&cli.command, Command::Simulate(a) if a.quiet);
    let request = request(cli.command);
    let progress = progress::Bars::new(quiet);
    match commands::execute(&request, &progress) {
        Ok(outcome) => finished(&outcome, quiet),
        Err(e) => failed(&e),
    }
}

/// Prints an outcome and gives its exit code: 0, or 1 for a failed
/// verdict.
fn finished(outcome: &CommandOutcome, quiet: bool) -> ExitCode {
    if !quiet {
        print!("{}", outcome.text);
        // A failure to flush (a closed pipe) ends the process quietly via
        // SIGPIPE; anything else has nowhere to be reported.
        let _ = std::io::stdout().flush();
        eprint!("{}", outcome.notes);
    }
    match &outcome.verdict {
        CommandVerdict::Done => ExitCode::SUCCESS,
        CommandVerdict::Failed(why) => {
            eprintln!("error: {why}");
            ExitCode::from(1)
        }
    }
}

/// Prints an error and gives its exit code: 2 for bad input, else 1.
fn failed(e: &CommandError) -> ExitCode {
    eprintln!("error: {e}");
    match e {
        CommandError::Input(_) => ExitCode::from(2),
        CommandError::Run(_) => ExitCode::from(1),
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

/// The parsed command line as a request.
fn request(command: Command) -> Request {
    match command {
        Command::Simulate(a) => Request::Simulate(commands::SimulateRequest {
            scenario: a.scenario,
            seed: a.seed,
            duration: a.duration,
            out: a.out,
            runs: a.runs,
        }),
        Command::Compare(a) => Request::Compare(commands::CompareRequest {
            study: a.study.into(),
            defenses: a.defenses,
            variants: a.variants,
            json: a.json,
            out: a.out,
        }),
        Command::Flaws(a) => Request::Flaws(commands::FlawsRequest {
            study: a.study.into(),
            defenses: a.defenses,
            answer: if a.json {
                commands::flaws::FlawsAnswer::Json
            } else if a.markdown {
                commands::flaws::FlawsAnswer::Markdown
            } else {
                commands::flaws::FlawsAnswer::Tables
            },
            out: a.out,
        }),
        Command::Scenario { action } => Request::Scenario(match action {
            ScenarioCommand::Print { name } => commands::ScenarioRequest::Print { name },
            ScenarioCommand::List => commands::ScenarioRequest::List,
        }),
        Command::Rules(a) => Request::Rules(commands::RulesRequest {
            defense: a.defense,
            scenario: a.scenario,
            format: a.format,
            inside: a.inside,
            output: a.output,
        }),
        Command::Ioc(a) => Request::Ioc(commands::IocRequest {
            format: a.format,
            output: a.output,
        }),
        Command::Detect(a) => Request::Detect(Box::new(commands::DetectRequest {
            captures: a.captures,
            eve: a.eve,
            hosts: a.hosts,
            config: Default::default(),
        })),
        Command::Capture(a) => Request::Capture(commands::CaptureRequest {
            scenario: a.scenario,
            seed: a.seed,
            vantage: a.vantage,
            from: a.from,
            to: a.to,
            output: a.output,
            format: if a.pcapng {
                wormscope_wire::write::OutputFormat::PcapNg
            } else {
                wormscope_wire::write::OutputFormat::Pcap
            },
            max_packets: a.max_packets,
            background_pps: a.background_rate,
        }),
        Command::Report(a) => Request::Report(commands::ReportRequest {
            dir: a.dir,
            output: a.output,
        }),
        Command::Sweep(a) => Request::Sweep(match a.action {
            Some(SweepCommand::Merge { dir }) => commands::SweepRequest::Merge { dir },
            None => commands::SweepRequest::Shard {
                file: a.file.expect("clap requires the file"),
                shard: a.shard,
                out: a.out,
            },
        }),
        Command::Fit(a) => Request::Fit(commands::FitRequest {
            scenario: a.scenario,
            observed: a.observed,
            params: a.params,
            runs: a.runs,
            generations: a.generations,
            seed: a.seed,
            duration: a.duration,
            json: a.json,
            out: a.out,
            recover: a.recover,
            shard: a.shard,
        }),
        Command::Validate(a) => Request::Validate(commands::ValidateRequest {
            scenarios: a.scenario,
            runs: a.runs,
            json: a.json,
            out: a.out,
        }),
        Command::Bench(a) => Request::Bench(commands::BenchRequest {
            json: a.json,
            reference_duration: match a.reference_hours {
                Some(h) => SimDuration::from_secs(h.saturating_mul(3600)),
                None => a.reference_duration,
            },
            no_full_scale: a.no_full_scale,
            no_week: a.no_week,
            random_targets_duration: a.random_targets_duration,
            compare_runs: a.compare_runs,
            no_historical: a.no_historical,
            detector_bytes: a.detector_bytes,
        }),
    }
}

impl From<StudyArgs> for commands::compare::StudyRequest {
    fn from(a: StudyArgs) -> Self {
        commands::compare::StudyRequest {
            scenario: a.scenario,
            runs: a.runs,
            seed: a.seed,
            duration: a.duration,
        }
    }
}
