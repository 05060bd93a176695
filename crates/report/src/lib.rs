//! Reports: what leaves wormscope after a run, in the forms people and
//! tools read. Formats results (CSV, JSON, text tables) and writes files
//! atomically: a file is written under a temporary name beside its target
//! and renamed into place, and a new output directory appears only once
//! complete. Knows nothing of terminals or argument parsing.

pub mod atomic;
mod ensemble;
mod flaws;
mod run;

pub use ensemble::{
    FLOOD_COLUMNS, comparison_json, comparison_objects, comparison_table, ensemble_flood_csv,
    ensemble_timeseries_csv, flood_csv, flood_rates,
};
pub use flaws::{
    flaws_json, flaws_markdown, flaws_objects, flaws_table, reliance_json, reliance_objects,
};
pub use run::{
    EnsembleSummary, RunSummary, WorldSummary, ensemble_files, fmt_seconds, hourly_table,
    run_files, summary_json, timeseries_csv, write_run, write_run_with,
};
