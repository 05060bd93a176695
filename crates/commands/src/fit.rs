//! `wormscope fit`: a scenario's unknowns fitted to what its sensors saw,
//! the true outbreak's bands, and optionally a recovery study of
//! synthetic truths.

use std::path::{Path, PathBuf};
use std::time::Instant;

use wormscope_fit::{Fit, FitError, FitParam, Settings};
use wormscope_report::FitSource;
use wormscope_scenario::{ScenarioSource, SimDuration};
use wormscope_sweep::Shard;

use crate::{CommandError, CommandOutcome, Progress, Task, common};

/// Most simulations a fit may ask for.
pub const MAX_RUNS: u32 = 1_000_000;

/// A fit to run.
#[derive(Clone, Debug)]
pub struct FitRequest {
    /// A built-in name or a scenario file; `None` is `blaster`.
    pub scenario: Option<PathBuf>,
    /// The observations (`time_s,sensor,measure,value`).
    pub observed: PathBuf,
    /// `FIELD=LO..HI` or `FIELD=A,B,C`, one per fitted field.
    pub params: Vec<String>,
    /// Simulations in all, split evenly over the generations.
    pub runs: u32,
    /// Generations of the population Monte Carlo.
    pub generations: u32,
    /// The fit's seed (proposals and simulation seeds).
    pub seed: u64,
    /// Overrides the scenario's duration (the observations must fit in it).
    pub duration: Option<SimDuration>,
    /// Answer with `fit.json` instead of the table.
    pub json: bool,
    /// Write the fit's files here.
    pub out: Option<PathBuf>,
    /// Also fit this many synthetic truths and report the coverage.
    pub recover: Option<u32>,
    /// Run only this shard's simulations (proposal `k` of a generation in
    /// shard `k mod N`), kept in `out`'s run store for the others.
    pub shard: Option<Shard>,
}

impl Default for FitRequest {
    fn default() -> FitRequest {
        FitRequest {
            scenario: None,
            observed: PathBuf::new(),
            params: Vec::new(),
            runs: 800,
            generations: 4,
            seed: 1,
            duration: None,
            json: false,
            out: None,
            recover: None,
            shard: None,
        }
    }
}

impl From<FitError> for CommandError {
    fn from(e: FitError) -> Self {
        match e {
            FitError::Input(m) => CommandError::Input(m),
            FitError::Run(m) => CommandError::Run(anyhow::anyhow!(m)),
            e @ FitError::Pending { .. } => CommandError::Run(anyhow::anyhow!("{e}")),
        }
    }
}

impl FitRequest {
    /// The command line that runs this request, for the files it writes.
    pub fn command_line(&self) -> String {
        let mut c = String::from("wormscope fit");
        if let Some(s) = &self.scenario {
            c.push_str(&format!(" --scenario {}", s.display()));
        }
        c.push_str(&format!(" --observed {}", self.observed.display()));
        for p in &self.params {
            c.push_str(&format!(" --param {p}"));
        }
        c.push_str(&format!(
            " --runs {} --generations {} --seed {}",
            self.runs, self.generations, self.seed
        ));
        if let Some(d) = self.duration {
            c.push_str(&format!(" --duration {d}"));
        }
        if let Some(n) = self.recover {
            c.push_str(&format!(" --recover {n}"));
        }
        c
    }

