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
//! space, a filter's edge), and accounts for the batches in between as a
//! *span* in closed form:
//!
//! - the span's probe outcomes are the census of its addresses, counted
//!   between two entry indices of the view;
//! - batch `j` of a span starting at `t0` starts at `t0 + j * batch_wait`
//!   plus the exploit attempts on the static answerers before it
//!   ([`SpanClock`]); the batches are filed into time-series rows in one
//!   pass over those answerers.
//!
//! A candidate that cannot answer when its batch comes (its service is
//! down and nothing can bring it up before then: [`BlasterCore::silent_at`]) is
//! passed like a silent host, so that a host switched off for the night
//! or crashed does not stop every scan that passes it.
//!
//! Each scanner keeps a cursor: the entry index of its position in the view
//! it scans. Scanners only move forward, so finding the next candidate and
//! the census of a span are a few reads next to the cursor, not searches.
//!
//! A span is accounted lazily, when the scanner reaches its end, stops
//! (reboot), the filters change or the run ends, so that only batches that
//! really started are counted. Nothing in a span depends on dynamic state
//! that can change before its batches come, which is what makes skipping
//! it exact.

use smallvec::SmallVec;
use wormscope_model::blaster::{Guess, Outcome, Timing, WormStart};
use wormscope_model::defense::DefensePlan;
use wormscope_model::net;
use wormscope_model::service::{Service, ServiceSet};
use wormscope_model::view::{Slot, ViewRef, prefetch};
use wormscope_model::{Host, HostId, NO_SITE, World};

use crate::core::{BatchBudget, BlasterCore, Found, ScanDriver, UPCOMING};
use crate::observe::Span;

const SPACE_END: u64 = 1 << 32;
const NO_SLOT: u32 = u32::MAX;

/// One address range in which a scanner sees the world through one view.
#[derive(Clone, Copy)]
pub(crate) struct Segment<'w> {
    /// End (exclusive) of the segment.
    pub(crate) hi: u64,
    pub(crate) view: ViewRef<'w>,
    /// `view` is the scanner's own site's inside view.
    inside: bool,
    /// The scanner's probes to 135/tcp are dropped here (its site's or
    /// its ISP's egress filter, or the destination's ingress filter).
    pub(crate) rpc_blocked: bool,
    /// Connects to 4444/tcp are dropped here: answerers are slow.
    shell_blocked: bool,
}

impl Segment<'_> {
    /// Attacker time spent on the static answerers among entries `i..j`.
    fn busy(&self, timing: &Timing, i: u32, j: u32) -> u64 {
        if self.rpc_blocked {
            return 0;
        }
        let c = self.view.census_at(i, j);
        let slow = if self.shell_blocked {
            c.answerers
        } else {
            c.slow_answerers
        };
        timing.static_answerers_busy(c.answerers, slow)
    }

    /// Whether a static answerer is slow from here.
    pub(crate) fn slow(&self, slow: bool) -> bool {
        slow || self.shell_blocked
    }
}

/// The start times of a span's batches: evenly spaced by the wait, each
/// static answerer delaying the batches after its own by its attempt.
/// `pieces` holds `(first batch, busy before it)` for every batch at which
/// the delay grows, starting with `(0, 0)`.
pub(crate) struct SpanClock<'a> {
    pub(crate) t0: u64,
    pub(crate) wait: u64,
    pub(crate) k: u64,
    pub(crate) pieces: &'a [(u64, u64)],
}

