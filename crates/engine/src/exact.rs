//! The exact scanning driver: Blaster's sequential scan, without walking
//! the addresses one by one.
//!
//! A scanner sends batches of `batch_size` consecutive addresses, waits
//! `batch_wait`, then exploits the hosts that answered, one after another.
//! Most batches change nothing: they hold no candidate (see
//! [`wormscope_model::view`]), so their outcome and duration follow from
//! the static classes alone. The driver therefore looks explicitly only at
//! batches that contain a candidate or cross a segment boundary (where the
//! scanner's view changes: its own site's inside range, the end of the
//! space), and accounts for the batches in between as a *span* in closed
//! form:
//!
//! - batch `j` of a span starting at address `pos` and time `t0` starts at
//!   `t0 + j * batch_wait + busy(pos, pos + j * batch_size)`, where `busy`
//!   is the exploit time of the static answerers before it (rank queries);
//! - its probes' outcomes are the census of the span's addresses;
//! - the time-series row of each batch is found by searching `j` for each
//!   row boundary the span crosses.
//!
//! A span is accounted lazily, when the scanner reaches its end, stops
//! (reboot) or the run ends, so that only batches that really started are
//! counted. Nothing in a span depends on dynamic state, which is what makes
//! skipping it exact.

use wormscope_model::blaster::{Guess, Outcome, Timing, WormStart};
use wormscope_model::defense::DefensePlan;
use wormscope_model::net::{self, Service, ServiceSet};
use wormscope_model::view::{Slot, ViewRef};
use wormscope_model::{Host, HostId, NO_SITE, World};

use crate::core::{Core, ScanDriver};
use crate::observe::Span;

const SPACE_END: u64 = 1 << 32;
const NO_SLOT: u32 = u32::MAX;

/// One address range in which a scanner sees the world through one view.
#[derive(Clone, Copy)]
struct Segment<'w> {
    /// End (exclusive) of the segment.
    hi: u64,
    view: ViewRef<'w>,
    /// The scanner's own site drops its outgoing 135/tcp here.
    rpc_blocked: bool,
    /// The scanner's own site drops its outgoing 4444/tcp here.
    shell_blocked: bool,
}

impl Segment<'_> {
    /// Attacker time spent on the static answerers in `[lo, hi)`.
    fn busy(&self, timing: &Timing, lo: u64, hi: u64) -> u64 {
        if self.rpc_blocked || hi <= lo {
            return 0;
        }
        let n = self.view.ans.count_in(lo, hi) as u64;
        if n == 0 {
            return 0;
        }
        let slow = if self.shell_blocked {
            n
        } else {
            self.view.slow.count_in(lo, hi) as u64
        };
        timing.static_answerers_busy(n, slow)
    }
}

/// What comes after the wait in an explicit batch.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// A static answerer: busy this long, changes nothing.
    Static(u64),
    /// A candidate that answered: exploit it at its turn.
    Candidate(HostId),
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// `k` static batches from `pos` (the first starting at `t0`); the
    /// explicit batch after them starts at `t_next`.
    Span { t0: u64, k: u64, t_next: u64 },
    /// Working through `plan[plan_idx..]` of the batch that started at
    /// `batch_t`; the next step's event is scheduled.
    Exploiting,
}

struct Scanner {
    host: HostId,
    guess: Guess,
    /// Address of the first batch not yet accounted.
    pos: u64,
    phase: Phase,
    plan: Vec<Step>,
    plan_idx: usize,
}

/// The exact driver.
pub struct ExactDriver<'w> {
    world: &'w World,
    slot_of: Vec<u32>,
    scanners: Vec<Scanner>,
    free: Vec<u32>,
    /// Scratch for classifying one explicit batch: (address, slot).
    scratch: Vec<(u32, Slot)>,
}

