//! `wormscope simulate`: one run or an ensemble of any scenario, written
//! into an output directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use wormscope_model::World;
use wormscope_model::behaviour::FloodDays;
use wormscope_scenario::{
    AnyScenario, BlasterScenario, DateCheck, PopulationScenario, SimDuration,
};

use crate::common::{self, write_outputs};
use crate::{CommandError, CommandOutcome, Progress, Task};

/// The largest random-scanning ensemble: every run's infection times are
/// kept until the figures are measured.
pub const MAX_RANDOM_SCAN_RUNS: u32 = 1_000;

/// What to simulate.
#[derive(Clone, Debug, Default)]
pub struct SimulateRequest {
    /// A built-in name or a scenario file; `None` is `blaster`.
    pub scenario: Option<PathBuf>,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Overrides the scenario's duration.
    pub duration: Option<SimDuration>,
    /// The output directory.
    pub out: PathBuf,
    /// An ensemble of this many runs on derived seeds, instead of one run.
    pub runs: Option<u32>,
}

/// Runs the request.
pub fn run(req: &SimulateRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    common::check_dir(&req.out)?;
    if let AnyScenario::Population(r) = common::any_scenario(req.scenario.as_deref())? {
        let (full, figures) = (r.duration, r.validation.clone());
        let s = common::population_with(r, req.seed, req.duration)?;
        let unchecked: Vec<&str> = figures
            .iter()
            .filter(|f| !s.validation.contains(f))
            .map(|f| f.figure.as_str())
            .collect();
        let note = (!unchecked.is_empty()).then(|| {
            format!(
                "not checked on a run cut to {} of the scenario's {full}: {}\n",
                s.duration,
                unchecked.join(", ")
            )
        });
        progress.note(&common::after_the_end(&s));
        return population(&s, req, note, progress);
    }
    let s = common::blaster_scenario(req.scenario.as_deref(), req.seed, req.duration)?;
    progress.note(&common::after_the_end(&s));
    let started = Instant::now();
    let world = common::world(&s, progress)?;
    match req.runs {
        Some(runs) => ensemble(&s, &world, runs, &req.out, progress, started),
        None => one_run(&s, &world, &req.out, progress, started),
    }
}

fn one_run(
    s: &BlasterScenario,
    world: &World,
    out: &Path,
    progress: &dyn Progress,
    started: Instant,
) -> Result<CommandOutcome, CommandError> {
    let observed = {
        let bar = progress.start(Task::SimulatedSeconds(s.duration.as_micros() / 1_000_000));
        wormscope_observe::simulate_blaster(s, world, &mut |t| bar.set(t / 1_000_000))
    };
    let result = &observed.result;
    let summary = wormscope_report::RunSummary::new(s, world, result);
    let files = wormscope_report::observed_run_files(s, &summary, &observed)
        .map_err(|e| CommandError::Run(anyhow::anyhow!("writing {}: {e}", out.display())))?;
    let files = write_outputs(out, &files)?;
    let w = &summary.world;
    let mobile = match w.mobile_machines {
        0 => String::new(),
        n => format!(" ({n} of them laptops taken home some evenings)"),
    };
    let mut text = format!(
        "{} (seed {}): {} hosts, {} vulnerable and reachable candidates{mobile}, {} simulated\n",
        s.name, s.seed, w.hosts, w.candidates, s.duration
    );
    text.push_str(&wormscope_report::hourly_table(result));
    let t = &result.totals;
    let payload = if t.payload_crashes > 0 {
        format!(", crashed for good by the payload {}", t.payload_crashes)
    } else {
        String::new()
    };
    let totals = &summary.totals;
    let dropped = match totals.probes_dropped {
        Some(n) => format!(" ({n} dropped by the network's capacity)"),
        None => String::new(),
    };
    let _ = writeln!(
        text,
        "ever infected {}, crashes {}, reboots {}{payload}, probes {}{dropped}",
        t.ever_infected, t.crashes, t.reboots, t.probes
    );
    let why = if totals.flood_packets == 0 {
        {
            let days = FloodDays::blaster(&s.payload);
            none_sent_because(
                days,
                !days.spans_us(s.start, s.duration.as_micros()).is_empty(),
            )
        }
    } else {
        ""
    };
    let _ = writeln!(
        text,
        "flood SYNs sent {}, of them reached the target {}{why}",
        totals.flood_packets, totals.flood_arriving_packets
    );
    let _ = writeln!(text, "wrote {}", listing(&files));
    Ok(CommandOutcome {
        text,
        notes: common::timing(started, Some(result.events)),
        files,
        ..CommandOutcome::default()
    })
}

fn ensemble(
    s: &BlasterScenario,
    world: &World,
    runs: u32,
    out: &Path,
    progress: &dyn Progress,
    started: Instant,
) -> Result<CommandOutcome, CommandError> {
    let results = {
        let bar = progress.start(Task::Runs {
            total: u64::from(runs),
            label: "",
        });
        wormscope_study::ensemble(s, world, runs, &|| bar.advance(1))
    };
    let files = wormscope_report::ensemble_files(s, world, &results);
    let files = write_outputs(out, &files)?;
    let summary = wormscope_report::EnsembleSummary::new(s, world, &results);
    let mut text = format!(
        "{} (seed {}): {} runs of {} on {} hosts\n",
        s.name, s.seed, runs, s.duration, summary.world.hosts
    );
    text.push_str(&summary.table());
    let _ = writeln!(text, "wrote {}", listing(&files));
    let events = results.iter().map(|r| r.events).sum();
    Ok(CommandOutcome {
        text,
        notes: common::timing(started, Some(events)),
        files,
        ..CommandOutcome::default()
    })
}

