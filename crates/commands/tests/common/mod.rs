//! What the commands' test files share.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};

use wormscope_commands::{CommandError, CommandOutcome};

/// A small world: one /14 of the default scenario, simulated for
/// `duration`.
pub fn small_world(duration: &str) -> String {
    format!(
        r#"
name = "small"
seed = 3
duration = "{duration}"
[world]
only_in = ["61.4.0.0/14"]
used_slash16_pct = 100.0
[worm]
initial_infected = 5
"#
    )
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The message of a bad-input error; panics on anything else.
pub fn input_error(r: Result<CommandOutcome, CommandError>) -> String {
    match r {
        Err(CommandError::Input(m)) => m,
        Err(e @ CommandError::Run(_)) => panic!("a failure while running, not bad input: {e}"),
        Ok(o) => panic!("accepted: {}", o.text),
    }
}

/// Progress that keeps the notes it is given, and draws nothing.
#[derive(Default)]
pub struct Noted(pub std::sync::Mutex<String>);

impl wormscope_commands::Progress for Noted {
    fn start(&self, task: wormscope_commands::Task<'_>) -> Box<dyn wormscope_commands::Tracker> {
        wormscope_commands::Silent.start(task)
    }
    fn note(&self, text: &str) {
        self.0.lock().unwrap().push_str(text);
    }
}

impl Noted {
    /// The notes so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}
