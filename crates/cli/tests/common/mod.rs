//! What every CLI test file needs: running the binary, reading its errors.

use std::process::{Command, Output};

/// Runs `wormscope ARGS`, with `RAYON_NUM_THREADS` set when `threads` is.
pub fn wormscope(args: &[&str], threads: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wormscope"));
    cmd.args(args);
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    cmd.output().expect("the binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
