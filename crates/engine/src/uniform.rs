//! The random-targets driver: Blaster's batches with every address drawn
//! uniformly from the IPv4 space (`[worm] targeting = "uniform-random"`),
//! exact in distribution, without drawing the addresses that cannot matter.
//!
//! A probe matters when it lands on a live address (a host or a gateway the
//! scanner could reach), inside the scanner's own site, or in a range an
//! observer watches (a telescope, a sensor's point, an edge). Call those
//! addresses *interesting*. Each probe is interesting with a fixed chance,
//! so the number of plain probes before the next interesting one is
//! geometric, and the interesting address is uniform among the interesting
//! ones. The driver draws exactly that:
//!
//! - the interesting addresses are taken as a multiset of three parts, the
//!   own site's range, the watched ranges and the public view's live
//!   entries, which may overlap. A draw picks an element of the multiset;
//!   an element whose address an earlier part also holds is *not* that
//!   address's own copy and counts as a plain probe. That thinning keeps
//!   each address's chance per probe at exactly one in the space's size,
//!   and the rest plain;
//! - batches without an interesting probe are plain throughout: their
//!   outcomes (no host) and start times (one wait apart) are closed forms,
//!   accounted lazily like the exact driver's spans, so that only batches
//!   that really started are counted;
//! - a batch with interesting probes is an event at its start: each such
//!   probe is classified from the views and filters then, as the exact
//!   driver classifies an address ([`ExactDriver::segment`]), and the
//!   exploits follow in probe order.
//!
//! What it may not touch: the outcome of a probe (the core's), how the
//! views classify addresses (the world's). Welchia, whose sweep is its own,
//! runs on an [`ExactDriver`] in the other [`Lane`] of the same core.
//!
//! The reference driver (`wormscope-reference`) draws every address of
//! every batch; the two agree in distribution (`crates/reference/tests/
//! uniform.rs`).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Geometric};
use smallvec::SmallVec;
use wormscope_model::blaster::{Guess, Outcome, Timing, WormStart};
use wormscope_model::rng::{self, Purpose};
use wormscope_model::view::Slot;
use wormscope_model::{Host, HostId, NO_SITE, World};
use wormscope_scenario::TargetingKind;

use crate::core::{Core, ScanDriver, UPCOMING};
use crate::exact::{ExactDriver, Lane, SpanClock, attempt};
use crate::observe::{PlainRun, Watched};

const SPACE_END: u64 = 1 << 32;
const NO_SLOT: u32 = u32::MAX;

/// What comes after the wait of a batch, in probe order.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// A static answerer: costs an attempt, changes nothing.
    Static { slow: bool },
    /// A candidate that answered: exploit it at its turn.
    Candidate(HostId),
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// `k` plain batches from `t0`, then at `t0 + k * wait` a batch whose
    /// probe `first` is the first interesting one.
    Plain { t0: u64, k: u64, first: u32 },
    /// Working through the last batch's steps; the next one's event is
    /// scheduled.
    Exploiting,
}

struct Scanner {
    host: HostId,
    me: Host,
    guess: Guess,
    timing: Timing,
    rng: ChaCha8Rng,
    /// Plain probes before the next interesting one.
    skip: Geometric,
    /// The scanner's own site's inside range within the space (empty
    /// without a site).
    own: (u64, u64),
    /// The sizes of the parts of its interesting multiset
    /// ([`UniformDriver::parts`]).
    parts: (u64, u64, u64),
    phase: Phase,
    plan: SmallVec<[Step; 2]>,
    plan_idx: u32,
}

/// The random-targets driver.
pub struct UniformDriver<'w> {
    world: &'w World,
    /// Targets are drawn from `[space.0, space.1)`.
    space: (u64, u64),
    /// The observers' watched ranges within the space: sorted, disjoint,
    /// with the count of watched addresses before each.
    watched: Vec<(u64, u64, u64)>,
    watched_total: u64,
    /// The public view's entries within the space: `[lo, hi)`.
    public: (u32, u32),
    scanners: Vec<Scanner>,
    slot_of: Vec<u32>,
    free: Vec<u32>,
    /// Worm starts so far, per candidate: names each start's stream.
    starts: Vec<u32>,
    /// Welchia's sequential sweep, in the other lane.
    sequential: ExactDriver<'w>,
    lane: Lane,
}

impl<'w> UniformDriver<'w> {
    /// A driver drawing targets from the whole IPv4 space, drawing
    /// addresses in `watched` one by one for the run's observer.
    pub fn new(world: &'w World, watched: &[Watched]) -> Self {
        Self::within(world, watched, (0, SPACE_END))
    }

