//! The `wormscope` command. Parses arguments, calls the library crates,
//! prints what they return. Only this crate knows about terminals, exit
//! codes and the file system layout of outputs.
//!
//! Exit codes: 0 success, 1 a failure while running, 2 bad input (flags,
//! scenario files).

mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wormscope_scenario::{Scenario, ScenarioError, SimDuration};

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
    /// Run an outbreak and write timeseries.csv and summary.json.
    Simulate(SimulateArgs),
    /// Built-in scenarios: print or list them.
    Scenario {
        #[command(subcommand)]
        action: ScenarioCommand,
    },
    /// Print the firewall rules that deploy a defense (CERT CA-2003-20).
    Rules(RulesArgs),
    /// Print the host indicators of W32/Blaster (STIX 2.1 or CSV).
    Ioc(IocArgs),
    /// Find worm-infected hosts in pcap/pcapng captures, with evidence.
    Detect(DetectArgs),
    /// Make one self-contained HTML report (inline SVG plots) from an
    /// output directory.
    Report(ReportArgs),
    /// Run one shard of a parameter sweep (grid of variants x seeds) into
    /// a Parquet file, or merge the shards (`sweep merge DIR`).
    Sweep(SweepArgs),
    /// Measure the engine (speed-up against the reference, full-scale run)
    /// and the detector (throughput).
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct RulesArgs {
    /// Which defense: border, isp or host.
    #[arg(long)]
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
    /// Output directory of `wormscope simulate` (timeseries.csv, and
    /// summary.json, flood.csv, sensors.csv, comparison.json, flaws.json
    /// when present).
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
    /// Capture files (pcap or pcapng), read in order as one stream.
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
struct SimulateArgs {
    /// Scenario file (TOML); default: the built-in Blaster scenario.
    #[arg(long, value_name = "FILE")]
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
    /// Do not print the summary table.
    #[arg(long)]
    quiet: bool,
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
    /// Simulated hours of the engine-against-reference comparison.
    #[arg(long, default_value_t = 24)]
    reference_hours: u64,
    /// Skip the full-scale run (the speed-up only).
    #[arg(long)]
    no_full_scale: bool,
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate(args),
        Command::Scenario { action } => scenario(action),
        Command::Rules(args) => emit(wormscope_act::rules(args.defense, args.format), args.output),
        Command::Ioc(args) => emit(wormscope_act::ioc(args.format), args.output),
        Command::Report(args) => report(args),
        Command::Sweep(args) => sweep(args),
        Command::Detect(args) => return detect(args),
        Command::Bench(args) => bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The scenario from a file or the default, with command-line overrides
/// applied and checked again.
fn load_scenario(
    path: Option<&PathBuf>,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<Scenario, Failure> {
    let mut s = match path {
        Some(p) => wormscope_scenario::load(p)?,
        None => wormscope_scenario::default_scenario(),
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

fn simulate(args: SimulateArgs) -> Result<(), Failure> {
    let s = load_scenario(args.scenario.as_ref(), args.seed, args.duration)?;
    let started = std::time::Instant::now();
    let spinner = progress::spinner("generating the world");
    let world = wormscope_model::generate::generate(&s).map_err(|e| match e {
        // The scenario asked for it: the user's input is at fault.
        wormscope_model::world::WorldError::TooLarge { .. } => Failure::Input(e.to_string()),
        e => Failure::Run(anyhow::anyhow!("generating the world: {e}")),
    })?;
    spinner.finish_and_clear();
    let bar = progress::simulated_time(s.duration.as_micros());
    let result = wormscope_engine::simulate(&s, &world, &mut |t| bar.set_position(t / 1_000_000));
    bar.finish_and_clear();

    let summary = wormscope_report::RunSummary::new(&s, &world, &result);
    let dir = wormscope_report::write_run(&args.out, &summary, &result)
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", args.out.display())))?;
    if !args.quiet {
        println!(
            "{} (seed {}): {} hosts, {} vulnerable and reachable candidates, {} simulated",
            s.name, s.seed, summary.world.hosts, summary.world.candidates, s.duration
        );
        print!("{}", wormscope_report::hourly_table(&result));
        println!(
            "ever infected {}, crashes {}, reboots {}, probes {}",
            result.totals.ever_infected,
            result.totals.crashes,
            result.totals.reboots,
            result.totals.probes
        );
        println!("wrote {}/timeseries.csv and summary.json", dir.display());
    }
    eprintln!(
        "done in {:.1}s ({} events)",
        started.elapsed().as_secs_f64(),
        result.events
    );
    Ok(())
}

/// Prints `text`, or writes it atomically to `output`.
fn emit(text: String, output: Option<PathBuf>) -> Result<(), Failure> {
    match output {
        None => print!("{text}"),
        Some(path) => wormscope_report::atomic::write_file(&path, text.as_bytes())
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", path.display())))?,
    }
    Ok(())
}

fn report(args: ReportArgs) -> Result<(), Failure> {
    let report =
        wormscope_report::render_report(&args.dir).map_err(|e| Failure::Input(e.to_string()))?;
    let path = args.output.unwrap_or_else(|| args.dir.join("report.html"));
    wormscope_report::atomic::write_file(&path, report.html.as_bytes())
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
                let names: Vec<&str> = wormscope_scenario::BUILTIN.iter().map(|b| b.0).collect();
                Failure::Input(format!(
                    "no built-in scenario is called `{name}` (there are: {})",
                    names.join(", ")
                ))
            })?;
            print!("{text}");
        }
        ScenarioCommand::List => {
            for (name, summary, _) in wormscope_scenario::BUILTIN {
                println!("{name:<12} {summary}");
            }
        }
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<(), Failure> {
    if args.reference_hours == 0 {
        return Err(Failure::Input(
            "--reference-hours must be at least 1".into(),
        ));
    }
    let spinner = progress::spinner("engine and reference on small worlds");
    let speedups: Vec<_> = wormscope_bench::small_world_scenarios(args.reference_hours)
        .iter()
        .map(|(name, s)| wormscope_bench::measure_speedup(name, s))
        .collect();
    spinner.finish_and_clear();
    let full_scale = if args.no_full_scale {
        None
    } else {
        let s = wormscope_scenario::default_scenario();
        let bar = progress::simulated_time(s.duration.as_micros());
        let row = wormscope_bench::measure_full_scale(&s, &mut |t| bar.set_position(t / 1_000_000));
        bar.finish_and_clear();
        Some(row)
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
    let report = wormscope_bench::BenchReport {
        speedups,
        full_scale,
        detector,
        peak_rss_bytes: wormscope_bench::peak_rss_bytes(),
    };
    if args.json {
        let mut v = serde_json::to_value(&report).map_err(|e| Failure::Run(e.into()))?;
        // Flat keys that scripts read.
        let obj = v.as_object_mut().expect("an object");
        obj.insert(
            "speedup_vs_reference".into(),
            report.speedups[0].speedup.into(),
        );
        if let Some(f) = &report.full_scale {
            obj.insert("full_scale_wall_s".into(), f.wall_s.into());
            obj.insert("full_scale_probes".into(), f.probes.into());
            obj.insert("full_scale_probes_per_s".into(), f.probes_per_s.into());
        }
        if let Some(d) = &report.detector {
            obj.insert("detector_bytes_per_cpu_s".into(), d.bytes_per_cpu_s.into());
            obj.insert("detector_bytes_per_s".into(), d.bytes_per_s.into());
        }
        println!("{v}");
    } else {
        for r in &report.speedups {
            println!(
                "engine vs reference  {} in {} ({} hosts), {:.0} h simulated, {} probes, {} engine events",
                r.name,
                r.world,
                r.hosts,
                r.simulated_s / 3600.0,
                r.probes,
                r.engine_events
            );
            println!(
                "                     engine {:.3} s, reference {:.2} s, speed-up {:.0}x, identical results: {}",
                r.engine_s, r.reference_s, r.speedup, r.identical
            );
        }
        if let Some(f) = &report.full_scale {
            println!(
                "full scale           {}: {} hosts ({} candidates), {:.0} h simulated, {} ever infected",
                f.scenario,
                f.hosts,
                f.candidates,
                f.simulated_s / 3600.0,
                f.ever_infected
            );
            println!(
                "                     world {:.1} s + simulation {:.1} s = {:.1} s wall, {} probes, {:.3e} probes/s",
                f.world_s, f.simulate_s, f.wall_s, f.probes, f.probes_per_s
            );
        }
        if let Some(d) = &report.detector {
            println!(
                "detector             {:.2} GB synthetic capture, {} frames, {} alerts: {} GB/s per CPU-second, {:.2} GB/s wall",
                d.bytes as f64 / 1e9,
                d.frames,
                d.alerts,
                d.bytes_per_cpu_s
                    .map_or("n/a".to_string(), |b| format!("{:.2}", b / 1e9)),
                d.bytes_per_s / 1e9
            );
        }
        println!(
            "peak RSS             {:.2} GiB",
            report.peak_rss_bytes as f64 / (1u64 << 30) as f64
        );
    }
    if report.speedups.iter().any(|r| !r.identical) {
        return Err(Failure::Run(anyhow::anyhow!(
            "the engine and the reference disagreed on the bench world"
        )));
    }
    Ok(())
}
