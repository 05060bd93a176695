//! Parameter sweeps: a grid of scenario variants times a list of seeds,
//! partitioned deterministically into shards that run anywhere (a laptop,
//! a Slurm job array, a Kubernetes Indexed Job), each shard one Parquet
//! file, and a merge that checks every shard and every (variant, seed) is
//! there exactly once.
//!
//! - [`spec`]: the sweep file (`SWEEP.toml`): the base scenario, fields set
//!   in every variant, the grid, the seeds. Every variant is built and
//!   validated through the scenario crate before anything runs; errors name
//!   the sweep file, line and field.
//! - [`table`]: the table of results (one row per variant, seed and time
//!   step, with the worm's series: Blaster's or a random-scanning worm's)
//!   and its Parquet form, written with fixed metadata so that a
//!   rerun shard has identical bytes.
//! - [`run`]: which jobs a shard holds, running them (in parallel, output in
//!   job order), and the merge.
//!
//! The crate writes files only through `wormscope_atomic`, reads no
//! clock and knows nothing of terminals: progress is a callback.

pub mod run;
pub mod spec;
pub mod table;

pub use run::{
    Job, MERGED_FILE, MergeSummary, Shard, merge, run_shard, shard_file_name, write_shard,
};
pub use spec::{Param, Sweep};
pub use table::{SeriesKind, SweepTable, parquet_bytes};

/// Why a sweep could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file, a flag or the shard directory is at fault.
    #[error("{0}")]
    Input(String),
    /// Something failed while running or writing.
    #[error("{0}")]
    Run(String),
}