    /// A driver drawing targets from `[space.0, space.1)` only: for tests
    /// on small worlds, where the whole space would leave every probe
    /// plain. Panics when the space cannot hold the three parts of the
    /// interesting multiset (see the module's doc) for some scanner.
    pub fn within(world: &'w World, watched: &[Watched], space: (u64, u64)) -> Self {
        assert!(
            space.0 < space.1 && space.1 <= SPACE_END,
            "a space of addresses"
        );
        let mut ranges: Vec<(u64, u64)> = watched
            .iter()
            .map(|w| (w.lo.max(space.0), w.hi.min(space.1)))
            .filter(|(lo, hi)| lo < hi)
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64, u64)> = Vec::with_capacity(ranges.len());
        let mut total = 0;
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1 => {
                    if hi > last.1 {
                        total += hi - last.1;
                        last.1 = hi;
                    }
                }
                _ => {
                    merged.push((lo, hi, total));
                    total += hi - lo;
                }
            }
        }
        let view = world.public_view();
        UniformDriver {
            world,
            space,
            watched: merged,
            watched_total: total,
            public: (view.rank(space.0), view.rank(space.1)),
            scanners: Vec::new(),
            slot_of: vec![NO_SLOT; world.n_candidates as usize],
            free: Vec::new(),
            starts: vec![0; world.n_candidates as usize],
            sequential: ExactDriver::in_lane(world, Lane::of_two(0)),
            lane: Lane::of_two(1),
        }
    }

    /// Whether `addr` lies in a watched range.
    fn is_watched(&self, addr: u64) -> bool {
        let i = self.watched.partition_point(|w| w.1 <= addr);
        self.watched.get(i).is_some_and(|w| w.0 <= addr)
    }

    /// The `n`th watched address.
    fn nth_watched(&self, n: u64) -> u64 {
        let i = self.watched.partition_point(|w| w.2 <= n) - 1;
        let (lo, _, before) = self.watched[i];
        lo + (n - before)
    }

    /// How many watched addresses lie below `x`.
    fn watched_below(&self, x: u64) -> u64 {
        let i = self.watched.partition_point(|w| w.1 <= x);
        match self.watched.get(i) {
            Some(&(lo, _, before)) => before + x.saturating_sub(lo),
            None => self.watched_total,
        }
    }

    /// The sizes of the three parts of scanner `sc`'s interesting
    /// multiset: its own range, the watched addresses outside it, the
    /// public view's entries outside it.
    fn parts(&self, own: (u64, u64)) -> (u64, u64, u64) {
        let view = self.world.public_view();
        let public = u64::from(self.public.1 - self.public.0);
        let watched_in_own = self.watched_below(own.1) - self.watched_below(own.0);
        let public_in_own = u64::from(view.rank(own.1) - view.rank(own.0));
        (
            own.1 - own.0,
            self.watched_total - watched_in_own,
            public - public_in_own,
        )
    }

    /// Draws the address of an interesting probe of scanner `slot`, or
    /// `None` when the draw is a public entry that a watched range also
    /// holds, not that address's own copy (a plain probe).
    fn draw_target(&mut self, slot: usize) -> Option<u32> {
        let own = self.scanners[slot].own;
        let (a, b, c) = self.scanners[slot].parts;
        let sc = &mut self.scanners[slot];
        let n = sc.rng.random_range(0..a + b + c);
        let addr = if n < a {
            own.0 + n
        } else if n < a + b {
            // The watched addresses below the own range, then above it.
            let n = n - a;
            let below = self.watched_below(own.0);
            let n = if n < below {
                n
            } else {
                n + self.watched_below(own.1) - below
            };
            self.nth_watched(n)
        } else {
            let view = self.world.public_view();
            let n = (n - a - b) as u32;
            let below = view.rank(own.0).max(self.public.0) - self.public.0;
            let i = if n < below {
                self.public.0 + n
            } else {
                self.public.0 + n + (view.rank(own.1) - view.rank(own.0))
            };
            let addr = u64::from(view.addr(i));
            if self.is_watched(addr) {
                return None;
            }
            addr
        };
        Some(addr as u32)
    }

    /// Accounts the first batches of scanner `slot`'s plain run (all of
    /// them, or those that start before `limit`).
    fn settle_plain(&mut self, core: &mut Core<'_>, slot: usize, limit: Option<u64>) {
        let sc = &self.scanners[slot];
        let Phase::Plain { t0, k, .. } = sc.phase else {
            unreachable!("settling a plain run")
        };
        let (host, b) = (sc.host, u64::from(sc.timing.batch_size));
        let run = PlainRun {
            per_batch: b,
            k,
            t0,
            wait: sc.timing.batch_wait,
        };
        let n = limit.map_or(k, |l| run.batches_before(l));
        if n == 0 {
            return;
        }
        core.count(Outcome::NoHost, n * b);
        let clock = SpanClock {
            t0,
            wait: run.wait,
            k: n,
            pieces: &[(0, 0)],
        };
        let step = core.params.step;
        clock.file_rows(step, |row, batches| {
            core.count_probes_in_row(row as usize, batches * b)
        });
        if let Some(o) = core.observer() {
            o.plain(host, &PlainRun { k: n, ..run });
        }
    }

    /// Plans scanner `slot`'s batches from `t`: the plain ones, and the
    /// event of the first with an interesting probe.
    fn plan_from(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        let lane = self.lane;
        let sc = &mut self.scanners[slot];
        let gap = sc.skip.sample(&mut sc.rng);
        let b = u64::from(sc.timing.batch_size);
        let k = gap / b;
        sc.phase = Phase::Plain {
            t0: t,
            k,
            first: (gap % b) as u32,
        };
        let at = t.saturating_add(k.saturating_mul(sc.timing.batch_wait));
        core.schedule_scan(sc.host, lane.key(slot), at);
    }

    /// Runs the batch at `t` whose first interesting probe is `first`:
    /// draws and classifies its interesting probes, counts the plain ones
    /// and works through what answered.
    fn run_batch(&mut self, core: &mut Core<'_>, slot: usize, t: u64, first: u32) {
        let (host, timing) = (self.scanners[slot].host, self.scanners[slot].timing);
        let b = u64::from(timing.batch_size);
        core.count_probes(t, b);
        let mut plan = std::mem::take(&mut self.scanners[slot].plan);
        plan.clear();
        let mut addressed = 0u64;
        let mut at = u64::from(first);
        while at < b {
            if let Some(addr) = self.draw_target(slot) {
                self.probe(core, slot, addr, t, &mut plan);
                addressed += 1;
            }
            let sc = &mut self.scanners[slot];
            at = at
                .saturating_add(1)
                .saturating_add(sc.skip.sample(&mut sc.rng));
        }
        let plain = b - addressed;
        core.count(Outcome::NoHost, plain);
        if plain > 0
            && let Some(o) = core.observer()
        {
            let run = PlainRun {
                per_batch: plain,
                k: 1,
                t0: t,
                wait: timing.batch_wait,
            };
            o.plain(host, &run);
        }
        let sc = &mut self.scanners[slot];
        sc.plan = plan;
        sc.plan_idx = 0;
        self.advance(core, slot, t.saturating_add(timing.batch_wait));
    }

    /// One probe of scanner `slot` to `addr` in the batch at `t`: shown to
    /// the observer, classified as the exact driver classifies an address,
    /// counted, or planned when it answered.
    fn probe(
        &self,
        core: &mut Core<'_>,
        slot: usize,
        addr: u32,
        t: u64,
        plan: &mut SmallVec<[Step; 2]>,
    ) {
        let sc = &self.scanners[slot];
        if let Some(o) = core.observer() {
            o.probe(sc.host, addr, t);
        }
        let seg = ExactDriver::segment(self.world, &core.plan, &sc.me, u64::from(addr), t);
        let outcome = match seg.view.slot(addr) {
            Slot::Empty => Outcome::NoHost,
            _ if seg.rpc_blocked => Outcome::NoAnswer,
            Slot::Silent => Outcome::NoAnswer,
            Slot::Answerer { slow } => {
                plan.push(Step::Static {
                    slow: seg.slow(slow),
                });
                Outcome::NoEffect
            }
            Slot::Candidate(victim) => {
                // The view lists only candidates the network lets 135/tcp
                // reach from here (see the exact driver's batches).
                if core.answers_reached(victim, t) {
                    plan.push(Step::Candidate(victim));
                    return;
                }
                Outcome::NoAnswer
            }
        };
        core.count(outcome, 1);
    }

    /// Works through the plan from `t`: static steps cost time; at a
    /// candidate, schedules its exploit; at the end, plans what follows.
    fn advance(&mut self, core: &mut Core<'_>, slot: usize, mut t: u64) {
        let lane = self.lane;
        let sc = &mut self.scanners[slot];
        while let Some(&step) = sc.plan.get(sc.plan_idx as usize) {
            match step {
                Step::Static { slow } => {
                    t = t.saturating_add(attempt(&sc.timing, slow));
                    sc.plan_idx += 1;
                }
                Step::Candidate(_) => {
                    sc.phase = Phase::Exploiting;
                    core.schedule_scan(sc.host, lane.key(slot), t);
                    return;
                }
            }
        }
        self.plan_from(core, slot, t);
    }

    /// Accounts whatever the scanner in `slot` did before `t` and frees it.
    fn wind_up(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        match self.scanners[slot].phase {
            Phase::Plain { .. } => self.settle_plain(core, slot, Some(t)),
            Phase::Exploiting => {
                let sc = &self.scanners[slot];
                let left = sc.plan[sc.plan_idx as usize..]
                    .iter()
                    .filter(|s| matches!(s, Step::Candidate(_)))
                    .count();
                core.count(Outcome::Unresolved, left as u64);
            }
        }
        let host = self.scanners[slot].host;
        core.cancel_scan(self.lane.key(slot));
        self.slot_of[host as usize] = NO_SLOT;
        self.free.push(slot as u32);
    }
}

