//! Worms scanning a population in a scan space (the built-ins Code Red v2,
//! Slammer and Witty, by any targeting): the core every simulator of them
//! shares, and the exact driver.
//!
//! [`PopulationCore`] owns what does not depend on how probes are drawn: which
//! hosts are infected and scanning, the event queue, the network's clock,
//! the stop rules and the time series. A [`ProbeDraws`] says which of a
//! host's probes the core must look at and what each hit:
//! - [`ExactDraws`] looks only at the probes of interest: those aimed at
//!   a vulnerable host, and those that would show the host to a sensor
//!   that has not seen it yet. The number of probes up to the next one is
//!   a geometric draw over the share of the scan space they cover, and its
//!   address is uniform among them; the probes skipped over are split
//!   between the rest of the space's atoms ([`layout`]: the regions where
//!   the sensors see alike), and within them between other live hosts and
//!   empty space, by a chain of binomial draws (a multinomial) per time
//!   step. Every probe is uniform and independent of the others, so this
//!   is exact in distribution, not an average.
//!   A local-preference worm's probes are independent too, each drawn
//!   over the host's own /16, /8 or the space ([`local`]): the same skips
//!   and splits with the host's chances summed over those windows.
//! - [`PermutationDraws`] and [`SequentialDraws`] follow a walk: each
//!   probe's address is the walk's, so the looks are where the walk
//!   reaches a vulnerable host or an address of interest. A sequential
//!   walk also knows where every probe it does not look at went
//!   ([`ProbeDraws::places_every_probe`]): the core files those by the
//!   walk's stretch of addresses, host by host, and draws only whether a
//!   probe into live space found another live host.
//! - the reference simulator (crate `wormscope-reference`) looks at every
//!   probe and finds its target by address.
//!
//! **Sensors** (telescopes, distributed sensors, edges; [`layout`]) are
//! counted by the core from what each looked-at probe hit and from each
//! step's split, per reporting step ([`SeenBySensor`]). A host becomes a
//! sensor's source at its first probe that sensor sees, always a looked-at
//! one; from the next probe on it is of another *class* (the same edges
//! around it, the same sensors yet to see it), whose probes of interest
//! are fewer. The classes' unlooked probes are split apart, so the split
//! never shows a host to a sensor for the first time.
//!
//! **The network's clock.** When the infected hosts together offer more
//! bits per second than the network carries (`capacity_bps`), it carries
//! that capacity and every host's delivered probes slow by the same share
//! f = capacity / offered. Rather than reschedule every host each time f
//! changes, events are kept in *network time*, which runs at f times real
//! time: host i's k-th delivered probe is at network time τ_i + k·I_i
//! (τ_i + ⌈k/b⌉·I_i for a worm sending batches of b, [`Pace`])
//! whatever f does later, so the queue never needs reordering. Offered
//! probes run on real time; offered − delivered is what congestion dropped
//! (per host, the running maximum of that lead, so it never shrinks).
//! A victim starts `victim_start` network time after the probe that
//! infected it. Without a capacity both clocks are the same.
//!
//! **Hit lists, crashes and patches.** A hit list's entries are known
//! vulnerable hosts: their probes are events at fixed times, not draws, so
//! every driver sees the same ones. A payload that crashes its host ends
//! the host's probing at a cycle drawn from (seed, host) when it starts
//! ([`StopRule::probes_of`]), a stop like a probe limit's. Patch and host
//! firewall times are drawn per host the same way (the Blaster engine's
//! rules, [`patch_times`], [`host_defense_times`]): a probe that reaches a
//! protected host that is not infected yet reaches a live host that cannot
//! be infected.
//!
//! **Filters and sensors.** From a network filter's start, a host whose
//! network drops the worm's port going out reaches sensors only inside
//! that network (its /16, its enterprise network; the smaller of the two
//! under both), as a Blaster scenario's sensors see it: sensors sit outside
//! the borders of what they watch. Such a host is of a *closed* class,
//! keyed by the atoms with addresses in its network: its probes a sensor
//! would see into those atoms are all looked at, and each stays inside by
//! where it lies: the reference knows the address; a drawn probe, uniform
//! over its atom's addresses in its window (the space, or a
//! local-preference window), lies inside with the share of those addresses
//! there ([`AtomContents`]). Its unlooked probes all lie outside (or where
//! no sensor sees): the split files none of them with a sensor. A host
//! whose network holds no sensor's addresses looks at no more than the
//! vulnerable hosts. A probe aimed at a vulnerable host in another network
//! shows no sensor either.
//!
//! [`StopRule::probes_of`]: wormscope_model::behaviour::StopRule::probes_of
//!
//! May not touch: Blaster's core (`core.rs`), I/O, the wall clock.

use std::collections::HashMap;
use std::rc::Rc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use wormscope_model::behaviour::{Behaviour, Flood, Pace, Targeting};
use wormscope_model::defense::{Draw, host_defense_times, patch_times, spoofs_passing, unit_draw};
use wormscope_model::rng::{Purpose, stream};
use wormscope_scenario::PopulationScenario;

use crate::draws::{SkipsByWeight, binomial};
use crate::heap::RadixHeap;
use filter::NetworkFilter;

mod capture;
mod filter;
mod layout;
mod local;
mod permutation;
mod sequential;

pub use capture::{
    CapturedProbe, PopulationCapture, PopulationCaptureError, Reached, SeenFlood,
    capture_population,
};
use layout::AtomContents;
pub use layout::{Atom, PlacedSensor, Placement, SensorLayout, live_address};
pub use local::{LocalInterest, local_windows};
pub use permutation::PermutationDraws;
pub use sequential::{SequentialDraws, walk_start};

/// What a looked-at probe hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A vulnerable host (its index; it may be infected already).
    Vulnerable(u32),
    /// An address of atom `atom` ([`SensorLayout::atoms`]): a live host that
    /// cannot be infected (`other`), or no host. It lies in `within`
    /// (`[lo, hi)`: a local-preference host's window) if given, uniformly
    /// among the atom's addresses there.
    Space {
        atom: u8,
        other: bool,
        within: Option<(u64, u64)>,
    },
}

/// The probes a scanning host's driver must look at: every probe aimed at
/// a vulnerable host, and every probe into the atoms in `atoms` (bit i:
/// atom i), those that would show the host to a sensor that has not seen
/// it yet.
#[derive(Clone, Debug)]
pub struct Interest {
    pub atoms: u64,
    /// Addresses of interest: the vulnerable hosts and those atoms.
    pub weight: u64,
    /// A local-preference host's draws over its windows ([`local`]); `None`
    /// when every probe is uniform over the space (or walks a permutation).
    pub local: Option<Rc<LocalInterest>>,
}

/// How a simulator draws probes for the [`PopulationCore`].
pub trait ProbeDraws {
    /// The index of `host`'s next probe the core must look at, after probe
    /// `after` (probes are numbered from 1): the next one whose address is
    /// in `interest` at the latest.
    fn next_look(
        &mut self,
        host: u32,
        after: u64,
        interest: &Interest,
        rng: &mut ChaCha8Rng,
    ) -> u64;
    /// What the looked-at probe of `host` hit.
    fn look(&mut self, host: u32, interest: &Interest, rng: &mut ChaCha8Rng) -> Target;
    /// The probe just looked at reached a host that carries the worm
    /// already. Only permutation scanning reacts (it jumps).
    fn found_infected(&mut self, _host: u32) {}
    /// Whether the driver looks at every probe (the reference): the core
    /// then checks that no probe it counts as delivered went unlooked.
    fn looks_at_every_probe(&self) -> bool {
        false
    }
    /// Whether the driver knows where each probe it does not look at went
    /// (a sequential walk): the core then files those probes by
    /// [`ProbeDraws::unlooked_by_atom`], host by host, instead of splitting
    /// them by draws.
    fn places_every_probe(&self) -> bool {
        false
    }
    /// For a driver that [places every probe](ProbeDraws::places_every_probe):
    /// adds to `by_atom` (an entry per atom) the probes of `host` after
    /// those of its last count (none before the first), up to probe
    /// `upto`, that it did not hand to the core as looks, and returns
    /// whether there were any. Every look it handed out for `host` since
    /// the last count lies in that stretch.
    fn unlooked_by_atom(&mut self, _host: u32, _upto: u64, _by_atom: &mut [u64]) -> bool {
        false
    }
    /// Starts loading what [`ProbeDraws::unlooked_by_atom`] will read of
    /// `host`: the core asks for the scanners ahead of the one it counts.
    fn prefetch(&self, _host: u32) {}
}

/// The exact driver: geometric skips to the next probe of interest; the
/// core splits the rest with binomial draws.
pub struct ExactDraws {
    layout: SensorLayout,
    /// The skip to the next probe of interest, per weight of interest,
    /// out of every address.
    skips: SkipsByWeight,
}

impl ExactDraws {
    pub fn new(layout: SensorLayout) -> ExactDraws {
        ExactDraws {
            skips: SkipsByWeight::new(layout.addresses),
            layout,
        }
    }
}

