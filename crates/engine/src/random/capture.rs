//! What one sensor of a random-scanning run saw, probe by probe, in a
//! window of time: the engine's half of `wormscope capture` for Code Red,
//! Slammer and Witty (the frames are the observer's, crate
//! `wormscope-observe`).
//!
//! The run is the exact driver's, with one more thing to look at: from the
//! window's start, every probe the vantage sensor would see is a probe of
//! interest, so each is looked at on its own (its time, its source host
//! and what it hit) instead of being split off in a step's count. Skips to
//! the next probe of interest are geometric, so changing what is of
//! interest at the window's start, from the probe each host has reached,
//! leaves every probe uniform and independent: the run is still exact in
//! distribution. The run stops at the window's end.
//!
//! Addresses: the vulnerable hosts' come from the scenario's
//! [`Placement`]; a probe into empty or other space gets an address drawn
//! uniformly among its atom's addresses inside the part of the space the
//! vantage watches.
//!
//! May not touch: frames, files, the wall clock.

use wormscope_scenario::{Prefix, RandomScanScenario, SensorKind};

/// What a captured probe reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// A vulnerable host that the probe infected.
    Infecting,
    /// A vulnerable host that was infected already.
    Infected,
    /// A live host that cannot be infected (not vulnerable, or patched or
    /// firewalled): it answers as such a host does.
    Other,
    /// No host.
    Empty,
}

/// One probe the vantage saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturedProbe {
    /// When it crossed the vantage: real time, µs after the start.
    pub time_us: u64,
    /// The scanning host's address.
    pub src: u32,
    /// The address it was aimed at.
    pub dst: u32,
    /// Towards the monitored space (a telescope's probes all are; an
    /// edge's outgoing ones are not).
    pub incoming: bool,
    pub reached: Reached,
}

/// What the vantage saw in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomCapture {
    pub vantage: String,
    pub kind: SensorKind,
    /// The prefix watched (an edge's default resolved).
    pub prefix: Prefix,
    /// Every probe seen in the window, by time (ties in the run's order).
    pub probes: Vec<CapturedProbe>,
    /// Distinct sources among them.
    pub sources: u64,
    /// The run's own count of the vantage's probes over the steps inside
    /// the window (the sensor series `simulate` writes), when the window is
    /// whole steps: the capture must hold exactly that many.
    pub engine_probes: Option<u64>,
}

/// Why there is no capture.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RandomCaptureError {
    /// The vantage is not a telescope or edge sensor of the scenario (the
    /// message lists those it has).
    #[error("{0}")]
    Vantage(String),
    /// The window is empty or ends after the run.
    #[error("{0}")]
    Window(String),
    /// More probes in view than allowed; the run stopped there.
    #[error("the vantage saw more than {max} probes in the window")]
    TooManyProbes { max: u64 },
}

/// Runs seed `seed` of `s` to `to_us` (µs after the start) with the exact
/// driver and returns every probe sensor `vantage` (a telescope or an
/// edge) saw from `from_us` on; more than `max_probes` is an error.
/// `progress` is called now and then with the simulated µs reached.
pub fn capture_random(
    s: &RandomScanScenario,
    seed: u64,
    vantage: &str,
    from_us: u64,
    to_us: u64,
    max_probes: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<RandomCapture, RandomCaptureError> {
    todo!("{s:?} {seed} {vantage} {from_us} {to_us} {max_probes} {:p}", progress)
}