impl SpanClock<'_> {
    /// Start of batch `j` (`j <= k`; batch `k` is the one after the span).
    fn start(&self, j: u64) -> u64 {
        let p = self.pieces.partition_point(|&(from, _)| from <= j) - 1;
        self.t0
            .saturating_add(j.saturating_mul(self.wait))
            .saturating_add(self.pieces[p].1)
    }

    /// Number of batches among the span's `k` that start before `limit`.
    pub(crate) fn before(&self, limit: u64) -> u64 {
        let mut n = 0;
        for (p, &(from, busy)) in self.pieces.iter().enumerate() {
            let to = self.pieces.get(p + 1).map_or(self.k, |q| q.0).min(self.k);
            if from >= to {
                break;
            }
            let base = self.t0.saturating_add(busy);
            let below = if limit <= base {
                0
            } else {
                (limit - base).div_ceil(self.wait)
            };
            let here = below.clamp(from, to) - from;
            n += here;
            if here < to - from {
                break;
            }
        }
        n
    }

    /// Calls `file(row, batches)` for every row of width `step` in which
    /// some of the span's first `k` batches start, in row order. One pass
    /// over the pieces; within a piece, rows follow one another without a
    /// division when batches come at least once a row (a long span crosses
    /// thousands of rows).
    pub(crate) fn file_rows(&self, step: u64, mut file: impl FnMut(u64, u64)) {
        let mut last_row = u64::MAX;
        let mut pending = 0u64;
        let mut put = |row: u64, n: u64| {
            if row != last_row {
                if pending > 0 {
                    file(last_row, pending);
                }
                last_row = row;
                pending = 0;
            }
            pending += n;
        };
        let wait = self.wait;
        let (step_q, step_r) = (step / wait, step % wait);
        for (p, &(from, busy)) in self.pieces.iter().enumerate() {
            let to = self.pieces.get(p + 1).map_or(self.k, |q| q.0).min(self.k);
            let base = self.t0.saturating_add(busy);
            let mut j = from;
            while j < to {
                let start = base.saturating_add(j.saturating_mul(wait));
                let mut row = start / step;
                // Batches of this piece before the row's end, `boundary`:
                // ceil((boundary - base) / wait), kept as quotient and
                // remainder so the next row's follows by addition.
                let boundary = (row + 1).saturating_mul(step);
                let gap = boundary.saturating_sub(base);
                let (mut q, mut r) = (gap / wait, gap % wait);
                loop {
                    let end = (q + u64::from(r > 0)).clamp(j + 1, to);
                    put(row, end - j);
                    j = end;
                    if j >= to || wait > step {
                        // Done, or the next batch may skip rows: find its
                        // row by division.
                        break;
                    }
                    row += 1;
                    q += step_q;
                    r += step_r;
                    if r >= wait {
                        q += 1;
                        r -= wait;
                    }
                }
            }
        }
        if pending > 0 {
            file(last_row, pending);
        }
    }
}

/// The candidates of one view's arrays found never to answer again (see
/// [`BlasterCore::never_answers`]), by candidate rank: a span skips them as it
/// skips silent hosts, instead of stopping at each. Learned lazily, by the
/// first scanner that finds one dead; never forgotten (it cannot revive).
#[derive(Default)]
struct Silenced {
    /// Union-find over ranks: `next[r] == r` for a candidate not known
    /// dead, else a later rank to look at (one past the last: none).
    next: Vec<u32>,
    /// How many are known dead, by rank (a Fenwick tree), for the census
    /// check of a span.
    #[cfg(debug_assertions)]
    count: Vec<u32>,
}

impl Silenced {
    /// Makes room for the ranks of `view`'s arrays.
    fn fit(&mut self, view: &ViewRef<'_>) {
        let n = view.cand_ranks() as usize;
        if self.next.len() != n + 1 {
            self.next = (0..=n as u32).collect();
            #[cfg(debug_assertions)]
            {
                self.count = vec![0; n + 1];
            }
        }
    }

    /// The first rank at or after `r` not known dead.
    fn alive_from(&mut self, mut r: u32) -> u32 {
        if self.next.is_empty() {
            return r;
        }
        while self.next[r as usize] != r {
            // Path halving: every other step skips what the next one knows.
            let up = self.next[self.next[r as usize] as usize];
            self.next[r as usize] = up;
            r = up;
        }
        r
    }

    fn mark(&mut self, view: &ViewRef<'_>, r: u32) {
        self.fit(view);
        if self.next[r as usize] == r {
            self.next[r as usize] = r + 1;
            #[cfg(debug_assertions)]
            {
                let mut i = r as usize + 1;
                while i < self.count.len() {
                    self.count[i] += 1;
                    i += i & i.wrapping_neg();
                }
            }
        }
    }

    fn prefetch(&self, r: u32) {
        if let Some(n) = self.next.get(r as usize) {
            prefetch(n);
        }
    }

    /// Known dead among the ranks below `r` (debug builds: the census
    /// check).
    #[cfg(debug_assertions)]
    fn dead_before(&self, r: u32) -> u64 {
        let mut n = 0u64;
        let mut i = (r as usize).min(self.count.len().saturating_sub(1));
        while i > 0 {
            n += u64::from(self.count[i]);
            i -= i & i.wrapping_neg();
        }
        n
    }
}

/// What comes after the wait in an explicit batch (here and in the
/// random-targets driver).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step {
    /// A static answerer, slow or not: costs an attempt, changes nothing.
    Static { slow: bool },
    /// A candidate that answered: exploit it at its turn.
    Candidate(HostId),
}

