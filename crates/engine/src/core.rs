//! The outbreak's shared state machine: every simulator of the model (the
//! exact engine, the probe-by-probe reference) runs on this, and differs only
//! in its [`ScanDriver`], the way scanners walk the address space.
//!
//! Owns: the dynamic state of each candidate host, the event queue, what an
//! exploit does to a victim (MODEL.md section 1), and the bookkeeping of
//! probe outcomes and the time series. Knows nothing of how addresses are
//! enumerated.
//!
//! Events are ordered by (time, kind, host): at equal times host events
//! (reboot, back online, worm start) come before scanning, and hosts in id
//! order. That order is the only tie-break, so a run is reproducible.

use std::collections::{BTreeMap, VecDeque};

use rand::RngExt;
use wormscope_model::behaviour::{Behaviour, Crash, FloodAim, FloodDays, FloodTarget, RateLimit};
use wormscope_model::blaster::{self, Guess, Outcome, Timing, Victim, WormStart};
use wormscope_model::defense::{DefensePlan, Draw, NEVER, spoofs_passing, unit_draw};
use wormscope_model::generate::{hit_list, patient_zeros};
use wormscope_model::host::Os;
use wormscope_model::reach::Reach;
use wormscope_model::rng::{self, Purpose};
use wormscope_model::service::Service;
use wormscope_model::site::SiteKind;
use wormscope_model::{HostId, NO_SITE, World};
use wormscope_scenario::{
    BlasterConfig, BlasterScenario, DateCheck, Flaws, HostConfig, PayloadConfig, StopConfig,
    TargetingKind, UserAction, UsersDefense,
};

use crate::churn::Churn;
use crate::heap::{KeyedCalendar, RadixHeap};
use crate::observe::Observer;
use crate::series::{BlasterRow, BlasterRun, Totals};
use wormscope_model::availability::Presence;

/// The numbers a run needs, resolved from the scenario into microseconds.
#[derive(Clone, Debug)]
pub struct Params {
    pub seed: u64,
    pub timing: Timing,
    pub worm: BlasterConfig,
    pub hosts: HostConfig,
    /// Simulated time at which the run stops (exclusive).
    pub end: u64,
    /// Width of one time-series row.
    pub step: u64,
    /// Wall-clock time of simulated time zero, microseconds since 1970.
    pub start_unix_us: i64,
    pub payload: PayloadConfig,
    /// The payload's days, and when the worm reads the date.
    pub flood_days: FloodDays,
    /// Those days over the run, spans of µs (`FloodDays::spans_us`).
    pub flood_spans: Vec<(u64, u64)>,
    /// Users who notice symptoms, when that defense is on.
    pub users: Option<UsersDefense>,
    /// Removal tools: (start, rate per microsecond), when on.
    pub cleanup: Option<(u64, f64)>,
    /// The flood's target: a name (the `flood_target` flaw) or an
    /// address, and when its record is taken down or the site moves.
    pub flood_target: FloodTarget,
    /// When every Blaster instance stops spreading (`[worm.stop] at`;
    /// [`NEVER`]: it never does). Welchia is not held to it.
    pub spread_stop: u64,
    /// A payload that may crash its host every so many probes
    /// (`[worm.stop.crash]`): the host is down for good. Welchia runs none.
    pub payload_crash: Option<Crash>,
    /// Source-address filtering (BCP 38): (start, share of networks).
    pub spoof_filter: Option<(u64, f64)>,
    /// The counter-worm, when on.
    pub welchia: Option<WelchiaParams>,
    /// Blaster's flaws: which are present.
    pub flaws: Flaws,
    /// What limits Blaster's scanning: its batches and wait, or each
    /// host's uplink (`[worm.bandwidth]`; [`BlasterCore::timing_of`]).
    pub rate: RateLimit,
}

/// Welchia's numbers: its release, how many start then, and its scanning
/// as a worm configuration of the same shape as Blaster's.
#[derive(Clone, Debug)]
pub struct WelchiaParams {
    pub release: u64,
    pub initial_infected: u32,
    pub worm: BlasterConfig,
    pub timing: Timing,
}

impl Params {
    pub fn from_scenario(s: &BlasterScenario) -> Params {
        let d = &s.defenses;
        let at = |w: wormscope_scenario::When| w.after_start(s.start).expect("validated scenario");
        let per_us_of_day = 1.0 / (86_400.0 * 1e6);
        let behaviour = Behaviour::blaster(s);
        let timing = *behaviour
            .exploit_chain()
            .expect("Blaster delivers an exploit chain");
        Params {
            seed: s.seed,
            timing,
            flaws: s.flaws.clone(),
            rate: behaviour.rate.clone(),
            worm: s.worm.clone(),
            hosts: s.hosts.clone(),
            end: s.duration.as_micros(),
            step: s.step.as_micros(),
            start_unix_us: s.start.as_microsecond(),
            payload: s.payload.clone(),
            flood_days: FloodDays::blaster(&s.payload),
            flood_spans: FloodDays::blaster(&s.payload).spans_us(s.start, s.duration.as_micros()),
            users: d.users.enabled.then(|| d.users.clone()),
            cleanup: d.cleanup.enabled.then(|| {
                // A share p cleaned per day is the exponential rate -ln(1-p).
                let p = d.cleanup.per_day_pct.as_fraction().min(1.0 - 1e-12);
                (at(d.cleanup.start), -(1.0 - p).ln() * per_us_of_day)
            }),
            // Without the flaw the worm carries the address: no name to
            // take down.
            flood_target: FloodTarget {
                aim: if s.flaws.flood_target {
                    FloodAim::Name
                } else {
                    FloodAim::Address
                },
                taken_down_at: if d.dns_takedown.enabled {
                    at(d.dns_takedown.at)
                } else {
                    NEVER
                },
                moved_at: if d.target_move.enabled {
                    at(d.target_move.at)
                } else {
                    NEVER
                },
            },
            spread_stop: s.worm.stop.at.map_or(NEVER, at),
            payload_crash: behaviour.stop.crash,
            spoof_filter: d.spoof_filter.enabled.then(|| {
                (
                    at(d.spoof_filter.start),
                    d.spoof_filter.coverage_pct.as_fraction(),
                )
            }),
            welchia: s.welchia.enabled.then(|| {
                let w = &s.welchia;
                let worm = BlasterConfig {
                    initial_infected: w.initial_infected,
                    // Welchia sweeps its own way whatever Blaster does.
                    targeting: TargetingKind::Sequential,
                    batch_size: w.batch_size,
                    batch_wait: w.batch_wait,
                    local_start_pct: w.local_start_pct,
                    guess_xp_pct: w.guess_xp_pct,
                    // Welchia was released without one.
                    hit_list: None,
                    // Its removal of itself on 1 January 2004 is not
                    // modelled; Blaster's date is not Welchia's.
                    stop: StopConfig::default(),
                    ..s.worm.clone()
                };
                WelchiaParams {
                    release: at(w.release),
                    initial_infected: w.initial_infected,
                    timing: Timing::with_flaws(&worm, &s.flaws),
                    worm,
                }
            }),
        }
    }

    /// The choices of Blaster's start number `index` (host id and start
    /// count) on a host with address `own_addr`; `boot`: started from the
    /// Run key at boot. With the `start_seed` flaw a boot start is seeded
    /// by its tick count, so hosts that draw the same tick make the same
    /// choices.
    pub fn draw_blaster_start(&self, index: u64, own_addr: u32, boot: bool) -> WormStart {
        let mut rng = rng::ShortStream::new(self.seed, Purpose::WormStart, index);
        if boot && self.flaws.start_seed {
            let f = &self.flaws;
            let (lo, hi) = (f.boot_tick[0].as_micros(), f.boot_tick[1].as_micros());
            let step = f.tick_granularity.as_micros();
            let tick = lo + step * rng.random_range(0..=(hi - lo) / step);
            let mut by_tick = rng::stream(TICK_SEED, Purpose::TickStart, tick);
            blaster::draw_start(&mut by_tick, own_addr, &self.worm)
        } else {
            blaster::draw_start(&mut rng, own_addr, &self.worm)
        }
    }

    /// Whether a worm started at simulated time `t` floods on its days: a
    /// worm that reads the date all the time always does; one that reads
    /// it once, at its start (Blaster, MODEL.md), if that is a flood day
    /// and the target's name resolves then.
    pub fn floods_if_started_at(&self, t: u64) -> bool {
        match self.flood_days.checked {
            DateCheck::Always => true,
            DateCheck::AtStart => {
                let us = self.start_unix_us + t as i64;
                let date = jiff::Timestamp::from_microsecond(us)
                    .expect("simulated times stay within jiff's range")
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date();
                self.flood_days
                    .is_flood_day(date.month() as u8, date.day() as u8)
                    && self.flood_target.reaches_until(t).is_some()
            }
        }
    }

    fn crash_reboot_after(&self, os: Os) -> Option<u64> {
        let h = &self.hosts;
        let after = match os {
            Os::Xp => h.xp_crash_reboot_after,
            Os::W2000 => h.w2000_crash_reboot_after,
            Os::Nt4 => h.nt4_crash_reboot_after,
            Os::W2003 => h.w2003_crash_reboot_after,
            Os::Other => return None,
        };
        after.as_option().map(|d| d.as_micros())
    }
}

/// Where the worm stands on a host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WormState {
    #[default]
    Clean,
    /// Exploited; the body is on its way and the worm will start.
    Pending,
    /// The worm runs and scans.
    Running,
    /// Installed (Run key) but not running: the host is rebooting.
    Dormant,
}

