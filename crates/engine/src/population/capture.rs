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
//! Floods: at an edge the payload's target lies outside, the hosts inside
//! whose worm runs, and when ([`SeenFlood`]); which of their packets fall
//! in the window is the observer's to list.
//!
//! Addresses: the vulnerable hosts' come from the scenario's
//! [`Placement`]; a probe into empty or other space gets an address drawn
//! uniformly among its atom's addresses inside the part of the space the
//! vantage watches.
//!
//! May not touch: frames, files, the wall clock.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use smallvec::SmallVec;
use wormscope_model::rng::{Purpose, stream};
use wormscope_scenario::{PopulationScenario, Prefix, SensorKind, SimDuration};

use super::{Placement, PopulationCore, SensorLayout};

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
    /// A vulnerable host, but an ISP filter dropped the probe on the way
    /// (the vantage saw it before the filter).
    Blocked,
}

impl Reached {
    /// Whether a host answered the probe (a live host reached it).
    pub fn answered(self) -> bool {
        matches!(
            self,
            Reached::Infecting | Reached::Infected | Reached::Other
        )
    }
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

/// A flooding host inside the vantage edge: its flood crosses the edge on
/// its way to the target, in the payload's windows while its worm runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenFlood {
    /// The flooding host's address.
    pub src: u32,
    /// When its worm ran: real time, ns after the start, `[from, to)` (the
    /// window's end if it still ran then).
    pub running_ns: (u64, u64),
}

/// What the vantage saw in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationCapture {
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
    /// The hosts whose flood an edge saw leave (none for a telescope, a
    /// worm without `[payload]`, or a target inside the edge), by address,
    /// whose worm ran at some time in the window. Which of their packets
    /// fall in the window is the payload's to say
    /// ([`wormscope_model::behaviour::Flood`]).
    pub floods: Vec<SeenFlood>,
}

/// Why there is no capture.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PopulationCaptureError {
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
pub fn capture_population(
    s: &PopulationScenario,
    seed: u64,
    vantage: &str,
    from_us: u64,
    to_us: u64,
    max_probes: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<PopulationCapture, PopulationCaptureError> {
    let configs = s.all_sensors();
    let watchable = |k: SensorKind| matches!(k, SensorKind::Telescope | SensorKind::Edge);
    let Some(j) = configs
        .iter()
        .position(|c| c.name == vantage && watchable(c.kind))
    else {
        let names: Vec<String> = configs
            .iter()
            .filter(|c| watchable(c.kind))
            .map(|c| format!("`{}`", c.name))
            .collect();
        return Err(PopulationCaptureError::Vantage(format!(
            "`{vantage}` is not a telescope or edge sensor of `{}`; {}",
            s.name,
            if names.is_empty() {
                "it has none (add a [[sensors]] table)".to_string()
            } else {
                format!("it has {}", names.join(", "))
            }
        )));
    };
    let duration = s.duration.as_micros();
    if from_us >= to_us {
        return Err(PopulationCaptureError::Window(format!(
            "the window's start ({}) is not before its end ({})",
            SimDuration::from_micros(from_us),
            SimDuration::from_micros(to_us)
        )));
    }
    if to_us > duration {
        return Err(PopulationCaptureError::Window(format!(
            "the window ends ({}) after the scenario ({})",
            SimDuration::from_micros(to_us),
            s.duration
        )));
    }
    let mut s = s.clone();
    s.duration = SimDuration::from_micros(to_us);
    let placement = Placement::of(&s);
    let layout = SensorLayout::of(&s, Some(&placement));
    let sensor = layout.sensors[j].clone();
    let prefix = sensor
        .prefix
        .expect("telescopes and placed edges have a prefix");
    let mut draws = super::exact_draws(&s, seed, &layout, Some(&placement));
    let mut core = PopulationCore::new(&s, seed, layout.clone(), Some(&placement));
    core.watch = Some(Box::new(Watch::new(
        &layout,
        placement,
        j,
        (from_us.saturating_mul(1000), max_probes, seed),
        s.payload.as_ref().map(|p| u32::from(p.target)),
    )));
    let (run, watch) = core.run_watched(draws.as_mut(), progress);
    let watch = watch.expect("the core keeps its watch");
    if watch.overflow {
        return Err(PopulationCaptureError::TooManyProbes { max: max_probes });
    }
    let step = s.step.as_micros();
    let whole_steps =
        from_us.is_multiple_of(step) && (to_us.is_multiple_of(step) || to_us == duration);
    let engine_probes = (whole_steps && sensor.delay_us == 0).then(|| {
        run.sensors[j].probes[(from_us / step) as usize..]
            .iter()
            .sum::<u64>()
    });
    let to_ns = to_us.saturating_mul(1000);
    let from_ns = from_us.saturating_mul(1000);
    let mut floods: Vec<SeenFlood> = watch
        .floods
        .iter()
        .map(|&(v, from, to)| (v, from, to.unwrap_or(to_ns)))
        .filter(|&(_, from, to)| from < to_ns && to > from_ns)
        .map(|(v, from, to)| SeenFlood {
            src: watch.placement.vulnerable[v as usize],
            running_ns: (from, to),
        })
        .collect();
    floods.sort_unstable_by_key(|f| (f.running_ns, f.src));
    let mut sources: Vec<u32> = watch.probes.iter().map(|p| p.src).collect();
    sources.sort_unstable();
    sources.dedup();
    Ok(PopulationCapture {
        vantage: sensor.name,
        kind: sensor.kind,
        prefix,
        sources: sources.len() as u64,
        probes: watch.probes,
        engine_probes,
        floods,
    })
}

/// Where a captured probe was aimed, as the core knows it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Aim {
    Vulnerable(u32),
    /// An address of atom i ([`SensorLayout::atoms`]), within a window
    /// `[lo, hi)` if given.
    Atom(u8, Option<(u64, u64)>),
}

