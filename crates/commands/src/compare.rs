//! `wormscope compare`: the baseline and defended variants as ensembles on
//! the same seeds, with bands, of a Blaster scenario or a random-scanning
//! worm (whose variants are its patch and host firewall).

use std::path::PathBuf;
use std::time::Instant;

use wormscope_report::{ComparedRun, OutputFile, OutputSet};
use wormscope_scenario::variant::{Defended, Variant, parse_variants_for};
use wormscope_scenario::{AnyScenario, PopulationScenario};
use wormscope_study::VariantResult;

use crate::common::{self, StudyStore, write_outputs};
use crate::simulate::MAX_RANDOM_SCAN_RUNS;
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
    /// Overrides the scenario's duration; a Blaster study runs at least
    /// [`wormscope_study::comparison_duration`], a random-scanning worm's
    /// for this or its scenario's duration.
    pub duration: Option<wormscope_scenario::SimDuration>,
}

impl StudyRequest {
    /// The scenario, running long enough for every metric.
    /// A `--duration` shorter than that is refused rather than run longer
    /// than asked (a week takes minutes).
    pub(crate) fn scenario(&self) -> Result<wormscope_scenario::BlasterScenario, CommandError> {
        let mut s = common::blaster_scenario(self.scenario.as_deref(), self.seed, self.duration)?;
        let needed = wormscope_study::comparison_duration(&s);
        if let Some(asked) = self.duration.filter(|d| *d < needed) {
            return Err(CommandError::Input(format!(
                "--duration: {asked} is too short: a Blaster study runs at least {needed} \
                 (its infected_7d metrics, and the flood on 16 August where that is a \
                 flood day); leave --duration out, or give {needed} or more"
            )));
        }
        s.duration = needed;
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
    /// Also write comparison.json, comparison.txt,
    /// comparison-timeseries.csv and the baseline's ensemble files here;
    /// a Blaster study's finished runs are kept here for resuming.
    pub out: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &CompareRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    if let Some(out) = &req.out {
        common::check_dir(out)?;
    }
    if let AnyScenario::Population(r) = common::any_scenario(req.study.scenario.as_deref())? {
        let s = common::population_with(r, req.study.seed, req.study.duration)?;
        progress.note(&common::after_the_end(&s));
        return population(&s, req, progress);
    }
    let s = req.study.scenario()?;
    progress.note(&common::after_the_end(&s));
    let runs = req.study.runs;
    let variants = variants(req, &s)?;
    progress.note(&already_on(&variants, &s));
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
    // The baseline's ensemble beside the table, so that `wormscope report
    // DIR` has a run to draw.
    let ensemble = || wormscope_report::ensemble_files(&s, &world, &results[0].runs);
    let heading = format!(
        "{} (seed {}), {} simulated, {} hosts",
        s.name,
        s.seed,
        s.duration.compound(),
        // As `simulate` counts them: a laptop with two identities once.
        wormscope_report::WorldSummary::of(&world).hosts
    );
    let (text, files) = answer(req, &results, heading, ensemble)?;
    Ok(CommandOutcome {
        text,
        notes: store.into_notes_timed(started),
        files,
        ..CommandOutcome::default()
    })
}

/// What the variants' defenses change of a baseline that already runs
/// them, a note for each (empty: none do).
fn already_on<S: Defended>(variants: &[Variant], s: &S) -> String {
    let mut notes = String::new();
    for v in variants {
        let unchanged = v.applied_to(s).is_ok_and(|d| d == *s);
        for (spec, baseline) in v.already_on_in(s) {
            let measures = if unchanged {
                "the variant is the baseline itself"
            } else {
                "the variant measures moving it, not the defense itself"
            };
            notes.push_str(&format!(
                "note: variant `{}`: the baseline already runs `{}` ({baseline}): {measures}\n",
                v.name, spec.name
            ));
        }
    }
    notes
}

/// The variants of the request (`--defense` specs, then the `--variants`
/// file's), each checked against `s` before any run: a defense `s` does
/// not run, a bad time, a name given twice, none at all are bad input.
fn variants<S: Defended>(req: &CompareRequest, s: &S) -> Result<Vec<Variant>, CommandError> {
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
        variants.extend(parse_variants_for(&text, &path.display().to_string(), s)?);
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
    for v in &variants {
        v.applied_to(s).map_err(CommandError::Input)?;
        // A mistyped time (`1000h` for `10h`) would read as a defense that
        // failed.
        if let Some(late) = v.starting_after_the_end(s) {
            let (_, duration) = s.span();
            return Err(CommandError::Input(format!(
                "variant `{}`: `{late}` starts when the run ends or after ({duration} \
                 after its start): it would change nothing",
                v.name
            )));
        }
    }
    Ok(variants)
}

/// A random-scanning worm's comparison, for its scenario's duration, on
/// the same seeds. Its runs are not kept for resuming.
fn population(
    s: &PopulationScenario,
    req: &CompareRequest,
    progress: &dyn Progress,
) -> Result<CommandOutcome, CommandError> {
    let runs = req.study.runs;
    let variants = variants(req, s)?;
    progress.note(&already_on(&variants, s));
    if runs > MAX_RANDOM_SCAN_RUNS {
        return Err(CommandError::Input(format!(
            "--runs: a random-scanning comparison takes at most {MAX_RANDOM_SCAN_RUNS} runs per variant"
        )));
    }
    let started = Instant::now();
    let results = {
        let bar = progress.start(Task::Runs {
            total: u64::from(runs) * (variants.len() as u64 + 1),
            label: "",
        });
        wormscope_study::compare_population(s, &variants, runs, &|| bar.advance(1))
            .map_err(CommandError::Input)?
    };
    // The baseline's files as `simulate --runs` writes them.
    let ensemble = || wormscope_report::population_run_files(s, &results[0].runs);
    let heading = format!(
        "{} (seed {}), {} simulated, {} vulnerable",
        s.name, s.seed, s.duration, s.population.vulnerable
    );
    let (text, files) = answer(req, &results, heading, ensemble)?;
    let events = results.iter().flat_map(|v| &v.runs).map(|r| r.events).sum();
    Ok(CommandOutcome {
        text,
        notes: common::timing(started, Some(events)),
        files,
        ..CommandOutcome::default()
    })
}

/// The answer (the table under `heading`, or the JSON) and, with `--out`,
/// the files written: the baseline's `ensemble` files, comparison.json,
/// comparison.txt and comparison-timeseries.csv.
fn answer<R: ComparedRun>(
    req: &CompareRequest,
    results: &[VariantResult<R>],
    heading: String,
    ensemble: impl FnOnce() -> OutputSet,
) -> Result<(String, Vec<PathBuf>), CommandError> {
    let json = wormscope_report::comparison_json(results);
    let table = wormscope_report::comparison_table(results, req.study.runs);
    let mut files = Vec::new();
    if let Some(dir) = &req.out {
        let mut outputs = ensemble();
        outputs.push(OutputFile::Comparison, json.clone());
        outputs.push(OutputFile::ComparisonTable, table.clone());
        outputs.push(
            OutputFile::ComparisonSeries,
            wormscope_report::comparison_timeseries_csv(results),
        );
        files = write_outputs(dir, &outputs)?;
    }
    let text = if req.json {
        json
    } else {
        format!("{heading}\n{table}")
    };
    Ok((text, files))
}
