//! The random-targets driver: Blaster's batches with every address drawn
//! uniformly from the IPv4 space (`[worm] targeting = "uniform-random"`),
//! exact in distribution, without drawing the addresses that cannot matter.
//!
//! A probe *matters to the outbreak* when it lands inside the scanner's own
//! site or on an address the public view lists (a host or a gateway). Each
//! probe does so with a fixed chance, so the number of probes before the
//! next one that matters is geometric, and its address is uniform among
//! those addresses (the own site's range, then the public entries outside
//! it). The driver draws exactly that, from the scanner's own stream:
//!
//! - the targets are drawn batch by batch when the scanner plans ahead, in
//!   the order a batch would draw them. A target needs no look when its
//!   batch comes if nothing lives there, if it never answers from here
//!   whatever the filters (they only ever silence more), or if it is a
//!   candidate that cannot answer by then ([`Core::silent_at`], as the
//!   exact driver passes it; debug builds check each pass). Such batches
//!   are accounted lazily in closed form, with their start times one wait
//!   apart, so that only batches that really started are counted;
//! - the first batch with a target that needs a look is an event at its
//!   start: each target is classified from the views and filters then, as
//!   the exact driver classifies an address ([`ExactDriver::segment`]),
//!   and the exploits follow in probe order.
//!
//! Observers watch ranges (a telescope, a sensor's points, an edge). Of
//! the probes that do not matter to the outbreak, those that fall in a
//! watched range are drawn from a second stream when their batches are
//! accounted: a geometric skip over those probes, each hit uniform among
//! the watched addresses that hold nothing and lie outside the own site.
//! The rest reach observers as counts ([`Observer::plain`]). The outbreak's
//! draws never depend on what is watched: a run with sensors, without, or
//! with one capture's vantage is the same outbreak for the same seed.
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
use wormscope_model::view::{Slot, ViewRef};
use wormscope_model::{Host, HostId, NO_SITE, World};
use wormscope_scenario::TargetingKind;

use crate::core::{Core, ScanDriver, UPCOMING};
use crate::exact::{ExactDriver, Lane, SpanClock, Step, occupy, unresolved, work_through};
use crate::observe::{Observer, PlainRun, Watched};

const SPACE_END: u64 = 1 << 32;
const NO_SLOT: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// `k` batches from `t0`, one wait apart, whose targets need no look
    /// when they come (the scanner's `quiet`); then at `t0 + k * wait` the
    /// batch whose targets (the scanner's `next`) do.
    Plain { t0: u64, k: u64 },
    /// Working through the last batch's steps; the next one's event is
    /// scheduled.
    Exploiting,
}

struct Scanner {
    host: HostId,
    me: Host,
    guess: Guess,
    timing: Timing,
    /// The outbreak's draws: skips and targets.
    rng: ChaCha8Rng,
    /// Probes before the next one that matters to the outbreak.
    skip: Geometric,
    /// What observers see of the other probes: hits on watched addresses
    /// (none when nothing is watched).
    seen: Option<Seen>,
    /// The scanner's own site's inside range within the space (empty
    /// without a site).
    own: (u64, u64),
    /// Addresses that matter to the outbreak: the own range's, then the
    /// public entries outside it.
    parts: (u64, u64),
    /// Of the public entries in the space: how many lie below the own
    /// range, and how many in it (passed over when drawing).
    public_around_own: (u32, u32),
    phase: Phase,
    /// The targets drawn for the batches of a plain run, in order, with
    /// their batch (counted from the run's start) and what they find:
    /// nothing, or a host that never answers ([`is_quiet`]).
    quiet: Vec<(u64, u32, Outcome)>,
    /// The targets drawn for the batch after a plain run.
    next: SmallVec<[u32; 2]>,
    plan: SmallVec<[Step; 2]>,
    plan_idx: u32,
}

/// The draws of a scanner's probes into watched ranges, among those that
/// do not matter to the outbreak.
struct Seen {
    rng: ChaCha8Rng,
    /// Such probes before the next watched one.
    skip: Geometric,
    /// Watched addresses outside the own range (some hold hosts: drawn
    /// again).
    outside_own: u64,
    /// Watched addresses below the own range, and in it.
    around_own: (u64, u64),
}