/// Works through `plan` from step `*next` at `t`: static answerers cost
/// their attempts. Returns when the next candidate's exploit starts, or
/// `None` with the time the plan ends.
pub(crate) fn work_through(
    plan: &[Step],
    next: &mut u32,
    timing: &Timing,
    mut t: u64,
) -> Result<u64, u64> {
    while let Some(&step) = plan.get(*next as usize) {
        match step {
            Step::Static { slow } => {
                t = t.saturating_add(attempt(timing, slow));
                *next += 1;
            }
            Step::Candidate(_) => return Ok(t),
        }
    }
    Err(t)
}

/// The candidates of `plan` from step `next` on: left unresolved when the
/// scan stops.
pub(crate) fn unresolved(plan: &[Step], next: u32) -> u64 {
    plan[next as usize..]
        .iter()
        .filter(|s| matches!(s, Step::Candidate(_)))
        .count() as u64
}

/// Puts `scanner` in a free slot of `scanners` (or a new one) and returns
/// the slot.
pub(crate) fn occupy<T>(scanners: &mut Vec<T>, free: &mut Vec<u32>, scanner: T) -> usize {
    match free.pop() {
        Some(s) => {
            scanners[s as usize] = scanner;
            s as usize
        }
        None => {
            scanners.push(scanner);
            scanners.len() - 1
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// `k` static batches from `pos` (the first starting at `t0`) up to
    /// entry `end_idx`; the explicit batch after them starts at `t_next`
    /// and holds the candidate `next` (address, host), if any (it may end
    /// at a segment's edge instead).
    Span {
        t0: u64,
        k: u64,
        t_next: u64,
        end_idx: u32,
        next: Option<(u32, HostId)>,
        /// The candidate rank the search for `next` stopped at.
        rank: u32,
        /// Candidates of the span passed because they could not answer
        /// ([`BlasterCore::silent_at`]); the rest it holds were dead. Only for
        /// debug builds' census check.
        #[cfg(debug_assertions)]
        skipped: u32,
    },
    /// Working through `plan[plan_idx..]` of the last explicit batch; the
    /// next step's event is scheduled.
    Exploiting,
}

/// Where a scanner's position lies in a view: the entry index of `pos`
/// (the rank of the address) in its own site's view or the public one.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    inside: bool,
    pos: u64,
    idx: u32,
}

/// A running worm's scan. Read at every one of its events, in no order a
/// cache could predict: kept to two cache lines.
#[repr(align(64))]
struct Scanner {
    host: HostId,
    /// The scanning host, copied.
    me: Host,
    guess: Guess,
    /// Index of the timings of the worm running here (Blaster's or
    /// Welchia's) in the driver's table.
    timing: u8,
    plan_idx: u32,
    /// Address of the first batch not yet accounted.
    pos: u64,
    cursor: Option<Cursor>,
    phase: Phase,
    /// What follows the wait of the last explicit batch (inline: a batch
    /// rarely holds more than a few answering hosts).
    plan: SmallVec<[Step; 2]>,
}

/// Which of the core's scan keys a driver uses: `slot << shift | offset`
/// for its scanner slots. Two drivers that share one core (Blaster's
/// random targeting beside Welchia's sequential sweep) take a lane each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane {
    shift: u32,
    offset: u32,
}

impl Lane {
    /// Every key: a driver alone on its core.
    pub const ALL: Lane = Lane {
        shift: 0,
        offset: 0,
    };

    /// Lane `offset` of two (0 or 1): every other key.
    pub const fn of_two(offset: u32) -> Lane {
        assert!(offset < 2);
        Lane { shift: 1, offset }
    }

    /// The key of scanner slot `slot`.
    #[inline]
    pub fn key(self, slot: usize) -> u32 {
        ((slot as u32) << self.shift) | self.offset
    }

    /// The slot of `key`, or `usize::MAX` when the key is another lane's
    /// (or names none).
    #[inline]
    pub fn slot(self, key: u32) -> usize {
        if key & ((1 << self.shift) - 1) == self.offset {
            (key >> self.shift) as usize
        } else {
            usize::MAX
        }
    }
}

/// The exact driver.
pub struct ExactDriver<'w> {
    world: &'w World,
    slot_of: Vec<u32>,
    scanners: Vec<Scanner>,
    free: Vec<u32>,
    /// Scratch for a span's clock pieces.
    pieces: Vec<(u64, u64)>,
    /// Dead candidates of the public view and of the sites' views.
    silenced: [Silenced; 2],
    /// The timings of the worms seen so far (scanners name theirs by
    /// index).
    timings: Vec<Timing>,
    /// Per slot: the batches its scanner may still send (`[worm.stop]
    /// after_probes`). Kept beside the scanners, which are sized to two
    /// cache lines.
    budgets: Vec<BatchBudget>,
    /// The scan keys this driver uses.
    lane: Lane,
}

