//! What the commands' test files share.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};

use wormscope_commands::{CommandError, CommandOutcome};

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