/// A run or an ensemble of a random-scanning scenario, with its figures
/// held against their published values.
/// `unchecked`: which of the scenario's figures a shortened run cannot
/// measure, as a line to print under the others.
fn population(
    s: &PopulationScenario,
    req: &SimulateRequest,
    unchecked: Option<String>,
    progress: &dyn Progress,
) -> Result<CommandOutcome, CommandError> {
    if req.runs.is_some_and(|n| n > MAX_RANDOM_SCAN_RUNS) {
        return Err(CommandError::Input(format!(
            "--runs: a random-scanning ensemble takes at most {MAX_RANDOM_SCAN_RUNS} runs"
        )));
    }
    let started = Instant::now();
    let results = match req.runs {
        Some(n) => {
            let bar = progress.start(Task::Runs {
                total: u64::from(n),
                label: "",
            });
            wormscope_study::validate::population_ensemble(s, n, &|| bar.advance(1))
        }
        None => {
            let bar = progress.start(Task::SimulatedSeconds(s.duration.as_micros() / 1_000_000));
            let run = wormscope_engine::population::simulate_population(s, s.seed, &mut |t| {
                bar.set(t / 1_000_000)
            });
            vec![run]
        }
    };
    let files = wormscope_report::population_run_files(s, &results);
    let files = write_outputs(&req.out, &files)?;
    let infected: Vec<String> = results
        .iter()
        .map(|r| r.infection_times_us.len().to_string())
        .collect();
    let mut text = format!(
        "{} (seed {}): {} vulnerable, ever infected in {}: {}\n",
        s.name,
        s.seed,
        s.population.vulnerable,
        s.duration,
        infected.join(", ")
    );
    // Cleaned hosts no longer carry the worm: the curve's last point.
    let carrying: Vec<String> = results
        .iter()
        .map(|r| r.rows.last().map_or(0, |row| row.infected).to_string())
        .collect();
    if carrying != infected {
        let _ = writeln!(
            text,
            "carrying the worm at the end (timeseries.csv's last `infected`): {}",
            carrying.join(", ")
        );
    }
    if let Some(payload) = &s.payload {
        let reached: Vec<String> = results
            .iter()
            .map(|r| r.total(|row| row.flood_packets).to_string())
            .collect();
        // A worm that resolves a name reaches the site wherever it is.
        let target = payload
            .name
            .clone()
            .unwrap_or_else(|| payload.target.to_string());
        let sent: Vec<String> = results
            .iter()
            .map(|r| r.total(|row| row.flood_sent).to_string())
            .collect();
        let why = if sent.iter().all(|n| n == "0") {
            {
                let days = FloodDays::population(payload);
                none_sent_because(
                    days,
                    !days.spans_us(s.start, s.duration.as_micros()).is_empty(),
                )
            }
        } else {
            ""
        };
        let _ = writeln!(text, "flood packets sent: {}{why}", sent.join(", "));
        let _ = writeln!(
            text,
            "flood packets that reached {target}: {}",
            reached.join(", ")
        );
        if payload.spoofed_sources {
            let bcp38: Vec<String> = results
                .iter()
                .map(|r| r.total(|row| row.flood_bcp38).to_string())
                .collect();
            let _ = writeln!(
                text,
                "flood packets that would have reached it had every first hop dropped spoofed sources (BCP 38): {}",
                bcp38.join(", ")
            );
        }
    }
    let checks = wormscope_study::validate::check_figures(s, &results);
    // A scenario without figures (`validation = []`) has no table.
    if !checks.is_empty() {
        text.push_str(&wormscope_report::validation_table(&checks));
    }
    text.push_str(unchecked.as_deref().unwrap_or_default());
    let _ = writeln!(text, "wrote {}", listing(&files));
    let events = results.iter().map(|r| r.events).sum();
    Ok(CommandOutcome {
        text,
        notes: common::timing(started, Some(events)),
        files,
        ..CommandOutcome::default()
    })
}

/// Why a run sent no flood, as far as the scenario says: no flood day in
/// the run, or a worm that reads the date when it starts needs a start on
/// one.
fn none_sent_because(days: FloodDays, any_in_the_run: bool) -> &'static str {
    if !any_in_the_run {
        return " (no flood day falls in the run)";
    }
    match days.checked {
        DateCheck::AtStart => {
            " (the worm reads the date only when it starts, and no instance that started on a flood day could send)"
        }
        DateCheck::Always => " (no instance ran on a flood day with a target it could send to)",
    }
}

/// `DIR/{a,b,c}`: the files written into one directory.
pub(crate) fn listing(files: &[PathBuf]) -> String {
    let Some(dir) = files.first().and_then(|f| f.parent()) else {
        return "nothing".into();
    };
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    format!("{}/{{{}}}", dir.display(), names.join(","))
}