impl<'w> ExactDriver<'w> {
    pub fn new(world: &'w World) -> Self {
        Self::in_lane(world, Lane::ALL)
    }

    /// A driver that schedules its scans under `lane`'s keys only, so that
    /// another driver can share the core with it.
    pub fn in_lane(world: &'w World, lane: Lane) -> Self {
        ExactDriver {
            lane,
            world,
            slot_of: vec![NO_SLOT; world.n_candidates as usize],
            scanners: Vec::new(),
            free: Vec::new(),
            pieces: Vec::new(),
            silenced: [Silenced::default(), Silenced::default()],
            timings: Vec::new(),
            budgets: Vec::new(),
        }
    }

    fn timing(&self, slot: usize) -> Timing {
        self.timings[self.scanners[slot].timing as usize]
    }

    /// The segment holding address `pos` for a scanner on `host`, under
    /// the network filters in force at `t`. A segment never spans a change
    /// of filter status: ISP filters are per /16, so while they are on a
    /// segment ends at the next /16; enterprise filters end it at the next
    /// filtering network's edge.
    pub(crate) fn segment(
        world: &'w World,
        plan: &DefensePlan,
        host: &Host,
        pos: u64,
        t: u64,
    ) -> Segment<'w> {
        let public = |hi| Segment {
            hi,
            view: world.public_view(),
            inside: false,
            rpc_blocked: !net::egress_allows(&world.sites, host, Service::Rpc135Tcp),
            shell_blocked: !net::egress_allows(&world.sites, host, Service::Shell4444Tcp),
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
                    inside: true,
                    rpc_blocked: false,
                    shell_blocked: false,
                };
            }
        };
        if !plan.has_network_filters() {
            return seg;
        }
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

    /// The segment of scanner `slot` at `pos` under the filters at `t`.
    fn segment_of(&self, core: &BlasterCore<'_>, slot: usize, pos: u64, t: u64) -> Segment<'w> {
        Self::segment(self.world, &core.plan, &self.scanners[slot].me, pos, t)
    }

    /// The entry index of `pos` in `seg`'s view, from the scanner's cursor
    /// when it lies in the same view at or before `pos`.
    fn index_of(&self, slot: usize, seg: &Segment<'_>, pos: u64) -> u32 {
        match self.scanners[slot].cursor {
            Some(c) if c.inside == seg.inside && c.pos <= pos => seg.view.seek(c.idx, pos),
            _ => seg.view.rank(pos),
        }
    }

    /// The clock of the span of `k` batches from `pos` (entry `i`) at `t0`
    /// in `seg`, its pieces kept in `pieces`.
    fn clock<'p>(
        pieces: &'p mut Vec<(u64, u64)>,
        seg: &Segment<'_>,
        timing: &Timing,
        span: (u64, u32, u64, u64),
    ) -> SpanClock<'p> {
        let (pos, i, t0, k) = span;
        let b = u64::from(timing.batch_size);
        pieces.clear();
        pieces.push((0, 0));
        if !seg.rpc_blocked && k > 0 {
            let end = seg.view.seek(i, pos + k * b);
            let mut busy = 0u64;
            for (idx, slow) in seg.view.answerers(i, end) {
                busy = busy.saturating_add(attempt(timing, seg.slow(slow)));
                let from = (u64::from(seg.view.addr(idx)) - pos) / b + 1;
                match pieces.last_mut() {
                    Some(last) if last.0 == from => last.1 = busy,
                    _ => pieces.push((from, busy)),
                }
            }
        }
        SpanClock {
            t0,
            wait: timing.batch_wait,
            k,
            pieces,
        }
    }

    /// Plans the span from `pos` at `t` up to the next batch that needs a
    /// look, and schedules that batch.
    fn plan_span(&mut self, core: &mut BlasterCore<'_>, slot: usize, pos: u64, t: u64) {
        let seg = self.segment_of(core, slot, pos, t);
        let i = self.index_of(slot, &seg, pos);
        let timing = self.timing(slot);
        let b = u64::from(timing.batch_size);
        let mut rank = seg.view.cand_rank(i);
        // The span that ends at the batch holding address `addr` (the
        // view's entry `entry`, or the segment's end): its batches, the
        // entry of the batch after them, and when that batch starts.
        let span_end = |addr: u64, entry: Option<u32>| {
            let k = (addr - pos) / b;
            let end = match entry {
                // The span ends less than a batch before the candidate:
                // look back from it, not at every entry of the span.
                Some(mut end) => {
                    while end > i && u64::from(seg.view.addr(end - 1)) >= pos + k * b {
                        end -= 1;
                    }
                    end
                }
                None => seg.view.seek(i, pos + k * b),
            };
            let start = t
                .saturating_add(k.saturating_mul(timing.batch_wait))
                .saturating_add(seg.busy(&timing, i, end));
            (k, end, start)
        };
        #[cfg(debug_assertions)]
        let mut skipped = 0u32;
        let mut next = None;
        if !seg.rpc_blocked {
            let silenced = &mut self.silenced[usize::from(seg.inside)];
            seg.view.prefetch_candidate(rank);
            rank = silenced.alive_from(rank);
            // Candidates that cannot answer when their batch comes are
            // passed like silent hosts.
            while let Some(c) = seg
                .view
                .candidate(rank)
                .filter(|c| u64::from(c.addr) < seg.hi)
            {
                let end = span_end(u64::from(c.addr), Some(c.entry));
                if !core.silent_at(c.host, end.2) {
                    next = Some((c, end));
                    break;
                }
                #[cfg(debug_assertions)]
                {
                    skipped += 1;
                }
                rank = silenced.alive_from(rank + 1);
            }
        }
        let (mut k, mut end_idx, mut t_next) = match next {
            Some((_, end)) => end,
            None => span_end(seg.hi, None),
        };
        let mut next = next.map(|(c, _)| (c.addr, c.host));
        if let Some(left) = self.budgets[slot].left()
            && k >= left
        {
            // The probe limit comes first: the span ends with the last
            // batch allowed, and at its event the scan stops.
            (k, end_idx, t_next) = span_end(pos + left * b, None);
            next = None;
        }
        let sc = &mut self.scanners[slot];
        let host = sc.host;
        sc.pos = pos;
        sc.cursor = Some(Cursor {
            inside: seg.inside,
            pos,
            idx: i,
        });
        sc.phase = Phase::Span {
            t0: t,
            k,
            t_next,
            end_idx,
            next,
            rank,
            #[cfg(debug_assertions)]
            skipped,
        };
        core.schedule_scan(host, self.lane.key(slot), t_next);
    }

    /// Accounts the first `done` batches of scanner `slot`'s planned span
    /// (its probes' outcomes, the rows their batches started in) and shows
    /// them to the run's observer. Returns how many batches that was and
    /// when the batch after them starts.
    fn settle_span(&mut self, core: &mut BlasterCore<'_>, slot: usize, done: Done) -> (u64, u64) {
        let sc = &self.scanners[slot];
        let Phase::Span {
            t0,
            k,
            t_next,
            end_idx,
            #[cfg(debug_assertions)]
            skipped,
            ..
        } = sc.phase
        else {
            unreachable!("settling a span")
        };
        let (host, pos, timing) = (sc.host, sc.pos, self.timing(slot));
        let i = sc.cursor.expect("a planned span has a cursor").idx;
        let seg = self.segment_of(core, slot, pos, t0);
        let b = u64::from(timing.batch_size);
        let observed = core.observer().is_some();
        let step = core.params.step;
        // Without static answerers the batches are evenly spaced: no clock.
        let whole = seg.view.census_at(i, end_idx);
        let no_answerers = seg.rpc_blocked || whole.answerers == 0;
        let even = SpanClock {
            t0,
            wait: timing.batch_wait,
            k,
            pieces: &[(0, 0)],
        };
        let clock = if no_answerers {
            even
        } else {
            Self::clock(&mut self.pieces, &seg, &timing, (pos, i, t0, k))
        };
        let n = match done {
            Done::All => k,
            Done::Before(limit) => clock.before(limit),
        };
        self.budgets[slot].spend(n);
        let resume = if n == k { t_next } else { clock.start(n) };
        if n > 0 {
            let clock = SpanClock { k: n, ..clock };
            let end = if n == k {
                end_idx
            } else {
                seg.view.seek(i, pos + n * b)
            };
            let c = if n == k {
                whole
            } else {
                seg.view.census_at(i, end)
            };
            let (lo, hi) = (pos, pos + n * b);
            debug_assert!(hi <= seg.hi, "a span never crosses its segment");
            core.count(Outcome::NoHost, (hi - lo) - c.live());
            if seg.rpc_blocked {
                core.count(Outcome::NoAnswer, c.live());
            } else {
                #[cfg(debug_assertions)]
                {
                    // Dead when the span was planned, or passed then as
                    // silent; some of those may have been found dead since.
                    let dead = &self.silenced[usize::from(seg.inside)];
                    let (r0, r1) = (seg.view.cand_rank(i), seg.view.cand_rank(end));
                    let dead = dead.dead_before(r1) - dead.dead_before(r0);
                    assert!(
                        dead <= c.candidates && c.candidates <= dead + u64::from(skipped),
                        "spans hold no reachable candidate but dead and silent ones"
                    );
                }
                core.count(Outcome::NoAnswer, c.silent + c.candidates);
                core.count(Outcome::NoEffect, c.answerers);
            }
            clock.file_rows(step, |row, batches| {
                core.count_probes_in_row(row as usize, batches * b)
            });
            if observed {
                let start = |j| clock.start(j);
                let before = |limit| clock.before(limit);
                let span = Span::new(pos, n, timing.batch_size, &start, &before);
                if let Some(o) = core.observer() {
                    o.span(host, &span);
                }
            }
        }
        (n, resume)
    }

    /// Runs the explicit batch at `pos` starting at `t`: classifies its
    /// addresses, counts what is settled now, and plans the exploits.
    /// `known`: a candidate of the batch already looked up (address, host).
    fn run_batch(
        &mut self,
        core: &mut BlasterCore<'_>,
        slot: usize,
        (pos, t): (u64, u64),
        known: Option<(u32, HostId)>,
    ) {
        let (host_id, timing) = (self.scanners[slot].host, self.timing(slot));
        let b = u64::from(timing.batch_size);
        self.budgets[slot].spend(1);
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
            let seg = self.segment_of(core, slot, at, t);
            let piece_end = (at + left).min(seg.hi);
            let mut i = self.index_of(slot, &seg, at);
            let (mut live, mut silent) = (0u64, 0u64);
            while i < seg.view.end() && u64::from(seg.view.addr(i)) < piece_end {
                live += 1;
                match seg.view.slot_at_knowing(i, known) {
                    _ if seg.rpc_blocked => silent += 1,
                    Slot::Answerer { slow } => {
                        core.count(Outcome::NoEffect, 1);
                        plan.push(Step::Static {
                            slow: seg.slow(slow),
                        });
                    }
                    Slot::Candidate(v) => {
                        // The segment is reachable (not `rpc_blocked`),
                        // and its view lists only candidates the network
                        // lets 135/tcp reach from here.
                        if core.answers_reached(v, t) {
                            plan.push(Step::Candidate(v));
                        } else {
                            silent += 1;
                            if core.never_answers(v, t) {
                                let r = seg.view.cand_rank(i);
                                self.silenced[usize::from(seg.inside)].mark(&seg.view, r);
                            }
                        }
                    }
                    Slot::Silent | Slot::Empty => silent += 1,
                }
                i += 1;
            }
            core.count(Outcome::NoHost, (piece_end - at) - live);
            core.count(Outcome::NoAnswer, silent);
            self.scanners[slot].cursor = Some(Cursor {
                inside: seg.inside,
                pos: piece_end,
                idx: i,
            });
            left -= piece_end - at;
            at = if piece_end == SPACE_END { 0 } else { piece_end };
        }
        let sc = &mut self.scanners[slot];
        sc.plan = plan;
        sc.plan_idx = 0;
        sc.pos = at;
        self.advance(core, slot, t.saturating_add(timing.batch_wait));
    }

    /// Works through the plan from `t`: static steps cost time; at a
    /// candidate, schedules its exploit; at the end, plans the next span.
    fn advance(&mut self, core: &mut BlasterCore<'_>, slot: usize, t: u64) {
        let (timing, lane) = (self.timing(slot), self.lane);
        let sc = &mut self.scanners[slot];
        match work_through(&sc.plan, &mut sc.plan_idx, &timing, t) {
            Ok(exploit_at) => {
                sc.phase = Phase::Exploiting;
                core.schedule_scan(sc.host, lane.key(slot), exploit_at);
            }
            Err(end) => {
                let pos = sc.pos;
                self.plan_span(core, slot, pos, end);
            }
        }
    }

    /// Accounts whatever the scanner in `slot` did before `t` and frees it.
    fn wind_up(&mut self, core: &mut BlasterCore<'_>, slot: usize, t: u64) {
        match self.scanners[slot].phase {
            Phase::Span { .. } => {
                self.settle_span(core, slot, Done::Before(t));
            }
            Phase::Exploiting => {
                let sc = &self.scanners[slot];
                core.count(Outcome::Unresolved, unresolved(&sc.plan, sc.plan_idx));
            }
        }
        let host_id = self.scanners[slot].host;
        core.cancel_scan(self.lane.key(slot));
        self.slot_of[host_id as usize] = NO_SLOT;
        self.free.push(slot as u32);
    }
}