impl ProbeDraws for ExactDraws {
    fn next_look(
        &mut self,
        _host: u32,
        after: u64,
        interest: &Interest,
        rng: &mut ChaCha8Rng,
    ) -> u64 {
        let skip = match &interest.local {
            Some(local) => local.skip(rng),
            None => self.skips.get(interest.weight).sample(rng),
        };
        // Failures before the first success, plus the success itself.
        after.saturating_add(skip).saturating_add(1)
    }

    fn look(&mut self, host: u32, interest: &Interest, rng: &mut ChaCha8Rng) -> Target {
        if let Some(local) = &interest.local {
            return local.look(&self.layout, host, interest.atoms, rng);
        }
        let u = rng.random_range(0..interest.weight);
        if u < self.layout.vulnerable {
            return Target::Vulnerable(u as u32);
        }
        space_target(&self.layout, interest, u - self.layout.vulnerable, rng)
    }
}

/// The address of interest `u` (counted from 0) among the atoms of
/// `interest`, by their sizes: in which atom it lies, and whether a live
/// host that cannot be infected holds it (with the layout's share, outside
/// dark space).
fn space_target(
    layout: &SensorLayout,
    interest: &Interest,
    u: u64,
    rng: &mut ChaCha8Rng,
) -> Target {
    atom_at(
        layout,
        interest.atoms,
        |i| layout.atoms[i].size,
        None,
        u,
        rng,
    )
}

/// [`space_target`] over atoms of the given sizes (within a window of a
/// local-preference host): the address of interest `u` among those of
/// the atoms in `atoms`.
fn atom_at(
    layout: &SensorLayout,
    atoms: u64,
    size_of: impl Fn(usize) -> u64,
    within: Option<(u64, u64)>,
    mut u: u64,
    rng: &mut ChaCha8Rng,
) -> Target {
    for (i, a) in layout.atoms.iter().enumerate() {
        if atoms & (1 << i) == 0 {
            continue;
        }
        let size = size_of(i);
        if u < size {
            let other = a.live && rng.random_bool(layout.other_share);
            return Target::Space {
                atom: i as u8,
                other,
                within,
            };
        }
        u -= size;
    }
    unreachable!("the weight of interest is the vulnerable hosts and its atoms")
}

/// When each vulnerable host is protected (patched or firewalled, the
/// earlier), ns after the start; empty when neither defense is on. Drawn by
/// the functions Blaster's defenses use, from the run's seed.
fn protected_at_ns(s: &PopulationScenario, seed: u64) -> Vec<u64> {
    let n = s.population.vulnerable;
    let patch = patch_times(&s.defenses.patch, s.start, seed, n);
    let firewall = host_defense_times(
        &s.defenses.host_firewall,
        Draw::HostFirewall,
        s.start,
        seed,
        n,
    );
    let earliest: Vec<u64> = match (patch.is_empty(), firewall.is_empty()) {
        (true, _) => firewall,
        (_, true) => patch,
        _ => patch
            .iter()
            .zip(&firewall)
            .map(|(a, b)| *a.min(b))
            .collect(),
    };
    earliest
        .into_iter()
        .map(|us| us.saturating_mul(1000))
        .collect()
}

/// One time step of a run over a population. Probe counts are of probes in
/// the step; host counts are at its end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PopulationRow {
    /// End of the step, µs after the start.
    pub time_us: u64,
    /// Hosts carrying the worm: infected so far (including the initial
    /// ones) less those cleaned.
    pub infected: u64,
    /// Hosts infected in the step.
    pub new_infections: u64,
    /// Hosts probing at the step's end.
    pub scanning: u64,
    /// Probes the infected hosts sent.
    pub probes_offered: u64,
    /// Probes the network carried to their targets.
    pub probes_delivered: u64,
    /// Offered probes lost to congestion.
    pub probes_dropped: u64,
    /// Delivered probes that infected their target.
    pub probes_infecting: u64,
    /// Delivered probes that reached an already infected host.
    pub probes_infected: u64,
    /// Delivered probes that reached a live host that cannot be infected.
    pub probes_other: u64,
    /// Delivered probes that reached no host.
    pub probes_empty: u64,
    /// Delivered probes aimed at a vulnerable host that a network filter
    /// (an ISP's or an enterprise's border) dropped on the way.
    pub probes_blocked: u64,
    /// Hosts cleaned in the step.
    pub cleaned: u64,
    /// Flood packets that reached the target in the step (`[payload]`; not
    /// a `timeseries.csv` column: `flood.csv` has them).
    pub flood_packets: u64,
    /// Flood packets sent in the step, whether they reached the target or
    /// went to the address it had moved away from.
    pub flood_sent: u64,
    /// Flood packets that would have reached the target in the step if
    /// every first-hop network dropped spoofed sources (BCP 38):
    /// `flood_packets` for a flood from the hosts' own addresses.
    pub flood_bcp38: u64,
}

impl PopulationRow {
    /// The row's values in the order of `COLUMNS[1..]` (all but the time).
    pub fn values(&self) -> [u64; 12] {
        [
            self.infected,
            self.new_infections,
            self.scanning,
            self.probes_offered,
            self.probes_delivered,
            self.probes_dropped,
            self.probes_infecting,
            self.probes_infected,
            self.probes_other,
            self.probes_empty,
            self.probes_blocked,
            self.cleaned,
        ]
    }

    /// The CSV header of `timeseries.csv` for runs over a population.
    pub const COLUMNS: [&str; 13] = [
        "time_us",
        "infected",
        "new_infections",
        "scanning",
        "probes_offered",
        "probes_delivered",
        "probes_dropped",
        "probes_infecting",
        "probes_infected",
        "probes_other",
        "probes_empty",
        "probes_blocked",
        "cleaned",
    ];
}

/// What a run over a population produced.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationRun {
    pub step_us: u64,
    pub rows: Vec<PopulationRow>,
    /// When each infected host was infected (µs, ascending; initial hosts
    /// at 0).
    pub infection_times_us: Vec<u64>,
    /// Vulnerable hosts in the population.
    pub vulnerable: u64,
    /// What each sensor saw, in [`PopulationScenario::all_sensors`] order.
    pub sensors: Vec<SeenBySensor>,
    /// The stop date, µs after the start, if the worm has one.
    pub stop_us: Option<u64>,
    /// Events the core processed (starts, looks, stops).
    pub events: u64,
}

/// What one sensor saw of a run over a population, per step of reporting
/// time (a probe's step plus the sensor's delay; what would be reported
/// after the run's end is not).
#[derive(Clone, Debug, PartialEq)]
pub struct SeenBySensor {
    pub sensor: PlacedSensor,
    /// Probes seen.
    pub probes: Vec<u64>,
    /// Of those, the probes towards the monitored space (all but an edge's
    /// outgoing ones).
    pub incoming: Vec<u64>,
    /// Hosts seen for the first time (each is one source address).
    pub new_sources: Vec<u64>,
}

impl SeenBySensor {
    fn new(sensor: PlacedSensor, rows: usize) -> SeenBySensor {
        SeenBySensor {
            sensor,
            probes: vec![0; rows],
            incoming: vec![0; rows],
            new_sources: vec![0; rows],
        }
    }
}

impl PopulationRun {
    /// Sum of every row's probes of one kind.
    pub fn total(&self, f: impl Fn(&PopulationRow) -> u64) -> u64 {
        self.rows.iter().map(f).sum()
    }
}

