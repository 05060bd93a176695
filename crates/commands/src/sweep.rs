//! `wormscope sweep`: one shard of a parameter sweep into a Parquet file,
//! or the shards merged.

use std::path::PathBuf;
use std::time::Instant;

use wormscope_sweep::Shard;

use crate::{CommandError, CommandOutcome, Progress, Task, common};

/// A shard to run, or shards to merge.
#[derive(Clone, Debug)]
pub enum SweepRequest {
    /// Run shard `shard` of the sweep file into `out`.
    Shard {
        file: PathBuf,
        shard: Shard,
        out: PathBuf,
    },
    /// Check the shards in `dir` and write `dir/merged.parquet`.
    Merge { dir: PathBuf },
}

/// Runs the request.
pub fn run(req: &SweepRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    match req {
        SweepRequest::Merge { dir } => {
            let m = wormscope_sweep::merge(dir).map_err(|e| {
                // A table of an earlier merge stays: say it no longer
                // stands for the shards.
                let earlier = dir.join(wormscope_sweep::MERGED_FILE);
                match e {
                    wormscope_sweep::SweepError::Input(m) if earlier.exists() => {
                        wormscope_sweep::SweepError::Input(format!(
                            "{m}\n(the {} of an earlier merge is left as it was; it may not \
                             match these shards)",
                            earlier.display()
                        ))
                    }
                    e => e,
                }
            })?;
            Ok(CommandOutcome {
                text: format!(
                    "merged {} shards: {} variants x {} seeds, {} rows -> {}\n",
                    m.shards,
                    m.variants,
                    m.seeds,
                    m.rows,
                    m.path.display()
                ),
                files: vec![m.path.clone()],
                ..CommandOutcome::default()
            })
        }
        SweepRequest::Shard { file, shard, out } => {
            common::check_dir(out)?;
            let sweep = wormscope_sweep::spec::load(file)?;
            let jobs = shard.select(&sweep.jobs()).len();
            let started = Instant::now();
            let (path, rows) = {
                let bar = progress.start(Task::Runs {
                    total: jobs as u64,
                    label: "",
                });
                wormscope_sweep::write_shard(&sweep, *shard, out, &|done, _| bar.set(done as u64))?
            };
            Ok(CommandOutcome {
                text: format!(
                    "shard {shard}: {jobs} of {} runs ({} variants x {} seeds), {rows} rows -> {}\n",
                    sweep.jobs().len(),
                    sweep.variants.len(),
                    sweep.seeds.len(),
                    path.display()
                ),
                notes: common::timing(started, None),
                files: vec![path],
                ..CommandOutcome::default()
            })
        }
    }
}
