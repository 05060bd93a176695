//! Reports: what leaves wormscope after a run, in the forms people and
//! tools read. Formats results (CSV, JSON, text tables) and writes them
//! through [`wormscope_atomic`], the one atomic writer: a new output
//! directory appears only once complete. Knows nothing of terminals or
//! argument parsing.
//!
//! Two halves over shared leaves, with no cycle between modules:
//!
//! - **Writing** results: a run's and an ensemble's files and tables
//!   (`run.rs`, `ensemble.rs`: [`run_files`], [`ensemble_files`],
//!   [`hourly_table`]), the flaw study's (`flaws.rs`), the validation's
//!   (`validation.rs`), a fit's (`fit.rs`), each as an [`OutputSet`]; [`run_store`]: finished
//!   runs kept in an output directory, so that a long study resumes.
//! - **Reading them back to draw the page**: [`input`] (parsing, errors
//!   with file, line and field) and [`html`] (the self-contained page);
//!   `sweep.rs`, the page of a sweep's merged Parquet table.
//! - **Shared leaves**: [`outputs`] (every file of an output directory,
//!   one name each), [`numbers`] (numbers as people read them), [`plot`]
//!   (general SVG charts) and [`figures`] (charts from the files' data: the
//!   writers draw `sensors.svg` from the `sensors.csv` they write with the
//!   same code the page draws it with).

mod ensemble;
pub mod figures;
mod fit;
mod flaws;
pub mod html;
pub mod input;
pub mod numbers;
pub mod outputs;
pub mod plot;
mod run;
pub mod run_store;
mod sweep;
mod validation;

pub use ensemble::{
    COMPARISON_SERIES_HEADER, ComparedRun, FLOOD_COLUMNS, comparison_json, comparison_objects,
    comparison_table, comparison_timeseries_csv, counted, ensemble_flood_csv,
    ensemble_timeseries_csv, flood_csv, flood_rates,
};
pub use fit::{
    FIT_PREDICTIVE_HEADER, FitSource, fit_draws_csv, fit_files, fit_json, fit_markdown,
    fit_observed_csv, fit_predictive_csv, fit_table, recovery_json, recovery_table,
};
pub use flaws::{
    flaws_json, flaws_markdown, flaws_objects, flaws_table, reliance_json, reliance_objects,
};
pub use html::{Report, render as render_report};
pub use input::InputError;
pub use outputs::{OutputFile, OutputSet, REPORT_PAGE};
pub use run::{
    EnsembleSummary, RunHeader, RunSummary, WorldSummary, ensemble_files, hourly_table,
    observed_run_files, run_files, summary_json, timeseries_csv,
};
pub use validation::{
    blaster_outbreak_svg, outbreak_svg, population_ensemble_timeseries_csv, population_run_files,
    population_timeseries_csv, validation_json, validation_table,
};
