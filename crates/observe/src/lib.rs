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
use wormscope_model::World;
use wormscope_model::blaster::Timing;
use wormscope_scenario::BlasterScenario;

pub use report::{
    SENSORS_CSV_HEADER, SensorRow, SensorSeries, population_series, sensors_csv, sensors_json,
};
pub use sensor::{Sensor, SensorSet, place};

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

/// Turns a run's sensor counts into each sensor's series.
pub fn finish(scenario: &BlasterScenario, set: SensorSet<'_>, result: BlasterRun) -> Observed {
    let timing = Timing::from_config(&scenario.worm);
    let sensors = report::series(&set.sensors, &set.counts, &result, &timing);
    Observed { result, sensors }
}