/// The dynamic state of one candidate host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostState {
    pub worm: WormState,
    pub online: bool,
    pub rpc_up: bool,
    /// Bumped at every reboot: events of an earlier life are stale.
    pub life: u32,
    /// Worm starts so far (names each start's random stream).
    pub starts: u32,
    pub ever_infected: bool,
    pub ever_crashed: bool,
    /// Cleaned and patched by its user or a removal tool: immune.
    pub cleaned: bool,
    /// Off the network for good: unplugged by its user, or crashed by the
    /// worm's own payload (`[worm.stop.crash]`; the worm stays on its
    /// disk, dormant).
    pub unplugged: bool,
    /// Its user has seen a symptom already (decides once).
    pub noticed: bool,
    /// `worm` is Welchia's state, not Blaster's: Welchia removed Blaster
    /// and patched the host.
    pub welchia: bool,
    /// Welchia exploited the host and is on its way in.
    pub welchia_pending: bool,
    /// Its running worm has sent the batches its probe limit allows
    /// (`[worm.stop] after_probes`): it runs on without scanning until it
    /// stops; a new start counts afresh.
    pub spent: bool,
    /// Switched off or disconnected by its availability schedule
    /// (`[world.churn]`); `online` is false while it is.
    pub switched_off: bool,
    /// One identity of a mobile machine (`World::partner`) whose machine
    /// is at the other: this state is not the machine's, and this identity
    /// is switched off. The machine's state moves with it (see
    /// [`BlasterCore::move_machine`]).
    pub vacated: bool,
}

impl Default for HostState {
    fn default() -> Self {
        HostState {
            worm: WormState::Clean,
            online: true,
            rpc_up: true,
            life: 0,
            starts: 0,
            ever_infected: false,
            ever_crashed: false,
            cleaned: false,
            unplugged: false,
            noticed: false,
            welchia: false,
            welchia_pending: false,
            spent: false,
            switched_off: false,
            vacated: false,
        }
    }
}

impl HostState {
    fn worm_present(&self) -> bool {
        self.worm != WormState::Clean
    }
}

/// Kinds of events, in their tie-break order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Kind {
    Reboot = 0,
    Online = 1,
    /// The host's availability schedule switches it on or off (never
    /// stale: a day of a host's switches is queued at once, the last one
    /// queueing the next day's).
    Churn = 2,
    /// Something outside the worm acts on the host: a user, a removal
    /// tool, Welchia's release (never stale; the tag says what).
    Act = 3,
    WormStart = 4,
    /// One of the initial hosts sends its next hit-list entry or exploits
    /// one that answered (see [`HitListSender`]).
    HitList = 5,
    /// Scans come last: they are not in the host queue, and a host event
    /// at the same time runs first ([`BlasterCore::next_event`]).
    Scan = 6,
}

/// An event packed into one integer whose order is the event order:
/// time (64 bits), kind (3), host (32), and a 29-bit tag: the host's life
/// when scheduled, which makes events of an earlier life stale; for `Act`
/// the action; for a scan (taken from the scan queue) the driver's key.
/// One integer compares much faster than a tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Event(u128);

impl Event {
    const TAG_BITS: u32 = 29;
    const TAG_MASK: u32 = (1 << Self::TAG_BITS) - 1;

    fn new(t: u64, kind: Kind, host: HostId, tag: u32) -> Event {
        Event(
            (u128::from(t) << 64)
                | (u128::from(kind as u8) << 61)
                | (u128::from(host) << Self::TAG_BITS)
                | u128::from(tag & Self::TAG_MASK),
        )
    }

    fn time(self) -> u64 {
        (self.0 >> 64) as u64
    }

    fn kind(self) -> Kind {
        match (self.0 >> 61) & 7 {
            0 => Kind::Reboot,
            1 => Kind::Online,
            2 => Kind::Churn,
            3 => Kind::Act,
            4 => Kind::WormStart,
            5 => Kind::HitList,
            _ => Kind::Scan,
        }
    }

    fn host(self) -> HostId {
        (self.0 >> Self::TAG_BITS) as u32
    }

    fn tag(self) -> u32 {
        (self.0 as u32) & Self::TAG_MASK
    }
}

/// The fixed seed of the tick-count-to-choices mapping (see
/// [`Purpose::TickStart`]).
const TICK_SEED: u64 = 0x4765_7454_6963_6b43;

/// What an `Act` event does, carried in its tag.
const CLEAN_TAG: u32 = 0;
const UNPLUG_TAG: u32 = 1;
const WELCHIA_RELEASE_TAG: u32 = 2;
/// Blaster's stop date (`Params::spread_stop`): every instance stops
/// spreading. Queued once, under host 0.
const SPREAD_STOP_TAG: u32 = 3;

/// What a `Churn` event carries in its tag: the switch brings the host
/// online (else offline); it is the last queued, so it queues the next;
/// and, in the bits from [`ON_IN_SHIFT`], whole seconds from it to the
/// host's next switch on at the earliest (see [`BlasterCore::next_on`]).
const ONLINE_TAG: u32 = 1;
const REFILL_TAG: u32 = 2;
const ON_IN_SHIFT: u32 = 2;
/// The most seconds a tag holds (about four years: beyond any run).
const ON_IN_MAX: u64 = (1 << (Event::TAG_BITS - ON_IN_SHIFT)) - 1;

/// What one probe found, as a driver looks an address up
/// ([`ScanDriver::look`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing there, or nothing that answers: the probe's outcome.
    Nothing(Outcome),
    /// A host that answers but that the worm cannot change (its outcome
    /// is [`Outcome::NoEffect`]); `slow`: the attempt on it waits for a
    /// connect to time out (its shell port is filtered).
    Static { slow: bool },
    /// A candidate that answered: the exploit's turn.
    Candidate(HostId),
}

/// One of the initial hosts with its share of the hit list
/// (`[worm.hit_list]`): when its worm first starts it sends one entry
/// every `interval`, exploits each candidate that answered a batch's wait
/// after its probe, as a batch of one, and scans only once its share is
/// sent. A stop (a reboot, a cleanup) ends the list: the worm restarting
/// from the Run key does not know it.
#[derive(Clone, Debug)]
struct HitListSender {
    /// The addresses of its entries, in the order it sends them.
    entries: Vec<u32>,
    /// Its next entry (`entries.len()`: done or abandoned).
    next: usize,
    /// When that entry goes out.
    next_at: u64,
    /// The exploit its worm guessed at its first start.
    guess: Guess,
    /// Candidates that answered, waiting for their exploit: (when, victim).
    answered: VecDeque<(u64, HostId)>,
    /// Its worm has started (once is all: see above).
    begun: bool,
    /// Which of its probes a network capacity drops.
    arrivals: rand_chacha::ChaCha8Rng,
}

/// How many upcoming scans [`ScanDriver::prefetch`] hears of.
pub const UPCOMING: usize = 8;

