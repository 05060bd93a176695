//! `wormscope validate`: historical scenarios as ensembles, each published
//! figure held against its simulated band: the random-scanning built-ins
//! by default, and Blaster's (or any scenario with `[[validation]]`
//! figures) when named.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use wormscope_report::OutputFile;
use wormscope_scenario::{AnyScenario, BlasterScenario};
use wormscope_study::validate::BlasterOutbreak;

use crate::{CommandError, CommandOutcome, CommandVerdict, Progress, Task, common};

/// Which scenarios, how many runs, how to answer.
#[derive(Clone, Debug, Default)]
pub struct ValidateRequest {
    /// Built-in names or files of scenarios with figures; empty is every
    /// random-scanning built-in.
    pub scenarios: Vec<PathBuf>,
    /// Runs per ensemble; `None` is each scenario's `runs`.
    pub runs: Option<u32>,
    /// Answer with a JSON list instead of the table.
    pub json: bool,
    /// Also write validation.json and each scenario's figure here.
    pub out: Option<PathBuf>,
}

/// Runs the request. Its verdict fails if any figure does.
pub fn run(req: &ValidateRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    if let Some(out) = &req.out {
        common::check_dir(out)?;
    }
    let mut scenarios: Vec<AnyScenario> = Vec::new();
    if req.scenarios.is_empty() {
        for (name, _, _) in wormscope_scenario::POPULATION_BUILTIN {
            scenarios.push(AnyScenario::Population(
                wormscope_scenario::builtin_population(name).expect("built in"),
            ));
        }
    }
    for p in &req.scenarios {
        let s = common::any_scenario(Some(p))?;
        let (name, figures, start, duration, sensors) = match &s {
            AnyScenario::Population(s) => (
                &s.name,
                &s.validation,
                s.start,
                s.duration,
                s.all_sensors().into_iter().map(|c| c.name).collect(),
            ),
            AnyScenario::Blaster(s) => (
                &s.name,
                &s.validation,
                s.start,
                s.duration,
                s.sensors.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            ),
        };
        let sensors: Vec<&str> = sensors.iter().map(String::as_str).collect();
        if let Some((field, message)) =
            wormscope_scenario::figure::unmeasurable(figures, start, duration, &sensors)
        {
            return Err(CommandError::Input(format!(
                "{}: field `{field}`: {message}",
                p.display()
            )));
        }
        if figures.is_empty() {
            return Err(CommandError::Input(format!(
                "{}: field `validation`: there are no figures to check \
                 (add [[validation]] tables)",
                p.display()
            )));
        }
        // The table's rows and the figures' files go by name.
        if scenarios.iter().any(|t| scenario_name(t) == name) {
            return Err(CommandError::Input(format!(
                "{}: field `name`: another scenario of this run is called `{}` too \
                 (a file laid over a built-in keeps its name unless it gives one): \
                 give it a `name` of its own",
                p.display(),
                name
            )));
        }
        scenarios.push(s);
    }
    let started = Instant::now();
    let mut checks = Vec::new();
    let mut figures = Vec::new();
    for s in &scenarios {
        match s {
            AnyScenario::Population(s) => {
                let runs = req.runs.unwrap_or(s.runs);
                let results = {
                    let bar = progress.start(Task::Runs {
                        total: u64::from(runs),
                        label: &s.name,
                    });
                    wormscope_study::validate::population_ensemble(s, runs, &|| bar.advance(1))
                };
                checks.extend(wormscope_study::validate::check_figures(s, &results));
                figures.push((
                    format!("{}.svg", s.name),
                    wormscope_report::outbreak_svg(s, &results).into_bytes(),
                ));
            }
            AnyScenario::Blaster(s) => {
                let runs = req.runs.unwrap_or(s.runs);
                let world = common::world(s, progress)?;
                let results = {
                    let bar = progress.start(Task::Runs {
                        total: u64::from(runs),
                        label: &s.name,
                    });
                    blaster_ensemble(s, &world, runs, &|| bar.advance(1))
                };
                checks.extend(wormscope_study::validate::check_blaster_figures(
                    s, &results,
                ));
                figures.push((
                    format!("{}.svg", s.name),
                    wormscope_report::blaster_outbreak_svg(s, &results).into_bytes(),
                ));
            }
        }
    }
    let json = wormscope_report::validation_json(&checks);
    let text = if req.json {
        json.clone()
    } else {
        wormscope_report::validation_table(&checks)
    };
    let mut files = Vec::new();
    if let Some(out) = &req.out {
        // Each scenario's figure beside the table, named after it: not an
        // input of the report page, so not an OutputFile.
        let mut outputs: Vec<(&str, Vec<u8>)> =
            vec![(OutputFile::Validation.name(), json.into_bytes())];
        outputs.extend(figures.iter().map(|(n, b)| (n.as_str(), b.clone())));
        let dir = wormscope_atomic::write_dir(out, &outputs, &[])
            .map_err(|e| CommandError::Run(anyhow::anyhow!("writing {}: {e}", out.display())))?;
        files = outputs.iter().map(|(n, _)| dir.join(n)).collect();
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    // A figure the runs never reached (n/a) fails, but is not a value
    // outside a tolerance: said apart.
    let unmeasured = checks
        .iter()
        .filter(|c| !c.pass && c.simulated.is_nan())
        .count();
    let outside = failed - unmeasured;
    let unmeasured_text = match unmeasured {
        0 => String::new(),
        n => format!(", {n} not measured (n/a)"),
    };
    let notes = format!(
        "{}, {outside} failed{unmeasured_text}, in {:.1}s\n",
        wormscope_report::counted(checks.len() as u64, "figure"),
        started.elapsed().as_secs_f64()
    );
    let verdict = if failed == 0 {
        CommandVerdict::Done
    } else {
        let all = wormscope_report::counted(checks.len() as u64, "figure");
        let mut why = Vec::new();
        if outside > 0 {
            let verb = if outside == 1 { "falls" } else { "fall" };
            why.push(format!("{outside} of {all} {verb} outside their tolerance"));
        }
        if unmeasured > 0 {
            let verb = if unmeasured == 1 { "was" } else { "were" };
            why.push(format!(
                "{unmeasured} of {all} {verb} not measured (n/a: the runs never got there)"
            ));
        }
        CommandVerdict::Failed(why.join("; "))
    };
    Ok(CommandOutcome {
        text,
        notes,
        files,
        verdict,
    })
}

fn scenario_name(s: &AnyScenario) -> &str {
    match s {
        AnyScenario::Population(s) => &s.name,
        AnyScenario::Blaster(s) => &s.name,
    }
}

/// `runs` runs of a Blaster scenario with its sensors on derived seeds (as
/// `simulate --runs` derives them), in run order, each kept as its figures
/// measure it.
fn blaster_ensemble(
    s: &BlasterScenario,
    world: &wormscope_model::world::World,
    runs: u32,
    done: &(dyn Fn() + Sync),
) -> Vec<BlasterOutbreak> {
    (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut run = s.clone();
            run.seed = wormscope_study::run_seed(s.seed, i);
            let observed = wormscope_observe::simulate_blaster(&run, world, &mut |_| {});
            done();
            BlasterOutbreak::new(
                &observed.result,
                u64::from(world.n_machines()),
                wormscope_model::behaviour::Behaviour::blaster(&run)
                    .stop
                    .at_us,
                observed
                    .sensors
                    .iter()
                    .map(|x| {
                        (
                            x.sensor.name.clone(),
                            x.rows.iter().map(|r| r.sources).collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}
