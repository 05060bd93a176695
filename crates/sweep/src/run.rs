//! Shards: which jobs each holds, running them, writing one Parquet file
//! per shard, and merging the shards back into one table.
//!
//! Jobs are the variants times the seeds, ordered by (variant, seed's
//! position in the list); job `k` belongs to shard `k mod N`. A shard's
//! jobs run in parallel (rayon) and are written in job order, so a shard's
//! file does not depend on the thread count or on which machine ran it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use wormscope_scenario::{AnyScenario, BlasterScenario, PopulationScenario};

use crate::SweepError;
use crate::spec::Sweep;
use crate::table::SweepTable;

/// Shard `index` of `count` (written `I/N`, 0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard written I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One run: a variant with a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Job {
    pub variant: u32,
    pub seed: u64,
}

impl Sweep {
    /// Every job, in order.
    pub fn jobs(&self) -> Vec<Job> {
        jobs(self.variants.len(), &self.seeds)
    }
}

fn jobs(variants: usize, seeds: &[u64]) -> Vec<Job> {
    (0..variants as u32)
        .flat_map(|variant| seeds.iter().map(move |&seed| Job { variant, seed }))
        .collect()
}

impl Shard {
    /// This shard's share of `jobs`: every `count`-th from `index`.
    pub fn select(&self, jobs: &[Job]) -> Vec<Job> {
        jobs.iter()
            .skip(self.index as usize)
            .step_by(self.count as usize)
            .copied()
            .collect()
    }
}

/// The merged table's file name in a sweep's directory.
pub const MERGED_FILE: &str = "merged.parquet";

/// `shard-00003-of-00016.parquet`.
pub fn shard_file_name(shard: Shard) -> String {
    format!("shard-{:05}-of-{:05}.parquet", shard.index, shard.count)
}

const KEY_SHARD: &str = "wormscope.sweep.shard";
const KEY_DEFINITION: &str = "wormscope.sweep.definition";
const KEY_VARIANTS: &str = "wormscope.sweep.variants";
const KEY_SEEDS: &str = "wormscope.sweep.seeds";
const KEY_VERSION: &str = "wormscope.version";

fn metadata(sweep: &Sweep, shard: &str) -> Vec<(String, String)> {
    let seeds: Vec<String> = sweep.seeds.iter().map(u64::to_string).collect();
    vec![
        (KEY_VERSION.into(), env!("CARGO_PKG_VERSION").into()),
        (KEY_SHARD.into(), shard.into()),
        (KEY_DEFINITION.into(), sweep.definition()),
        (KEY_VARIANTS.into(), sweep.variants.len().to_string()),
        (KEY_SEEDS.into(), seeds.join(",")),
    ]
}

