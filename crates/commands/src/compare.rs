//! `wormscope compare`: the baseline and defended variants as ensembles on
//! the same seeds, with bands.

use std::path::PathBuf;
use std::time::Instant;

use wormscope_report::OutputFile;
use wormscope_scenario::variant::{Variant, parse_variants};

use crate::common::{self, StudyStore, write_outputs};
use crate::{CommandError, CommandOutcome, Progress, Task};

/// What every study of many runs takes.
#[derive(Clone, Debug, Default)]
pub struct StudyRequest {
    /// A built-in name or a scenario file; `None` is `blaster`.
    pub scenario: Option<PathBuf>,
    /// Runs per variant (the same seeds for every variant).
    pub runs: u32,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Overrides the scenario's duration; the study runs at least
    /// [`wormscope_study::comparison_duration`].
    pub duration: Option<wormscope_scenario::SimDuration>,
}

impl StudyRequest {
    /// The scenario, running long enough for every metric.
    pub(crate) fn scenario(&self) -> Result<wormscope_scenario::Scenario, CommandError> {
        let mut s = common::blaster_scenario(self.scenario.as_deref(), self.seed, self.duration)?;
        s.duration = wormscope_study::comparison_duration(&s);
        Ok(s)
    }
}

/// What to compare.
#[derive(Clone, Debug, Default)]
pub struct CompareRequest {
    pub study: StudyRequest,
    /// Variant specs, e.g. `isp-filter@6h`.
    pub defenses: Vec<String>,
    /// A TOML file of `[[variant]]` tables.
    pub variants: Option<PathBuf>,
    /// Answer with JSON (a list of objects, one per variant) instead of
    /// the table.
    pub json: bool,
    /// Also write comparison.json, comparison.txt and the baseline's
    /// ensemble files here; finished runs are kept here for resuming.
    pub out: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &CompareRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    if let Some(out) = &req.out {
        common::check_dir(out)?;
    }
    let s = req.study.scenario()?;
    let runs = req.study.runs;
    let mut variants = Vec::new();
    for text in &req.defenses {
        let v: Variant = text
            .parse()
            .map_err(|e| CommandError::Input(format!("--defense {text}: {e}")))?;
        variants.push(v);
    }
    if let Some(path) = &req.variants {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CommandError::Input(format!("{}: cannot read the file: {e}", path.display()))
        })?;
        variants.extend(parse_variants(&text, &path.display().to_string())?);
    }
    for (i, v) in variants.iter().enumerate() {
        if v.name == "baseline" || variants[..i].iter().any(|w| w.name == v.name) {
            return Err(CommandError::Input(format!(
                "variant `{}` is named twice (each variant once, and not `baseline`)",
                v.name
            )));
        }
    }
    if variants.is_empty() {
        return Err(CommandError::Input(
            "name at least one variant with --defense SPEC or --variants FILE".into(),
        ));
    }
    // Check every variant before the long work starts.
    for v in &variants {
        v.applied_to(&s).map_err(CommandError::Input)?;
    }
    let started = Instant::now();
    let world = common::world(&s, progress)?;
    let store = StudyStore::open(req.out.as_deref());
    let results = {
        let bar = progress.start(Task::Runs {
            total: u64::from(runs) * (variants.len() as u64 + 1),
            label: "",
        });
        wormscope_study::compare(
            &s,
            &world,
            &variants,
            runs,
            &|| bar.advance(1),
            store.store(),
        )
        .map_err(CommandError::Input)?
    };
    let json = wormscope_report::comparison_json(&results);
    let table = wormscope_report::comparison_table(&results, runs);
    let mut files = Vec::new();
    if let Some(dir) = &req.out {
        // The baseline's ensemble beside the table, so that `wormscope
        // report DIR` has a run to draw.
        let mut outputs = wormscope_report::ensemble_files(&s, &world, &results[0].runs);
        outputs.push(OutputFile::Comparison, json.clone());
        outputs.push(OutputFile::ComparisonTable, table.clone());
        outputs.push(
            OutputFile::ComparisonSeries,
            wormscope_report::comparison_timeseries_csv(&results),
        );
        files = write_outputs(dir, &outputs)?;
    }
    let text = if req.json {
        json
    } else {
        format!(
            "{} (seed {}), {} simulated, {} hosts\n{table}",
            s.name,
            s.seed,
            s.duration,
            world.hosts.len()
        )
    };
    Ok(CommandOutcome {
        text,
        notes: store.into_notes_timed(started),
        files,
        ..CommandOutcome::default()
    })
}
