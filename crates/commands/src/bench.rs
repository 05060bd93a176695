//! `wormscope bench`: the engine against its reference, the full-scale
//! runs, the detector's throughput.

use wormscope_scenario::SimDuration;

use crate::{CommandError, CommandOutcome, CommandVerdict, Progress, Task};

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchRequest {
    /// Answer with one JSON object instead of the table.
    pub json: bool,
    /// Simulated time of the engine-against-reference comparison.
    pub reference_duration: SimDuration,
    /// Skip the full-scale runs (day and week).
    pub no_full_scale: bool,
    /// Skip the full-scale week (keep the day).
    pub no_week: bool,
    /// Simulated time of the full-scale runs with random targets (0s skips
    /// them).
    pub random_targets_duration: SimDuration,
    /// Runs per variant of the benchmark-sized comparison (0 skips it).
    pub compare_runs: u32,
    /// Skip Code Red v2, Slammer and Witty.
    pub no_historical: bool,
    /// Bytes of synthetic capture for the detector (0 skips it).
    pub detector_bytes: u64,
}

/// Runs the request. Its verdict fails if the engine and its reference
/// disagree on a bench world.
/// A full-scale row of a historical random-scanning worm: as built, with
/// another targeting, or its probes sent in batches of so many.
#[derive(Clone, Copy)]
enum HistoricalRow {
    AsBuilt,
    Targeting(&'static str),
    Batches(u32),
}

pub fn run(req: &BenchRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    let reference = req.reference_duration;
    if reference.as_micros() == 0 || reference > wormscope_scenario::MAX_SPAN {
        return Err(CommandError::Input(format!(
            "--reference-duration: must be more than 0 and at most {}",
            wormscope_scenario::MAX_SPAN
        )));
    }
    let speedups: Vec<_> = {
        let _step = progress.start(Task::Step("engine and reference on small worlds"));
        wormscope_bench::small_world_scenarios(reference)
            .iter()
            .map(|(name, s)| wormscope_bench::measure_speedup(name, s))
            .collect()
    };
    if req.random_targets_duration > wormscope_scenario::MAX_SPAN {
        return Err(CommandError::Input(format!(
            "--random-targets-duration: at most {}",
            wormscope_scenario::MAX_SPAN
        )));
    }
    let (full_scale, full_scale_week, random_targets) = if req.no_full_scale {
        (None, None, Vec::new())
    } else {
        let s = wormscope_scenario::default_scenario();
        let day_bar = progress.start(Task::SimulatedSeconds(s.duration.as_micros() / 1_000_000));
        let random_secs = req.random_targets_duration.as_micros() / 1_000_000;
        let random_bars: Vec<_> = if random_secs == 0 {
            Vec::new()
        } else {
            wormscope_bench::RANDOM_TARGETINGS
                .iter()
                .map(|_| progress.start(Task::SimulatedSeconds(random_secs)))
                .collect()
        };
        let week_bar = progress.start(Task::SimulatedSeconds(7 * 86_400));
        let names: Vec<String> = wormscope_bench::RANDOM_TARGETINGS
            .iter()
            .map(|&t| wormscope_bench::targeting_name(t))
            .collect();
        let runs = wormscope_bench::measure_full_scale_day_and_week(
            !req.no_week,
            req.random_targets_duration,
            &mut |phase, t| {
                let bar = match names.iter().position(|n| n == phase) {
                    Some(i) => &random_bars[i],
                    None if phase == "day" => &day_bar,
                    None => &week_bar,
                };
                bar.set(t / 1_000_000);
            },
        );
        (Some(runs.day), runs.week, runs.random_targets)
    };
    let detector = if req.detector_bytes == 0 {
        None
    } else {
        let _step = progress.start(Task::Step("detector on a synthetic capture"));
        let r = wormscope_detect::bench(
            req.detector_bytes,
            &wormscope_detect::DetectConfig::default(),
        )
        .map_err(|e| CommandError::Run(anyhow::anyhow!("detector bench: {e}")))?;
        Some(r)
    };
    let compare = (req.compare_runs > 0).then(|| {
        let bar = progress.start(Task::Runs {
            total: 2 * u64::from(req.compare_runs),
            label: "",
        });
        wormscope_bench::measure_compare(req.compare_runs, &|| bar.advance(1))
    });
    let (random_speedup, historical) = if req.no_historical {
        (None, Vec::new())
    } else {
        let speedup = {
            let _step = progress.start(Task::Step(
                "random scanning: engine and reference on a small world",
            ));
            wormscope_bench::measure_random_speedup()
        };
        // The three as they were, then Code Red walking a permutation,
        // drawing by local preference and scanning sequentially, then
        // sending its probes in Blaster's batches of 20 at its own rate.
        use HistoricalRow::{AsBuilt, Batches, Targeting};
        let rows = [
            ("codered2", AsBuilt),
            ("slammer", AsBuilt),
            ("witty", AsBuilt),
            ("codered2", Targeting(wormscope_scenario::PERMUTATION)),
            ("codered2", Targeting(wormscope_scenario::LOCAL_PREFERENCE)),
            ("codered2", Targeting(wormscope_scenario::SEQUENTIAL)),
            ("codered2", Batches(20)),
        ]
        .iter()
        .map(|&(name, row)| {
            let s = wormscope_scenario::builtin_population(name).expect("built in");
            let bar = progress.start(Task::SimulatedSeconds(s.duration.as_micros() / 1_000_000));
            let mut at = |t: u64| bar.set(t / 1_000_000);
            match row {
                AsBuilt => wormscope_bench::measure_random_full_scale(name, &mut at),
                Targeting(t) => wormscope_bench::measure_random_targeting(name, t, &mut at),
                Batches(n) => wormscope_bench::measure_random_batches(name, n, &mut at),
            }
        })
        .collect();
        (Some(speedup), rows)
    };
    let report = wormscope_bench::BenchReport {
        speedups,
        full_scale,
        full_scale_week,
        random_targets,
        detector,
        compare,
        random_speedup,
        historical,
        peak_rss_bytes: wormscope_bench::peak_rss_bytes(),
    };
    let text = if req.json {
        format!("{}\n", report.to_json())
    } else {
        report.text()
    };
    let verdict = if report.speedups.iter().any(|r| !r.identical) {
        CommandVerdict::Failed("the engine and the reference disagreed on the bench world".into())
    } else {
        CommandVerdict::Done
    };
    Ok(CommandOutcome {
        text,
        verdict,
        ..CommandOutcome::default()
    })
}
