//! # wormscope-observe: what instruments would have seen of an outbreak
//!
//! Nobody saw Blaster's ground truth: the Internet Storm Center counted
//! ~30,000 infected hosts from its sensors on 12 August 2003 (seed 002),
//! researchers watched darknets, ISPs watched their borders. This crate
//! places the same instruments in a simulated world and reports what they
//! would have seen, beside the truth; and exports what a vantage point
//! would have captured as a pcap.
//!
//! - [`sensor`]: telescopes, distributed sensor networks and edge taps as
//!   one [`wormscope_engine::Observer`], exact per time step.
//! - [`report`]: `sensors.csv`, `sensors.json`, the estimators and why a
//!   telescope undercounts a sequential scanner.
//! - [`capture`]: `wormscope capture`, the frames a vantage point saw in a
//!   window, with background traffic, written as pcap or pcapng.
//! - [`population_capture`]: the same for a random-scanning worm (Code Red v2,
//!   Slammer, Witty), from the probes the population core reports for a
//!   telescope or edge sensor.
//!
//! **Architecture invariants.** Sensors see exactly the probes the engine
//! accounts for, through the engine's observer hook, never an estimate of
//! them. Observing changes nothing in the run. Same scenario and seed,
//! byte-identical files. Only [`capture::capture`] and
//! [`population_capture::capture`] write a file (atomically);
//! nothing here sends a packet, and captures carry benign filler where the
//! worm carried code.

pub mod capture;
pub mod population_capture;
pub mod report;
pub mod sensor;

use wormscope_engine::BlasterRun;
use wormscope_engine::population::{PopulationRun, simulate_population};
use wormscope_model::World;
use wormscope_model::blaster::Timing;
use wormscope_model::world::WorldError;
use wormscope_scenario::{AnyScenario, BlasterScenario};

pub use report::{
    SENSORS_CSV_HEADER, SensorRow, SensorSeries, population_series, sensors_csv, sensors_json,
};
pub use sensor::{Sensor, SensorSet, place};

/// One run of any worm with its sensors: what [`simulate`] returns.
#[derive(Debug)]
pub enum Outbreak {
    /// Blaster's kind: the world its scenario generated, and the run on it.
    Blaster {
        world: Box<World>,
        observed: Observed,
    },
    /// A random-scanning worm's: the run over its population, and each
    /// sensor's series.
    Population {
        run: PopulationRun,
        sensors: Vec<SensorSeries>,
    },
}

impl Outbreak {
    /// The width of a row of the time series, in µs.
    pub fn step_us(&self) -> u64 {
        match self {
            Outbreak::Blaster { observed, .. } => observed.result.step,
            Outbreak::Population { run, .. } => run.step_us,
        }
    }

    /// The hosts infected at the end of each row.
    pub fn infected(&self) -> Vec<u64> {
        match self {
            Outbreak::Blaster { observed, .. } => {
                observed.result.rows.iter().map(|r| r.infected).collect()
            }
            Outbreak::Population { run, .. } => run.rows.iter().map(|r| r.infected).collect(),
        }
    }

    /// What each of the scenario's sensors reported, in its order.
    pub fn sensors(&self) -> &[SensorSeries] {
        match self {
            Outbreak::Blaster { observed, .. } => &observed.sensors,
            Outbreak::Population { sensors, .. } => sensors,
        }
    }

    /// The processed events (a cost measure).
    pub fn events(&self) -> u64 {
        match self {
            Outbreak::Blaster { observed, .. } => observed.result.events,
            Outbreak::Population { run, .. } => run.events,
        }
    }
}

/// Runs any scenario once on its own seed, with its sensors: Blaster's
/// kind on the world its scenario generates (refused as that world's
/// [`WorldError`]), a random-scanning worm over its population. The one
/// call that serves every worm; [`simulate_blaster`] (on a world of the
/// caller's, kept for many runs) and
/// [`wormscope_engine::population::simulate_population`] are each core's.
/// `progress` hears the simulated µs reached, now and then.
///
/// ```
/// use std::path::Path;
///
/// // A built-in's name or a scenario file, of any worm.
/// let mut scenario = wormscope_scenario::load_named(Path::new("slammer"))?;
/// scenario.set_run(wormscope_scenario::SimDuration::from_secs(3 * 60), 7);
/// let outbreak = wormscope_observe::simulate(&scenario, &mut |_| {})?;
/// let infected = outbreak.infected();
/// assert!(infected.last() > infected.first());
/// for sensor in outbreak.sensors() {
///     let probes: u64 = sensor.rows.iter().map(|r| r.probes).sum();
///     println!("{} saw {probes} probes", sensor.sensor.name);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simulate(
    scenario: &AnyScenario,
    progress: &mut dyn FnMut(u64),
) -> Result<Outbreak, WorldError> {
    match scenario {
        AnyScenario::Blaster(s) => {
            let world = wormscope_model::generate::generate(s)?;
            let observed = simulate_blaster(s, &world, progress);
            Ok(Outbreak::Blaster {
                world: Box::new(world),
                observed,
            })
        }
        AnyScenario::Population(s) => {
            let run = simulate_population(s, s.seed, progress);
            let sensors = population_series(s, &run);
            Ok(Outbreak::Population { run, sensors })
        }
    }
}

/// A run with its sensors' reports.
#[derive(Clone, Debug)]
pub struct Observed {
    pub result: BlasterRun,
    pub sensors: Vec<SensorSeries>,
}

/// Runs the scenario with the exact engine and its sensors (with no
/// observer at all when it has none).
pub fn simulate_blaster(
    scenario: &BlasterScenario,
    world: &World,
    progress: &mut dyn FnMut(u64),
) -> Observed {
    if scenario.sensors.is_empty() {
        let result = wormscope_engine::simulate_blaster(scenario, world, progress);
        return Observed {
            result,
            sensors: Vec::new(),
        };
    }
    let mut set = SensorSet::for_scenario(scenario, world);
    let result = wormscope_engine::simulate_blaster_observed(scenario, world, &mut set, progress);
    finish(scenario, set, result)
}

/// A Blaster host's probes per second when nothing slows it, what a
/// sensor's estimate divides by: its batches over its wait, or under
/// `[worm.bandwidth]` the uplinks' rates weighted by their shares.
fn nominal_probes_per_second(scenario: &BlasterScenario) -> f64 {
    let behaviour = wormscope_model::behaviour::Behaviour::blaster(scenario);
    if scenario.worm.bandwidth.is_some() {
        return behaviour.mean_probes_per_second();
    }
    // Written as it always was, so that the estimate's last digit holds.
    let timing = Timing::from_config(&scenario.worm);
    f64::from(timing.batch_size) / (timing.batch_wait as f64 / 1e6)
}

/// Turns a run's sensor counts into each sensor's series.
pub fn finish(scenario: &BlasterScenario, set: SensorSet<'_>, result: BlasterRun) -> Observed {
    let sensors = report::series(
        &set.sensors,
        &set.counts,
        &result,
        nominal_probes_per_second(scenario),
    );
    Observed { result, sensors }
}