impl<'w> ExactDriver<'w> {
    pub fn new(world: &'w World) -> Self {
        ExactDriver {
            world,
            slot_of: vec![NO_SLOT; world.n_candidates as usize],
            scanners: Vec::new(),
            free: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The segment holding address `pos` for a scanner on `host`, under
    /// the network filters in force at `t`. A segment never spans a change
    /// of filter status: ISP filters are per /16, so while they are on a
    /// segment ends at the next /16; enterprise filters end it at the next
    /// filtering network's edge.
    fn segment(&self, plan: &DefensePlan, host: &Host, pos: u64, t: u64) -> Segment<'w> {
        let world = self.world;
        let public = |hi| Segment {
            hi,
            view: world.public_view(),
            rpc_blocked: !net::egress_allows(world, host, Service::Rpc135Tcp),
            shell_blocked: !net::egress_allows(world, host, Service::Shell4444Tcp),
        };
        let mut seg = if host.site == NO_SITE {
            public(SPACE_END)
        } else {
            let inside = world.sites[host.site as usize].inside;
            let (ilo, ihi) = (u64::from(inside.base()), u64::from(inside.last()) + 1);
            if pos < ilo {
                public(ilo)
            } else if pos >= ihi {
                public(SPACE_END)
            } else {
                // Inside its own site no border filter applies.
                return Segment {
                    hi: ihi,
                    view: world.site_view(host.site),
                    rpc_blocked: false,
                    shell_blocked: false,
                };
            }
        };
        let mut drop = |blocks: ServiceSet| {
            seg.rpc_blocked |= blocks.contains(Service::Rpc135Tcp);
            seg.shell_blocked |= blocks.contains(Service::Shell4444Tcp);
        };
        if let Some(f) = plan.isp_filter().filter(|_| plan.isp_active(t)) {
            let block = pos >> 16;
            let own = world.public_addr(host) >> 16;
            if block != u64::from(own) {
                if plan.isp_filters(own) {
                    drop(f.blocks_out);
                }
                if plan.isp_filters(block as u32) {
                    drop(f.blocks_in);
                }
            }
            seg.hi = seg.hi.min((block + 1) << 16);
        }
        if let Some(f) = plan.border_filter().filter(|f| t >= f.start) {
            let (in_filtering, edge) = plan.border_range_at(pos).expect("border filter is on");
            if plan.border_filters_site(host.site) {
                drop(f.blocks_out);
            }
            if in_filtering {
                drop(f.blocks_in);
            }
            seg.hi = seg.hi.min(edge);
        }
        seg
    }

    /// Start time of batch `j` of a span from `pos` at `t0`.
    fn batch_start(seg: &Segment<'_>, timing: &Timing, pos: u64, t0: u64, j: u64) -> u64 {
        let b = u64::from(timing.batch_size);
        t0 + j * timing.batch_wait + seg.busy(timing, pos, pos + j * b)
    }

    /// Number of batches among the first `k` of a span that start before
    /// `limit`.
    fn batches_before(
        seg: &Segment<'_>,
        timing: &Timing,
        pos: u64,
        t0: u64,
        k: u64,
        limit: u64,
    ) -> u64 {
        if limit <= t0 {
            return 0;
        }
        let b = u64::from(timing.batch_size);
        if seg.busy(timing, pos, pos + k * b) == 0 {
            // Evenly spaced: batch j starts at t0 + j * wait.
            return (limit - t0).div_ceil(timing.batch_wait).min(k);
        }
        // Smallest j in [0, k] whose start is at or after the limit.
        let (mut lo, mut hi) = (0u64, k);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if Self::batch_start(seg, timing, pos, t0, mid) < limit {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Plans the span from `pos` at `t` up to the next batch that needs a
    /// look, and schedules that batch.
    fn plan_span(&mut self, core: &mut Core<'_>, slot: usize, pos: u64, t: u64) {
        let timing = core.timing_of(self.scanners[slot].host);
        let sc = &self.scanners[slot];
        let host = self.world.host(sc.host);
        let seg = self.segment(&core.plan, host, pos, t);
        let next_cand = if seg.rpc_blocked {
            None
        } else {
            seg.view
                .next_candidate(pos)
                .map(u64::from)
                .filter(|&a| a < seg.hi)
        };
        let look_at = next_cand.unwrap_or(seg.hi);
        let k = (look_at - pos) / u64::from(timing.batch_size);
        let t_next = Self::batch_start(&seg, &timing, pos, t, k);
        let host_id = sc.host;
        let sc = &mut self.scanners[slot];
        sc.pos = pos;
        sc.phase = Phase::Span { t0: t, k, t_next };
        core.schedule_scan(host_id, t_next);
    }

    /// Accounts the first `k` batches of the span from `pos` at `t0`: their
    /// outcomes and in which row each batch started.
    fn account_span(
        core: &mut Core<'_>,
        timing: Timing,
        seg: &Segment<'_>,
        pos: u64,
        t0: u64,
        k: u64,
    ) {
        if k == 0 {
            return;
        }
        let b = u64::from(timing.batch_size);
        let (lo, hi) = (pos, pos + k * b);
        debug_assert!(hi <= seg.hi, "a span never crosses its segment");
        let c = seg.view.census(lo, hi);
        core.count(Outcome::NoHost, (hi - lo) - c.live());
        if seg.rpc_blocked {
            core.count(Outcome::NoAnswer, c.live());
        } else {
            debug_assert_eq!(c.candidates, 0, "spans hold no reachable candidate");
            core.count(Outcome::NoAnswer, c.silent + c.candidates);
            core.count(Outcome::NoEffect, c.answerers);
        }

        let step = core.params.step;
        let last_start = Self::batch_start(seg, &timing, pos, t0, k - 1);
        if last_start / step == t0 / step {
            core.count_probes(t0, k * b);
            return;
        }
        let mut j = 0;
        let mut row = t0 / step;
        while j < k {
            let boundary = (row + 1) * step;
            let jb = Self::batches_before(seg, &timing, pos, t0, k, boundary);
            if jb > j {
                core.count_probes_in_row(row as usize, (jb - j) * b);
                j = jb;
            }
            if j < k {
                // Jump over rows in which no batch starts (always forward).
                row = (row + 1).max(Self::batch_start(seg, &timing, pos, t0, j) / step);
            }
        }
    }

    /// Shows the run's observer, if any, the first `k` batches of the span
    /// of `host` from `pos` at `t0`: the batches [`Self::account_span`]
    /// just counted.
    fn observe_span(&self, core: &mut Core<'_>, host: HostId, pos: u64, t0: u64, k: u64) {
        if k == 0 || core.observer().is_none() {
            return;
        }
        let timing = core.timing_of(host);
        let seg = self.segment(&core.plan, self.world.host(host), pos, t0);
        let start = |j| Self::batch_start(&seg, &timing, pos, t0, j);
        let before = |limit| Self::batches_before(&seg, &timing, pos, t0, k, limit);
        let span = Span::new(pos, k, timing.batch_size, &start, &before);
        if let Some(o) = core.observer() {
            o.span(host, &span);
        }
    }

    /// Runs the explicit batch at `pos` starting at `t`: classifies its
    /// addresses, counts what is settled now, and plans the exploits.
    fn run_batch(&mut self, core: &mut Core<'_>, slot: usize, pos: u64, t: u64) {
        let timing = core.timing_of(self.scanners[slot].host);
        let b = u64::from(timing.batch_size);
        let host_id = self.scanners[slot].host;
        let host = *self.world.host(host_id);
        core.count_probes(t, b);
        if let Some(o) = core.observer() {
            o.batch(host_id, pos as u32, timing.batch_size, t);
        }

        let mut plan = std::mem::take(&mut self.scanners[slot].plan);
        plan.clear();
        // Split the batch's addresses (which may wrap past the end of the
        // space) into pieces that each lie in one segment.
        let mut at = pos;
        let mut left = b;
        while left > 0 {
            let seg = self.segment(&core.plan, &host, at, t);
            let piece_end = (at + left).min(seg.hi);
            let n = piece_end - at;
            self.classify_piece(core, &seg, host_id, (at, piece_end), t, &mut plan);
            left -= n;
            at = if piece_end == SPACE_END { 0 } else { piece_end };
        }
        let next_pos = at;
        let sc = &mut self.scanners[slot];
        sc.plan = plan;
        sc.plan_idx = 0;
        sc.pos = next_pos;
        self.advance(core, slot, t + timing.batch_wait);
    }

    /// Classifies the addresses `[lo, hi)` of one segment within a batch
    /// sent at `t`.
    fn classify_piece(
        &mut self,
        core: &mut Core<'_>,
        seg: &Segment<'_>,
        host_id: HostId,
        (lo, hi): (u64, u64),
        t: u64,
        plan: &mut Vec<Step>,
    ) {
        let timing = core.timing_of(host_id);
        let v = seg.view;
        let scratch = &mut self.scratch;
        scratch.clear();
        let mut i = v.cand.rank(lo);
        while let Some(a) = v.cand.get(i).filter(|&a| u64::from(a) < hi) {
            scratch.push((a, Slot::Candidate(v.cand_host[i])));
            i += 1;
        }
        let mut i = v.ans.rank(lo);
        while let Some(a) = v.ans.get(i).filter(|&a| u64::from(a) < hi) {
            let slow = seg.shell_blocked || v.slow.contains(a);
            scratch.push((a, Slot::Answerer { slow }));
            i += 1;
        }
        let mut silent = v.silent.count_in(lo, hi) as u64;
        core.count(Outcome::NoHost, (hi - lo) - silent - scratch.len() as u64);
        scratch.sort_unstable_by_key(|e| e.0);
        for &(_, s) in scratch.iter() {
            match s {
                _ if seg.rpc_blocked => silent += 1,
                Slot::Answerer { slow } => {
                    core.count(Outcome::NoEffect, 1);
                    plan.push(Step::Static(if slow {
                        timing.attempt_filtered
                    } else {
                        timing.attempt_refused
                    }));
                }
                Slot::Candidate(v) => {
                    if core.answers(host_id, v, t) {
                        plan.push(Step::Candidate(v));
                    } else {
                        silent += 1;
                    }
                }
                Slot::Empty | Slot::Silent => {
                    unreachable!("only answerers and candidates are listed")
                }
            }
        }
        core.count(Outcome::NoAnswer, silent);
    }

    /// Works through the plan from `t`: static steps cost time; at a
    /// candidate, schedules its exploit; at the end, plans the next span.
    fn advance(&mut self, core: &mut Core<'_>, slot: usize, mut t: u64) {
        let sc = &mut self.scanners[slot];
        while let Some(&step) = sc.plan.get(sc.plan_idx) {
            match step {
                Step::Static(busy) => {
                    t += busy;
                    sc.plan_idx += 1;
                }
                Step::Candidate(_) => {
                    sc.phase = Phase::Exploiting;
                    core.schedule_scan(sc.host, t);
                    return;
                }
            }
        }
        let pos = sc.pos;
        self.plan_span(core, slot, pos, t);
    }

    /// Accounts whatever the scanner in `slot` did before `t` and frees it.
    fn wind_up(&mut self, core: &mut Core<'_>, slot: usize, t: u64) {
        let sc = &self.scanners[slot];
        let host = *self.world.host(sc.host);
        match sc.phase {
            Phase::Span { t0, k, .. } => {
                let timing = core.timing_of(sc.host);
                let seg = self.segment(&core.plan, &host, sc.pos, t0);
                let done = Self::batches_before(&seg, &timing, sc.pos, t0, k, t);
                Self::account_span(core, timing, &seg, sc.pos, t0, done);
                self.observe_span(core, sc.host, sc.pos, t0, done);
            }
            Phase::Exploiting => {
                let left = sc.plan[sc.plan_idx..]
                    .iter()
                    .filter(|s| matches!(s, Step::Candidate(_)))
                    .count();
                core.count(Outcome::Unresolved, left as u64);
            }
        }
        let host_id = self.scanners[slot].host;
        self.slot_of[host_id as usize] = NO_SLOT;
        self.free.push(slot as u32);
    }
}

impl ScanDriver for ExactDriver<'_> {
    fn start(&mut self, core: &mut Core<'_>, host: HostId, t: u64, start: WormStart) {
        let slot = match self.free.pop() {
            Some(s) => s as usize,
            None => {
                self.scanners.push(Scanner {
                    host,
                    guess: start.guess,
                    pos: 0,
                    phase: Phase::Exploiting,
                    plan: Vec::new(),
                    plan_idx: 0,
                });
                self.scanners.len() - 1
            }
        };
        let sc = &mut self.scanners[slot];
        sc.host = host;
        sc.guess = start.guess;
        sc.plan.clear();
        sc.plan_idx = 0;
        self.slot_of[host as usize] = slot as u32;
        self.plan_span(core, slot, u64::from(start.start), t);
    }

    fn step(&mut self, core: &mut Core<'_>, host: HostId, t: u64) {
        let slot = self.slot_of[host as usize] as usize;
        let sc = &self.scanners[slot];
        match sc.phase {
            Phase::Span { t0, k, t_next } => {
                debug_assert_eq!(t, t_next);
                let h = *self.world.host(host);
                let pos = sc.pos;
                let seg = self.segment(&core.plan, &h, pos, t0);
                let timing = core.timing_of(host);
                Self::account_span(core, timing, &seg, pos, t0, k);
                self.observe_span(core, host, pos, t0, k);
                let b = u64::from(timing.batch_size);
                let batch_pos = (pos + k * b) % SPACE_END;
                self.run_batch(core, slot, batch_pos, t_next);
            }
            Phase::Exploiting => {
                let Step::Candidate(victim) = sc.plan[sc.plan_idx] else {
                    unreachable!("an exploit event points at a candidate")
                };
                let guess = sc.guess;
                let busy = core.exploit(host, guess, victim, t);
                self.scanners[slot].plan_idx += 1;
                self.advance(core, slot, t + busy);
            }
        }
    }

    fn stop(&mut self, core: &mut Core<'_>, host: HostId, t: u64) {
        let slot = self.slot_of[host as usize];
        if slot != NO_SLOT {
            self.wind_up(core, slot as usize, t);
        }
    }

    fn filters_changed(&mut self, core: &mut Core<'_>, t: u64) {
        // A span planned before `t` assumed the old filters for all its
        // batches: keep the batches that started before `t`, replan the
        // rest from the first one at or after it.
        for slot in 0..self.scanners.len() {
            let sc = &self.scanners[slot];
            if self.slot_of[sc.host as usize] != slot as u32 {
                continue; // free slot
            }
            let timing = core.timing_of(sc.host);
            let b = u64::from(timing.batch_size);
            let Phase::Span { t0, k, .. } = sc.phase else {
                continue;
            };
            if t0 >= t {
                continue; // planned under the new filters already
            }
            let (host_id, pos) = (sc.host, sc.pos);
            let host = *self.world.host(host_id);
            let seg = self.segment(&core.plan, &host, pos, t0);
            let done = Self::batches_before(&seg, &timing, pos, t0, k, t);
            Self::account_span(core, timing, &seg, pos, t0, done);
            self.observe_span(core, host_id, pos, t0, done);
            let resume = Self::batch_start(&seg, &timing, pos, t0, done);
            core.cancel_scan(host_id);
            self.plan_span(core, slot, pos + done * b, resume);
        }
    }

    fn finish(&mut self, core: &mut Core<'_>, end: u64) {
        for slot in 0..self.scanners.len() {
            let host = self.scanners[slot].host;
            if self.slot_of[host as usize] == slot as u32 {
                self.wind_up(core, slot, end);
            }
        }
    }
}