/// Runs a shard's jobs and returns their rows in job order. `progress`
/// is called with (jobs done, jobs in the shard) after each job.
pub fn run_shard(
    sweep: &Sweep,
    shard: Shard,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SweepTable, SweepError> {
    let jobs = shard.select(&sweep.jobs());
    let param_names: Vec<String> = sweep.params.iter().map(|p| p.path.clone()).collect();
    let done = AtomicUsize::new(0);
    let tables: Vec<SweepTable> = jobs
        .par_iter()
        .map(|job| {
            let labels = sweep.variant_labels(job.variant as usize);
            let mut t = SweepTable::new(sweep.kind(), param_names.clone());
            match &sweep.variants[job.variant as usize] {
                AnyScenario::Blaster(base) => {
                    let scenario = BlasterScenario {
                        seed: job.seed,
                        ..base.clone()
                    };
                    let world =
                        wormscope_model::generate::generate(&scenario).map_err(|e| match e {
                            wormscope_model::world::WorldError::TooLarge { .. } => {
                                SweepError::Input(format!(
                                    "{}: variant {} ({}): {e}",
                                    sweep.file,
                                    job.variant,
                                    labels.join(", ")
                                ))
                            }
                            e => SweepError::Run(format!(
                                "variant {} seed {}: generating the world: {e}",
                                job.variant, job.seed
                            )),
                        })?;
                    let result = wormscope_engine::simulate_blaster(&scenario, &world, &mut |_| {});
                    t.push_run(job.variant, job.seed, &labels, &result);
                }
                AnyScenario::Population(base) => {
                    // As `simulate --seed`: the seed places the population
                    // and drives the run.
                    let scenario = PopulationScenario {
                        seed: job.seed,
                        ..base.clone()
                    };
                    let result = wormscope_engine::population::simulate_population(
                        &scenario,
                        job.seed,
                        &mut |_| {},
                    );
                    t.push_population_run(job.variant, job.seed, &labels, &result);
                }
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
            Ok(t)
        })
        .collect::<Result<_, SweepError>>()?;
    let mut all = SweepTable::new(sweep.kind(), param_names);
    for t in tables {
        all.append(t);
    }
    Ok(all)
}

/// Runs a shard and writes `DIR/shard-I-of-N.parquet` atomically; returns
/// the path and the number of rows.
pub fn write_shard(
    sweep: &Sweep,
    shard: Shard,
    dir: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(PathBuf, usize), SweepError> {
    let table = run_shard(sweep, shard, progress)?;
    let bytes = table.to_parquet(&metadata(sweep, &shard.to_string()))?;
    let path = dir.join(shard_file_name(shard));
    // Missing directories are created by the writer.
    wormscope_atomic::write_file(&path, &bytes)
        .map_err(|e| SweepError::Run(format!("writing {}: {e}", path.display())))?;
    Ok((path, table.len()))
}

/// What a merge found and wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeSummary {
    pub path: PathBuf,
    pub shards: u32,
    pub variants: usize,
    pub seeds: usize,
    pub rows: usize,
}

/// Reads every `shard-*-of-*.parquet` in `dir`, checks that shards
/// 0..N are each there once, all from the same sweep, and that every
/// (variant, seed) is there exactly once and in its own shard; writes
/// `dir/merged.parquet` sorted by (variant, seed, time_s), atomically.
pub fn merge(dir: &Path) -> Result<MergeSummary, SweepError> {
    let input = SweepError::Input;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| input(format!("{}: cannot read the directory: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".parquet"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(input(format!(
            "{}: no shard files (shard-I-of-N.parquet) to merge",
            dir.display()
        )));
    }
    let name = |p: &Path| p.display().to_string();
    let mut first: Option<(PathBuf, BTreeMap<String, String>)> = None;
    let mut by_shard: BTreeMap<u32, PathBuf> = BTreeMap::new();
    let mut owner: BTreeMap<Job, u32> = BTreeMap::new();
    let mut merged: Option<SweepTable> = None;
    let mut count = 0;
    let mut expected: Vec<Job> = Vec::new();
    for path in &files {
        let (table, meta) = SweepTable::read_parquet(path)?;
        let meta: BTreeMap<String, String> = meta.into_iter().collect();
        let get = |k: &str| {
            meta.get(k).cloned().ok_or_else(|| {
                input(format!(
                    "{}: no `{k}` metadata: not a wormscope sweep shard",
                    name(path)
                ))
            })
        };
        let shard: Shard = get(KEY_SHARD)?
            .parse()
            .map_err(|e| input(format!("{}: {e}", name(path))))?;
        match &first {
            None => {
                count = shard.count;
                let variants: usize = get(KEY_VARIANTS)?
                    .parse()
                    .map_err(|_| input(format!("{}: bad `{KEY_VARIANTS}`", name(path))))?;
                let seeds: Vec<u64> = get(KEY_SEEDS)?
                    .split(',')
                    .map(|s| s.parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| input(format!("{}: bad `{KEY_SEEDS}`", name(path))))?;
                expected = jobs(variants, &seeds);
                first = Some((path.clone(), meta.clone()));
            }
            Some((first_path, first_meta)) => {
                for key in [KEY_DEFINITION, KEY_VARIANTS, KEY_SEEDS] {
                    if meta.get(key) != first_meta.get(key) {
                        return Err(input(format!(
                            "{} and {} come from different sweeps (their `{key}` differ)",
                            name(first_path),
                            name(path)
                        )));
                    }
                }
                if shard.count != count {
                    return Err(input(format!(
                        "{} is shard {shard} but {} is one of {count}",
                        name(path),
                        name(first_path)
                    )));
                }
            }
        }
        if let Some(other) = by_shard.insert(shard.index, path.clone()) {
            return Err(input(format!(
                "shard {shard} is there twice: {} and {}",
                name(&other),
                name(path)
            )));
        }
        let mut i = 0;
        while i < table.len() {
            let job = Job {
                variant: table.variant[i],
                seed: table.seed[i],
            };
            if let Some(prev) = owner.insert(job, shard.index) {
                return Err(input(format!(
                    "variant {} seed {} is there twice: in {} and in {}",
                    job.variant,
                    job.seed,
                    name(&by_shard[&prev]),
                    name(path)
                )));
            }
            while i < table.len() && table.variant[i] == job.variant && table.seed[i] == job.seed {
                i += 1;
            }
        }
        match &mut merged {
            None => merged = Some(table),
            Some(m) => {
                if m.param_names != table.param_names
                    || (m.kind, m.flood) != (table.kind, table.flood)
                {
                    return Err(input(format!(
                        "{}: its columns differ from the other shards'",
                        name(path)
                    )));
                }
                m.append(table)
            }
        }
    }
    let missing_shards: Vec<String> = (0..count)
        .filter(|i| !by_shard.contains_key(i))
        .map(|i| shard_file_name(Shard { index: i, count }))
        .collect();
    if !missing_shards.is_empty() {
        return Err(input(format!(
            "{}: {} of {count} shards missing: {}",
            dir.display(),
            missing_shards.len(),
            missing_shards.join(", ")
        )));
    }
    for (k, job) in expected.iter().enumerate() {
        let home = (k % count as usize) as u32;
        match owner.get(job) {
            None => {
                return Err(input(format!(
                    "variant {} seed {} is missing from {}",
                    job.variant,
                    job.seed,
                    name(&by_shard[&home])
                )));
            }
            Some(&s) if s != home => {
                return Err(input(format!(
                    "variant {} seed {} is in {}, but belongs to {}",
                    job.variant,
                    job.seed,
                    name(&by_shard[&s]),
                    shard_file_name(Shard { index: home, count })
                )));
            }
            Some(_) => {}
        }
    }
    if owner.len() != expected.len() {
        let stray = owner
            .keys()
            .find(|j| !expected.contains(j))
            .expect("an extra job");
        return Err(input(format!(
            "variant {} seed {} (in {}) is not part of the sweep",
            stray.variant,
            stray.seed,
            name(&by_shard[&owner[stray]])
        )));
    }
    let merged = merged.expect("at least one shard").sorted();
    let (_, first_meta) = first.expect("at least one shard");
    let meta: Vec<(String, String)> = first_meta
        .into_iter()
        .map(|(k, v)| {
            if k == KEY_SHARD {
                (k, "merged".into())
            } else {
                (k, v)
            }
        })
        .collect();
    let bytes = merged.to_parquet(&meta)?;
    let path = dir.join(MERGED_FILE);
    wormscope_atomic::write_file(&path, &bytes)
        .map_err(|e| SweepError::Run(format!("writing {}: {e}", path.display())))?;
    let seeds = expected.iter().filter(|j| j.variant == 0).count();
    Ok(MergeSummary {
        path,
        shards: count,
        variants: expected.len() / seeds.max(1),
        seeds,
        rows: merged.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_jobs_round_robin() {
        assert_eq!("2/5".parse(), Ok(Shard { index: 2, count: 5 }));
        for bad in ["5/5", "1/0", "x/2", "3", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let all = jobs(3, &[7, 8]);
        assert_eq!(all.len(), 6);
        assert_eq!(
            all[1],
            Job {
                variant: 0,
                seed: 8
            }
        );
        let mut seen: Vec<Job> = (0..4)
            .flat_map(|i| Shard { index: i, count: 4 }.select(&all))
            .collect();
        assert_eq!(
            Shard { index: 1, count: 4 }.select(&all),
            vec![all[1], all[5]]
        );
        seen.sort();
        assert_eq!(seen, all, "every job in exactly one shard");
        assert_eq!(
            shard_file_name(Shard {
                index: 3,
                count: 16
            }),
            "shard-00003-of-00016.parquet"
        );
    }
}
