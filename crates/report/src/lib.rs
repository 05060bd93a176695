//! Reports: what leaves wormscope after a run, in the forms people and
//! tools read. Formats results (CSV, JSON, text tables) and writes them
//! through [`wormscope_atomic`], the one atomic writer: a new output
//! directory appears only once complete. Knows nothing of terminals or
//! argument parsing.
//!
//! - a run's `timeseries.csv`, `summary.json` and hourly table
//!   ([`write_run`], [`timeseries_csv`], [`hourly_table`]).
//! - [`input`]: reading an output directory back, errors with file, line
//!   and field.
//! - [`plot`]: general SVG line and bar charts (plotters), for any figure.
//! - [`html`]: the self-contained HTML report of an output directory.
//! - [`run_store`]: finished runs kept in an output directory, so that a
//!   long study resumes.

mod ensemble;
mod flaws;
pub mod html;
pub mod input;
pub mod plot;
mod run;
pub mod run_store;
mod validation;

pub use ensemble::{
    FLOOD_COLUMNS, comparison_json, comparison_objects, comparison_table, ensemble_flood_csv,
    ensemble_timeseries_csv, flood_csv, flood_rates,
};
pub use flaws::{
    flaws_json, flaws_markdown, flaws_objects, flaws_table, reliance_json, reliance_objects,
};
pub use html::{Report, render as render_report};
pub use input::InputError;
pub use run::{
    EnsembleSummary, RunHeader, RunSummary, WorldSummary, ensemble_files, fmt_seconds,
    hourly_table, run_files, summary_json, timeseries_csv, write_run, write_run_with,
};
pub use validation::{
    outbreak_svg, random_ensemble_timeseries_csv, random_run_files, random_timeseries_csv,
    validation_json, validation_table,
};