    /// The fit, checked: the scenario, the parameters against it, the
    /// observations against its sensors and duration, the budget.
    pub fn fit(&self) -> Result<Fit, CommandError> {
        if self.generations == 0 || self.generations > 50 {
            return Err(CommandError::Input(format!(
                "--generations {}: give 1 to 50",
                self.generations
            )));
        }
        let proposals = self.runs / self.generations;
        if proposals < 8 || self.runs > MAX_RUNS {
            return Err(CommandError::Input(format!(
                "--runs {}: give at least 8 simulations per generation ({} with --generations {}) and at most {MAX_RUNS}",
                self.runs,
                8 * self.generations,
                self.generations
            )));
        }
        let scenario = common::any_scenario_with(self.scenario.as_deref(), None, self.duration)?;
        let arg = self
            .scenario
            .as_deref()
            .map_or("blaster".into(), |p| p.display().to_string());
        let (text, origin) = ScenarioSource::find(&arg, Path::new(""))?.text()?;
        let params = self
            .params
            .iter()
            .map(|spec| {
                FitParam::parse(spec, &scenario)
                    .map_err(|e| CommandError::Input(format!("--param {spec}: {e}")))
            })
            .collect::<Result<Vec<FitParam>, CommandError>>()?;
        let name = self.observed.display().to_string();
        let obs_text = std::fs::read_to_string(&self.observed)
            .map_err(|e| CommandError::Input(format!("{name}: cannot read the file: {e}")))?;
        let observations = wormscope_fit::observed::parse(&obs_text, &name, &scenario)
            .map_err(CommandError::Input)?;
        let settings = Settings {
            proposals: proposals as usize,
            keep: (proposals as usize / 4).max(2),
            generations: self.generations as usize,
            seed: self.seed,
        };
        Ok(Fit::new(
            text,
            origin,
            scenario,
            params,
            observations,
            settings,
        )?)
    }
}

/// Runs the request.
pub fn run(req: &FitRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    if let Some(out) = &req.out {
        common::check_dir(out)?;
    }
    if req.shard.is_some() && req.out.is_none() {
        return Err(CommandError::Input(
            "--shard: give --out DIR too: the shards of a fit keep their simulations in DIR/.wormscope-runs (a directory they share)".into(),
        ));
    }
    if req.shard.is_some() && req.recover.is_some() {
        return Err(CommandError::Input(
            "--shard with --recover: a recovery study runs in one process".into(),
        ));
    }
    if req.recover == Some(0) {
        return Err(CommandError::Input(
            "--recover 0: give the number of synthetic truths to fit (20 or more for a coverage worth reading)".into(),
        ));
    }
    let fit = req.fit()?;
    let started = Instant::now();
    let store = common::StudyStore::open(req.out.as_deref());
    let result = {
        let bar = progress.start(Task::Runs {
            total: u64::from(req.runs / req.generations * req.generations),
            label: "simulations",
        });
        match fit.run_stored(store.simulations(), req.shard, &|done| bar.set(done as u64)) {
            Err(FitError::Pending {
                generation,
                missing,
                total,
            }) => {
                let shard = req.shard.expect("only a shard leaves runs to others");
                return Ok(CommandOutcome {
                    text: format!(
                        "shard {shard}: generation {} of {}: this shard's simulations are kept; {missing} of {total} are other shards'. Run every shard again (each run takes the fit one generation further), then once more to write the result.\n",
                        generation + 1,
                        req.generations
                    ),
                    notes: store.into_notes(),
                    ..CommandOutcome::default()
                });
            }
            r => r?,
        }
    };
    let recovery = match req.recover {
        Some(n) => {
            let bar = progress.start(Task::Runs {
                total: u64::from(n),
                label: "synthetic truths",
            });
            Some(wormscope_fit::recover(&fit, n as usize, &|done| {
                bar.set(done as u64)
            })?)
        }
        None => None,
    };
    let command = req.command_line();
    let observed = req.observed.display().to_string();
    let source = FitSource {
        observed: &observed,
        command: &command,
    };
    let mut text = if req.json {
        wormscope_report::fit_json(&fit, &result, &source)
    } else {
        wormscope_report::fit_table(&fit, &result)
    };
    if let (Some(r), false) = (&recovery, req.json) {
        text.push_str(&wormscope_report::recovery_table(&fit, r));
    }
    let mut files = Vec::new();
    if let Some(out) = &req.out {
        let set = wormscope_report::fit_files(&fit, &result, recovery.as_ref(), &source)
            .map_err(|e| CommandError::Run(anyhow::anyhow!("{e}")))?;
        files = common::write_outputs(out, &set)?;
    }
    Ok(CommandOutcome {
        text,
        notes: store.into_notes_timed(started),
        files,
        ..CommandOutcome::default()
    })
}
