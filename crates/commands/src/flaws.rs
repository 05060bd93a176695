//! `wormscope flaws`: what each of Blaster's design flaws cost it, and which
//! defenses worked only because of them.

use std::path::PathBuf;
use std::time::Instant;

use wormscope_report::OutputFile;
use wormscope_scenario::variant::Variant;

use crate::common::{self, StudyStore, write_outputs};
use crate::compare::StudyRequest;
use crate::{CommandError, CommandOutcome, Progress, Task};

/// How to answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlawsAnswer {
    /// The tables.
    #[default]
    Tables,
    /// The first table as JSON.
    Json,
    /// The written finding, in Markdown.
    Markdown,
}

/// What to study.
#[derive(Clone, Debug, Default)]
pub struct FlawsRequest {
    pub study: StudyRequest,
    /// The baseline's defenses, joined with `+`
    /// ([`wormscope_study::flaws::DEFENSES_2003`] on the command line).
    pub defenses: String,
    pub answer: FlawsAnswer,
    /// Also write flaws.json, flaws-reliance.json, flaws.txt, flaws.md and
    /// the baseline's ensemble files here; finished runs are kept here for
    /// resuming.
    pub out: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &FlawsRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    if let Some(out) = &req.out {
        common::check_dir(out)?;
    }
    let s = req.study.scenario()?;
    let runs = req.study.runs;
    let defenses: Variant = req
        .defenses
        .parse()
        .map_err(|e| CommandError::Input(format!("--defenses {}: {e}", req.defenses)))?;
    let defended = defenses.applied_to(&s).map_err(CommandError::Input)?;
    let started = Instant::now();
    let world = common::world(&s, progress)?;
    let store = StudyStore::open(req.out.as_deref());
    let study = {
        let bar = progress.start(Task::Runs {
            total: u64::from(runs) * u64::from(wormscope_study::flaws::ensembles(&defenses)),
            label: "",
        });
        wormscope_study::flaws::study(
            &s,
            &world,
            &defenses,
            runs,
            &|| bar.advance(1),
            store.store(),
        )
        .map_err(CommandError::Input)?
    };
    let table = wormscope_report::flaws_table(&study);
    let markdown = wormscope_report::flaws_markdown(&study, &s.name);
    let json = wormscope_report::flaws_json(&study);
    let mut files = Vec::new();
    if let Some(dir) = &req.out {
        // The worm as it was, under the study's defenses, as an ensemble
        // beside the tables, so that `wormscope report DIR` has a run to
        // draw.
        let baseline = &study.rows[0].result.runs;
        let mut outputs = wormscope_report::ensemble_files(&defended, &world, baseline);
        outputs.push(OutputFile::Flaws, json.clone());
        outputs.push(
            OutputFile::FlawsReliance,
            wormscope_report::reliance_json(&study),
        );
        outputs.push(OutputFile::FlawsTable, table.clone());
        outputs.push(OutputFile::FlawsFinding, markdown.clone());
        files = write_outputs(dir, &outputs)?;
    }
    let text = match req.answer {
        FlawsAnswer::Tables => table,
        FlawsAnswer::Json => json,
        FlawsAnswer::Markdown => markdown,
    };
    Ok(CommandOutcome {
        text,
        notes: store.into_notes_timed(started),
        files,
        ..CommandOutcome::default()
    })
}