/// Attacker time spent on one static answerer.
fn attempt(timing: &Timing, slow: bool) -> u64 {
    if slow {
        timing.attempt_filtered
    } else {
        timing.attempt_refused
    }
}

/// What a probe of `me`'s to `addr` at `t` finds, by the world's views
/// under the filters in force at `t`: how the exact drivers classify one
/// address (a random target, a hit list's entry).
pub(crate) fn look_up(
    world: &World,
    core: &BlasterCore<'_>,
    me: &Host,
    addr: u32,
    t: u64,
) -> Found {
    let seg = ExactDriver::segment(world, &core.plan, me, u64::from(addr), t);
    match seg.view.slot(addr) {
        Slot::Empty => Found::Nothing(Outcome::NoHost),
        _ if seg.rpc_blocked => Found::Nothing(Outcome::NoAnswer),
        Slot::Silent => Found::Nothing(Outcome::NoAnswer),
        Slot::Answerer { slow } => Found::Static {
            slow: seg.slow(slow),
        },
        // The view lists only candidates the network lets 135/tcp reach
        // from here (see `run_batch`).
        Slot::Candidate(victim) if core.answers_reached(victim, t) => Found::Candidate(victim),
        Slot::Candidate(_) => Found::Nothing(Outcome::NoAnswer),
    }
}

