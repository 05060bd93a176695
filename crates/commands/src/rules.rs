//! `wormscope rules`: the firewall rules that deploy a defense.

use std::path::{Path, PathBuf};

use wormscope_scenario::{Prefix, ScenarioSource};

use wormscope_act::{Defense, RuleFormat, RuleOptions};

use crate::{CommandError, CommandOutcome, common};

/// Which rules, in which syntax, to where.
#[derive(Clone, Debug)]
pub struct RulesRequest {
    pub defense: Defense,
    /// Take the rules from this scenario's own defense section (a built-in
    /// name or a file); `None`: W32/Blaster's, after CERT CA-2003-20.
    pub scenario: Option<PathBuf>,
    pub format: RuleFormat,
    /// The network's own prefixes (`--inside`), which the spoof filter's
    /// rules let out; refused with any other defense.
    pub inside: Vec<Prefix>,
    /// Write here (atomically) instead of answering with the text.
    pub output: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &RulesRequest) -> Result<CommandOutcome, CommandError> {
    if !req.inside.is_empty() && req.defense != Defense::SpoofFilter {
        return Err(CommandError::Input(
            "--inside: only spoof-filter's rules use the network's own prefixes".to_string(),
        ));
    }
    let options = RuleOptions {
        inside: req.inside.clone(),
        ..RuleOptions::default()
    };
    let text = match &req.scenario {
        None => wormscope_act::rules_with(req.defense, req.format, &options).map_err(|e| {
            CommandError::Input(format!(
                "--defense {}: {e}",
                req.defense.section().replace('_', "-")
            ))
        })?,
        Some(arg) => {
            let scenario = common::any_scenario(Some(arg))?;
            let argument = arg.display().to_string();
            let flag = format!("--defense {}", req.defense.section().replace('_', "-"));
            wormscope_act::scenario_rules_with(
                &scenario,
                &argument,
                req.defense,
                req.format,
                &options,
            )
            .map_err(|e| match e.field() {
                // The section's own field, named with its line.
                Some(field) => {
                    let at = ScenarioSource::find(&argument, Path::new(""))
                        .map(|source| source.error_at(field, e.0.clone()));
                    match at {
                        Ok(err) => CommandError::Input(format!("{err} ({flag})")),
                        Err(err) => CommandError::Input(err.to_string()),
                    }
                }
                None => CommandError::Input(format!("{argument}: {e} ({flag})")),
            })?
        }
    };
    emit(text, req.output.as_ref())
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