impl ScanDriver for UniformDriver<'_> {
    fn start(&mut self, core: &mut Core<'_>, host: HostId, t: u64, start: WormStart) {
        if core.targeting_of(host) == TargetingKind::Sequential {
            self.sequential.start(core, host, t, start);
            return;
        }
        let me = *self.world.host(host);
        let own = if me.site == NO_SITE {
            (0, 0)
        } else {
            let inside = self.world.sites[me.site as usize].inside;
            let lo = u64::from(inside.base()).max(self.space.0);
            let hi = (u64::from(inside.last()) + 1).min(self.space.1);
            if lo < hi { (lo, hi) } else { (0, 0) }
        };
        let space = self.space.1 - self.space.0;
        let parts = self.parts(own);
        let interesting = parts.0 + parts.1 + parts.2;
        // Only public entries inside watched ranges are counted twice.
        assert!(
            interesting <= space,
            "the space of targets is too small for the addresses that matter in it"
        );
        let skip = Geometric::new(interesting as f64 / space as f64)
            .expect("a probe's chance of mattering lies in [0, 1]");
        let index = (u64::from(host) << 32) | u64::from(self.starts[host as usize]);
        self.starts[host as usize] += 1;
        let scanner = Scanner {
            host,
            me,
            guess: start.guess,
            timing: core.timing_of(host),
            rng: rng::stream(core.params.seed, Purpose::RandomTargets, index),
            skip,
            own,
            parts,
            phase: Phase::Exploiting,
            plan: SmallVec::new(),
            plan_idx: 0,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.scanners[s as usize] = scanner;
                s as usize
            }
            None => {
                self.scanners.push(scanner);
                self.scanners.len() - 1
            }
        };
        self.slot_of[host as usize] = slot as u32;
        self.plan_from(core, slot, t);
    }

    fn step(&mut self, core: &mut Core<'_>, host: HostId, key: u32, t: u64) {
        let slot = self.lane.slot(key);
        if slot == usize::MAX {
            self.sequential.step(core, host, key, t);
            return;
        }
        debug_assert_eq!(self.slot_of[host as usize] as usize, slot);
        match self.scanners[slot].phase {
            Phase::Plain { first, .. } => {
                self.settle_plain(core, slot, None);
                self.run_batch(core, slot, t, first);
            }
            Phase::Exploiting => {
                let sc = &self.scanners[slot];
                let Step::Candidate(victim) = sc.plan[sc.plan_idx as usize] else {
                    unreachable!("an exploit event points at a candidate")
                };
                let busy = core.exploit(host, sc.guess, victim, t);
                self.scanners[slot].plan_idx += 1;
                self.advance(core, slot, t.saturating_add(busy));
            }
        }
    }

    fn stop(&mut self, core: &mut Core<'_>, host: HostId, t: u64) {
        let slot = self.slot_of[host as usize];
        if slot != NO_SLOT {
            self.wind_up(core, slot as usize, t);
        } else {
            self.sequential.stop(core, host, t);
        }
    }

    fn finish(&mut self, core: &mut Core<'_>, end: u64) {
        for slot in 0..self.scanners.len() {
            let host = self.scanners[slot].host;
            if self.slot_of[host as usize] == slot as u32 {
                self.wind_up(core, slot, end);
            }
        }
        self.sequential.finish(core, end);
    }

    fn prefetch(&self, core: &Core<'_>, upcoming: &[u32; UPCOMING]) {
        self.sequential.prefetch(core, upcoming);
    }

    fn filters_changed(&mut self, core: &mut Core<'_>, t: u64) {
        // Plain probes find nothing under any filters, and a batch with
        // an interesting probe asks the filters at its own start.
        self.sequential.filters_changed(core, t);
    }
}
