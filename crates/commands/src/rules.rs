//! `wormscope rules`: the firewall rules that deploy a defense.

use std::path::PathBuf;

use wormscope_act::{Defense, RuleFormat};

use crate::{CommandError, CommandOutcome, common};

/// Which rules, in which syntax, to where.
#[derive(Clone, Debug)]
pub struct RulesRequest {
    pub defense: Defense,
    pub format: RuleFormat,
    /// Write here (atomically) instead of answering with the text.
    pub output: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &RulesRequest) -> Result<CommandOutcome, CommandError> {
    emit(
        wormscope_act::rules(req.defense, req.format),
        req.output.as_ref(),
    )
}

/// The text as the answer, or written atomically to `output`.
pub(crate) fn emit(text: String, output: Option<&PathBuf>) -> Result<CommandOutcome, CommandError> {
    match output {
        None => Ok(CommandOutcome::text(text)),
        Some(path) => {
            common::check_file(path)?;
            common::write_output(path, text.as_bytes())?;
            Ok(CommandOutcome {
                files: vec![path.clone()],
                ..CommandOutcome::default()
            })
        }
    }
}