/// How a simulator walks the address space for its scanners. The core
/// calls these; the driver calls back into the core to schedule its next
/// scan event, test answers, exploit and count probes.
pub trait ScanDriver {
    /// A worm instance started on `host` at `t`.
    fn start(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64, start: WormStart);
    /// `host`'s scan event at `t`, scheduled under `key`, fired.
    fn step(&mut self, core: &mut BlasterCore<'_>, host: HostId, key: u32, t: u64);
    /// `host`'s worm stopped at `t` (reboot): account what it did before,
    /// and cancel its scheduled scan event.
    fn stop(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64);
    /// The run ends at `end`: account every running scanner's work.
    fn finish(&mut self, core: &mut BlasterCore<'_>, end: u64);
    /// The scans under these keys are due next, in this order (unless
    /// other events come first; `u32::MAX` names none): a hint to start
    /// loading what they will read. Changes nothing.
    fn prefetch(&self, _core: &BlasterCore<'_>, _upcoming: &[u32; UPCOMING]) {}
    /// Network filters change at `t` (a defense switches on); called before
    /// any event at or after `t`. Drivers that planned ahead on the old
    /// filters replan from `t`.
    fn filters_changed(&mut self, core: &mut BlasterCore<'_>, t: u64);
    /// What a probe of `scanner`'s to `addr` at `t` finds, looked up the
    /// way this driver looks up the addresses it scans (the core sends a
    /// hit list's entries through this). Changes nothing and counts
    /// nothing.
    fn look(&self, core: &BlasterCore<'_>, scanner: HostId, addr: u32, t: u64) -> Found;
}

/// The batches one scanner may still send under its probe limit
/// ([`BlasterCore::batch_budget`]); every driver counts them alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchBudget(Option<u64>);

impl BatchBudget {
    /// No limit.
    pub const UNLIMITED: BatchBudget = BatchBudget(None);

    /// The batches left, if there is a limit.
    #[inline]
    pub fn left(self) -> Option<u64> {
        self.0
    }

    /// `n` more batches were sent.
    #[inline]
    pub fn spend(&mut self, n: u64) {
        if let Some(left) = &mut self.0 {
            debug_assert!(n <= *left, "a scanner sends no batch past its limit");
            *left -= n;
        }
    }

    /// Whether the limit is reached: the scan stops before its next batch.
    #[inline]
    pub fn is_spent(self) -> bool {
        self.0 == Some(0)
    }
}

/// The shared outbreak state.
pub struct BlasterCore<'w> {
    pub world: &'w World,
    pub params: Params,
    /// The run's defenses, drawn once.
    pub plan: DefensePlan,
    state: Vec<HostState>,
    /// One bit per candidate: online with its RPC service up (kept with
    /// `state`; a compact copy, read by every probe that reaches a
    /// candidate).
    up: Vec<u64>,
    /// Per candidate: no event before this time can bring its RPC service
    /// up; 0 while it is up. Set when the host goes down, from what can
    /// bring it back (its reboot's end, its schedule's next switch on), so
    /// that a driver may count a probe to it before then as unanswered
    /// without waiting to look ([`BlasterCore::silent_at`]).
    quiet: Vec<u64>,
    /// Per candidate, under churn: the time of its schedule's next switch
    /// that brings it online, at the earliest, as of its last switch
    /// ([`NEVER`]: none). Empty without churn.
    next_on: Vec<u64>,
    /// Per candidate, under churn: the name of its current (or last)
    /// online stretch ([`Churn::session`]), which names a pool host's
    /// address. Empty without churn.
    session: Vec<u64>,
    /// Worm instances that flood on their days: host and the worm's start.
    flooding: BTreeMap<HostId, u64>,
    /// Host events: reboots, back online, actions, worm starts. An event
    /// of an earlier life of its host is stale and skipped.
    queue: RadixHeap,
    /// The next scan event of each scanning host: at most one, moved or
    /// removed when the scanner replans or stops.
    scans: KeyedCalendar,
    rows: Vec<BlasterRow>,
    totals: Totals,
    /// Current counts, snapshotted into each row at its end.
    infected_now: u64,
    scanning_now: u64,
    /// Blaster's stop date has come (its event, [`SPREAD_STOP_TAG`], comes
    /// before any scan or worm start at that moment, and after reboots and
    /// switches then, which stop their scanners as usual).
    spread_over: bool,
    crashed_now: u64,
    rebooting_now: u64,
    welchia_now: u64,
    next_row: usize,
    events: u64,
    /// Sees every accounted probe and exploit (see [`crate::observe`]).
    observer: Option<&'w mut (dyn Observer + 'w)>,
    /// Candidates' availability schedules, when `[world.churn]` is on.
    churn: Option<Churn>,
    /// Scratch room for a host's upcoming switches and their tags.
    switch_buf: (Vec<(u64, Presence)>, Vec<u32>),
    offline_now: u64,
    /// The initial hosts that send a hit list, by host (empty without one).
    hit_list: BTreeMap<HostId, HitListSender>,
    /// The network's capacity for the worm's probes, in milli-bits per
    /// second (`[worm.bandwidth] capacity_bits_per_second`), when set.
    capacity_mbps: Option<u64>,
    /// What the scanning hosts send together now, in milli-bits per
    /// second (kept with a capacity only; whole numbers, so that adding
    /// and removing a scanner leaves no rounding behind).
    offered_mbps: u64,
    /// With a capacity, per row: the share of probes that arrive over it,
    /// set from the load as the row begins ([`BlasterCore::arriving_share`]).
    arriving: Vec<f64>,
    /// Debug builds: when each candidate's service last came up (0: up
    /// from the start), for drivers to check a probe they counted as
    /// unanswered in advance ([`BlasterCore::was_up_at`]).
    #[cfg(debug_assertions)]
    up_since: Vec<u64>,
}

impl<'w> BlasterCore<'w> {
    pub fn new(world: &'w World, params: Params, plan: DefensePlan) -> BlasterCore<'w> {
        let n_rows = params.end.div_ceil(params.step) as usize;
        let mut core = BlasterCore {
            world,
            plan,
            flooding: BTreeMap::new(),
            state: vec![HostState::default(); world.n_candidates as usize],
            up: vec![!0; (world.n_candidates as usize).div_ceil(64)],
            quiet: vec![0; world.n_candidates as usize],
            next_on: Vec::new(),
            session: Vec::new(),
            queue: RadixHeap::new(),
            scans: KeyedCalendar::new(),
            rows: vec![BlasterRow::default(); n_rows],
            totals: Totals::default(),
            infected_now: 0,
            scanning_now: 0,
            spread_over: false,
            crashed_now: 0,
            rebooting_now: 0,
            welchia_now: 0,
            next_row: 0,
            events: 0,
            observer: None,
            churn: None,
            switch_buf: (Vec::new(), Vec::new()),
            offline_now: 0,
            hit_list: BTreeMap::new(),
            capacity_mbps: params
                .rate
                .capacity_bps()
                .map(|bps| (bps * 1e3).round() as u64),
            offered_mbps: 0,
            arriving: Vec::new(),
            #[cfg(debug_assertions)]
            up_since: vec![0; world.n_candidates as usize],
            params,
        };
        if core.capacity_mbps.is_some() {
            core.arriving = vec![1.0; n_rows];
        }
        core.schedule_welchia();
        if core.params.spread_stop < core.params.end && !core.state.is_empty() {
            core.push(core.params.spread_stop, Kind::Act, 0, SPREAD_STOP_TAG);
        }
        core
    }

    /// The core for a run of `scenario`: its parameters and its defenses,
    /// drawn with its seed.
    pub fn for_scenario(scenario: &BlasterScenario, world: &'w World) -> BlasterCore<'w> {
        let params = Params::from_scenario(scenario);
        let plan = DefensePlan::draw(scenario, world, params.seed);
        let mut core = BlasterCore::new(world, params, plan);
        if let Some(churn) = Churn::for_scenario(scenario, world) {
            core.set_churn(churn);
        }
        core
    }

    /// Candidates come and go on `churn`'s schedules: each is put in its
    /// state at time zero and its first switches are queued. Call before
    /// any host is infected.
    pub fn set_churn(&mut self, churn: Churn) {
        self.next_on = vec![NEVER; self.world.n_candidates as usize];
        self.session = vec![0; self.world.n_candidates as usize];
        // One pass over each schedule: the first switches, whether the
        // host is online at time zero, and its stretch's name then.
        let mut online_at_start = Vec::with_capacity(self.world.n_candidates as usize);
        let mut next = std::mem::take(&mut self.switch_buf.0);
        for host in 0..self.world.n_candidates {
            next.clear();
            let (online, session) = churn.opening(host, &mut next);
            online_at_start.push(online);
            self.session[host as usize] = session;
            self.queue_listed(&churn, host, &next);
        }
        self.switch_buf.0 = next;
        // `offline_now` counts machines: an identity switched off counts
        // one, but a mobile machine's home identity, switched off unless
        // the machine is at home, counts minus one while it is there (its
        // office identity is then switched off).
        for host in 0..self.world.n_candidates {
            let online = online_at_start[host as usize];
            let home = self.world.office_of(host);
            if let Some(office) = home {
                // The office identity holds the machine, unless it starts
                // the run at home.
                let (holder, vacated) = if online {
                    (host, office)
                } else {
                    (office, host)
                };
                self.state[holder as usize].vacated = false;
                self.state[vacated as usize].vacated = true;
                if online {
                    self.offline_now -= 1;
                }
            }
            if !online {
                let s = &mut self.state[host as usize];
                s.online = false;
                s.switched_off = true;
                self.set_down(host, self.next_on(host));
                if home.is_none() {
                    self.offline_now += 1;
                }
            }
        }
        self.churn = Some(churn);
    }

    /// Queues `host`'s switches after `t` (a day's worth, see
    /// [`Churn::upcoming`]), each tagged with whether it brings the host
    /// online ([`ONLINE_TAG`]) and how long until the next that does; the
    /// last also with [`REFILL_TAG`], so that it queues the next ones.
    /// Sets the host's [`BlasterCore::next_on`] as of `t`.
    fn queue_switches(&mut self, host: HostId, t: u64) {
        let Some(churn) = self.churn.take() else {
            return;
        };
        let mut next = std::mem::take(&mut self.switch_buf.0);
        next.clear();
        churn.upcoming(host, t, &mut next);
        self.queue_listed(&churn, host, &next);
        self.switch_buf.0 = next;
        self.churn = Some(churn);
    }

    /// Queues `next`, `host`'s switches as [`Churn::upcoming`] lists them,
    /// as [`BlasterCore::queue_switches`] describes.
    fn queue_listed(&mut self, churn: &Churn, host: HostId, next: &[(u64, Presence)]) {
        let mut tags = std::mem::take(&mut self.switch_buf.1);
        tags.clear();
        let end = self.params.end;
        let kept = next.iter().take_while(|&&(at, _)| at < end).count();
        // The next switch on after the last one kept, at the earliest:
        // none runs after the end; otherwise it comes after the last one
        // listed, if any is.
        let mut on_after = match next[..kept].last() {
            _ if kept < next.len() => end,
            Some(&(last, _)) => last,
            None => NEVER,
        };
        // Walk back so that each switch learns the next one on after it.
        for (i, &(at, presence)) in next[..kept].iter().enumerate().rev() {
            let online = churn.online_in(host, presence);
            let refill = if i + 1 == next.len() { REFILL_TAG } else { 0 };
            let on_in = ((on_after - at) / 1_000_000).min(ON_IN_MAX) as u32;
            tags.push(if online { ONLINE_TAG } else { 0 } | refill | on_in << ON_IN_SHIFT);
            if online {
                on_after = at;
            }
        }
        self.next_on[host as usize] = on_after;
        for (&(at, _), &tag) in next[..kept].iter().zip(tags.iter().rev()) {
            self.push(at, Kind::Churn, host, tag);
        }
        self.switch_buf.1 = tags;
    }

    /// The time of `host`'s next switch on, at the earliest ([`NEVER`]
    /// without churn): nothing in its schedule brings it online before.
    fn next_on(&self, host: HostId) -> u64 {
        self.next_on.get(host as usize).copied().unwrap_or(NEVER)
    }

    /// Infects the scenario's initial hosts at time zero.
    pub fn seed_patient_zeros(&mut self, n: u32) {
        let chosen = patient_zeros(self.world, self.params.seed, n);
        self.seed_hosts(&chosen);
    }

    /// Schedules Welchia's release, if it is on.
    fn schedule_welchia(&mut self) {
        if let Some(w) = &self.params.welchia {
            let (release, n) = (w.release, w.initial_infected);
            let seed = rng::mix(self.params.seed, Purpose::WelchiaRelease as u64);
            for h in patient_zeros(self.world, seed, n) {
                self.push(release, Kind::Act, h, WELCHIA_RELEASE_TAG);
            }
        }
    }

    /// The scanning timings of the worm running on `host`: Welchia's, or
    /// Blaster's with, under `[worm.bandwidth]`, the wait its machine's
    /// uplink takes to carry a batch (drawn from (seed, machine)).
    pub fn timing_of(&self, host: HostId) -> Timing {
        match &self.params.welchia {
            Some(w) if self.state[host as usize].welchia => w.timing,
            _ => {
                let mut timing = self.params.timing;
                let machine = u64::from(self.world.machine(host));
                if let Some(wait) =
                    self.params
                        .rate
                        .batch_wait_us(self.params.seed, machine, timing.batch_size)
                {
                    timing.batch_wait = wait;
                }
                timing
            }
        }
    }

    /// How the worm running on `host` chooses its targets.
    pub fn targeting_of(&self, host: HostId) -> TargetingKind {
        match &self.params.welchia {
            Some(w) if self.state[host as usize].welchia => w.worm.targeting,
            _ => self.params.worm.targeting,
        }
    }

    /// Welchia starts on `host` at its release.
    fn on_welchia_release(&mut self, host: HostId, t: u64) {
        let s = &mut self.state[host as usize];
        if s.unplugged || s.welchia || s.welchia_pending {
            return;
        }
        s.welchia_pending = true;
        let life = s.life;
        self.push(t, Kind::WormStart, host, life);
    }

    /// Welchia takes over `host` (its Blaster scanner, if any, already
    /// stopped): Blaster is removed, the host patched, Welchia installed.
    fn convert_to_welchia(&mut self, host: HostId, t: u64) {
        let s = self.state[host as usize];
        if !s.welchia && matches!(s.worm, WormState::Running | WormState::Dormant) {
            self.infected_now -= 1;
            self.totals.cleaned += 1;
            self.row_at(t).cleaned += 1;
        }
        let s = &mut self.state[host as usize];
        s.welchia = true;
        s.welchia_pending = false;
        s.worm = WormState::Dormant;
        self.welchia_now += 1;
        self.totals.welchia_infections += 1;
    }

    /// Infects the given candidate hosts at time zero. With a hit list,
    /// its entries are dealt among them in turn, in the order given.
    pub fn seed_hosts(&mut self, hosts: &[HostId]) {
        let mut seeded = Vec::with_capacity(hosts.len());
        for &h in hosts {
            let h = self.holder(h);
            let s = &mut self.state[h as usize];
            s.worm = WormState::Pending;
            let life = s.life;
            self.push(0, Kind::WormStart, h, life);
            seeded.push(h);
        }
        self.deal_hit_list(&seeded);
    }

    /// Draws the hit list, if the worm has one, and deals its entries
    /// among the `senders`: the addresses where the worm's author found
    /// its hosts (where scans find them: a pool host's session address is
    /// only its source address, see `churn.rs`).
    fn deal_hit_list(&mut self, senders: &[HostId]) {
        let Some(list) = &self.params.worm.hit_list else {
            return;
        };
        if senders.is_empty() {
            return;
        }
        let hosts = hit_list(self.world, self.params.seed, list.hosts, senders);
        for (i, &sender) in senders.iter().enumerate() {
            let entries: Vec<u32> = hosts
                .iter()
                .skip(i)
                .step_by(senders.len())
                .map(|&h| self.world.public_addr(self.world.host(h)))
                .collect();
            self.hit_list.entry(sender).or_insert(HitListSender {
                entries,
                next: 0,
                next_at: 0,
                guess: Guess::Xp,
                answered: VecDeque::new(),
                begun: false,
                arrivals: rng::stream(
                    self.params.seed,
                    Purpose::HitListArrivals,
                    u64::from(sender),
                ),
            });
        }
    }

    /// Time between two entries of one sender's hit list.
    fn hit_list_interval(&self) -> u64 {
        self.params.worm.hit_list.as_ref().map_or(0, |list| {
            ((1e6 / list.probes_per_second).round() as u64).max(1)
        })
    }

    /// `host`'s worm starts at `t` with `guess`: if it is a hit-list sender
    /// starting for the first time, its list begins. Returns how long its
    /// share takes to send: its scanning starts after.
    fn begin_hit_list(&mut self, host: HostId, t: u64, guess: Guess) -> u64 {
        let interval = self.hit_list_interval();
        let life = self.state[host as usize].life;
        let Some(sender) = self.hit_list.get_mut(&host).filter(|s| !s.begun) else {
            return 0;
        };
        sender.begun = true;
        sender.guess = guess;
        sender.next_at = t.saturating_add(interval);
        let share = sender.entries.len() as u64;
        if share > 0 {
            let at = sender.next_at;
            self.push(at, Kind::HitList, host, life);
        }
        share.saturating_mul(interval)
    }

    /// `host`'s hit-list event at `t`: it exploits the candidates whose
    /// turn has come, then sends its next entry if that is due, and
    /// queues its next event.
    fn on_hit_list(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = self.state[host as usize];
        if s.worm != WormState::Running || s.welchia {
            return; // stopped: `stop_worm` ended the list
        }
        let Some(mut sender) = self.hit_list.remove(&host) else {
            return;
        };
        while let Some(&(at, victim)) = sender.answered.front()
            && at <= t
        {
            sender.answered.pop_front();
            self.exploit(host, sender.guess, victim, at);
        }
        if sender.next < sender.entries.len() && sender.next_at <= t {
            let addr = sender.entries[sender.next];
            sender.next += 1;
            sender.next_at = sender.next_at.saturating_add(self.hit_list_interval());
            self.count_probes(t, 1);
            // Every entry is a public address: the probe crosses the
            // network, whose capacity may drop it.
            let arrived = self.arrives(t, &mut sender.arrivals);
            if !arrived {
                self.count_dropped(t, 1);
            }
            if let Some(o) = self.observer() {
                if arrived {
                    o.probe(host, addr, t);
                } else {
                    o.dropped(host, addr, t);
                }
            }
            match arrived.then(|| driver.look(self, host, addr, t)) {
                None => {}
                Some(Found::Nothing(outcome)) => self.count(outcome, 1),
                Some(Found::Static { .. }) => self.count(Outcome::NoEffect, 1),
                Some(Found::Candidate(victim)) => {
                    let at = t.saturating_add(self.timing_of(host).batch_wait);
                    sender.answered.push_back((at, victim));
                }
            }
        }
        let next_entry = (sender.next < sender.entries.len()).then_some(sender.next_at);
        let next_exploit = sender.answered.front().map(|&(at, _)| at);
        if let Some(at) = next_entry.into_iter().chain(next_exploit).min() {
            let life = self.state[host as usize].life;
            self.push(at, Kind::HitList, host, life);
        }
        self.hit_list.insert(host, sender);
    }

    /// Ends `host`'s hit list, if it sends one: the entries not sent are
    /// never sent; the candidates that answered and wait for their exploit
    /// are left unresolved, as a driver leaves a stopped scanner's.
    fn end_hit_list(&mut self, host: HostId) {
        let Some(sender) = self.hit_list.get_mut(&host) else {
            return;
        };
        sender.next = sender.entries.len();
        let left = sender.answered.len() as u64;
        sender.answered.clear();
        self.count(Outcome::Unresolved, left);
    }

    /// Installs an observer for the run (see [`crate::observe`]).
    pub fn observe_with(&mut self, observer: &'w mut (dyn Observer + 'w)) {
        observer.defenses(&self.plan);
        self.observer = Some(observer);
    }

    /// The observer, if one is installed (drivers report to it).
    #[inline]
    pub fn observer(&mut self) -> Option<&mut (dyn Observer + 'w)> {
        self.observer.as_deref_mut()
    }

    pub fn state(&self, host: HostId) -> &HostState {
        &self.state[host as usize]
    }

    /// The identity that holds `host`'s machine: its partner if `host` is
    /// a mobile machine's identity whose machine is at the other one.
    /// What acts on a machine (its user, a removal tool, Welchia's
    /// release) acts there.
    pub fn holder(&self, host: HostId) -> HostId {
        if self.state[host as usize].vacated {
            self.world
                .partner(host)
                .expect("only a mobile machine's identity is vacated")
        } else {
            host
        }
    }

    /// Schedules `host`'s next scan event under `key`, a number the
    /// driver chooses for the scanner (its slot; the reference uses the
    /// host) and gets back when the event fires. Replaces the event
    /// scheduled under `key` before, if any.
    pub fn schedule_scan(&mut self, host: HostId, key: u32, t: u64) {
        self.scans.set(key, host, t);
    }

    /// Removes the scan event scheduled under `key` (the driver replans
    /// it, or the worm stopped).
    pub fn cancel_scan(&mut self, key: u32) {
        self.scans.remove(key);
    }

    /// Scan events waiting: one per running worm (but the one whose event
    /// is being run).
    pub fn pending_scans(&self) -> usize {
        self.scans.len()
    }

    /// Reachability now, under this run's defenses.
    pub fn reach(&self) -> Reach<'_> {
        Reach {
            world: self.world,
            plan: &self.plan,
        }
    }

    /// Queues a host event. Times saturate: an event past the end of
    /// simulated time never runs.
    fn push(&mut self, t: u64, kind: Kind, host: HostId, life: u32) {
        debug_assert!(kind != Kind::Scan, "scans have their own queue");
        self.queue.push(Event::new(t, kind, host, life).0);
    }

    /// The next event in (time, kind, host) order: a host event before a
    /// scan at the same time, since scans are the last kind. `limit`: no
    /// scan after it can run before something else happens (a filter
    /// change, the end), so the scan queue need not look past it.
    #[inline]
    fn next_event(&mut self, limit: u64) -> Option<Event> {
        let host_event = self.queue.peek().map(Event);
        let limit = host_event.map_or(limit, |e| e.time().min(limit));
        match (host_event, self.scans.peek_until(limit)) {
            (Some(e), Some((t, _, _))) if e.time() <= t => Some(e),
            (_, Some((t, host, key))) => Some(Event::new(t, Kind::Scan, host, key)),
            (e, None) => e,
        }
    }

    /// Runs events until the end time, then lets the driver account what
    /// is still under way.
    pub fn run(&mut self, driver: &mut impl ScanDriver, progress: &mut dyn FnMut(u64)) {
        let end = self.params.end;
        let mut changes = self.plan.filter_changes().into_iter().peekable();
        let mut since_progress = 0u32;
        while let Some(event) = self.next_event(changes.peek().map_or(end, |&c| c.min(end))) {
            let (t, kind, host, tag) = (event.time(), event.kind(), event.host(), event.tag());
            if let Some(change) = changes.next_if(|&c| c <= t.min(end)) {
                self.close_rows_before(change);
                driver.filters_changed(self, change);
                continue;
            }
            if t >= end {
                break;
            }
            if kind == Kind::Scan {
                self.scans.pop();
                driver.prefetch(self, &self.scans.upcoming());
                if let Some(e) = self.queue.peek() {
                    self.prefetch_host(Event(e).host());
                }
                debug_assert_eq!(
                    self.state[host as usize].worm,
                    WormState::Running,
                    "a stopped worm's scan was cancelled"
                );
            } else {
                self.queue.pop();
                if let Some(e) = self.queue.peek() {
                    self.prefetch_host(Event(e).host());
                }
                let s = &self.state[host as usize];
                let current = if matches!(kind, Kind::Act | Kind::Churn) {
                    tag
                } else {
                    s.life & Event::TAG_MASK
                };
                if tag != current {
                    continue; // scheduled in an earlier life of the host
                }
            }
            self.events += 1;
            self.close_rows_before(t);
            since_progress += 1;
            if since_progress == 1 << 16 {
                since_progress = 0;
                progress(t);
            }
            match kind {
                Kind::Reboot => self.on_reboot(driver, host, t),
                Kind::Online => self.on_online(host, t),
                Kind::Churn => self.on_churn(driver, host, t, tag),
                Kind::Act if tag == WELCHIA_RELEASE_TAG => {
                    self.on_welchia_release(self.holder(host), t);
                }
                Kind::Act if tag == SPREAD_STOP_TAG => self.on_spread_stop(driver, t),
                Kind::Act => self.on_clean(driver, self.holder(host), t, tag),
                Kind::WormStart => self.on_worm_start(driver, host, t),
                Kind::HitList => self.on_hit_list(driver, host, t),
                Kind::Scan => driver.step(self, host, tag, t),
            }
        }
        driver.finish(self, end);
        let senders: Vec<HostId> = self.hit_list.keys().copied().collect();
        for host in senders {
            self.end_hit_list(host);
        }
        let flooding = std::mem::take(&mut self.flooding);
        for (host, since) in flooding {
            self.account_flood(host, since, end);
        }
        self.close_rows_before(end);
        progress(end);
    }

    /// Snapshots the current counts into every row that ends at or before
    /// `t`.
    fn close_rows_before(&mut self, t: u64) {
        let step = self.params.step;
        while self.next_row < self.rows.len() && (self.next_row as u64 + 1) * step <= t {
            let row = &mut self.rows[self.next_row];
            row.infected = self.infected_now;
            row.scanning = self.scanning_now;
            row.crashed = self.crashed_now;
            row.rebooting = self.rebooting_now;
            row.welchia = self.welchia_now;
            row.offline = self.offline_now;
            self.next_row += 1;
            if let Some(share) = self.arriving.get_mut(self.next_row) {
                *share = Self::share_of(self.capacity_mbps, self.offered_mbps);
            }
        }
    }

    /// The share of probes that arrive when `offered` is sent against
    /// `capacity` (both in milli-bits per second).
    fn share_of(capacity: Option<u64>, offered: u64) -> f64 {
        match capacity {
            Some(c) if offered > c => c as f64 / offered as f64,
            _ => 1.0,
        }
    }

    /// The share of the probes sent at `t` that a network capacity lets
    /// arrive (1 without one): capacity / offered over the row holding
    /// `t`, the load taken as the row begins (with the host events of that
    /// moment, [`BlasterCore::offer`]). A probe is only ever accounted at
    /// or after its time, so the row has begun: its share was set then,
    /// or, for a row no event has reached yet, the load has not changed
    /// since the last event.
    pub fn arriving_share(&self, t: u64) -> f64 {
        if self.arriving.is_empty() {
            return 1.0;
        }
        let row = (t / self.params.step) as usize;
        if row <= self.next_row {
            self.arriving[row]
        } else {
            Self::share_of(self.capacity_mbps, self.offered_mbps)
        }
    }

    /// Whether a probe sent at `t` arrives, drawn from `rng` (nothing is
    /// drawn when every probe arrives).
    pub fn arrives(&self, t: u64, rng: &mut rand_chacha::ChaCha8Rng) -> bool {
        crate::draws::arrives(self.arriving_share(t), rng)
    }

    /// Whether the run has a network capacity (drivers then draw which of
    /// their probes arrive).
    pub fn has_capacity(&self) -> bool {
        !self.arriving.is_empty()
    }

    /// `host` starts (`on`) or stops sending probes at `t`: the load on
    /// the network's capacity changes by its uplink's full rate (its
    /// exploits' pauses are not taken off). A change by a host event at a
    /// row's very start counts for that row: such events come before any
    /// probe of that moment is accounted (scans are the last kind), so
    /// the initial hosts, starting at 0, load the first row.
    /// `at_host_event` is false for a change a scan makes (its probe
    /// limit, [`BlasterCore::scan_spent`]): probes of that moment may
    /// have been accounted, and it counts from the next row.
    fn offer(&mut self, host: HostId, on: bool, t: u64, at_host_event: bool) {
        if self.capacity_mbps.is_none() {
            return;
        }
        let timing = self.timing_of(host);
        let bits = self.params.rate.packet_bits().unwrap_or(0) * u64::from(timing.batch_size);
        let mbps = (bits as f64 * 1e9 / timing.batch_wait.max(1) as f64).round() as u64;
        if on {
            self.offered_mbps += mbps;
        } else {
            self.offered_mbps -= mbps;
        }
        let row = self.next_row;
        if at_host_event && t == row as u64 * self.params.step && row < self.arriving.len() {
            self.arriving[row] = Self::share_of(self.capacity_mbps, self.offered_mbps);
        }
    }

    fn row_at(&mut self, t: u64) -> &mut BlasterRow {
        let i = (t / self.params.step) as usize;
        &mut self.rows[i]
    }

    fn on_worm_start(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = self.state[host as usize];
        if s.online && s.welchia_pending {
            if s.worm == WormState::Running {
                self.stop_worm(driver, host, t);
            }
            self.convert_to_welchia(host, t);
        }
        let s = &mut self.state[host as usize];
        if !s.online || !matches!(s.worm, WormState::Pending | WormState::Dormant) {
            return;
        }
        if s.welchia {
            self.start_welchia(driver, host, t);
            return;
        }
        let boot_start = s.worm == WormState::Dormant;
        if s.worm == WormState::Pending {
            self.infected_now += 1;
            self.totals.infections += 1;
            if !s.ever_infected {
                s.ever_infected = true;
                self.totals.ever_infected += 1;
            }
            self.row_at(t).new_infections += 1;
            self.start_removal_clock(host, t);
        }
        let s = &mut self.state[host as usize];
        s.worm = WormState::Running;
        s.spent = false;
        let index = (u64::from(host) << 32) | u64::from(s.starts);
        s.starts += 1;
        // The name is resolved once, when the flood starts (MODEL.md): now,
        // for a worm that reads the date now; else at each run of flood
        // days (`account_flood`).
        if self.params.floods_if_started_at(t) {
            self.flooding.insert(host, t);
        }
        let own = self.own_address(host, t);
        if let Some(o) = self.observer() {
            o.worm_start(host, t);
        }
        if self.spread_over {
            // Past its stop date the worm runs (and floods on its dates)
            // but sends no probe.
            return;
        }
        self.scanning_now += 1;
        self.offer(host, true, t, true);
        let start = self.params.draw_blaster_start(index, own, boot_start);
        let listing = if self.hit_list.is_empty() {
            0
        } else {
            self.begin_hit_list(host, t, start.guess)
        };
        driver.start(self, host, t.saturating_add(listing), start);
    }

    /// The address `host` has at `t` on its own interface: the world's,
    /// or under churn a pool host's address for this session, which it
    /// scans from and sensors see (the observer hears of it here).
    fn own_address(&mut self, host: HostId, t: u64) -> u32 {
        let addr = self.session_address(host);
        if let Some(churn) = self.churn.as_ref().filter(|c| c.moves(host)) {
            let home = self.world.host(host).addr;
            debug_assert_eq!(addr, churn.address(host, home, t), "the session's address");
            if let Some(o) = self.observer() {
                o.address(host, addr, t);
            }
        }
        addr
    }

    /// The address `host` has on its own interface in its current session
    /// (see [`BlasterCore::own_address`]): where a local-preference scan draws
    /// around.
    pub fn session_address(&self, host: HostId) -> u32 {
        let home = self.world.host(host).addr;
        match self.churn.as_ref().filter(|c| c.moves(host)) {
            Some(churn) => churn.address_in(host, home, self.session[host as usize]),
            None => home,
        }
    }

    /// The removal tools' clock of a host the worm just installed itself
    /// on: one per installation, not per start, so that a host whose worm
    /// restarts many times (reboot loops) is cleaned at the scenario's rate
    /// like any other. Memoryless: the time to cleaning counts from the
    /// installation (or from the tools' release).
    fn start_removal_clock(&mut self, host: HostId, t: u64) {
        let Some((start, rate)) = self.params.cleanup else {
            return;
        };
        let machine = self.world.machine(host);
        let u = unit_draw(self.params.seed, Draw::Cleanup, u64::from(machine));
        let wait = (-(1.0 - u).ln() / rate).min(u64::MAX as f64 / 2.0) as u64;
        self.push(
            t.max(start).saturating_add(wait),
            Kind::Act,
            host,
            CLEAN_TAG,
        );
    }

    fn start_welchia(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = &mut self.state[host as usize];
        s.worm = WormState::Running;
        let index = (u64::from(host) << 32) | u64::from(s.starts);
        s.starts += 1;
        let own = self.own_address(host, t);
        let cfg = &self.params.welchia.as_ref().expect("Welchia is on").worm;
        let mut rng = rng::ShortStream::new(self.params.seed, Purpose::WormStart, index);
        let start = blaster::draw_start(&mut rng, own, cfg);
        if let Some(o) = self.observer() {
            o.counter_worm_start(host, t);
        }
        driver.start(self, host, t, start);
    }

    /// Stops `host`'s running worm at `t`: its scanning (unless its stop
    /// date ended that already) and its flood.
    fn stop_worm(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = self.state[host as usize];
        if s.welchia || !(self.spread_over || s.spent) {
            self.stop_scanning(driver, host, t);
        }
        self.end_worm_run(host, t);
    }

    /// What ends with a running worm besides its scan: the observer hears
    /// of it, and its flood stops.
    fn end_worm_run(&mut self, host: HostId, t: u64) {
        if let Some(o) = self.observer() {
            o.worm_stop(host, t);
        }
        if let Some(since) = self.flooding.remove(&host) {
            self.account_flood(host, since, t);
        }
    }

    /// The batches the worm running on `host` may send before it stops
    /// spreading: its probe limit (`[worm.stop] after_probes`) or the
    /// cycle whose payload crashes the host (`[worm.stop.crash]`), the
    /// earlier, rounded up to whole batches (both are checked between
    /// batches). Welchia has no limit. Asked when the scan starts.
    pub fn batch_budget(&self, host: HostId) -> BatchBudget {
        if self.state[host as usize].welchia {
            return BatchBudget::UNLIMITED;
        }
        let (limit, crash) = self.stop_batches(host);
        BatchBudget(match (limit, crash) {
            (Some(l), Some(c)) => Some(l.min(c)),
            (l, c) => l.or(c),
        })
    }

    /// The batches of the running instance on `host` up to its probe
    /// limit, and up to the cycle whose payload crashes the host; `None`:
    /// no such end. The crash is drawn for the instance, from (seed, host,
    /// its start), so every driver crashes it at the same batch and a new
    /// start draws afresh.
    fn stop_batches(&self, host: HostId) -> (Option<u64>, Option<u64>) {
        let b = u64::from(self.params.timing.batch_size.max(1));
        let limit = self.params.worm.stop.after_probes.map(|n| n.div_ceil(b));
        let crash = self.params.payload_crash.and_then(|c| {
            let start = self.state[host as usize].starts.saturating_sub(1);
            let index = (u64::from(host) << 32) | u64::from(start);
            c.probes_before(rng::ShortStream::new(self.params.seed, Purpose::Crash, index).random())
                .map(|n| n.div_ceil(b))
        });
        (limit, crash)
    }

    /// `host`'s scan has sent the last batch its budget allows, and now
    /// (`t`, an event of the driver's, when the next batch would start) it
    /// stops; the driver has freed it. Past a probe limit the worm runs
    /// on, and floods on its dates; if the payload crashed the host
    /// ([`BlasterCore::payload_crash`]), it is down for good.
    pub fn scan_spent(&mut self, host: HostId, t: u64) {
        debug_assert!(!self.state[host as usize].welchia);
        self.state[host as usize].spent = true;
        self.end_hit_list(host);
        self.scanning_now -= 1;
        self.offer(host, false, t, false);
        if let (limit, Some(crash)) = self.stop_batches(host)
            && limit.is_none_or(|l| crash <= l)
        {
            self.payload_crash(host, t);
        }
    }

    /// The worm's payload crashes `host` at `t` (Witty's writes to its
    /// disks, in a Blaster world): its worm stops (the flood too) and the
    /// host is off the network for good, with the worm dormant on its
    /// disk. It still counts as infected, as a population scenario's
    /// crashed host does; it neither scans nor answers, and no user or
    /// removal tool reaches it.
    fn payload_crash(&mut self, host: HostId, t: u64) {
        self.end_worm_run(host, t);
        if self.state[host as usize].welchia_pending {
            // Welchia was on its way in: as at any going down, it
            // installed itself first.
            self.convert_to_welchia(host, t);
        }
        let s = &mut self.state[host as usize];
        if s.worm == WormState::Running {
            s.worm = WormState::Dormant;
        }
        self.totals.payload_crashes += 1;
        self.take_off_for_good(host);
    }

    /// Ends `host`'s scan and any hit list it is sending at `t`.
    fn stop_scanning(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        driver.stop(self, host, t);
        self.end_hit_list(host);
        if !self.state[host as usize].welchia {
            self.scanning_now -= 1;
            self.offer(host, false, t, true);
        }
    }

    /// Blaster's stop date: every running instance stops spreading. Each
    /// stays installed, floods on its own dates and keeps its host
    /// infected; a start after this runs but does not spread.
    fn on_spread_stop(&mut self, driver: &mut impl ScanDriver, t: u64) {
        self.spread_over = true;
        for host in 0..self.state.len() as HostId {
            let s = self.state[host as usize];
            if s.worm == WormState::Running && !s.welchia && !s.spent {
                self.stop_scanning(driver, host, t);
            }
        }
    }

    fn on_reboot(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        if !self.state[host as usize].rpc_up {
            self.crashed_now -= 1;
        }
        let back = t.saturating_add(self.params.hosts.reboot_duration.as_micros());
        // Back when the reboot ends, or switched off and on before.
        self.take_down(driver, host, t, back.min(self.next_on(host)));
        let life = self.state[host as usize].life;
        self.rebooting_now += 1;
        self.totals.reboots += 1;
        self.row_at(t).reboots += 1;
        self.push(back, Kind::Online, host, life);
    }

    /// `host`'s availability schedule switches at `t`: it goes offline
    /// (like the start of a reboot, without a symptom or a way back of its
    /// own) or comes back (like a reboot's end: an installed worm starts
    /// from the Run key). The next switch is queued.
    fn on_churn(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64, tag: u32) {
        if tag & REFILL_TAG != 0 {
            self.queue_switches(host, t);
        } else {
            let on_in = u64::from(tag >> ON_IN_SHIFT);
            self.next_on[host as usize] = t.saturating_add(on_in * 1_000_000);
        }
        let online = tag & ONLINE_TAG != 0;
        if online && let Some(churn) = &self.churn {
            // A stretch online begins: it names the host's address.
            self.session[host as usize] = churn.session_at(t);
        }
        let s = self.state[host as usize];
        if self.state[self.holder(host) as usize].unplugged || online != s.switched_off {
            // Taken off for good, or a switch between two offline states
            // (a mobile machine's office identity when it leaves for home
            // after work).
            return;
        }
        if online {
            self.move_machine(driver, host, t);
            self.state[host as usize].switched_off = false;
            self.offline_now -= 1;
            self.come_up(host, t);
            return;
        }
        self.switch_off(driver, host, t);
    }

    /// `host` (online or rebooting) is switched off at `t`.
    fn switch_off(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = self.state[host as usize];
        if !s.online {
            // Rebooting: taking it down cancels the reboot's end.
            self.rebooting_now -= 1;
        } else if !s.rpc_up {
            self.crashed_now -= 1;
        }
        self.take_down(driver, host, t, self.next_on(host));
        self.state[host as usize].switched_off = true;
        self.offline_now += 1;
    }

    /// A mobile machine comes online as identity `to` at `t`: its state
    /// (the worm installed or not, what it has been through, what was
    /// done to it) moves there from the other identity, which goes off
    /// the network first if it is still on it (its schedule switched
    /// straight from one place to the other, and `to`'s switch ran
    /// first). Nothing to do for any other host.
    fn move_machine(&mut self, driver: &mut impl ScanDriver, to: HostId, t: u64) {
        if !self.state[to as usize].vacated {
            return;
        }
        let from = self.holder(to);
        if !self.state[from as usize].switched_off {
            self.switch_off(driver, from, t);
        }
        // Switched off, its worm is dormant (installed) or gone. The
        // machine's state moves; the identity's own (whether it is on the
        // network, its lives and worm starts) stays.
        let f = self.state[from as usize];
        let s = &mut self.state[to as usize];
        *s = HostState {
            online: s.online,
            rpc_up: s.rpc_up,
            life: s.life,
            starts: s.starts,
            switched_off: s.switched_off,
            vacated: false,
            ..f
        };
        let f = &mut self.state[from as usize];
        f.worm = WormState::Clean;
        f.welchia_pending = false;
        f.vacated = true;
    }

    /// `host` goes off the network at `t` (a reboot, or switched off): its
    /// worm stops, one installed (Run key) stays dormant, a body on its way
    /// is lost, and the events of this life of the host are cancelled. The
    /// callers count what it was (crashed, rebooting) and what it becomes,
    /// and say when it can be `back` at the earliest.
    fn take_down(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64, back: u64) {
        let s = self.state[host as usize];
        if s.worm == WormState::Running {
            self.stop_worm(driver, host, t);
        }
        if s.welchia_pending {
            // Welchia was on its way in: it installed itself before the
            // host went down and starts after it comes back.
            self.convert_to_welchia(host, t);
        }
        let s = &mut self.state[host as usize];
        s.worm = match s.worm {
            WormState::Running | WormState::Dormant => WormState::Dormant,
            // The body was on its way but never ran: no Run key yet.
            WormState::Pending | WormState::Clean => WormState::Clean,
        };
        s.online = false;
        s.rpc_up = false;
        s.life += 1;
        self.set_down(host, back);
    }

    fn on_online(&mut self, host: HostId, t: u64) {
        self.rebooting_now -= 1;
        self.come_up(host, t);
    }

    /// `host` is back online with its RPC service up (after a reboot, or
    /// switched on): a worm installed on it starts from the Run key, and so
    /// does a patient zero's that was offline at the start (still pending;
    /// a host that goes down loses a pending body otherwise).
    fn come_up(&mut self, host: HostId, t: u64) {
        if self.state[host as usize].welchia_pending {
            // Released onto the host while it was rebooting.
            self.convert_to_welchia(host, t);
        }
        self.set_up(host);
        #[cfg(debug_assertions)]
        {
            self.up_since[host as usize] = t;
        }
        let s = &mut self.state[host as usize];
        s.online = true;
        s.rpc_up = true;
        if matches!(s.worm, WormState::Dormant | WormState::Pending) {
            let life = s.life;
            let at = t.saturating_add(self.params.worm.start_after_boot.as_micros());
            self.push(at, Kind::WormStart, host, life);
        }
    }

    /// A user (or a removal tool) acts on `host`: `CLEAN_TAG` removes the
    /// worm and installs the patch; `UNPLUG_TAG` takes the host off the
    /// network for good.
    fn on_clean(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64, action: u32) {
        let s = self.state[host as usize];
        if s.unplugged || s.welchia || (s.cleaned && action == CLEAN_TAG) {
            return;
        }
        if s.worm == WormState::Running {
            self.stop_worm(driver, host, t);
        }
        if s.worm != WormState::Clean {
            if matches!(s.worm, WormState::Running | WormState::Dormant) {
                self.infected_now -= 1;
            }
            self.totals.cleaned += 1;
            self.row_at(t).cleaned += 1;
        }
        let s = &mut self.state[host as usize];
        s.worm = WormState::Clean;
        s.cleaned = true;
        if action == UNPLUG_TAG {
            self.take_off_for_good(host);
        }
    }

    /// `host` leaves the network for good (unplugged, or crashed by the
    /// worm's payload): it leaves the count it was in (crashed, switched
    /// off, rebooting), and the events of its life are cancelled.
    fn take_off_for_good(&mut self, host: HostId) {
        let s = &mut self.state[host as usize];
        if s.online && !s.rpc_up {
            self.crashed_now -= 1;
        }
        if s.switched_off {
            s.switched_off = false;
            self.offline_now -= 1;
        } else if !s.online {
            self.rebooting_now -= 1;
        }
        s.unplugged = true;
        s.online = false;
        s.life += 1;
        self.set_down(host, NEVER);
    }

    /// The host's user sees a symptom at `t` (its RPC service crashed):
    /// the first time, decides whether and when to act.
    fn symptom(&mut self, host: HostId, t: u64) {
        let Some(users) = &self.params.users else {
            return;
        };
        let s = &mut self.state[host as usize];
        if s.noticed {
            return;
        }
        s.noticed = true;
        let machine = self.world.machine(host);
        if unit_draw(self.params.seed, Draw::UserNotices, u64::from(machine))
            < users.notice_pct.as_fraction()
        {
            self.totals.noticed += 1;
            let action = match users.action {
                UserAction::Clean => CLEAN_TAG,
                UserAction::Unplug => UNPLUG_TAG,
            };
            let at = t.saturating_add(users.delay.as_micros());
            self.push(at, Kind::Act, host, action);
        }
    }

    /// `host`'s RPC service is up: it answers.
    fn set_up(&mut self, host: HostId) {
        self.up[host as usize / 64] |= 1 << (host % 64);
        self.quiet[host as usize] = 0;
    }

    /// `host`'s RPC service is down (crashed, or the host is off the
    /// network), and no event before `until` can bring it up.
    fn set_down(&mut self, host: HostId, until: u64) {
        self.up[host as usize / 64] &= !(1 << (host % 64));
        self.quiet[host as usize] = until;
    }

    /// Whether candidate `victim`, which the network lets a probe to
    /// 135/tcp reach at `t` (a driver's view and its filters say so), answers
    /// it: the host is online with its RPC service up, and its own firewall
    /// is not up yet. [`BlasterCore::answers`] with the network already asked.
    /// Starts loading what an event of candidate `host` (or a probe that
    /// reaches it) reads.
    #[inline]
    pub fn prefetch_host(&self, host: HostId) {
        if let Some(s) = self.state.get(host as usize) {
            wormscope_model::view::prefetch(s);
            wormscope_model::view::prefetch(&self.up[host as usize / 64]);
            wormscope_model::view::prefetch(self.world.host(host));
        }
    }

    #[inline]
    pub fn answers_reached(&self, victim: HostId, t: u64) -> bool {
        self.up[victim as usize / 64] >> (victim % 64) & 1 == 1 && self.plan.firewall_at(victim) > t
    }

    /// Whether candidate `host` will never answer a probe again in this
    /// run, whatever happens, as of `t`: no event before the run's end can
    /// bring its service up (it was taken off the network for good, its
    /// RPC service crashed on an OS that does not reboot by itself and its
    /// schedule never switches it on again, ...), or its own firewall is
    /// up. A driver may then count probes to it as silent without looking.
    pub fn never_answers(&self, host: HostId, t: u64) -> bool {
        self.quiet[host as usize] >= self.params.end || self.plan.firewall_at(host) <= t
    }

    /// Whether candidate `host` surely does not answer a probe that comes
    /// at `t`, as far as can be told now (before `t`): its service is down
    /// and nothing can bring it up before `t` has passed, or its own
    /// firewall is up by then. A driver may count such a probe as silent
    /// when it plans it instead of looking when it comes.
    #[inline]
    pub fn silent_at(&self, host: HostId, t: u64) -> bool {
        // The compact bit first: most candidates a scan meets are up, and
        // their `quiet` (0) need not be fetched.
        let up = self.up[host as usize / 64] >> (host % 64) & 1 == 1;
        (!up && self.quiet[host as usize] > t) || self.plan.firewall_at(host) <= t
    }

    /// Debug builds: whether candidate `host`'s service is up now and has
    /// been since `t` or before, with its own firewall not up at `t`, so
    /// that a probe at `t` would have found it answering (a driver that
    /// counted one as unanswered in advance erred). The negation of
    /// [`BlasterCore::silent_at`] as it would have read at `t`.
    #[cfg(debug_assertions)]
    pub fn was_up_at(&self, host: HostId, t: u64) -> bool {
        let up = self.up[host as usize / 64] >> (host % 64) & 1 == 1;
        up && self.up_since[host as usize] <= t && self.plan.firewall_at(host) > t
    }

    /// Whether candidate `victim` answers `attacker`'s connect to 135/tcp
    /// at `t`.
    pub fn answers(&self, attacker: HostId, victim: HostId, t: u64) -> bool {
        let s = &self.state[victim as usize];
        s.online
            && s.rpc_up
            && self
                .reach()
                .connects(attacker, victim, Service::Rpc135Tcp, t)
    }

    /// Accounts the flood of `host`'s worm, which ran from `since` to
    /// `until`: on its flood days if it reads the date all the time, each
    /// run of them resolving the target afresh; throughout if it read a
    /// flood day when it started.
    fn account_flood(&mut self, host: HostId, since: u64, until: u64) {
        match self.params.flood_days.checked {
            DateCheck::AtStart => self.account_flood_span(host, since, until),
            DateCheck::Always => {
                let spans = &self.params.flood_spans;
                let first = spans.partition_point(|&(_, to)| to <= since);
                for i in first..spans.len() {
                    let (from, to) = self.params.flood_spans[i];
                    if from >= until {
                        break;
                    }
                    let lo = from.max(since);
                    if self.params.flood_target.reaches_until(lo).is_some() {
                        self.account_flood_span(host, lo, to.min(until));
                    }
                }
            }
        }
    }

    /// Accounts a flood that resolved its target at `since` and runs to
    /// `until`: the SYNs that reach the target in each row, and how many
    /// of them a source filter (BCP 38) removes.
    fn account_flood_span(&mut self, host: HostId, since: u64, until: u64) {
        let p = &self.params.payload;
        let period = 1_000_000 / u64::from(p.packets_per_second);
        if let Some(o) = self.observer() {
            o.flood(host, since, until, period);
        }
        let p = &self.params.payload;
        // Spoofed sources are A.B of the host's address plus a random C.D
        // (MODEL.md); `passing` of the 65,536 choices get through a filter
        // that only lets the first-hop network's own addresses out.
        let h = self.world.host(host);
        let passing: u64 = if h.site == NO_SITE {
            spoofs_passing(32)
        } else {
            match self.world.sites[h.site as usize].kind {
                SiteKind::Nat { .. } if p.nat_rewrites_spoofed_source => 65_536,
                SiteKind::Nat { .. } => 0,
                SiteKind::Enterprise { .. } => {
                    spoofs_passing(self.world.sites[h.site as usize].inside.prefix_len())
                }
            }
        };
        let filtered_from = match self.params.spoof_filter {
            Some((start, share))
                if unit_draw(self.params.seed, Draw::SpoofFilter, u64::from(host)) < share =>
            {
                start
            }
            _ => NEVER,
        };
        // From this moment the site is no longer where the packets go.
        let reached_until = self
            .params
            .flood_target
            .reaches_until(since)
            .expect("only a flood that resolved its target is sent");
        let step = self.params.step;
        // Packets at since + k * period, k = 0, 1, ...: how many before `x`.
        let before = |x: u64| x.saturating_sub(since).div_ceil(period);
        let mut row = since / step;
        while row * step < until {
            let lo = (row * step).max(since);
            let hi = ((row + 1) * step).min(until);
            let n = before(hi) - before(lo);
            // Of them, those sent before the site left.
            let (lo_r, hi_r) = (lo.min(reached_until), hi.min(reached_until));
            let reach = before(hi_r) - before(lo_r);
            let filtered = before(hi_r.max(filtered_from)) - before(lo_r.max(filtered_from));
            let r = &mut self.rows[row as usize];
            r.flood_packets += n;
            r.flood_bcp38_units += reach * passing;
            r.flood_arriving_units += (reach - filtered) * 65_536 + filtered * passing;
            row += 1;
        }
    }

    /// `attacker` (whose worm uses `guess`) exploits candidate `victim` at
    /// `t`. Applies the effect, counts the outcome and returns how long the
    /// attacker is busy with it, and the outcome (a permutation scanner
    /// jumps when it finds the worm there already).
    pub fn exploit(
        &mut self,
        attacker: HostId,
        guess: Guess,
        victim: HostId,
        t: u64,
    ) -> (u64, Outcome) {
        let v = self.world.host(victim);
        let vs = self.state[victim as usize];
        let by_welchia = self.state[attacker as usize].welchia;
        let timing = match &self.params.welchia {
            Some(w) if by_welchia => w.timing,
            _ => self.params.timing,
        };
        let reach = self.reach();
        let flaws = &self.params.flaws;
        // Without the reach-back flaw the body comes inside the exploit's
        // own connection: no shell port, no TFTP.
        let shell_reachable =
            !flaws.stage2_reachback || reach.connects(attacker, victim, Service::Shell4444Tcp, t);
        let tftp_reachable = !flaws.stage2_reachback || reach.tftp_reachback(attacker, victim, t);
        let exploit = |v: Victim<'_>| {
            if flaws.os_guess {
                blaster::exploit(guess, v)
            } else {
                blaster::exploit_matched(v)
            }
        };
        let outcome = exploit(Victim {
            host: v,
            rpc_up: vs.rpc_up && vs.online,
            immune: vs.cleaned
                || vs.welchia
                || vs.welchia_pending
                || self.plan.immune_at(victim) <= t,
            // Welchia exploits a Blaster host like a clean one.
            worm_present: vs.worm_present() && !by_welchia,
            shell_reachable,
            tftp_reachable,
        });
        self.count(outcome, 1);
        if let Some(o) = self.observer() {
            o.exploit(attacker, victim, t, outcome);
        }
        match outcome {
            Outcome::Crashed => {
                // Back after the reboot, if the OS reboots by itself, or
                // after being switched off and on.
                let reboot_at = self
                    .params
                    .crash_reboot_after(v.os)
                    .map(|a| t.saturating_add(a));
                let rebooted = reboot_at.map_or(NEVER, |at| {
                    at.saturating_add(self.params.hosts.reboot_duration.as_micros())
                });
                self.set_down(victim, rebooted.min(self.next_on(victim)));
                let s = &mut self.state[victim as usize];
                s.rpc_up = false;
                let first = !s.ever_crashed;
                s.ever_crashed = true;
                self.crashed_now += 1;
                self.totals.crashes += 1;
                if first {
                    self.totals.hosts_crashed += 1;
                }
                self.row_at(t).crashes += 1;
                self.symptom(victim, t);
                if let Some(at) = reboot_at {
                    let life = self.state[victim as usize].life;
                    self.push(at, Kind::Reboot, victim, life);
                }
            }
            Outcome::Infected => {
                let s = &mut self.state[victim as usize];
                if by_welchia {
                    s.welchia_pending = true;
                } else {
                    s.worm = WormState::Pending;
                }
                let life = s.life;
                let at = t.saturating_add(timing.chain_complete);
                self.push(at, Kind::WormStart, victim, life);
            }
            _ => {}
        }
        (timing.attacker_busy(outcome, shell_reachable), outcome)
    }

    /// Counts `n` probes that ended in `outcome` (the time series counts
    /// probes separately, by batch start: [`BlasterCore::count_probes`]).
    pub fn count(&mut self, outcome: Outcome, n: u64) {
        self.totals.by_outcome[outcome as usize] += n;
    }

    /// Counts `n` probes sent in a batch that started at `t`.
    pub fn count_probes(&mut self, t: u64, n: u64) {
        self.totals.probes += n;
        self.row_at(t).probes += n;
    }

    /// Adds probes to the row with index `row` (for drivers that split a
    /// run of batches across rows themselves).
    pub fn count_probes_in_row(&mut self, row: usize, n: u64) {
        self.totals.probes += n;
        self.rows[row].probes += n;
    }

    /// Counts `n` probes sent at `t` that the network dropped.
    pub fn count_dropped(&mut self, t: u64, n: u64) {
        self.totals.probes_dropped += n;
        self.row_at(t).dropped += n;
    }

    /// Counts `n` probes sent in row `row` that the network dropped.
    pub fn count_dropped_in_row(&mut self, row: usize, n: u64) {
        self.totals.probes_dropped += n;
        self.rows[row].dropped += n;
    }

    pub fn into_result(self) -> BlasterRun {
        BlasterRun {
            step: self.params.step,
            rows: self.rows,
            totals: self.totals,
            events: self.events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_starts_seeded_by_the_tick_count_concentrate() {
        let mut s = wormscope_scenario::default_scenario();
        s.worm.local_start_pct = wormscope_scenario::Percent::new(0.0).unwrap();
        let distinct = |s: &BlasterScenario, boot: bool| {
            let p = Params::from_scenario(s);
            let starts: std::collections::BTreeSet<u32> = (0..20_000u64)
                .map(|i| p.draw_blaster_start(i << 32, 0x3d04_0101, boot).start)
                .collect();
            starts.len()
        };
        // 20 to 60 s in 15.625 ms steps: 2,561 tick counts at most.
        assert!(distinct(&s, true) <= 2_561, "{}", distinct(&s, true));
        // Starts after an infection, or without the flaw, spread freely.
        assert!(distinct(&s, false) > 19_000);
        s.flaws.start_seed = false;
        assert!(distinct(&s, true) > 19_000);
    }

    #[test]
    fn packed_events_keep_the_tuple_order() {
        let events = [
            (5u64, Kind::Scan, 1u32, 0u32),
            (5, Kind::Reboot, 9, 3),
            (4, Kind::Scan, 0, 7),
            (5, Kind::Scan, 0, 1),
            (u64::MAX, Kind::Online, u32::MAX, (1 << 29) - 1),
            (5, Kind::Act, 2, 1),
            (5, Kind::WormStart, 2, 0),
        ];
        let mut by_tuple = events.to_vec();
        by_tuple.sort();
        let mut by_packed: Vec<Event> = events
            .iter()
            .map(|&(t, k, h, l)| Event::new(t, k, h, l))
            .collect();
        by_packed.sort();
        let unpacked: Vec<_> = by_packed
            .iter()
            .map(|e| (e.time(), e.kind(), e.host(), e.tag()))
            .collect();
        assert_eq!(unpacked, by_tuple);
    }
}