/// The random-targets driver.
pub struct UniformDriver<'w> {
    world: &'w World,
    /// Targets are drawn from `[space.0, space.1)`.
    space: (u64, u64),
    /// The observers' watched ranges within the space: sorted, disjoint,
    /// with the count of watched addresses before each and of public
    /// entries in the ranges before each.
    watched: Vec<(u64, u64, u64, u64)>,
    watched_total: u64,
    public_watched_total: u64,
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
    /// plain.
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
        let view = world.public_view();
        let mut merged: Vec<(u64, u64, u64, u64)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi, 0, 0)),
            }
        }
        let (mut total, mut public_total) = (0, 0);
        for w in &mut merged {
            (w.2, w.3) = (total, public_total);
            total += w.1 - w.0;
            public_total += u64::from(view.rank(w.1) - view.rank(w.0));
        }
        UniformDriver {
            world,
            space,
            watched: merged,
            watched_total: total,
            public_watched_total: public_total,
            public: (view.rank(space.0), view.rank(space.1)),
            scanners: Vec::new(),
            slot_of: vec![NO_SLOT; world.n_candidates as usize],
            free: Vec::new(),
            starts: vec![0; world.n_candidates as usize],
            sequential: ExactDriver::in_lane(world, Lane::of_two(0)),
            lane: Lane::of_two(1),
        }
    }

    /// The `n`th watched address.
    fn nth_watched(&self, n: u64) -> u64 {
        let i = self.watched.partition_point(|w| w.2 <= n) - 1;
        let (lo, _, before, _) = self.watched[i];
        lo + (n - before)
    }

    /// How many watched addresses, and how many public entries in watched
    /// ranges, lie below `x`.
    fn watched_below(&self, x: u64) -> (u64, u64) {
        let i = self.watched.partition_point(|w| w.1 <= x);
        match self.watched.get(i) {
            Some(&(lo, _, before, public_before)) => {
                let view = self.world.public_view();
                let public_in = if x > lo {
                    u64::from(view.rank(x) - view.rank(lo))
                } else {
                    0
                };
                (before + x.saturating_sub(lo), public_before + public_in)
            }
            None => (self.watched_total, self.public_watched_total),
        }
    }

    /// The addresses that matter to the outbreak of a scanner whose own
    /// range is `own`: the range's, and the public entries outside it.
    fn parts(&self, own: (u64, u64)) -> (u64, u64) {
        let view = self.world.public_view();
        let public = u64::from(self.public.1 - self.public.0);
        let public_in_own = u64::from(view.rank(own.1) - view.rank(own.0));
        (own.1 - own.0, public - public_in_own)
    }

    /// What observers see of the probes that do not matter to the outbreak
    /// of a scanner whose own range is `own` and whose `start` names its
    /// stream; `None` when nothing is watched there.
    fn seen(&self, own: (u64, u64), seed: u64, start: u64) -> Option<Seen> {
        let (a, c) = self.parts(own);
        let (w_lo, p_lo) = self.watched_below(own.0);
        let (w_hi, p_hi) = self.watched_below(own.1);
        let outside_own = self.watched_total - (w_hi - w_lo);
        let dark = outside_own - (self.public_watched_total - (p_hi - p_lo));
        let others = (self.space.1 - self.space.0) - a - c;
        (dark > 0).then(|| Seen {
            rng: rng::stream(seed, Purpose::RandomTargetsSeen, start),
            skip: Geometric::new(dark as f64 / others as f64)
                .expect("a share of the other addresses"),
            outside_own,
            around_own: (w_lo, w_hi - w_lo),
        })
    }

    /// Draws the address of the next probe of scanner `slot` that matters
    /// to the outbreak.
    fn draw_target(&mut self, slot: usize) -> u32 {
        let sc = &mut self.scanners[slot];
        let (own, (a, c), (below, inside)) = (sc.own, sc.parts, sc.public_around_own);
        let n = sc.rng.random_range(0..a + c);
        if n < a {
            return (own.0 + n) as u32;
        }
        // The public entries below the own range, then above it.
        let n = (n - a) as u32;
        let skipped = if n < below { 0 } else { inside };
        self.world.public_view().addr(self.public.0 + n + skipped)
    }

    /// Draws a watched address of scanner `slot` that holds nothing and
    /// lies outside its own range.
    fn draw_watched(&mut self, slot: usize) -> u32 {
        let view = self.world.public_view();
        loop {
            let seen = self.scanners[slot].seen.as_mut().expect("watched");
            let (below, inside) = seen.around_own;
            let n = seen.rng.random_range(0..seen.outside_own);
            let n = if n < below { n } else { n + inside };
            let addr = self.nth_watched(n) as u32;
            if view.slot(addr) == Slot::Empty {
                return addr;
            }
        }
    }

    /// Shows the observer `run`: probes of scanner `slot` that do not
    /// matter to the outbreak, each watched one with its address (drawn
    /// now), the rest as plain runs.
    fn show_others(&mut self, core: &mut Core<'_>, slot: usize, run: PlainRun) {
        let host = self.scanners[slot].host;
        let Some(seen) = self.scanners[slot].seen.as_mut() else {
            if let Some(o) = core.observer() {
                o.plain(host, &run);
            }
            return;
        };
        let total = run.k * run.per_batch;
        let mut at = seen.skip.sample(&mut seen.rng);
        // Batches `from..j` hold no watched probe; batch `j` holds `hits`.
        let whole = |o: &mut dyn Observer, from: u64, to: u64| {
            if to > from {
                o.plain(host, &run.part(from, to - from, run.per_batch));
            }
        };
        let partial = |o: &mut dyn Observer, j: u64, hits: u64| {
            if run.per_batch > hits {
                o.plain(host, &run.part(j, 1, run.per_batch - hits));
            }
        };
        let (mut from, mut batch, mut hits) = (0u64, 0u64, 0u64);
        while at < total {
            let j = at / run.per_batch;
            let addr = self.draw_watched(slot);
            let Some(o) = core.observer() else { return };
            if j != batch && hits > 0 {
                partial(o, batch, hits);
                (from, hits) = (batch + 1, 0);
            }
            if hits == 0 {
                whole(o, from, j);
                batch = j;
            }
            o.probe(host, addr, run.batch_start(j));
            hits += 1;
            let seen = self.scanners[slot].seen.as_mut().expect("watched");
            at = at
                .saturating_add(1)
                .saturating_add(seen.skip.sample(&mut seen.rng));
        }
        let Some(o) = core.observer() else { return };
        if hits > 0 {
            partial(o, batch, hits);
            from = batch + 1;
        }
        whole(o, from, run.k);
    }

    /// Accounts the first batches of scanner `slot`'s plain run (all of
    /// them, or those that start before `limit`).
    fn settle_plain(&mut self, core: &mut Core<'_>, slot: usize, limit: Option<u64>) {
        let sc = &self.scanners[slot];
        let Phase::Plain { t0, k } = sc.phase else {
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
        let quiet = std::mem::take(&mut self.scanners[slot].quiet);
        let started = quiet.partition_point(|q| q.0 < n);
        core.count(Outcome::NoHost, n * b - started as u64);
        for &(_j, _addr, outcome) in &quiet[..started] {
            core.count(outcome, 1);
            #[cfg(debug_assertions)]
            {
                let sc = &self.scanners[slot];
                let view = self.view_for(&sc.me, sc.own, _addr);
                if let Slot::Candidate(v) = view.slot(_addr) {
                    assert!(
                        !core.was_up_at(v, run.batch_start(_j)),
                        "a candidate passed as silent was up when its batch came"
                    );
                }
            }
        }
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
        if core.observer().is_some() {
            // The batches without drawn targets in runs, each with drawn
            // ones alone.
            let mut from = 0;
            let mut i = 0;
            while i < started {
                let j = quiet[i].0;
                let mut drawn = 0;
                while i < started && quiet[i].0 == j {
                    if let Some(o) = core.observer() {
                        o.probe(host, quiet[i].1, run.batch_start(j));
                    }
                    (drawn, i) = (drawn + 1, i + 1);
                }
                if j > from {
                    self.show_others(core, slot, run.part(from, j - from, b));
                }
                if b > drawn {
                    self.show_others(core, slot, run.part(j, 1, b - drawn));
                }
                from = j + 1;
            }
            if n > from {
                self.show_others(core, slot, run.part(from, n - from, b));
            }
        }
        self.scanners[slot].quiet = quiet;
    }

    /// The view a scanner on `me`, whose own range is `own`, sees `addr`
    /// through.
    fn view_for(&self, me: &Host, own: (u64, u64), addr: u32) -> ViewRef<'w> {
        if (own.0..own.1).contains(&u64::from(addr)) {
            self.world.site_view(me.site)
        } else {
            self.world.public_view()
        }
    }

    /// Whether a probe of a scanner whose own range is `own` to `addr`, in
    /// a batch at `t`, needs no look when it comes, and what it finds:
    /// nothing, a host that never answers from there whatever the filters
    /// (they only ever silence more), or a candidate that cannot answer by
    /// then ([`Core::silent_at`], as the exact driver passes it).
    fn is_quiet(
        &self,
        core: &Core<'_>,
        (me, own): (&Host, (u64, u64)),
        addr: u32,
        t: u64,
    ) -> Option<Outcome> {
        match self.view_for(me, own, addr).slot(addr) {
            Slot::Empty => Some(Outcome::NoHost),
            Slot::Silent => Some(Outcome::NoAnswer),
            Slot::Candidate(v) if core.silent_at(v, t) => Some(Outcome::NoAnswer),
            Slot::Answerer { .. } | Slot::Candidate(_) => None,
        }
    }

    /// Plans scanner `slot`'s batches from `t`: draws their targets batch
    /// by batch, in the order a batch event would, up to the first batch
    /// with a target that needs a look when it comes (or the run's end),
    /// and schedules that batch.
    fn plan_from(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        let (lane, end) = (self.lane, core.params.end);
        let mut quiet = std::mem::take(&mut self.scanners[slot].quiet);
        let mut next = std::mem::take(&mut self.scanners[slot].next);
        quiet.clear();
        let (me, own, timing) = {
            let sc = &self.scanners[slot];
            (sc.me, sc.own, sc.timing)
        };
        let b = u64::from(timing.batch_size);
        let mut j = 0u64;
        loop {
            let sc = &mut self.scanners[slot];
            let gap = sc.skip.sample(&mut sc.rng);
            j = j.saturating_add(gap / b);
            let start = t.saturating_add(j.saturating_mul(timing.batch_wait));
            if start >= end {
                break;
            }
            // The batch's targets, drawn as its event would draw them.
            next.clear();
            let mut at = gap % b;
            while at < b {
                next.push(self.draw_target(slot));
                let sc = &mut self.scanners[slot];
                at = at
                    .saturating_add(1)
                    .saturating_add(sc.skip.sample(&mut sc.rng));
            }
            let quiet_ones: SmallVec<[Outcome; 2]> = next
                .iter()
                .map_while(|&a| self.is_quiet(core, (&me, own), a, start))
                .collect();
            if quiet_ones.len() < next.len() {
                break;
            }
            quiet.extend(next.iter().zip(quiet_ones).map(|(&a, o)| (j, a, o)));
            next.clear();
            j += 1;
        }
        let sc = &mut self.scanners[slot];
        sc.quiet = quiet;
        sc.next = next;
        sc.phase = Phase::Plain { t0: t, k: j };
        let at = t.saturating_add(j.saturating_mul(timing.batch_wait));
        core.schedule_scan(sc.host, lane.key(slot), at);
    }

    /// Runs the batch at `t` after a plain run: classifies its drawn
    /// targets, counts the other probes and works through what answered.
    fn run_batch(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        let timing = self.scanners[slot].timing;
        let b = u64::from(timing.batch_size);
        core.count_probes(t, b);
        let mut plan = std::mem::take(&mut self.scanners[slot].plan);
        plan.clear();
        let targets = std::mem::take(&mut self.scanners[slot].next);
        for &addr in &targets {
            self.probe(core, slot, addr, t, &mut plan);
        }
        let others = b - targets.len() as u64;
        self.scanners[slot].next = targets;
        core.count(Outcome::NoHost, others);
        if others > 0 && core.observer().is_some() {
            let run = PlainRun {
                per_batch: others,
                k: 1,
                t0: t,
                wait: timing.batch_wait,
            };
            self.show_others(core, slot, run);
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
    fn advance(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        let lane = self.lane;
        let sc = &mut self.scanners[slot];
        match work_through(&sc.plan, &mut sc.plan_idx, &sc.timing, t) {
            Ok(exploit_at) => {
                sc.phase = Phase::Exploiting;
                core.schedule_scan(sc.host, lane.key(slot), exploit_at);
            }
            Err(end) => self.plan_from(core, slot, end),
        }
    }

    /// Accounts whatever the scanner in `slot` did before `t` and frees it.
    fn wind_up(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        match self.scanners[slot].phase {
            Phase::Plain { .. } => self.settle_plain(core, slot, Some(t)),
            Phase::Exploiting => {
                let sc = &self.scanners[slot];
                core.count(Outcome::Unresolved, unresolved(&sc.plan, sc.plan_idx));
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
        let view = self.world.public_view();
        let public_around_own = (
            view.rank(own.0).max(self.public.0) - self.public.0,
            view.rank(own.1) - view.rank(own.0),
        );
        let skip = Geometric::new((parts.0 + parts.1) as f64 / space as f64)
            .expect("a probe's chance of mattering lies in [0, 1]");
        let index = (u64::from(host) << 32) | u64::from(self.starts[host as usize]);
        self.starts[host as usize] += 1;
        let seed = core.params.seed;
        let seen = if self.watched.is_empty() {
            None
        } else {
            self.seen(own, seed, index)
        };
        let scanner = Scanner {
            host,
            me,
            guess: start.guess,
            timing: core.timing_of(host),
            rng: rng::stream(seed, Purpose::RandomTargets, index),
            skip,
            seen,
            own,
            parts,
            public_around_own,
            phase: Phase::Exploiting,
            quiet: Vec::new(),
            next: SmallVec::new(),
            plan: SmallVec::new(),
            plan_idx: 0,
        };
        let slot = occupy(&mut self.scanners, &mut self.free, scanner);
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
            Phase::Plain { .. } => {
                self.settle_plain(core, slot, None);
                self.run_batch(core, slot, t);
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
