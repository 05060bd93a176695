//! Reports: what leaves wormscope after a run, in the forms people and
//! tools read. Formats results (CSV, JSON, text tables) and writes files
//! atomically: a file is written under a temporary name beside its target
//! and renamed into place, and a new output directory appears only once
//! complete. Knows nothing of terminals or argument parsing.

pub mod atomic;
pub mod html;
pub mod input;
pub mod plot;
mod run;

pub use html::{Report, render as render_report};
pub use input::InputError;

pub use run::{
    RunSummary, TIMESERIES_COLUMNS, WorldSummary, hourly_table, row_values, summary_json,
    timeseries_csv, write_run,
};
