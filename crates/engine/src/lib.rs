//! The outbreak engine: runs a worm through a world, accounting for every
//! probe of every infected host, exactly, without simulating the probes one
//! by one.
//!
//! - [`core`]: the state every simulator of this model shares: host states
//!   (worm, RPC service, power), the event queue ordered by (time, kind,
//!   host), what an exploit does, and the bookkeeping of outcomes and the
//!   time series. A simulator plugs in how scanners walk the address space
//!   as a [`core::ScanDriver`].
//! - [`exact`]: the fast driver. Between two addresses that need a look (a
//!   candidate, a site boundary) a scanner's batches are computed in closed
//!   form from rank queries on the world's sorted views: how many batches,
//!   how many probes of each outcome, how long the answered hosts kept it
//!   busy, and in which time step each batch started.
//!
//! - [`random_targets`]: Blaster's batches with random targets (the
//!   `targeting = "uniform-random"` and `"local-preference"` what-ifs):
//!   geometric skips to the probes that can matter, exact in distribution;
//!   Welchia beside it on the exact driver.
//! - [`random`]: random-scanning worms (Code Red v2, Slammer): their own
//!   core, with exact geometric skips to the probes that reach a
//!   vulnerable host and a network clock for bandwidth congestion.
//! - `draws`: the geometric skips and binomial splits both random drivers
//!   draw.
//!
//! The reference simulator (crate `wormscope-reference`) is the other
//! driver, probe by probe; on small worlds both give identical results
//! (Blaster), or the same distributions (random scanning).
//!
//! The engine does no I/O and reads no clock: same inputs, same outputs.

pub mod churn;
pub mod core;
mod draws;
pub mod exact;
mod heap;
pub mod observe;
pub mod population;
mod positions;
pub mod random_targets;
mod series;

pub use crate::core::{BatchBudget, BlasterCore, HostState, Params, ScanDriver, WormState};
pub use observe::{Observer, Span};
pub use series::{BlasterRow, BlasterRun, Totals};

use wormscope_model::World;
use wormscope_scenario::{BlasterScenario, TargetingKind};

/// Runs the scenario on `world` with the exact engine. `progress` is called
/// now and then with the simulated time reached, in microseconds.
pub fn simulate_blaster(
    scenario: &BlasterScenario,
    world: &World,
    progress: &mut dyn FnMut(u64),
) -> BlasterRun {
    let mut core = BlasterCore::for_scenario(scenario, world);
    core.seed_patient_zeros(scenario.worm.initial_infected);
    drive(&mut core, progress);
    core.into_result()
}

/// Runs `core` to its end with the driver its worm's targeting needs: the
/// exact driver for Blaster's sequential scan, the random-targets driver
/// (with Welchia, if any, beside it) for random targets.
pub fn drive(core: &mut BlasterCore<'_>, progress: &mut dyn FnMut(u64)) {
    let world = core.world;
    match core.params.worm.targeting {
        TargetingKind::Sequential => core.run(&mut exact::ExactDriver::new(world), progress),
        TargetingKind::UniformRandom
        | TargetingKind::LocalPreference
        | TargetingKind::Permutation => {
            let watched = core.observer().map(|o| o.watched()).unwrap_or_default();
            core.run(
                &mut random_targets::RandomTargetsDriver::new(world, &watched),
                progress,
            );
        }
    }
}

/// Runs like [`simulate_blaster`], with `observer` seeing every probe and exploit
/// the engine accounts for (see [`observe`]).
pub fn simulate_blaster_observed(
    scenario: &BlasterScenario,
    world: &World,
    observer: &mut dyn Observer,
    progress: &mut dyn FnMut(u64),
) -> BlasterRun {
    let mut core = BlasterCore::for_scenario(scenario, world);
    core.observe_with(observer);
    core.seed_patient_zeros(scenario.worm.initial_infected);
    drive(&mut core, progress);
    core.into_result()
}