/// The vantage of a capture as the core runs (see the module docs).
pub(super) struct Watch {
    /// The vantage's index among the sensors.
    sensor: usize,
    /// When the window opens: ns of real time.
    pub(super) from_ns: u64,
    /// Whether it is open: from then on the core looks at every probe the
    /// vantage sees.
    pub(super) open: bool,
    max: u64,
    /// More than `max` probes seen: the run stops.
    pub(super) overflow: bool,
    placement: Placement,
    /// Addresses an empty probe cannot have (vulnerable hosts and
    /// distributed sensors' addresses), sorted.
    taken: Vec<u32>,
    /// Per atom: its ranges of the space, or for a distributed sensor's
    /// atom its addresses.
    ranges: Vec<Vec<(u64, u64)>>,
    points: Vec<Vec<u32>>,
    rng: ChaCha8Rng,
    probes: Vec<CapturedProbe>,
    /// Whether the vantage sees a flood leave its hosts: an edge the
    /// payload's target lies outside.
    sees_floods: bool,
    /// Flooding hosts inside the edge: (host, its worm's start, its end
    /// if it ended), ns of real time, in the order their worms started.
    floods: Vec<(u32, u64, Option<u64>)>,
    /// Each host's entry in `floods`.
    flood_of: std::collections::BTreeMap<u32, usize>,
}

impl Watch {
    fn new(
        layout: &SensorLayout,
        placement: Placement,
        sensor: usize,
        (from_ns, max, seed): (u64, u64, u64),
        target: Option<u32>,
    ) -> Watch {
        let mut ranges = vec![Vec::new(); layout.atoms.len()];
        for (lo, hi, atom) in layout.ranges() {
            ranges[usize::from(atom)].push((lo, hi));
        }
        let mut points = vec![Vec::new(); layout.atoms.len()];
        let mut taken = placement.vulnerable.clone();
        for (j, mine) in placement.points.iter().enumerate() {
            for &a in mine {
                points[usize::from(layout.atom_of(&placement, a))].push(a);
            }
            debug_assert!(mine.is_empty() || layout.sensors[j].kind == SensorKind::Distributed);
            taken.extend_from_slice(mine);
        }
        taken.sort_unstable();
        let vantage = &layout.sensors[sensor];
        let sees_floods = vantage.kind == SensorKind::Edge
            && target.is_some_and(|t| vantage.prefix.is_some_and(|p| !p.contains(t)));
        Watch {
            sees_floods,
            floods: Vec::new(),
            flood_of: std::collections::BTreeMap::new(),
            sensor,
            from_ns,
            open: false,
            max,
            overflow: false,
            placement,
            taken,
            ranges,
            points,
            rng: stream(seed, Purpose::Capture, 1),
            probes: Vec::new(),
        }
    }

