//! Reports: what leaves wormscope after a run, in the forms people and
//! tools read. Formats results (CSV, JSON, text tables) and writes files
//! atomically: a file is written under a temporary name beside its target
//! and renamed into place, and a new output directory appears only once
//! complete. Knows nothing of terminals or argument parsing.

pub mod atomic;
mod run;

pub use run::{
    RunSummary, WorldSummary, fmt_seconds, hourly_table, summary_json, timeseries_csv, write_run,
    write_run_with,
};