/// How much of a planned span to settle.
#[derive(Clone, Copy)]
enum Done {
    All,
    /// The batches that start before this time.
    Before(u64),
}

impl ScanDriver for ExactDriver<'_> {
    fn start(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64, start: WormStart) {
        let timing = core.timing_of(host);
        let timing = match self.timings.iter().position(|&t| t == timing) {
            Some(i) => i,
            None => {
                self.timings.push(timing);
                self.timings.len() - 1
            }
        };
        let scanner = Scanner {
            host,
            me: *self.world.host(host),
            guess: start.guess,
            timing: u8::try_from(timing).expect("a few worms' timings"),
            pos: 0,
            cursor: None,
            phase: Phase::Exploiting,
            plan: SmallVec::new(),
            plan_idx: 0,
        };
        let slot = occupy(&mut self.scanners, &mut self.free, scanner);
        self.scanners[slot].plan.clear();
        self.slot_of[host as usize] = slot as u32;
        if self.budgets.len() <= slot {
            self.budgets.resize(slot + 1, BatchBudget::UNLIMITED);
        }
        self.budgets[slot] = core.batch_budget(host);
        self.plan_span(core, slot, u64::from(start.start), t);
    }

    fn step(&mut self, core: &mut BlasterCore<'_>, host: HostId, key: u32, t: u64) {
        let slot = self.lane.slot(key);
        debug_assert_eq!(self.slot_of[host as usize] as usize, slot);
        let sc = &self.scanners[slot];
        match sc.phase {
            Phase::Span {
                k,
                t_next,
                next,
                end_idx,
                ..
            } => {
                debug_assert_eq!(t, t_next);
                let b = u64::from(self.timing(slot).batch_size);
                let end = sc.pos + k * b;
                self.settle_span(core, slot, Done::All);
                if self.budgets[slot].is_spent() {
                    // Its probe limit or its payload's crash: no batch after the span.
                    self.slot_of[host as usize] = NO_SLOT;
                    self.free.push(slot as u32);
                    core.scan_spent(host, t);
                    return;
                }
                // The batch starts where the span ends: so does the cursor.
                let sc = &mut self.scanners[slot];
                if let Some(c) = &mut sc.cursor {
                    (c.pos, c.idx) = (end, end_idx);
                }
                self.run_batch(core, slot, (end % SPACE_END, t_next), next);
            }
            Phase::Exploiting => {
                let Step::Candidate(victim) = sc.plan[sc.plan_idx as usize] else {
                    unreachable!("an exploit event points at a candidate")
                };
                let guess = sc.guess;
                let (busy, _) = core.exploit(host, guess, victim, t);
                self.scanners[slot].plan_idx += 1;
                self.advance(core, slot, t.saturating_add(busy));
            }
        }
    }

    fn prefetch(&self, core: &BlasterCore<'_>, upcoming: &[u32; UPCOMING]) {
        // Each scan is hinted as it moves up, one stage a call: seven
        // events ahead its record; four ahead what its step reads first
        // (by then the record has come in); two ahead what that leads to.
        // With millions of scanners every one of these is a miss to
        // memory, which one event ahead did not hide.
        let scanner = |key: u32| self.scanners.get(self.lane.slot(key));
        if let Some(sc) = scanner(upcoming[7]) {
            prefetch(sc);
        }
        let view_of = |sc: &Scanner| {
            let inside = sc.cursor.is_some_and(|c| c.inside);
            let view = if inside {
                self.world.site_view(sc.me.site)
            } else {
                self.world.public_view()
            };
            (inside, view)
        };
        if let Some(sc) = scanner(upcoming[4]) {
            match sc.phase {
                Phase::Span {
                    end_idx,
                    next,
                    rank,
                    ..
                } => {
                    let (inside, view) = view_of(sc);
                    view.prefetch(end_idx);
                    if let Some(c) = sc.cursor {
                        view.prefetch(c.idx);
                    }
                    if let Some((_, victim)) = next {
                        core.prefetch_host(victim);
                        // The search after this candidate starts at the
                        // next rank.
                        view.prefetch_candidate(rank + 1);
                        self.silenced[usize::from(inside)].prefetch(rank + 1);
                    }
                }
                Phase::Exploiting => {
                    if let Some(&Step::Candidate(victim)) = sc.plan.get(sc.plan_idx as usize) {
                        core.prefetch_host(victim);
                        core.prefetch_host(sc.host);
                    }
                }
            }
        }
        if let Some(sc) = scanner(upcoming[2])
            && let Phase::Span {
                next: Some(_),
                rank,
                ..
            } = sc.phase
        {
            let (_, view) = view_of(sc);
            if let Some(c) = view.candidate(rank + 1) {
                view.prefetch(c.entry);
            }
        }
    }

    fn stop(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64) {
        let slot = self.slot_of[host as usize];
        if slot != NO_SLOT {
            self.wind_up(core, slot as usize, t);
        }
    }

    fn filters_changed(&mut self, core: &mut BlasterCore<'_>, t: u64) {
        // A span planned before `t` assumed the old filters for all its
        // batches: keep the batches that started before `t`, replan the
        // rest from the first one at or after it.
        for slot in 0..self.scanners.len() {
            let sc = &self.scanners[slot];
            if self.slot_of[sc.host as usize] != slot as u32 {
                continue; // free slot
            }
            let Phase::Span { t0, .. } = sc.phase else {
                continue;
            };
            if t0 >= t {
                continue; // planned under the new filters already
            }
            let (pos, b) = (sc.pos, u64::from(self.timing(slot).batch_size));
            let (done, resume) = self.settle_span(core, slot, Done::Before(t));
            core.cancel_scan(self.lane.key(slot));
            self.plan_span(core, slot, (pos + done * b) % SPACE_END, resume);
        }
    }

    fn finish(&mut self, core: &mut BlasterCore<'_>, end: u64) {
        for slot in 0..self.scanners.len() {
            let host = self.scanners[slot].host;
            if self.slot_of[host as usize] == slot as u32 {
                self.wind_up(core, slot, end);
            }
        }
    }

    fn look(&self, core: &BlasterCore<'_>, scanner: HostId, addr: u32, t: u64) -> Found {
        look_up(self.world, core, self.world.host(scanner), addr, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The clock's closed forms against batch-by-batch sums.
        #[test]
        fn span_clock_agrees_with_each_batch(
            t0 in 0u64..10_000,
            wait in 1u64..500,
            k in 0u64..300,
            steps in prop::collection::vec((0u64..300, 0u64..2_000), 0..6),
            step in 1u64..2_000,
            limits in prop::collection::vec(0u64..200_000, 1..8),
        ) {
            let mut pieces = vec![(0u64, 0u64)];
            let mut froms: Vec<(u64, u64)> = steps;
            froms.sort_unstable();
            let mut busy = 0;
            for (from, add) in froms {
                let from = from + 1;
                busy += add;
                match pieces.last_mut() {
                    Some(last) if last.0 == from => last.1 = busy,
                    Some(last) if last.0 > from => {}
                    _ => pieces.push((from, busy)),
                }
            }
            let clock = SpanClock { t0, wait, k, pieces: &pieces };
            let start = |j: u64| {
                let b = pieces.iter().rev().find(|p| p.0 <= j).unwrap().1;
                t0 + j * wait + b
            };
            for j in 0..=k {
                prop_assert_eq!(clock.start(j), start(j));
            }
            for limit in limits {
                let n = (0..k).filter(|&j| start(j) < limit).count() as u64;
                prop_assert_eq!(clock.before(limit), n);
            }
            let mut by_row = std::collections::BTreeMap::new();
            for j in 0..k {
                *by_row.entry(start(j) / step).or_insert(0u64) += 1;
            }
            let mut filed = Vec::new();
            clock.file_rows(step, |row, n| filed.push((row, n)));
            prop_assert_eq!(filed, by_row.into_iter().collect::<Vec<_>>());
        }
    }
}