    /// The atoms (bit i: atom i) where the vantage sees a probe from a
    /// host inside edges `home`.
    pub(super) fn atoms_in_view(&self, layout: &SensorLayout, home: u16) -> u64 {
        let mut atoms = 0;
        for (i, a) in layout.atoms.iter().enumerate() {
            if layout.seen(home, a.inside, a.dark).0 >> self.sensor & 1 == 1 {
                atoms |= 1 << i;
            }
        }
        atoms
    }

    /// Records a probe of vulnerable host `src` at `real_ns` if the
    /// vantage sees it.
    pub(super) fn record(
        &mut self,
        layout: &SensorLayout,
        real_ns: u64,
        src: u32,
        aim: Aim,
        reached: Reached,
    ) {
        let (inside, dark) = match aim {
            Aim::Vulnerable(v) => (layout.home(v), None),
            Aim::Atom(i, _) => {
                let a = layout.atoms[usize::from(i)];
                (a.inside, a.dark)
            }
        };
        let (seen, incoming) = layout.seen(layout.home(src), inside, dark);
        if seen >> self.sensor & 1 == 0 {
            return;
        }
        if self.probes.len() as u64 >= self.max {
            self.overflow = true;
            return;
        }
        let dst = match aim {
            Aim::Vulnerable(v) => self.placement.vulnerable[v as usize],
            Aim::Atom(i, within) => self.address_in(i, within.unwrap_or((0, u64::MAX))),
        };
        self.probes.push(CapturedProbe {
            time_us: real_ns / 1000,
            src: self.placement.vulnerable[src as usize],
            dst,
            incoming: incoming >> self.sensor & 1 == 1,
            reached,
        });
    }

    /// Vulnerable host `v`'s worm starts running at real time `real` (ns),
    /// and with it its flood in the payload's windows.
    pub(super) fn flood_starts(&mut self, layout: &SensorLayout, v: u32, real: u64) {
        if self.sees_floods && layout.home(v) >> self.sensor & 1 == 1 {
            self.flood_of.insert(v, self.floods.len());
            self.floods.push((v, real, None));
        }
    }

    /// Host `v`'s worm ends at real time `real` (ns).
    pub(super) fn flood_ends(&mut self, v: u32, real: u64) {
        if let Some(&i) = self.flood_of.get(&v) {
            self.floods[i].2 = Some(real);
        }
    }

    /// A uniform address of atom `i` in `[lo, hi)` (which holds one).
    fn address_in(&mut self, i: u8, (lo, hi): (u64, u64)) -> u32 {
        let points = &self.points[usize::from(i)];
        if !points.is_empty() {
            let from = points.partition_point(|&a| u64::from(a) < lo);
            let to = points.partition_point(|&a| u64::from(a) < hi);
            return points[self.rng.random_range(from..to)];
        }
        let ranges: SmallVec<[(u64, u64); 4]> = self.ranges[usize::from(i)]
            .iter()
            .map(|&(a, b)| (a.max(lo), b.min(hi)))
            .filter(|(a, b)| a < b)
            .collect();
        let total: u64 = ranges.iter().map(|(lo, hi)| hi - lo).sum();
        loop {
            let mut u = self.rng.random_range(0..total);
            let mut addr = 0;
            for &(lo, hi) in &ranges {
                if u < hi - lo {
                    addr = (lo + u) as u32;
                    break;
                }
                u -= hi - lo;
            }
            // The atom's size counts only free addresses, so one exists.
            if self.taken.binary_search(&addr).is_err() {
                return addr;
            }
        }
    }
}