/// Runs a population scenario with the exact driver, on run seed
/// `seed`. `progress` is called now and then with the simulated µs reached.
pub fn simulate_population(
    s: &PopulationScenario,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> PopulationRun {
    let placement = Placement::needed(s).then(|| Placement::of(s));
    let layout = SensorLayout::of(s, placement.as_ref());
    let mut draws = exact_draws(s, seed, &layout, placement.as_ref());
    PopulationCore::new(s, seed, layout, placement.as_ref()).run(draws.as_mut(), progress)
}

/// The exact driver of a scenario's targeting, on run seed `seed`: a
/// walk (permutation, sequential) needs the vulnerable hosts' places
/// ([`Placement::needed`] says so).
pub fn exact_draws(
    s: &PopulationScenario,
    seed: u64,
    layout: &SensorLayout,
    placement: Option<&Placement>,
) -> Box<dyn ProbeDraws> {
    match *Behaviour::population(s).targeting.after_hit_list() {
        Targeting::Permutation { space_bits, key } => Box::new(PermutationDraws::new(
            layout.clone(),
            placement.expect("a permutation scan's placement"),
            space_bits,
            key,
            seed,
        )),
        Targeting::Sequential {
            local_start_fraction,
            ..
        } => Box::new(SequentialDraws::new(
            layout.clone(),
            placement.expect("a sequential scan's placement"),
            local_start_fraction,
            seed,
        )),
        _ => Box::new(ExactDraws::new(layout.clone())),
    }
}

/// An event's place in the queue: network time, then kind, then host.
fn event_key(at: u64, kind: Kind, host: u32) -> u128 {
    u128::from(at) << 64 | (kind as u128) << 32 | u128::from(host)
}

/// The event of a queue key ([`event_key`]).
fn event_of(key: u128) -> (u64, Kind, u32) {
    let kind = match (key >> 32) as u32 {
        0 => Kind::HitList,
        1 => Kind::Start,
        2 => Kind::Look,
        _ => Kind::Stop,
    };
    ((key >> 64) as u64, kind, key as u32)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    /// A hit-list probe reaches the host (first: an initial host's last
    /// entry goes out as it starts scanning, and what sensors saw of it
    /// decides what its scanning must be looked at for).
    HitList = 0,
    /// The host starts probing (it affects the offered load).
    Start = 1,
    /// The host's next looked-at probe.
    Look = 2,
    /// The host has sent its last probe (its probe limit or a crash).
    Stop = 3,
}

/// A vulnerable host's infection state.
#[derive(Clone, Copy, Debug)]
struct Host {
    infected: bool,
    /// Cleaned of the worm (and patched): it no longer probes and cannot
    /// be infected again.
    cleaned: bool,
    /// Its worm runs (started, and not crashed or cleaned; the stop date
    /// and a probe limit end its probing, not its flood).
    running: bool,
    /// Its place in `PopulationCore::scanners` while it may still probe.
    slot: u32,
    /// The probe index of the next look.
    next_look: u64,
    /// The sensors that have not seen it yet (bit j: sensor j).
    unseen: u16,
    /// Copies of its scanner's class, period and network-time span, so
    /// that a look reads this entry alone: at internet scale each entry
    /// read is a cache miss.
    class: u32,
    period: u64,
    start_net: u64,
    end_net: u64,
}

/// A host that has started probing: its probes are at start + j·P for
/// batch j >= 1 (P its period; a batch is one probe unless the worm sends
/// batches, [`Pace`]) while start + j·P < end, on the network clock
/// (delivered) and on real time (offered). Kept apart from [`Host`] and
/// contiguous, because every step's end visits them all.
#[derive(Clone, Copy, Debug)]
struct Scanner {
    host: u32,
    /// Its class (in `PopulationCore::classes`): which sensors have seen it.
    class: u32,
    period: u64,
    start_net: u64,
    end_net: u64,
    start_real: u64,
    end_real: u64,
    /// Probes congestion has cost the host so far: the most by which its
    /// real-time probes ever led its delivered ones. Never decreases, so
    /// offered = delivered + dropped holds in every step.
    dropped: u64,
}

impl Scanner {
    /// Probes with a time in [start, end) and before `at`, on one clock,
    /// in batches of `per_batch`: [`Pace::probes_within`], written out.
    /// A step's end runs it for every scanner, so batches of one
    /// (`BATCHED` false) are compiled apart, as they were before batches
    /// came.
    fn probes_before<const BATCHED: bool>(
        start: u64,
        end: u64,
        period: u64,
        per_batch: u64,
        at: u64,
    ) -> u64 {
        let at = at.min(end);
        if at <= start {
            return 0;
        }
        // Batches j >= 1 with j·period < at − start.
        let batches = (at - start - 1) / period;
        if BATCHED {
            batches.saturating_mul(per_batch)
        } else {
            batches
        }
    }

    fn delivered_before<const BATCHED: bool>(&self, net: u64, per_batch: u64) -> u64 {
        Self::probes_before::<BATCHED>(self.start_net, self.end_net, self.period, per_batch, net)
    }

    fn offered_before<const BATCHED: bool>(&self, real: u64, per_batch: u64) -> u64 {
        Self::probes_before::<BATCHED>(self.start_real, self.end_real, self.period, per_batch, real)
    }
}

/// The network clock: since real time `real0` (ns) it runs at `share` of
/// real time from `net0`.
#[derive(Clone, Copy, Debug)]
struct Clock {
    real0: u64,
    net0: u64,
    share: f64,
}

impl Clock {
    // Saturating: a network that carries almost nothing puts later probes
    // past the end of time, not past the end of u64.
    fn real_of(&self, net: u64) -> u64 {
        let elapsed = net - self.net0;
        if self.share >= 1.0 {
            self.real0.saturating_add(elapsed)
        } else {
            self.real0
                .saturating_add((elapsed as f64 / self.share).ceil() as u64)
        }
    }

    fn net_of(&self, real: u64) -> u64 {
        let elapsed = real - self.real0;
        if self.share >= 1.0 {
            self.net0.saturating_add(elapsed)
        } else {
            self.net0
                .saturating_add((elapsed as f64 * self.share).floor() as u64)
        }
    }
}

/// Scanning hosts inside the same edges and seen by the same sensors (and,
/// drawing by local preference, of the same signature): the same probes are
/// of interest for them, and their unlooked probes are split alike.
#[derive(Clone, Debug)]
struct Class {
    home: u16,
    unseen: u16,
    /// Kept in its network by a filter: its unlooked probes all lie
    /// outside it (or where no sensor sees), and no sensor sees them.
    closed: bool,
    interest: Interest,
    /// The probes delivered in the class are `base` plus the delivered
    /// probes of its scanners now. `base` holds the probes of scanners that
    /// left it (or stopped), less those its scanners sent before they
    /// joined it; it may dip below zero, so it wraps, and only the sum is
    /// read. Kept this way so that a step's end, which visits every
    /// scanner, writes nothing per scanner.
    base: u64,
    /// The probes delivered in the class at the last step's end.
    filed: u64,
    /// Probes of the step being filled that were looked at in the class.
    looked: u64,
}

/// The state every population simulator shares (see the module docs).
pub struct PopulationCore {
    behaviour: Behaviour,
    /// Probes per batch ([`Pace`]): the same for every host.
    per_batch: u64,
    seed: u64,
    layout: SensorLayout,
    classes: Vec<Class>,
    /// Classes by (home edges, sensors yet to see them, in a capture's
    /// view, a local-preference host's signature or `u32::MAX`, and if a
    /// filter keeps it in its network, the atoms with addresses there).
    class_ids: HashMap<(u16, u16, bool, u32, Option<u64>), u32>,
    /// What a local-preference worm's windows hold; `None` for the other
    /// targetings.
    local: Option<local::LocalMap>,
    /// Per class, its scanners' delivered probes (scratch of `close_row`).
    class_sums: Vec<u64>,
    initial_infected: u64,
    duration_ns: u64,
    step_ns: u64,
    hosts: Vec<Host>,
    /// Hosts that have started probing and may still probe.
    scanners: Vec<Scanner>,
    /// Delivered and offered probes of hosts that have stopped for good
    /// (removed from `scanners`).
    finished_delivered: u64,
    finished_offered: u64,
    /// Events by [`event_key`].
    queue: RadixHeap,
    clock: Clock,
    /// Bits per second offered by the hosts probing now.
    offered_bps: f64,
    rng: ChaCha8Rng,
    rows: Vec<PopulationRow>,
    /// Counts of the step being filled.
    row: PopulationRow,
    /// What each sensor saw, by reporting step.
    seen: Vec<SeenBySensor>,
    /// Per sensor, its delay in steps.
    delay_rows: Vec<usize>,
    /// When each host was infected (µs), in infection order.
    infection_times_us: Vec<u64>,
    delivered_so_far: u64,
    offered_so_far: u64,
    /// Hit-list probes sent so far (delivered and offered).
    hit_list_sent: u64,
    /// The driver looks at every probe (see [`ProbeDraws::looks_at_every_probe`]).
    every_probe: bool,
    /// The driver places every probe (see [`ProbeDraws::places_every_probe`]):
    /// unlooked probes are filed host by host.
    placed: bool,
    /// Scratch of [`PopulationCore::file_placed`]: probes by atom.
    by_atom: Vec<u64>,
    /// Placed probes filed in the step being filled: those into live atoms
    /// (split between other live hosts and none at its end), and all.
    placed_live: u64,
    placed_unlooked: u64,
    /// When each vulnerable host can no longer be infected (patched, or
    /// behind its own firewall), ns of real time (empty: neither defense is
    /// on).
    protected_at_ns: Vec<u64>,
    /// The run's network filters that are on (ISP, enterprise border).
    filters: Vec<NetworkFilter>,
    /// Sensors lose what the filters keep inside a scanner's network
    /// (see the module's doc): per vulnerable host, when a filter first
    /// does so for it (ns of real time, `u64::MAX`: never); empty when no
    /// filter does or no sensor watches.
    closes_at_ns: Vec<u64>,
    /// Those times, ascending, that have not come yet.
    closings: Vec<u64>,
    /// The last of them that has come: hosts that close by then are
    /// closed.
    closed_by_ns: Option<u64>,
    /// Each atom's addresses in filtered hosts' networks (made when a
    /// filter closes one).
    contents: Option<AtomContents>,
    /// Cleanup: its start (ns of real time) and rate (per ns), if on.
    cleanup: Option<(u64, f64)>,
    /// Cleanings to come, by (real time, host): `time_of` a key is ns of
    /// real time, as the worm's stop date is, not network time.
    cleanings: RadixHeap,
    /// Hosts cleaned so far.
    cleaned: u64,
    events: u64,
    /// A capture's vantage ([`capture`]); none in an ordinary run.
    watch: Option<Box<capture::Watch>>,
    /// The worm's flood, if it has one, and its count so far.
    flood: Option<FloodCount>,
}

/// What reaches a flood's target: the running instances over time, each
/// sending `packets_per_second` while [`Flood::arriving_ns`] says its
/// packets arrive. Counted in closed form from the moments the number of
/// running instances of each of the flood's classes changes, so a flood
/// costs nothing per packet. Arrivals are counted in 1/65536 packets: of a
/// spoofed flood, a source filter lets a share through.
struct FloodCount {
    flood: Flood,
    /// Instances running now, by class.
    running: Vec<u64>,
    /// Each host's class while its worm runs; empty where the flood has
    /// one class (its target an address).
    class_of_host: Vec<u8>,
    /// A spoofed flood's sources; `None`: the hosts' own addresses.
    spoofed: Option<SpoofedSources>,
    /// Real time (ns) up to which the sums are counted.
    counted_to: u64,
    /// Σ over instances of the ns their flood arrived, times the 1/65536
    /// shares of their packets that got through.
    arrived_units_ns: u128,
    /// The same if every first hop filtered spoofed sources (BCP 38).
    bcp38_units_ns: u128,
    /// Σ over instances of the ns they sent it, arriving or not.
    sent_ns: u128,
    /// Packets filed in the rows so far: arrived, sent, and arrived under
    /// BCP 38.
    filed: u64,
    filed_sent: u64,
    filed_bcp38: u64,
}

/// The sources of a spoofed flood: Blaster's rule (MODEL.md, The payload),
/// on any worm's hosts.
struct SpoofedSources {
    /// What of each host's packets a filter at its first hop passes, in
    /// 1/65536 ([`spoofs_passing`]); empty: one address for every host.
    passing: Vec<u32>,
    /// When the scenario's filter covers each host (ns of real time;
    /// `u64::MAX`: never); empty: no filter.
    filtered_from_ns: Vec<u64>,
    /// The filter's start (every covered host's), ns; `u64::MAX`: none.
    filter_start_ns: u64,
    /// By class, over the running instances: Σ passing of all of them, Σ
    /// passing of those a filter covers, and how many it covers.
    passing_all: Vec<u64>,
    passing_filtered: Vec<u64>,
    filtered: Vec<u64>,
}

impl SpoofedSources {
    fn of(
        s: &PopulationScenario,
        seed: u64,
        placement: Option<&Placement>,
        classes: usize,
    ) -> SpoofedSources {
        let hosts = s.population.vulnerable;
        let filtered_from_ns: Vec<u64> = host_defense_times(
            &s.defenses.spoof_filter,
            Draw::SpoofFilter,
            s.start,
            seed,
            hosts,
        )
        .into_iter()
        .map(|us| us.saturating_mul(1000))
        .collect();
        let filter_start_ns = filtered_from_ns.iter().copied().min().unwrap_or(u64::MAX);
        let passing = if filter::spoofs_need_addresses(s) {
            let p = placement.expect("a placement for the first hops");
            p.vulnerable
                .iter()
                .map(|&a| spoofs_passing(filter::first_hop_prefix_len(s, a)) as u32)
                .collect()
        } else {
            Vec::new()
        };
        SpoofedSources {
            passing,
            filtered_from_ns,
            filter_start_ns,
            passing_all: vec![0; classes],
            passing_filtered: vec![0; classes],
            filtered: vec![0; classes],
        }
    }

    /// Adds `host`'s instance to `class`'s sums, or removes it.
    fn tally(&mut self, host: u32, class: usize, add: bool) {
        let passing = self
            .passing
            .get(host as usize)
            .map_or(spoofs_passing(32), |&p| u64::from(p));
        let covered = self
            .filtered_from_ns
            .get(host as usize)
            .is_some_and(|&t| t != u64::MAX);
        let change = |v: &mut u64, by: u64| {
            *v = if add {
                *v + by
            } else {
                v.checked_sub(by).expect("a running instance")
            }
        };
        change(&mut self.passing_all[class], passing);
        if covered {
            change(&mut self.passing_filtered[class], passing);
            change(&mut self.filtered[class], 1);
        }
    }
}

/// A whole packet, in the units arrivals are counted in.
const PACKET_UNITS: u64 = 65_536;

impl FloodCount {
    fn new(
        flood: Flood,
        s: &PopulationScenario,
        seed: u64,
        placement: Option<&Placement>,
    ) -> FloodCount {
        let classes = flood.classes();
        let spoofed = s
            .payload
            .as_ref()
            .is_some_and(|p| p.spoofed_sources)
            .then(|| SpoofedSources::of(s, seed, placement, classes));
        FloodCount {
            class_of_host: if classes > 1 {
                vec![0; s.population.vulnerable as usize]
            } else {
                Vec::new()
            },
            running: vec![0; classes],
            flood,
            spoofed,
            counted_to: 0,
            arrived_units_ns: 0,
            bcp38_units_ns: 0,
            sent_ns: 0,
            filed: 0,
            filed_sent: 0,
            filed_bcp38: 0,
        }
    }

    /// Counts up to real time `t`, where `host`'s instance starts.
    fn start(&mut self, host: u32, t: u64) {
        self.count_to(t);
        let class = self.flood.class_of(t);
        if let Some(c) = self.class_of_host.get_mut(host as usize) {
            *c = u8::try_from(class).expect("at most six classes");
        }
        self.running[class] += 1;
        if let Some(sp) = &mut self.spoofed {
            sp.tally(host, class, true);
        }
    }

    /// Counts up to real time `t`, where `host`'s instance stops.
    fn stop(&mut self, host: u32, t: u64) {
        self.count_to(t);
        let class = self
            .class_of_host
            .get(host as usize)
            .map_or(0, |&c| usize::from(c));
        self.running[class] = self.running[class]
            .checked_sub(1)
            .expect("running instances");
        if let Some(sp) = &mut self.spoofed {
            sp.tally(host, class, false);
        }
    }

    fn count_to(&mut self, t: u64) {
        // Events come in real-time order but for the rounding of the
        // network clock's conversion: never count backwards.
        let (a, b) = (self.counted_to, t.max(self.counted_to));
        for (class, &running) in self.running.iter().enumerate() {
            if running == 0 {
                continue;
            }
            let whole = u128::from(running * PACKET_UNITS);
            let arriving = |a: u64, b: u64| u128::from(self.flood.arriving_ns(class, a, b));
            match &self.spoofed {
                None => {
                    let units = whole * arriving(a, b);
                    self.arrived_units_ns += units;
                    self.bcp38_units_ns += units;
                }
                Some(sp) => {
                    // Before the filter's start every packet gets out;
                    // from it, a covered host's only as its first hop
                    // passes them.
                    let cut = sp.filter_start_ns.clamp(a, b);
                    let covered = u128::from(sp.filtered[class] * PACKET_UNITS);
                    let after = whole - covered + u128::from(sp.passing_filtered[class]);
                    self.arrived_units_ns += whole * arriving(a, cut) + after * arriving(cut, b);
                    self.bcp38_units_ns += u128::from(sp.passing_all[class]) * arriving(a, b);
                }
            }
            let sending = self.flood.sending_ns(class, a, b);
            self.sent_ns += u128::from(running) * u128::from(sending);
        }
        self.counted_to = b;
    }

    /// The packets that arrived, those sent, and those that would have
    /// arrived under BCP 38, since the last row, up to real time `end`.
    fn file(&mut self, end: u64) -> (u64, u64, u64) {
        self.count_to(end);
        let pps = u128::from(self.flood.packets_per_second);
        let per_ns = |units_ns: u128, units: u64| {
            u64::try_from(units_ns * pps / (1_000_000_000 * u128::from(units))).unwrap_or(u64::MAX)
        };
        let (arrived, sent, bcp38) = (
            per_ns(self.arrived_units_ns, PACKET_UNITS),
            per_ns(self.sent_ns, 1),
            per_ns(self.bcp38_units_ns, PACKET_UNITS),
        );
        let new = (
            arrived - self.filed,
            sent - self.filed_sent,
            bcp38 - self.filed_bcp38,
        );
        (self.filed, self.filed_sent, self.filed_bcp38) = (arrived, sent, bcp38);
        new
    }
}

impl PopulationCore {
    /// A core for run seed `seed` of `s`, its sensors laid out as `layout`
    /// ([`SensorLayout::of`]); `placement` is needed when
    /// [`Placement::needed`] says so.
    pub fn new(
        s: &PopulationScenario,
        seed: u64,
        layout: SensorLayout,
        placement: Option<&Placement>,
    ) -> PopulationCore {
        let behaviour = Behaviour::population(s);
        let local = match behaviour.targeting.after_hit_list() {
            Targeting::UniformRandom { .. }
            | Targeting::Permutation { .. }
            | Targeting::Sequential { .. } => None,
            &Targeting::LocalPreference { shares } => Some(local::LocalMap::new(
                shares,
                &layout,
                placement.expect("a local-preference worm's placement"),
            )),
            t => panic!(
                "the population core runs uniform random, local-preference, permutation or \
                 sequential targeting, after any hit list, not {t:?}"
            ),
        };
        let rows = s.duration.as_micros().div_ceil(s.step.as_micros()) as usize;
        let step_us = s.step.as_micros();
        let filters =
            placement.map_or_else(Vec::new, |p| NetworkFilter::of(s, seed, &p.vulnerable));
        let (mut closes_at_ns, mut closings) = (Vec::new(), Vec::new());
        if !layout.sensors.is_empty() && filters.iter().any(|f| f.drops_out()) {
            closes_at_ns = (0..s.population.vulnerable as u32)
                .map(|h| {
                    filters
                        .iter()
                        .filter_map(|f| f.closes(h))
                        .min()
                        .unwrap_or(u64::MAX)
                })
                .collect();
            closings = filters
                .iter()
                .filter(|f| f.drops_out())
                .map(|f| f.start_ns())
                .collect();
            closings.sort_unstable();
            closings.dedup();
        }
        let contents = (!closings.is_empty())
            .then(|| AtomContents::new(&layout, placement.expect("the filters' placement")));
        let idle = Host {
            infected: false,
            cleaned: false,
            running: false,
            slot: u32::MAX,
            next_look: 0,
            unseen: layout.all(),
            class: 0,
            period: 0,
            start_net: 0,
            end_net: 0,
        };
        PopulationCore {
            // Every host's pace has the same batches; only a period may
            // differ (an uplink's).
            per_batch: behaviour.pace(seed, 0).per_batch,
            behaviour,
            seed,
            hosts: vec![idle; s.population.vulnerable as usize],
            seen: layout
                .sensors
                .iter()
                .map(|p| SeenBySensor::new(p.clone(), rows))
                .collect(),
            delay_rows: layout
                .sensors
                .iter()
                .map(|p| (p.delay_us / step_us) as usize)
                .collect(),
            layout,
            classes: Vec::new(),
            class_ids: HashMap::new(),
            local,
            class_sums: Vec::new(),
            initial_infected: s.population.initial_infected,
            duration_ns: s.duration.as_micros() * 1000,
            step_ns: s.step.as_micros() * 1000,
            scanners: Vec::new(),
            finished_delivered: 0,
            finished_offered: 0,
            queue: RadixHeap::new(),
            clock: Clock {
                real0: 0,
                net0: 0,
                share: 1.0,
            },
            offered_bps: 0.0,
            rng: stream(seed, Purpose::RandomScan, 0),
            rows: Vec::new(),
            row: PopulationRow::default(),
            infection_times_us: Vec::new(),
            delivered_so_far: 0,
            offered_so_far: 0,
            hit_list_sent: 0,
            every_probe: false,
            placed: false,
            by_atom: Vec::new(),
            placed_live: 0,
            placed_unlooked: 0,
            protected_at_ns: protected_at_ns(s, seed),
            filters,
            closes_at_ns,
            closings,
            closed_by_ns: None,
            contents,
            cleanup: s.defenses.cleanup.enabled.then(|| {
                let c = &s.defenses.cleanup;
                // A share p cleaned per day is the exponential rate -ln(1-p).
                let p = c.per_day_pct.as_fraction().min(1.0 - 1e-12);
                let start_us = c.start.after_start(s.start).expect("a checked scenario");
                (
                    start_us.saturating_mul(1000),
                    -(1.0 - p).ln() / (86_400.0 * 1e9),
                )
            }),
            cleanings: RadixHeap::new(),
            cleaned: 0,
            events: 0,
            watch: None,
            flood: Flood::of(s).map(|flood| FloodCount::new(flood, s, seed, placement)),
        }
    }

    /// Runs to the end of the scenario with `draws`.
    pub fn run(self, draws: &mut dyn ProbeDraws, progress: &mut dyn FnMut(u64)) -> PopulationRun {
        self.run_watched(draws, progress).0
    }

    /// Runs as [`PopulationCore::run`] does, and hands back the capture's
    /// watch. A watch that overflows stops the run where it does.
    fn run_watched(
        mut self,
        draws: &mut dyn ProbeDraws,
        progress: &mut dyn FnMut(u64),
    ) -> (PopulationRun, Option<Box<capture::Watch>>) {
        self.every_probe = draws.looks_at_every_probe();
        self.placed = draws.places_every_probe();
        self.by_atom = vec![0; self.layout.atoms.len()];
        // Hosts are exchangeable (targets are uniform), so the initial ones
        // are the first indices and the hit list the next ones. An initial
        // host sends its share of the list (entries dealt in turn), then
        // starts scanning.
        let (list, list_interval) = match self.behaviour.targeting {
            Targeting::HitList {
                hosts, interval_ns, ..
            } => (hosts, interval_ns),
            _ => (0, 0),
        };
        let n0 = self.initial_infected;
        for h in 0..n0 {
            let share = list.saturating_sub(h).div_ceil(n0);
            self.infect(h as u32, 0, share.saturating_mul(list_interval));
            // Its worm runs from the start: it sends its list, then scans.
            self.start_running(h as u32, 0);
        }
        for entry in 0..list {
            let at = (entry / n0 + 1).saturating_mul(list_interval);
            self.queue
                .push(event_key(at, Kind::HitList, (n0 + entry) as u32));
        }
        let stop_real = self.behaviour.stop.at_us.map(|us| us.saturating_mul(1000));
        let mut stopped = false;
        let mut row_end = self.step_ns.min(self.duration_ns);
        loop {
            // Network time orders everything: a look at network time v is
            // in the step ending at real time E iff v < net_of(E), the same
            // rule that counts the step's delivered probes.
            let next = self.queue.peek().map_or(u64::MAX, |k| event_of(k).0);
            if let Some(w) = &self.watch
                && !w.open
                && w.from_ns <= row_end
                && self.clock.net_of(w.from_ns) <= next
            {
                self.open_watch(draws);
                continue;
            }
            if let Some(&at) = self.closings.first()
                && at <= row_end
                && self.clock.net_of(at) <= next
            {
                self.closings.remove(0);
                self.close_egress(at, draws);
                continue;
            }
            if !stopped
                && let Some(stop) = stop_real
                && stop <= row_end
                && self.clock.net_of(stop) <= next
            {
                self.stop_all(stop);
                stopped = true;
                continue;
            }
            if let Some(key) = self.cleanings.peek()
                && (key >> 64) as u64 <= row_end
                && self.clock.net_of((key >> 64) as u64) <= next
            {
                self.cleanings.pop();
                self.clean(key as u32, (key >> 64) as u64);
                continue;
            }
            if self.clock.net_of(row_end) <= next {
                self.close_row(row_end, draws);
                if row_end >= self.duration_ns {
                    break;
                }
                progress(row_end / 1000);
                row_end = (row_end + self.step_ns).min(self.duration_ns);
                continue;
            }
            let (net, kind, host) = event_of(self.queue.pop().expect("peeked"));
            // Start loading the next event's host while this one runs: at
            // internet scale the entry is a cache miss.
            if let Some(next) = self.queue.peek().map(|next| next as u32) {
                if let Some(h) = self.hosts.get(next as usize) {
                    wormscope_model::view::prefetch(h);
                }
                if let Some(local) = &self.local {
                    local.prefetch(next);
                }
            }
            self.events += 1;
            match kind {
                Kind::Start => self.start(host, net, draws),
                Kind::HitList => self.hit_list_probe(host, net),
                Kind::Look => self.look(host, net, draws),
                Kind::Stop => self.stop_host(host, net),
            }
            if self.watch.as_ref().is_some_and(|w| w.overflow) {
                break;
            }
        }
        progress(self.duration_ns / 1000);
        self.infection_times_us.sort_unstable();
        let run = PopulationRun {
            step_us: self.step_ns / 1000,
            rows: self.rows,
            infection_times_us: self.infection_times_us,
            vulnerable: self.layout.vulnerable,
            sensors: self.seen,
            stop_us: self.behaviour.stop.at_us,
            events: self.events,
        };
        (run, self.watch)
    }

    /// Opens the capture's window: from the probe each scanner has reached,
    /// the probes its vantage would see are of interest too (a new class),
    /// and every scanner's next look is drawn again. Skips are geometric,
    /// so drawing again from where a host is leaves its probes uniform.
    fn open_watch(&mut self, draws: &mut dyn ProbeDraws) {
        let watch = self.watch.as_mut().expect("a watch to open");
        watch.open = true;
        let net = self.clock.net_of(watch.from_ns);
        self.queue.retain(|k| event_of(k).1 != Kind::Look);
        for i in 0..self.scanners.len() {
            let reached = self.scanners[i].delivered_before::<true>(net, self.per_batch);
            self.reclass(i, reached);
            self.schedule_look(self.scanners[i].host, reached, draws);
        }
    }

    /// The host of scanner `slot` is of the class it is of now from its
    /// probe `k` on (those up to `k` stay in its old class).
    fn reclass(&mut self, slot: usize, k: u64) {
        let host = self.scanners[slot].host;
        let class = self.class_of(host);
        let sc = &mut self.scanners[slot];
        let old = &mut self.classes[sc.class as usize];
        old.base = old.base.wrapping_add(k);
        let new = &mut self.classes[class as usize];
        new.base = new.base.wrapping_sub(k);
        sc.class = class;
        self.hosts[host as usize].class = class;
    }

    /// A network filter keeps the probes of some hosts inside their
    /// networks from real time `at` on: those scanning are of a closed
    /// class from the probe each has reached (every probe that a sensor
    /// would see is looked at, to tell whether it stays inside), and their
    /// next looks are drawn again, as [`PopulationCore::open_watch`] does.
    fn close_egress(&mut self, at: u64, draws: &mut dyn ProbeDraws) {
        self.closed_by_ns = Some(at);
        let net = self.clock.net_of(at);
        let closes_at = &self.closes_at_ns;
        self.queue.retain(|k| {
            let (_, kind, host) = event_of(k);
            !(kind == Kind::Look && closes_at[host as usize] == at)
        });
        for i in 0..self.scanners.len() {
            let host = self.scanners[i].host;
            if self.closes_at_ns[host as usize] != at {
                continue;
            }
            let reached = self.scanners[i].delivered_before::<true>(net, self.per_batch);
            if self.placed {
                // Its probes so far were not kept in: filed as they were.
                self.file_placed(i, reached, draws);
            }
            self.reclass(i, reached);
            self.schedule_look(host, reached, draws);
        }
    }

    /// With a driver that places every probe, files the unlooked probes of
    /// scanner `slot` up to its probe `upto` by where they went, as its
    /// class now sees them: with the sensors (unless a filter keeps the
    /// host in), and as empty or, for the step's end to split, live space.
    fn file_placed(&mut self, slot: usize, upto: u64, draws: &mut dyn ProbeDraws) {
        let sc = &self.scanners[slot];
        let mut by_atom = std::mem::take(&mut self.by_atom);
        by_atom.fill(0);
        if !draws.unlooked_by_atom(sc.host, upto, &mut by_atom) {
            self.by_atom = by_atom;
            return;
        }
        let (home, closed) = {
            let class = &self.classes[sc.class as usize];
            (class.home, class.closed)
        };
        for (i, &k) in by_atom.iter().enumerate() {
            if k == 0 {
                continue;
            }
            let a = self.layout.atoms[i];
            self.placed_unlooked += k;
            if a.live {
                self.placed_live += k;
            } else {
                self.row.probes_empty += k;
            }
            if !closed {
                let (seen, incoming) = self.layout.seen(home, a.inside, a.dark);
                self.file_seen(seen, incoming, 0, k);
            }
        }
        self.by_atom = by_atom;
    }

    /// If a filter keeps `host`'s probes inside its network now, the
    /// atoms with addresses there (bit i: atom i).
    fn atoms_inside(&mut self, host: u32) -> Option<u64> {
        let (lo, hi) = self.reach(host)?;
        let contents = self
            .contents
            .as_mut()
            .expect("the filtered hosts' contents");
        let sizes = contents.of(&self.layout, lo, hi);
        Some(
            sizes
                .iter()
                .enumerate()
                .filter(|&(_, &n)| n > 0)
                .fold(0, |mask, (i, _)| mask | 1 << i),
        )
    }

    /// The addresses `host`'s probes stay inside now, `[lo, hi)`, if a
    /// filter keeps them in its network (two filters: the smaller network).
    fn reach(&self, host: u32) -> Option<(u64, u64)> {
        let by = self.closed_by_ns?;
        let space = self.layout.addresses;
        self.filters
            .iter()
            .filter(|f| f.closes(host).is_some_and(|at| at <= by))
            .map(|f| f.network_range(host, space))
            .reduce(|(a, b), (c, d)| (a.max(c), b.min(d)))
    }

    /// Whether a probe of `host` to vulnerable host `v` leaves the network
    /// a filter keeps it in (no sensor sees it then).
    fn kept_in(&self, host: u32, v: u32) -> bool {
        self.closed_by_ns.is_some_and(|by| {
            self.filters
                .iter()
                .any(|f| f.closes(host).is_some_and(|at| at <= by) && !f.same_network(host, v))
        })
    }

    /// Where a looked-at probe of a host kept inside `reach` into atom
    /// `atom` (uniform among its addresses in `within`, or the space) lies,
    /// if it stays inside: the part of `within` there. A probe drawn over
    /// more than the reach stays inside by the share of the atom's
    /// addresses there.
    fn inside_reach(
        &mut self,
        atom: u8,
        within: Option<(u64, u64)>,
        (lo, hi): (u64, u64),
    ) -> Option<Option<(u64, u64)>> {
        let window = within.unwrap_or((0, self.layout.addresses));
        let part = (window.0.max(lo), window.1.min(hi));
        if part.0 >= part.1 {
            return None;
        }
        if part == window {
            return Some(within);
        }
        let contents = self
            .contents
            .as_mut()
            .expect("the filtered hosts' contents");
        let there = contents.of(&self.layout, part.0, part.1)[usize::from(atom)];
        let all = contents.of(&self.layout, window.0, window.1)[usize::from(atom)];
        (there > 0 && self.rng.random_range(0..all) < there).then_some(Some(part))
    }

    /// Marks `host` infected at network time `net`; it starts probing
    /// `delay` ns of network time later.
    fn infect(&mut self, host: u32, net: u64, delay: u64) {
        let h = &mut self.hosts[host as usize];
        debug_assert!(!h.infected);
        h.infected = true;
        self.row.new_infections += 1;
        let real = self.clock.real_of(net);
        self.infection_times_us.push(real / 1000);
        if let Some((start, rate)) = self.cleanup {
            // Blaster's removal clock: from the infection (or the tools'
            // release), an exponential wait drawn per host.
            let u = unit_draw(self.seed, Draw::Cleanup, u64::from(host));
            let wait = (-(1.0 - u).ln() / rate).min(u64::MAX as f64 / 2.0) as u64;
            let at = real.max(start).saturating_add(wait);
            if at <= self.duration_ns {
                self.cleanings.push(u128::from(at) << 64 | u128::from(host));
            }
        }
        self.queue
            .push(event_key(net.saturating_add(delay), Kind::Start, host));
    }

    fn start(&mut self, host: u32, net: u64, draws: &mut dyn ProbeDraws) {
        if self.hosts[host as usize].cleaned {
            // Cleaned before its worm began to probe.
            return;
        }
        let pace = self.behaviour.pace(self.seed, u64::from(host));
        debug_assert_eq!(pace.per_batch, self.per_batch);
        let real = self.clock.real_of(net);
        self.start_running(host, real);
        let mut scanner = Scanner {
            host,
            period: pace.period_ns,
            start_net: net,
            end_net: u64::MAX,
            start_real: real,
            end_real: u64::MAX,
            dropped: 0,
            class: self.class_of(host),
        };
        if let Some(n) = self.behaviour.stop.probes_of(self.seed, u64::from(host)) {
            // Ends just after the batch of the n-th probe; the stop frees
            // its bandwidth.
            scanner.end_net = net
                .saturating_add(pace.whole_batches(n).saturating_mul(pace.period_ns))
                .saturating_add(1);
            if scanner.end_net < u64::MAX {
                self.queue
                    .push(event_key(scanner.end_net, Kind::Stop, host));
            }
        }
        let h = &mut self.hosts[host as usize];
        h.slot = self.scanners.len() as u32;
        h.class = scanner.class;
        h.period = scanner.period;
        h.start_net = scanner.start_net;
        h.end_net = scanner.end_net;
        self.scanners.push(scanner);
        self.set_offered(net, self.offered_bps + self.bits_per_second(pace.period_ns));
        self.schedule_look(host, 0, draws);
    }

    /// The class of `host` as it is now (made when first needed).
    fn class_of(&mut self, host: u32) -> u32 {
        let watched = self.watch.as_ref().is_some_and(|w| w.open);
        let key = (
            self.layout.home(host),
            self.hosts[host as usize].unseen,
            watched,
            self.local
                .as_mut()
                .map_or(u32::MAX, |l| l.signature_of(&self.layout, host)),
            self.atoms_inside(host),
        );
        if let Some(&id) = self.class_ids.get(&key) {
            return id;
        }
        let (home, unseen, _, _, inside) = key;
        let mut interest = Interest {
            atoms: 0,
            weight: self.layout.vulnerable,
            local: None,
        };
        // A closed host's probes a sensor would see are all looked at where
        // they may stay inside its network: which do is told one by one.
        let (looked_for, atoms) = match inside {
            Some(atoms) => (u16::MAX, atoms),
            None => (unseen, u64::MAX),
        };
        for (i, a) in self.layout.atoms.iter().enumerate() {
            if atoms & (1 << i) != 0 && self.layout.seen(home, a.inside, a.dark).0 & looked_for != 0
            {
                interest.atoms |= 1 << i;
                interest.weight += a.size;
            }
        }
        if let Some(w) = &self.watch
            && watched
        {
            let more = w.atoms_in_view(&self.layout, home) & !interest.atoms;
            for (i, a) in self.layout.atoms.iter().enumerate() {
                if more & (1 << i) != 0 {
                    interest.atoms |= 1 << i;
                    interest.weight += a.size;
                }
            }
        }
        if let Some(local) = &mut self.local {
            interest.local = Some(Rc::new(local.interest(&self.layout, host, interest.atoms)));
        }
        let id = self.classes.len() as u32;
        self.classes.push(Class {
            home,
            unseen,
            closed: inside.is_some(),
            interest,
            base: 0,
            filed: 0,
            looked: 0,
        });
        self.class_ids.insert(key, id);
        id
    }

    fn schedule_look(&mut self, host: u32, after: u64, draws: &mut dyn ProbeDraws) {
        let interest = &self.classes[self.hosts[host as usize].class as usize].interest;
        let k = draws.next_look(host, after, interest, &mut self.rng);
        let h = &mut self.hosts[host as usize];
        h.next_look = k;
        let pace = Pace {
            per_batch: self.per_batch,
            period_ns: h.period,
        };
        let at = pace.offset_ns(k).and_then(|d| d.checked_add(h.start_net));
        if let Some(at) = at
            && at < h.end_net
        {
            self.queue.push(event_key(at, Kind::Look, host));
        }
    }

    /// Files a probe of `host` to a destination inside edges `dst` (dark
    /// for sensor `dark`) with the sensors that see it. If one sees the
    /// host for the first time and the host is scanning, its probes after
    /// probe `k` (this one) are of a new class.
    fn observe(&mut self, host: u32, dst: u16, dark: Option<u8>, k: u64) {
        let (seen, incoming) = self.layout.seen(self.layout.home(host), dst, dark);
        if seen == 0 {
            return;
        }
        let h = &mut self.hosts[host as usize];
        let new = seen & h.unseen;
        h.unseen &= !new;
        self.file_seen(seen, incoming, new, 1);
        let slot = self.hosts[host as usize].slot;
        if new != 0 && slot != u32::MAX {
            self.reclass(slot as usize, k);
        }
    }

    /// Files `n` probes of the step being filled with the sensors in
    /// `seen` (bit j: sensor j), as incoming for those in `incoming`, and
    /// one new source for each in `new`, at each sensor's reporting step.
    fn file_seen(&mut self, seen: u16, incoming: u16, new: u16, n: u64) {
        let row = self.rows.len();
        for (j, s) in self.seen.iter_mut().enumerate() {
            let bit = 1u16 << j;
            let r = row + self.delay_rows[j];
            if seen & bit == 0 || r >= s.probes.len() {
                continue;
            }
            s.probes[r] += n;
            if incoming & bit != 0 {
                s.incoming[r] += n;
            }
            if new & bit != 0 {
                s.new_sources[r] += 1;
            }
        }
    }

    /// Whether a network filter drops a probe of `src` to vulnerable host
    /// `v` at network time `net` (real time asked only when one is on).
    fn filtered(&self, src: u32, v: u32, net: u64) -> bool {
        !self.filters.is_empty() && {
            let real_ns = self.clock.real_of(net);
            self.filters.iter().any(|f| f.drops(src, v, real_ns))
        }
    }

    /// A probe of `src` at network time `net` was aimed at vulnerable host
    /// `v`.
    fn reach_vulnerable(&mut self, src: u32, v: u32, net: u64) -> Reached {
        if self.filtered(src, v, net) {
            self.row.probes_blocked += 1;
            Reached::Blocked
        } else if self.hosts[v as usize].cleaned {
            // Cleaned and patched: a live host that cannot be infected.
            self.row.probes_other += 1;
            Reached::Other
        } else if self.hosts[v as usize].infected {
            self.row.probes_infected += 1;
            Reached::Infected
        } else if self
            .protected_at_ns
            .get(v as usize)
            .is_some_and(|&at| at <= self.clock.real_of(net))
        {
            // Patched or firewalled before the worm reached it: a live host
            // that cannot be infected.
            self.row.probes_other += 1;
            Reached::Other
        } else {
            self.row.probes_infecting += 1;
            let delay = self
                .behaviour
                .delivery
                .victim_start_us()
                .saturating_mul(1000);
            self.infect(v, net, delay);
            Reached::Infecting
        }
    }

    /// The hit list's probe of `entry`. It is counted apart from the
    /// scanners' probes (the initial hosts' scanning starts after their
    /// share of the list) and is too rare to weigh in the offered load.
    fn hit_list_probe(&mut self, entry: u32, net: u64) {
        self.hit_list_sent += 1;
        // Entries are dealt among the initial hosts in turn (see `run`),
        // before their scanning starts.
        let sender = (u64::from(entry) - self.initial_infected) % self.initial_infected;
        debug_assert_eq!(self.hosts[sender as usize].slot, u32::MAX);
        let seen = !self.kept_in(sender as u32, entry);
        if seen {
            self.observe(sender as u32, self.layout.home(entry), None, 0);
        }
        let reached = self.reach_vulnerable(sender as u32, entry, net);
        if seen {
            self.capture(sender as u32, net, capture::Aim::Vulnerable(entry), reached);
        }
    }

    /// Hands a looked-at probe to the capture's vantage, if one is open.
    fn capture(&mut self, host: u32, net: u64, aim: capture::Aim, reached: Reached) {
        if let Some(w) = &mut self.watch
            && w.open
        {
            w.record(&self.layout, self.clock.real_of(net), host, aim, reached);
        }
    }

    fn look(&mut self, host: u32, net: u64, draws: &mut dyn ProbeDraws) {
        if self.hosts[host as usize].cleaned {
            // Its probes ended when it was cleaned, before this one.
            return;
        }
        let k = self.hosts[host as usize].next_look;
        let class = self.hosts[host as usize].class as usize;
        self.classes[class].looked += 1;
        match draws.look(host, &self.classes[class].interest, &mut self.rng) {
            Target::Vulnerable(v) => {
                // One a filter drops on its way out reaches no sensor.
                let seen = !self.kept_in(host, v);
                if seen {
                    self.observe(host, self.layout.home(v), None, k);
                }
                let reached = self.reach_vulnerable(host, v, net);
                if reached == Reached::Infected {
                    draws.found_infected(host);
                }
                if seen {
                    self.capture(host, net, capture::Aim::Vulnerable(v), reached);
                }
            }
            Target::Space {
                atom,
                other,
                within,
            } => {
                let reached = if other {
                    self.row.probes_other += 1;
                    Reached::Other
                } else {
                    self.row.probes_empty += 1;
                    Reached::Empty
                };
                let seen = match self.reach(host) {
                    Some(reach) => self.inside_reach(atom, within, reach),
                    None => Some(within),
                };
                if let Some(within) = seen {
                    let a = self.layout.atoms[usize::from(atom)];
                    self.observe(host, a.inside, a.dark, k);
                    self.capture(host, net, capture::Aim::Atom(atom, within), reached);
                }
            }
        }
        self.schedule_look(host, k, draws);
    }

    fn stop_host(&mut self, host: u32, net: u64) {
        if self.hosts[host as usize].cleaned {
            // Stopped already, when it was cleaned.
            return;
        }
        let real = self.clock.real_of(net);
        // A probe limit ends the probing; the worm runs on (and floods on
        // its days), as Blaster's does. A crash ends the worm.
        if self
            .behaviour
            .stop
            .crashes_at_its_stop(self.seed, u64::from(host))
        {
            self.stop_running(host, real);
        }
        let sc = &mut self.scanners[self.hosts[host as usize].slot as usize];
        sc.end_real = real;
        let period = sc.period;
        let bps = self.bits_per_second(period);
        self.set_offered(net, self.offered_bps - bps);
    }

    /// `host` is cleaned at real time `real`: if it is probing, it stops
    /// there (and frees its bandwidth).
    fn clean(&mut self, host: u32, real: u64) {
        let net = self.clock.net_of(real);
        self.stop_running(host, real);
        let h = &mut self.hosts[host as usize];
        h.cleaned = true;
        self.cleaned += 1;
        self.row.cleaned += 1;
        if h.slot == u32::MAX {
            return;
        }
        let sc = &mut self.scanners[h.slot as usize];
        if sc.end_net <= net {
            return;
        }
        sc.end_net = net;
        sc.end_real = sc.end_real.min(real);
        h.end_net = net;
        let period = sc.period;
        let bps = self.bits_per_second(period);
        self.set_offered(net, self.offered_bps - bps);
    }

    /// `host`'s worm runs from real time `real` on (if it did not yet),
    /// and so floods in its payload's days.
    fn start_running(&mut self, host: u32, real: u64) {
        let h = &mut self.hosts[host as usize];
        if !std::mem::replace(&mut h.running, true)
            && let Some(f) = &mut self.flood
        {
            f.start(host, real);
            if let Some(w) = &mut self.watch {
                w.flood_starts(&self.layout, host, real);
            }
        }
    }

    /// `host`'s worm ends at real time `real` (a crash, a cleaning), and
    /// with it its flood.
    fn stop_running(&mut self, host: u32, real: u64) {
        let h = &mut self.hosts[host as usize];
        if std::mem::take(&mut h.running)
            && let Some(f) = &mut self.flood
        {
            f.stop(host, real);
            if let Some(w) = &mut self.watch {
                w.flood_ends(host, real);
            }
        }
    }

    /// Every host stops probing at real time `real` (the worm's date rule);
    /// their worms keep running (a flood goes on). Hosts infected but not
    /// started yet never start: the date is checked when a worm starts.
    fn stop_all(&mut self, real: u64) {
        let net = self.clock.net_of(real);
        for sc in &mut self.scanners {
            sc.end_net = sc.end_net.min(net);
            sc.end_real = sc.end_real.min(real);
            self.hosts[sc.host as usize].end_net = sc.end_net;
        }
        self.queue.clear();
        self.offered_bps = 0.0;
    }

    /// What a host probing every `period_ns` offers the network.
    fn bits_per_second(&self, period_ns: u64) -> f64 {
        let bits = self.behaviour.packet_bits().unwrap_or(0) as f64;
        bits * 1e9 * self.per_batch as f64 / period_ns as f64
    }

    /// The offered load changes at network time `net`: a new clock segment.
    fn set_offered(&mut self, net: u64, bps: f64) {
        let Some(capacity) = self.behaviour.capacity_bps() else {
            return;
        };
        let real = self.clock.real_of(net);
        self.offered_bps = bps.max(0.0);
        let share = if self.offered_bps > capacity {
            capacity / self.offered_bps
        } else {
            1.0
        };
        self.clock = Clock {
            real0: real,
            net0: net,
            share,
        };
    }

    /// Counts every scanner's probes before real time `end` (filing a
    /// walk's placed ones), retires the scanners that have finished, and
    /// returns the run's delivered and offered probes so far with the
    /// scanners still probing.
    fn count_scanners<const BATCHED: bool>(
        &mut self,
        end: u64,
        draws: &mut dyn ProbeDraws,
    ) -> (u64, u64, u64) {
        let net_end = self.clock.net_of(end);
        let congested = self.behaviour.capacity_bps().is_some();
        let per_batch = self.per_batch;
        let (mut delivered, mut offered) = (
            self.finished_delivered + self.hit_list_sent,
            self.finished_offered + self.hit_list_sent,
        );
        let mut scanning = 0;
        self.class_sums.clear();
        self.class_sums.resize(self.classes.len(), 0);
        let mut i = 0;
        while i < self.scanners.len() {
            let d = self.scanners[i].delivered_before::<BATCHED>(net_end, per_batch);
            if self.placed {
                // The walks are by host, the scanners in no host order:
                // each a cache miss at internet scale, unless loaded ahead.
                if let Some(ahead) = self.scanners.get(i + 8) {
                    draws.prefetch(ahead.host);
                }
                self.file_placed(i, d, draws);
            }
            let sc = &mut self.scanners[i];
            // Without a capacity both clocks are one: offered = delivered.
            // With one, the real-time count leads the delivered one by the
            // probes lost, give or take the phase of the two clocks; the
            // loss is kept as its running maximum.
            let o = if congested {
                sc.dropped = sc.dropped.max(
                    sc.offered_before::<BATCHED>(end, per_batch)
                        .saturating_sub(d),
                );
                d + sc.dropped
            } else {
                d
            };
            delivered += d;
            offered += o;
            if sc.end_real <= end && sc.end_net <= net_end {
                // Its counts are final: keep the sums, stop visiting it.
                let class = &mut self.classes[sc.class as usize];
                class.base = class.base.wrapping_add(d);
                self.finished_delivered += d;
                self.finished_offered += o;
                self.hosts[sc.host as usize].slot = u32::MAX;
                self.scanners.swap_remove(i);
                if let Some(moved) = self.scanners.get(i) {
                    self.hosts[moved.host as usize].slot = i as u32;
                }
            } else {
                self.class_sums[sc.class as usize] += d;
                scanning += 1;
                i += 1;
            }
        }
        (delivered, offered, scanning)
    }

    /// Ends the step at real time `end` (ns): counts every host's probes
    /// before it and splits the ones nobody looked at.
    fn close_row(&mut self, end: u64, draws: &mut dyn ProbeDraws) {
        let (delivered, offered, scanning) = if self.per_batch == 1 {
            self.count_scanners::<false>(end, draws)
        } else {
            self.count_scanners::<true>(end, draws)
        };
        let mut row = std::mem::take(&mut self.row);
        row.time_us = end / 1000;
        row.infected = self.infection_times_us.len() as u64 - self.cleaned;
        row.scanning = scanning;
        row.probes_delivered = delivered - self.delivered_so_far;
        row.probes_offered = offered - self.offered_so_far;
        row.probes_dropped = row.probes_offered - row.probes_delivered;
        (row.flood_packets, row.flood_sent, row.flood_bcp38) =
            self.flood.as_mut().map_or((0, 0, 0), |f| f.file(end));
        self.delivered_so_far = delivered;
        self.offered_so_far = offered;
        // Unlooked probes into live atoms of local-preference classes, and
        // placed ones (`file_placed`): split between other live hosts and
        // none once for all of them.
        let mut live = std::mem::take(&mut self.placed_live);
        let placed = std::mem::take(&mut self.placed_unlooked);
        let mut unlooked = 0;
        // Taken out while the splits draw and file (they read no class but
        // the one they split).
        let mut classes = std::mem::take(&mut self.classes);
        for (c, class) in classes.iter_mut().enumerate() {
            let filed = class.base.wrapping_add(self.class_sums[c]);
            let delivered = filed.wrapping_sub(class.filed);
            debug_assert!(class.looked <= delivered, "{class:?}, {delivered}");
            let n = delivered - class.looked;
            class.filed = filed;
            class.looked = 0;
            unlooked += n;
            if self.placed {
                // Filed host by host, where they went (`file_placed`).
                continue;
            }
            if let Some(local) = &class.interest.local {
                let (in_live, elsewhere) = self.split_unlooked_local(class, local, n);
                live += in_live;
                row.probes_empty += elsewhere;
            } else {
                let (other, empty) = self.split_unlooked(class, n);
                row.probes_other += other;
                row.probes_empty += empty;
            }
        }
        self.classes = classes;
        debug_assert!(
            !self.placed || placed == unlooked,
            "placed probes filed {placed}, unlooked {unlooked}"
        );
        if live > 0 {
            // Each probe finds a live host with the same chance, whatever
            // its class: one binomial over them all is the sum of theirs.
            let other = binomial(live, self.layout.other_share, &mut self.rng);
            row.probes_other += other;
            row.probes_empty += live - other;
        }
        debug_assert_eq!(
            row.probes_infecting
                + row.probes_infected
                + row.probes_other
                + row.probes_empty
                + row.probes_blocked,
            row.probes_delivered,
            "{row:?}"
        );
        self.rows.push(row);
    }

    /// Splits `n` probes of `class` that nobody looked at over the atoms
    /// outside its interest (a multinomial, as a chain of conditional
    /// binomials), files them with the sensors that see them (all of which
    /// have seen the class's hosts already), and returns them as (other
    /// live host, empty).
    fn split_unlooked(&mut self, class: &Class, n: u64) -> (u64, u64) {
        if n == 0 {
            return (0, 0);
        }
        assert!(
            !self.every_probe,
            "the reference looks at every probe the core counts as delivered"
        );
        let mut room: u64 = self
            .layout
            .atoms
            .iter()
            .enumerate()
            .filter(|(i, _)| class.interest.atoms & (1 << i) == 0)
            .map(|(_, a)| a.size)
            .sum();
        let (mut left, mut other, mut empty) = (n, 0, 0);
        for i in 0..self.layout.atoms.len() {
            let a = self.layout.atoms[i];
            if class.interest.atoms & (1 << i) != 0 || left == 0 {
                continue;
            }
            let k = binomial(left, a.size as f64 / room as f64, &mut self.rng);
            left -= k;
            room -= a.size;
            if a.live {
                let o = binomial(k, self.layout.other_share, &mut self.rng);
                other += o;
                empty += k - o;
            } else {
                empty += k;
            }
            if class.closed {
                continue;
            }
            let (seen, incoming) = self.layout.seen(class.home, a.inside, a.dark);
            debug_assert_eq!(seen & class.unseen, 0, "unlooked probes show nobody new");
            self.file_seen(seen, incoming, 0, k);
        }
        debug_assert_eq!(left, 0, "the atoms outside the interest take every probe");
        (other, empty)
    }

    /// [`PopulationCore::split_unlooked`] for a local-preference class: each
    /// atom outside the interest takes the probes by its chance summed
    /// over the class's windows ([`local`]). Returns them as (in live
    /// atoms, elsewhere): the caller splits the first between other live
    /// hosts and none.
    fn split_unlooked_local(&mut self, class: &Class, local: &LocalInterest, n: u64) -> (u64, u64) {
        if n == 0 {
            return (0, 0);
        }
        assert!(
            !self.every_probe,
            "the reference looks at every probe the core counts as delivered"
        );
        let (mut left, mut live, mut lifeless) = (n, 0, 0);
        for i in 0..self.layout.atoms.len() {
            let (chance, room) = (local.unlooked[i], local.unlooked_from[i]);
            if chance == 0.0 || left == 0 {
                continue;
            }
            // The last atom with a chance takes what is left, exactly.
            let k = if chance >= room {
                left
            } else {
                binomial(left, chance / room, &mut self.rng)
            };
            left -= k;
            let a = self.layout.atoms[i];
            if a.live {
                live += k;
            } else {
                lifeless += k;
            }
            if class.closed {
                continue;
            }
            let (seen, incoming) = self.layout.seen(class.home, a.inside, a.dark);
            debug_assert_eq!(seen & class.unseen, 0, "unlooked probes show nobody new");
            self.file_seen(seen, incoming, 0, k);
        }
        debug_assert_eq!(left, 0, "the atoms outside the interest take every probe");
        (live, lifeless)
    }
}
