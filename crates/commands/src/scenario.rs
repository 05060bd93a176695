//! `wormscope scenario`: the built-in scenarios, printed or listed.

use std::fmt::Write as _;

use crate::{CommandError, CommandOutcome};

/// What to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioRequest {
    /// A built-in scenario as its commented TOML file.
    Print { name: String },
    /// The built-in scenarios, one line each.
    List,
}

/// Runs the request.
pub fn run(req: &ScenarioRequest) -> Result<CommandOutcome, CommandError> {
    match req {
        ScenarioRequest::Print { name } => {
            let text = wormscope_scenario::builtin_text(name).ok_or_else(|| {
                let hint = wormscope_scenario::suggestion(name)
                    .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
                CommandError::Input(format!(
                    "no built-in scenario is called `{name}`{hint} (there are: {})",
                    wormscope_scenario::builtin_names().join(", ")
                ))
            })?;
            Ok(CommandOutcome::text(text.to_string()))
        }
        ScenarioRequest::List => {
            let mut text = String::new();
            let all = || {
                wormscope_scenario::BUILTIN
                    .iter()
                    .chain(wormscope_scenario::POPULATION_BUILTIN)
            };
            let width = all().map(|(name, _, _)| name.len()).max().unwrap_or(0);
            for (name, summary, _) in all() {
                let _ = writeln!(text, "{name:<width$}  {summary}");
            }
            Ok(CommandOutcome::text(text))
        }
    }
}
