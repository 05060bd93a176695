//! The random-targets driver: Blaster's batches with every address drawn
//! at random (`[worm] targeting = "uniform-random"` or
//! `"local-preference"`), exact in distribution, without drawing the
//! addresses that cannot matter; or walked along a permutation
//! (`"permutation"`, below).
//!
//! A scanner draws each address from one of its [`Windows`]: the whole
//! IPv4 space, or (local preference) its own /16, its own /8 or the whole
//! space, each by its share. A probe *matters to the outbreak* when it
//! lands inside the scanner's own site or on a public view entry that
//! answers or may (a candidate, an answerer; a silent host never does).
//! Each probe does so with a fixed chance (per window: its share times the
//! part of it that matters), so the number of probes before the next one
//! that matters is geometric; its window is drawn by those parts, and its
//! address uniformly among what matters in the window (the own site's
//! range, then the answering entries outside it: `ViewRef::nth_answering`).
//! The driver draws exactly that, from the scanner's own stream (the
//! window only when there are several):
//!
//! - the targets are drawn batch by batch when the scanner plans ahead, in
//!   the order a batch would draw them. A target needs no look when its
//!   batch comes if nothing lives there, if it never answers from here
//!   whatever the filters (they only ever silence more), or if it is a
//!   candidate that cannot answer by then ([`BlasterCore::silent_at`], as the
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
//! accounted: a geometric skip over those probes, each hit in a window
//! drawn by its share of them, uniform among the watched addresses there
//! that hold nothing or a silent host and lie outside the own site.
//! The rest reach observers as counts ([`Observer::plain`]). Which of the
//! probes that do not matter find a silent host, rather than none, is a
//! count too: a binomial split from a third stream, with each probe's
//! chance, as their batches are accounted (so outcome totals are exact in
//! distribution; which watched address was silent is the observers' draw).
//! Neither the outbreak's draws nor the outcome split depend on what is
//! watched: a run with sensors, without, or with one capture's vantage is
//! the same outbreak, with the same totals, for the same seed.
//!
//! **Permutation scanning** (Staniford, Paxson and Weaver 2002) walks the
//! model's [`PermutationScan`] of the space instead of drawing: the same
//! probes matter, and the next one is found by position (the answering
//! public entries' positions, indexed once; each own range's, indexed when
//! first met), so the count before it is the walk's, not a geometric draw.
//! A batch is the walk's next `batch_size` positions; when an exploit
//! finds the worm already there, the walk jumps to a random position, where
//! the next batch starts. The reference walks the same `PermutationScan`
//! from the same stream address by address, so the two agree run by run
//! on the outbreak. The probes that do not matter are split between silent
//! hosts and none, and shown to observers, as uniform targets' are: exact
//! in distribution over keys, not for one key (which addresses a walk
//! passes before the hosts it finds is not uniform).
//!
//! What it may not touch: the outcome of a probe (the core's), how the
//! views classify addresses (the world's). Welchia, whose sweep is its own,
//! runs on an [`ExactDriver`] in the other [`Lane`] of the same core.
//!
//! The reference driver (`wormscope-reference`) draws every address of
//! every batch; the two agree in distribution (`crates/reference/tests/
//! random_targets.rs`).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::rc::Rc;
use wormscope_model::blaster::{Guess, Outcome, Timing, WormStart};
use wormscope_model::rng::{self, Purpose};
use wormscope_model::targeting::{
    LocalShares, Permutation, PermutationScan, TargetSource, Windows,
};
use wormscope_model::view::{Census, Slot};
use wormscope_model::{Host, HostId, NO_SITE, World};
use wormscope_scenario::{BlasterConfig, TargetingKind};

use crate::core::{BatchBudget, BlasterCore, Found, ScanDriver, UPCOMING};
use crate::draws::{Skips, binomial, dropped_of};
use crate::exact::{ExactDriver, Lane, SpanClock, Step, look_up, occupy, unresolved, work_through};
use crate::observe::{Observer, PlainRun, Watched};
use crate::positions::PositionIndex;

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
    skip: Skips,
    /// What observers see of the other probes: hits on watched addresses
    /// (none when nothing is watched).
    seen: Option<Seen>,
    /// Of the probes that do not matter to the outbreak, the share that
    /// find a silent host (the rest find none), and the stream that splits
    /// them; `None` when no silent host can be hit.
    silent: Option<(f64, ChaCha8Rng)>,
    /// The scanner's own site's inside range (empty without a site):
    /// probes into it never cross the network, and a capacity drops none.
    own: (u64, u64),
    /// The windows its addresses are drawn from, as they matter.
    windows: SmallVec<[Part; 1]>,
    /// Which window a probe that matters lies in: running sums of each
    /// window's chance (unused with one window).
    pick: SmallVec<[f64; 1]>,
    /// A permutation scanner's walk; `None` for drawn targets (then `skip`,
    /// `windows` and `pick` draw the probes that matter). Boxed: the other
    /// targetings' scanners stay as small as they were.
    walker: Option<Box<Walker>>,
    phase: Phase,
    /// The targets drawn for the batches of a plain run, in order, with
    /// their batch (counted from the run's start) and what they find:
    /// nothing, or a host that never answers ([`is_quiet`]).
    quiet: Vec<(u64, u32, Outcome)>,
    /// The targets drawn for the batch after a plain run.
    next: SmallVec<[u32; 2]>,
    plan: SmallVec<[Step; 2]>,
    plan_idx: u32,
    /// Batches it may still send (`[worm.stop] after_probes`).
    budget: BatchBudget,
    /// Which of its probes a network capacity drops (`None` without one).
    arrivals: Option<ChaCha8Rng>,
}

impl Scanner {
    /// Whether a probe to `addr` at `t` arrives (always, without a
    /// capacity or inside the own site).
    fn arrives(&mut self, core: &BlasterCore<'_>, addr: u32, t: u64) -> bool {
        match self.arrivals.as_mut() {
            Some(rng) if !(self.own.0..self.own.1).contains(&u64::from(addr)) => {
                core.arrives(t, rng)
            }
            _ => true,
        }
    }
}

/// One of a scanner's windows ([`Windows`]), counted for its draws.
#[derive(Clone, Copy, Debug)]
struct Part {
    /// The window's chance of a draw over its size: each of its addresses'
    /// chance from it.
    density: f64,
    size: u64,
    /// The own range within the window (empty: `(lo, lo)`).
    own: (u64, u64),
    /// Addresses that matter to the outbreak: the own range's, then the
    /// answering public entries (not silent) outside it.
    matter: (u64, u64),
    /// The silent public entries outside the own range: probes to them
    /// find a host that never answers, and are split from the probes that
    /// find none by counts.
    silent: u64,
    /// The public view's index of the window's first entry, and how many
    /// of its answering entries lie below the own range and in it (passed
    /// over).
    public_from: u32,
    answering_around_own: (u32, u32),
    /// The watched addresses' index of the window's first, and how many
    /// lie below the own range and in it (passed over), and outside it.
    watched_from: u64,
    watched_around_own: (u64, u64),
    watched_outside_own: u64,
    /// Of those outside the own range, the ones that hold nothing or a
    /// silent host.
    dark: u64,
}

impl Part {
    fn matter(&self) -> u64 {
        self.matter.0 + self.matter.1
    }
}

/// The draws of a scanner's probes into watched ranges, among those that
/// do not matter to the outbreak.
struct Seen {
    rng: ChaCha8Rng,
    /// Such probes before the next watched one.
    skip: Skips,
    /// Which window a watched draw lies in: running sums of each window's
    /// chance (unused with one window).
    pick: SmallVec<[f64; 1]>,
}

/// The walk of `targeting = "permutation"`: the keyed permutation of the
/// driver's space, shared by every instance, and the addresses that matter
/// to the outbreak by their position in it.
struct WalkIndex {
    /// Positions order `address - space.0`.
    perm: Permutation,
    /// The public view's answering entries (candidates, answerers) in the
    /// space, by position, each with its index in the view.
    public: PositionIndex,
    /// The addresses of each own range met so far (a site's inside range
    /// within the space), by position, each with its address.
    own: HashMap<(u64, u64), Rc<PositionIndex>>,
}

/// One permutation scanner's walk.
struct Walker {
    scan: PermutationScan,
    /// Its own range's addresses by position ([`WalkIndex::own`]).
    own: Rc<PositionIndex>,
    /// The offset in its batch of the walk's next probe: 0 between
    /// batches, and after a jump (a jump starts the next batch).
    off: u64,
}

/// Candidates and answerers: the entries that are not silent.
fn answering(c: Census) -> u64 {
    c.candidates + c.answerers
}

/// The chance that a probe which does not matter to the outbreak lands on
/// one of the addresses `count` counts in each window (outside the own
/// range, among those that do not matter).
fn share_of_others(windows: &[Part], count: impl Fn(&Part) -> u64) -> f64 {
    match windows {
        // One window: the ratio of whole numbers (uniform random's draws
        // stayed as they were when windows came).
        [w] => count(w) as f64 / (w.size - w.matter()) as f64,
        all => {
            let hits: f64 = all.iter().map(|w| w.density * count(w) as f64).sum();
            let others: f64 = all
                .iter()
                .map(|w| w.density * (w.size - w.matter()) as f64)
                .sum();
            hits / others
        }
    }
}

/// Running sums of `weights`, for [`pick`]; empty for one weight.
fn running_sums(weights: impl Iterator<Item = f64>) -> SmallVec<[f64; 1]> {
    let mut sum = 0.0;
    let sums: SmallVec<[f64; 1]> = weights
        .map(|w| {
            sum += w;
            sum
        })
        .collect();
    if sums.len() > 1 {
        sums
    } else {
        SmallVec::new()
    }
}

/// A window index drawn by `sums` ([`running_sums`]): no draw for one.
fn pick(sums: &[f64], rng: &mut ChaCha8Rng) -> usize {
    match sums.last() {
        None => 0,
        Some(&total) => {
            let u = rng.random::<f64>() * total;
            // Zero-weight windows are never drawn: the first sum above u.
            sums.iter().position(|&s| u < s).unwrap_or(sums.len() - 1)
        }
    }
}

/// The permutation a `targeting = "permutation"` scanner of `worm` walks
/// over `space`: positions order `address - space.0`. The reference walks
/// the same one.
///
/// # Panics
/// When the worm has no `[worm.permutation]` (the scenario's check
/// refuses that), or the space is not an aligned block of 2^8 to 2^32
/// addresses (the whole IPv4 space always is).
pub fn walked_permutation(worm: &BlasterConfig, space: (u64, u64)) -> Permutation {
    let key = worm
        .permutation
        .as_ref()
        .expect("the scenario checks the key is there")
        .key;
    let size = space.1 - space.0;
    assert!(
        size.is_power_of_two() && space.0.is_multiple_of(size),
        "a permutation walks an aligned block of addresses"
    );
    Permutation::new(size.trailing_zeros() as u8, key).expect("a space of 2^8 to 2^32 addresses")
}

/// The stream of the walk of a scanner's worm start `start` (the host and
/// its count of starts), in run `seed`: its start position and jumps.
pub fn walk_stream(seed: u64, start: u64) -> ChaCha8Rng {
    rng::stream(seed, Purpose::PermutationWalk, start)
}

/// The random-targets driver.
pub struct RandomTargetsDriver<'w> {
    world: &'w World,
    /// "Anywhere" targets are drawn from `[space.0, space.1)`.
    space: (u64, u64),
    /// The observers' watched ranges: sorted, disjoint,
    /// with the count of watched addresses before each and of answering
    /// public entries (not silent) in the ranges before each.
    watched: Vec<(u64, u64, u64, u64)>,
    watched_total: u64,
    answering_watched_total: u64,
    scanners: Vec<Scanner>,
    slot_of: Vec<u32>,
    free: Vec<u32>,
    /// Worm starts so far, per candidate: names each start's stream.
    starts: Vec<u32>,
    /// Welchia's sequential sweep, in the other lane.
    sequential: ExactDriver<'w>,
    lane: Lane,
    /// The permutation walk, made at the first permutation scanner's start.
    walk: Option<WalkIndex>,
}

impl<'w> RandomTargetsDriver<'w> {
    /// A driver drawing targets from the whole IPv4 space, drawing
    /// addresses in `watched` one by one for the run's observer.
    pub fn new(world: &'w World, watched: &[Watched]) -> Self {
        Self::within(world, watched, (0, SPACE_END))
    }

    /// A driver drawing targets "anywhere" from `[space.0, space.1)` only
    /// (a local-preference scanner's own /16 and /8 stay whole): for tests
    /// on small worlds, where the whole space would leave every probe
    /// plain.
    pub fn within(world: &'w World, watched: &[Watched], space: (u64, u64)) -> Self {
        assert!(
            space.0 < space.1 && space.1 <= SPACE_END,
            "a space of addresses"
        );
        let mut ranges: Vec<(u64, u64)> = watched
            .iter()
            .map(|w| (w.lo, w.hi.min(SPACE_END)))
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
        let (mut total, mut answering_total) = (0, 0);
        for w in &mut merged {
            (w.2, w.3) = (total, answering_total);
            total += w.1 - w.0;
            answering_total += answering(view.census(w.0, w.1));
        }
        RandomTargetsDriver {
            world,
            space,
            watched: merged,
            watched_total: total,
            answering_watched_total: answering_total,
            scanners: Vec::new(),
            slot_of: vec![NO_SLOT; world.n_candidates as usize],
            free: Vec::new(),
            starts: vec![0; world.n_candidates as usize],
            sequential: ExactDriver::in_lane(world, Lane::of_two(0)),
            lane: Lane::of_two(1),
            walk: None,
        }
    }

    /// The walk of `perm` over the driver's space, made on first use.
    fn walk_index(&mut self, perm: Permutation) -> &mut WalkIndex {
        let (world, space) = (self.world, self.space);
        self.walk.get_or_insert_with(|| {
            let bits = perm.space_bits();
            let view = world.public_view();
            let index_of = |addr: u32| {
                perm.index_of((u64::from(addr) - space.0) as u32)
                    .expect("an address inside the space")
            };
            let entries = (view.rank(space.0)..view.rank(space.1))
                .filter(|&i| !matches!(view.slot_at(i), Slot::Silent))
                .map(|i| (index_of(view.addr(i)), i))
                .collect();
            WalkIndex {
                perm,
                public: PositionIndex::new(entries, bits),
                own: HashMap::new(),
            }
        })
    }

    /// A walk of `perm` from a random position, for a scanner whose own
    /// range is `own`, drawn from `stream`.
    fn walker(&mut self, perm: Permutation, own: (u64, u64), stream: ChaCha8Rng) -> Walker {
        let space = self.space;
        let walk = self.walk_index(perm);
        let (perm, bits) = (walk.perm, walk.perm.space_bits());
        let (lo, hi) = (own.0.max(space.0), own.1.min(space.1));
        let own = walk
            .own
            .entry((lo, hi))
            .or_insert_with(|| {
                let entries = (lo..hi.max(lo))
                    .map(|a| {
                        let p = perm
                            .index_of((a - space.0) as u32)
                            .expect("inside the space");
                        (p, a as u32)
                    })
                    .collect();
                Rc::new(PositionIndex::new(entries, bits))
            })
            .clone();
        Walker {
            scan: PermutationScan::at_random_position(perm, stream),
            own,
            off: 0,
        }
    }

    /// From the walk's next probe, how many probes come before the next
    /// one that matters to the outbreak (an address in the own range, or
    /// an answering public entry outside it), and its address with what
    /// the scanner finds there; `None` if nothing in the space matters.
    fn walk_next(&self, sc: &Scanner) -> Option<(u64, u32, Slot)> {
        let w = sc.walker.as_ref().expect("a permutation scanner");
        let index = self.walk.as_ref().expect("made at the scanner's start");
        let at = w.scan.position();
        let view = self.world.public_view();
        let in_own = |addr: u32| (sc.own.0..sc.own.1).contains(&u64::from(addr));
        // The own range's entries are its own to find: pass over them.
        let public = index.public.successor(at).and_then(|first| {
            let mut i = first;
            loop {
                let (p, entry) = index.public.entry(i);
                if !in_own(view.addr(entry)) {
                    return Some((index.public.distance(at, p), entry));
                }
                i = index.public.after(i);
                if i == first {
                    return None;
                }
            }
        });
        let own = w.own.next_from(at);
        match (public, own) {
            (Some((d, _)), Some((e, addr))) if e < d => {
                Some((e, addr, self.world.site_view(sc.me.site).slot(addr)))
            }
            (None, Some((e, addr))) => Some((e, addr, self.world.site_view(sc.me.site).slot(addr))),
            (Some((d, entry)), _) => Some((d, view.addr(entry), view.slot_at(entry))),
            (None, None) => None,
        }
    }

    /// The probes of scanner `slot` before its next that matters to the
    /// outbreak, from the start of a batch or just after a probe that
    /// matters: a geometric draw for drawn targets, the walk's own count
    /// (with the target it reaches) for a permutation scanner.
    #[inline]
    fn gap(&mut self, slot: usize) -> (u64, Option<(u32, Slot)>) {
        let sc = &mut self.scanners[slot];
        if sc.walker.is_none() {
            return (sc.skip.sample(&mut sc.rng), None);
        }
        match self.walk_next(&self.scanners[slot]) {
            Some((d, addr, found)) => (d, Some((addr, found))),
            None => (u64::MAX, None),
        }
    }

    /// The target of scanner `slot`'s probe that matters, at offset `at`
    /// of its batch: drawn, or (a permutation scanner) `aimed`, the one its
    /// walk reached, the walk moving past it.
    #[inline]
    fn take_target(&mut self, slot: usize, at: u64, aimed: Option<(u32, Slot)>) -> (u32, Slot) {
        match self.scanners[slot].walker.as_mut() {
            None => self.draw_target(slot),
            Some(w) => {
                w.scan.advance(at - w.off + 1);
                w.off = at + 1;
                aimed.expect("the walk's gap found it")
            }
        }
    }

    /// Scanner `slot` passes over `n` probes from a batch's start that do
    /// not matter (its walk moves on; drawn targets keep no position).
    #[inline]
    fn pass(&mut self, slot: usize, n: u64) {
        if let Some(w) = self.scanners[slot].walker.as_mut() {
            w.scan.advance(n);
        }
    }

    /// Scanner `slot`'s walk moves to the first probe of the batch after
    /// the one it is in.
    #[inline]
    fn end_batch(&mut self, slot: usize, b: u64) {
        if let Some(w) = self.scanners[slot].walker.as_mut()
            && w.off > 0
        {
            w.scan.advance(b - w.off);
            w.off = 0;
        }
    }

    /// The `n`th watched address.
    fn nth_watched(&self, n: u64) -> u64 {
        let i = self.watched.partition_point(|w| w.2 <= n) - 1;
        let (lo, _, before, _) = self.watched[i];
        lo + (n - before)
    }

    /// How many watched addresses, and how many answering public entries
    /// in watched ranges, lie below `x`.
    fn watched_below(&self, x: u64) -> (u64, u64) {
        let i = self.watched.partition_point(|w| w.1 <= x);
        match self.watched.get(i) {
            Some(&(lo, _, before, answering_before)) => {
                let view = self.world.public_view();
                (
                    before + x.saturating_sub(lo),
                    answering_before + answering(view.census(lo, x)),
                )
            }
            None => (self.watched_total, self.answering_watched_total),
        }
    }

    /// Window `w` of a scanner whose own range is `own`, counted.
    fn part(&self, w: &wormscope_model::targeting::Window, own: (u64, u64)) -> Part {
        let view = self.world.public_view();
        let own = if own.0.max(w.lo) < own.1.min(w.hi) {
            (own.0.max(w.lo), own.1.min(w.hi))
        } else {
            (w.lo, w.lo)
        };
        let (below, inside, above) = (
            view.census(w.lo, own.0),
            view.census(own.0, own.1),
            view.census(own.1, w.hi),
        );
        let (watched_lo, answering_watched_lo) = self.watched_below(w.lo);
        let (watched_hi, answering_watched_hi) = self.watched_below(w.hi);
        let (own_lo, answering_own_lo) = self.watched_below(own.0);
        let (own_hi, answering_own_hi) = self.watched_below(own.1);
        let watched_outside_own = (watched_hi - watched_lo) - (own_hi - own_lo);
        let answering_watched_outside_own =
            (answering_watched_hi - answering_watched_lo) - (answering_own_hi - answering_own_lo);
        let size = w.hi - w.lo;
        let as_u32 = |n: u64| u32::try_from(n).expect("a view's entries fit u32");
        Part {
            density: w.share / size as f64,
            size,
            own,
            matter: (own.1 - own.0, answering(below) + answering(above)),
            silent: below.silent + above.silent,
            public_from: view.rank(w.lo),
            answering_around_own: (as_u32(answering(below)), as_u32(answering(inside))),
            watched_from: watched_lo,
            watched_around_own: (own_lo - watched_lo, own_hi - own_lo),
            watched_outside_own,
            dark: watched_outside_own - answering_watched_outside_own,
        }
    }

    /// What observers see of the probes of a scanner drawing from
    /// `windows` that do not matter to the outbreak, its `start` naming its
    /// stream; `None` when nothing is watched there.
    fn seen(windows: &[Part], seed: u64, start: u64) -> Option<Seen> {
        let chance = share_of_others(windows, |w| w.dark);
        // No watched address to hit (NaN: no other address at all).
        if chance.is_nan() || chance <= 0.0 {
            return None;
        }
        Some(Seen {
            rng: rng::stream(seed, Purpose::RandomTargetsSeen, start),
            skip: Skips::new(chance.min(1.0)),
            pick: running_sums(
                windows
                    .iter()
                    .map(|w| w.density * w.watched_outside_own as f64),
            ),
        })
    }

    /// Draws the address of the next probe of scanner `slot` that matters
    /// to the outbreak, with what the scanner finds there: a public entry
    /// is drawn by its index, so it needs no search of the view.
    fn draw_target(&mut self, slot: usize) -> (u32, Slot) {
        let sc = &mut self.scanners[slot];
        let w = sc.windows[pick(&sc.pick, &mut sc.rng)];
        let (a, c) = w.matter;
        let n = sc.rng.random_range(0..a + c);
        if n < a {
            let addr = (w.own.0 + n) as u32;
            return (addr, self.world.site_view(sc.me.site).slot(addr));
        }
        // The answering public entries below the own range, then above it.
        let n = (n - a) as u32;
        let (below, inside) = w.answering_around_own;
        let skipped = if n < below { 0 } else { inside };
        let view = self.world.public_view();
        let i = view.nth_answering(w.public_from, n + skipped);
        (view.addr(i), view.slot_at(i))
    }

    /// Draws a watched address of scanner `slot` that holds nothing or a
    /// silent host and lies outside its own range.
    fn draw_watched(&mut self, slot: usize) -> u32 {
        let view = self.world.public_view();
        loop {
            let sc = &mut self.scanners[slot];
            let seen = sc.seen.as_mut().expect("watched");
            let w = &sc.windows[pick(&seen.pick, &mut seen.rng)];
            let (below, inside) = w.watched_around_own;
            let n = seen.rng.random_range(0..w.watched_outside_own);
            let n = w.watched_from + if n < below { n } else { n + inside };
            let addr = self.nth_watched(n) as u32;
            if let Slot::Empty | Slot::Silent = view.slot(addr) {
                return addr;
            }
        }
    }

    /// Shows the observer `run`: probes of scanner `slot` that do not
    /// matter to the outbreak, each watched one with its address (drawn
    /// now), the rest as plain runs.
    fn show_others(&mut self, core: &mut BlasterCore<'_>, slot: usize, run: PlainRun) {
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
            let t = run.batch_start(j);
            let sc = &mut self.scanners[slot];
            // A watched probe a capacity dropped is not seen; it is not
            // among the plain ones either.
            let arrived = sc.arrivals.as_mut().is_none_or(|rng| core.arrives(t, rng));
            if let Some(o) = core.observer() {
                if arrived {
                    o.probe(host, addr, t);
                } else {
                    o.dropped(host, addr, t);
                }
            }
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

    /// Counts `n` probes of scanner `slot` that do not matter to the
    /// outbreak: each finds a silent host with the same chance, no host
    /// otherwise. The split comes from its own stream, so the outbreak's
    /// draws and the observers' do not depend on it.
    fn count_others(&mut self, core: &mut BlasterCore<'_>, slot: usize, n: u64) {
        let silent = match &mut self.scanners[slot].silent {
            Some((share, rng)) => binomial(n, *share, rng),
            None => 0,
        };
        core.count(Outcome::NoAnswer, silent);
        core.count(Outcome::NoHost, n - silent);
    }

    /// Accounts the first batches of scanner `slot`'s plain run (all of
    /// them, or those that start before `limit`).
    fn settle_plain(&mut self, core: &mut BlasterCore<'_>, slot: usize, limit: Option<u64>) {
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
        self.scanners[slot].budget.spend(n);
        if n == 0 {
            return;
        }
        let quiet = std::mem::take(&mut self.scanners[slot].quiet);
        let started = quiet.partition_point(|q| q.0 < n);
        #[cfg(debug_assertions)]
        for &(j, addr, _) in &quiet[..started] {
            let sc = &self.scanners[slot];
            let view = self.view_for(&sc.me, sc.own, addr);
            if let Slot::Candidate(v) = view.slot(addr) {
                assert!(
                    !core.was_up_at(v, run.batch_start(j)),
                    "a candidate passed as silent was up when its batch came"
                );
            }
        }
        let clock = SpanClock {
            t0,
            wait: run.wait,
            k: n,
            pieces: &[(0, 0)],
        };
        let step = core.params.step;
        // Under a capacity, which drawn targets arrived (the others'
        // outcomes are counts).
        let mut arrived: Vec<bool> = Vec::new();
        if self.scanners[slot].arrivals.is_some() {
            arrived = self.settle_arrivals(core, slot, &clock, &quiet[..started]);
        } else {
            self.count_others(core, slot, n * b - started as u64);
            for &(_, _, outcome) in &quiet[..started] {
                core.count(outcome, 1);
            }
            clock.file_rows(step, |row, batches| {
                core.count_probes_in_row(row as usize, batches * b)
            });
        }
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
                        if arrived.get(i).is_none_or(|&a| a) {
                            o.probe(host, quiet[i].1, run.batch_start(j));
                        } else {
                            o.dropped(host, quiet[i].1, run.batch_start(j));
                        }
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

    /// Accounts the batches of `clock` (the first of scanner `slot`'s
    /// plain run) under a network capacity, row by row at each row's
    /// share: the probes sent, those dropped, and the outcomes of those
    /// that arrived; `drawn` are the run's drawn targets in those
    /// batches. Returns which of them arrived.
    fn settle_arrivals(
        &mut self,
        core: &mut BlasterCore<'_>,
        slot: usize,
        clock: &SpanClock<'_>,
        drawn: &[(u64, u32, Outcome)],
    ) -> Vec<bool> {
        let step = core.params.step;
        let b = u64::from(self.scanners[slot].timing.batch_size);
        let mut rows: SmallVec<[(u64, u64); 4]> = SmallVec::new();
        clock.file_rows(step, |row, batches| rows.push((row, batches)));
        let mut arrived = vec![true; drawn.len()];
        let (mut first_batch, mut first_drawn, mut others_arrived) = (0u64, 0usize, 0u64);
        let sc = &mut self.scanners[slot];
        let own = sc.own;
        let rng = sc.arrivals.as_mut().expect("a capacity");
        for (row, batches) in rows {
            core.count_probes_in_row(row as usize, batches * b);
            let share = core.arriving_share(row * step);
            let end_batch = first_batch + batches;
            let end_drawn = first_drawn + drawn[first_drawn..].partition_point(|q| q.0 < end_batch);
            let mut dropped = 0;
            for i in first_drawn..end_drawn {
                let addr = u64::from(drawn[i].1);
                if !(own.0..own.1).contains(&addr) && !crate::draws::arrives(share, rng) {
                    arrived[i] = false;
                    dropped += 1;
                }
            }
            // The probes not drawn all leave the own site.
            let others = batches * b - (end_drawn - first_drawn) as u64;
            let others_dropped = dropped_of(others, share, rng);
            others_arrived += others - others_dropped;
            core.count_dropped_in_row(row as usize, dropped + others_dropped);
            (first_batch, first_drawn) = (end_batch, end_drawn);
        }
        self.count_others(core, slot, others_arrived);
        for (&(_, _, outcome), &a) in drawn.iter().zip(&arrived) {
            if a {
                core.count(outcome, 1);
            }
        }
        arrived
    }

    /// The view a scanner on `me`, whose own range is `own`, sees `addr`
    /// through (for the debug checks; a drawn target comes with its slot).
    #[cfg(debug_assertions)]
    fn view_for(
        &self,
        me: &Host,
        own: (u64, u64),
        addr: u32,
    ) -> wormscope_model::view::ViewRef<'w> {
        if (own.0..own.1).contains(&u64::from(addr)) {
            self.world.site_view(me.site)
        } else {
            self.world.public_view()
        }
    }

    /// Whether a probe that finds `slot` (as its scanner sees it) in a
    /// batch at `t` needs no look when it comes, and what it finds:
    /// nothing, a host that never answers from there whatever the filters
    /// (they only ever silence more), or a candidate that cannot answer by
    /// then ([`BlasterCore::silent_at`], as the exact driver passes it).
    fn is_quiet(core: &BlasterCore<'_>, slot: Slot, t: u64) -> Option<Outcome> {
        match slot {
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
    fn plan_from(&mut self, core: &mut BlasterCore<'_>, slot: usize, t: u64) {
        let (lane, end) = (self.lane, core.params.end);
        let mut quiet = std::mem::take(&mut self.scanners[slot].quiet);
        let mut next = std::mem::take(&mut self.scanners[slot].next);
        let mut found: SmallVec<[Slot; 2]> = SmallVec::new();
        quiet.clear();
        let timing = self.scanners[slot].timing;
        let b = u64::from(timing.batch_size);
        // The batch planned last is over (unless a jump began a new one).
        self.end_batch(slot, b);
        let mut j = 0u64;
        let left = self.scanners[slot].budget.left().unwrap_or(u64::MAX);
        loop {
            if j >= left {
                // The probe limit comes first: the run ends with the last
                // batch allowed, and at its event the scan stops.
                next.clear();
                break;
            }
            let (gap, mut aimed) = self.gap(slot);
            j = j.saturating_add(gap / b);
            if j >= left {
                j = left;
                next.clear();
                break;
            }
            let start = t.saturating_add(j.saturating_mul(timing.batch_wait));
            if start >= end {
                break;
            }
            self.pass(slot, gap / b * b);
            // The batch's targets, drawn as its event would draw them.
            next.clear();
            found.clear();
            let mut at = gap % b;
            while at < b {
                let (addr, slot_found) = self.take_target(slot, at, aimed);
                next.push(addr);
                found.push(slot_found);
                let (gap, then) = self.gap(slot);
                aimed = then;
                at = at.saturating_add(1).saturating_add(gap);
            }
            let planned = quiet.len();
            let all_quiet = next.iter().zip(&found).all(|(&addr, &f)| {
                Self::is_quiet(core, f, start)
                    .map(|o| quiet.push((j, addr, o)))
                    .is_some()
            });
            if !all_quiet {
                quiet.truncate(planned);
                break;
            }
            next.clear();
            j += 1;
            self.end_batch(slot, b);
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
    fn run_batch(&mut self, core: &mut BlasterCore<'_>, slot: usize, t: u64) {
        let timing = self.scanners[slot].timing;
        let b = u64::from(timing.batch_size);
        self.scanners[slot].budget.spend(1);
        core.count_probes(t, b);
        let mut plan = std::mem::take(&mut self.scanners[slot].plan);
        plan.clear();
        let targets = std::mem::take(&mut self.scanners[slot].next);
        for &addr in &targets {
            self.probe(core, slot, addr, t, &mut plan);
        }
        let others = b - targets.len() as u64;
        self.scanners[slot].next = targets;
        // The other probes all leave the own site (they would matter
        // there): a capacity may drop them.
        let mut dropped = 0;
        if let Some(rng) = self.scanners[slot].arrivals.as_mut() {
            dropped = dropped_of(others, core.arriving_share(t), rng);
            core.count_dropped(t, dropped);
        }
        self.count_others(core, slot, others - dropped);
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
        &mut self,
        core: &mut BlasterCore<'_>,
        slot: usize,
        addr: u32,
        t: u64,
        plan: &mut SmallVec<[Step; 2]>,
    ) {
        if !self.scanners[slot].arrives(core, addr, t) {
            core.count_dropped(t, 1);
            let host = self.scanners[slot].host;
            if let Some(o) = core.observer() {
                o.dropped(host, addr, t);
            }
            return;
        }
        let sc = &self.scanners[slot];
        if let Some(o) = core.observer() {
            o.probe(sc.host, addr, t);
        }
        let outcome = match look_up(self.world, core, &sc.me, addr, t) {
            Found::Nothing(outcome) => outcome,
            Found::Static { slow } => {
                plan.push(Step::Static { slow });
                Outcome::NoEffect
            }
            Found::Candidate(victim) => {
                plan.push(Step::Candidate(victim));
                return;
            }
        };
        core.count(outcome, 1);
    }

    /// Works through the plan from `t`: static steps cost time; at a
    /// candidate, schedules its exploit; at the end, plans what follows.
    fn advance(&mut self, core: &mut BlasterCore<'_>, slot: usize, t: u64) {
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
    fn wind_up(&mut self, core: &mut BlasterCore<'_>, slot: usize, t: u64) {
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

impl ScanDriver for RandomTargetsDriver<'_> {
    fn start(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64, start: WormStart) {
        let targeting = core.targeting_of(host);
        if targeting == TargetingKind::Sequential {
            self.sequential.start(core, host, t, start);
            return;
        }
        let me = *self.world.host(host);
        let own = if me.site == NO_SITE {
            (0, 0)
        } else {
            let inside = self.world.sites[me.site as usize].inside;
            (u64::from(inside.base()), u64::from(inside.last()) + 1)
        };
        // A permutation walk reaches every address as often as uniform
        // draws do: its windows (what the probes that do not matter find,
        // what observers see of them) are uniform ones.
        let windows = match targeting {
            TargetingKind::LocalPreference => {
                let shares = LocalShares::of(&core.params.worm.local_preference)
                    .expect("the scenario checks the shares");
                Windows::local(core.session_address(host), shares, self.space)
            }
            _ => Windows::uniform(self.space),
        };
        let windows: SmallVec<[Part; 1]> = windows
            .as_slice()
            .iter()
            .map(|w| self.part(w, own))
            .collect();
        let chance = match &windows[..] {
            // One window: the ratio of whole numbers, as in
            // `share_of_others`.
            [w] => w.matter() as f64 / w.size as f64,
            all => all.iter().map(|w| w.density * w.matter() as f64).sum(),
        };
        let skip = Skips::new(chance.min(1.0));
        let pick = running_sums(windows.iter().map(|w| w.density * w.matter() as f64));
        let index = (u64::from(host) << 32) | u64::from(self.starts[host as usize]);
        self.starts[host as usize] += 1;
        let seed = core.params.seed;
        let seen = if self.watched.is_empty() {
            None
        } else {
            Self::seen(&windows, seed, index)
        };
        let silent_share = share_of_others(&windows, |w| w.silent);
        let silent = (silent_share > 0.0).then(|| {
            (
                silent_share.min(1.0),
                rng::stream(seed, Purpose::RandomTargetsSilent, index),
            )
        });
        let walker = (targeting == TargetingKind::Permutation).then(|| {
            let perm = walked_permutation(&core.params.worm, self.space);
            let stream = walk_stream(seed, index);
            Box::new(self.walker(perm, own, stream))
        });
        let scanner = Scanner {
            host,
            me,
            guess: start.guess,
            timing: core.timing_of(host),
            rng: rng::stream(seed, Purpose::RandomTargets, index),
            skip,
            seen,
            silent,
            own,
            windows,
            pick,
            walker,
            phase: Phase::Exploiting,
            quiet: Vec::new(),
            next: SmallVec::new(),
            plan: SmallVec::new(),
            plan_idx: 0,
            budget: core.batch_budget(host),
            arrivals: core
                .has_capacity()
                .then(|| rng::stream(seed, Purpose::Arrivals, index)),
        };
        let slot = occupy(&mut self.scanners, &mut self.free, scanner);
        self.slot_of[host as usize] = slot as u32;
        self.plan_from(core, slot, t);
    }

    fn step(&mut self, core: &mut BlasterCore<'_>, host: HostId, key: u32, t: u64) {
        let slot = self.lane.slot(key);
        if slot == usize::MAX {
            self.sequential.step(core, host, key, t);
            return;
        }
        debug_assert_eq!(self.slot_of[host as usize] as usize, slot);
        match self.scanners[slot].phase {
            Phase::Plain { .. } => {
                self.settle_plain(core, slot, None);
                if self.scanners[slot].budget.is_spent() {
                    // Its probe limit or its payload's crash: no batch after the run.
                    self.slot_of[host as usize] = NO_SLOT;
                    self.free.push(slot as u32);
                    core.scan_spent(host, t);
                    return;
                }
                self.run_batch(core, slot, t);
            }
            Phase::Exploiting => {
                let sc = &self.scanners[slot];
                let Step::Candidate(victim) = sc.plan[sc.plan_idx as usize] else {
                    unreachable!("an exploit event points at a candidate")
                };
                let (busy, outcome) = core.exploit(host, sc.guess, victim, t);
                let sc = &mut self.scanners[slot];
                sc.plan_idx += 1;
                if outcome == Outcome::AlreadyInfected
                    && let Some(w) = sc.walker.as_mut()
                {
                    // Another instance has walked here: on to a random
                    // position, where the next batch starts.
                    w.scan.found_infected();
                    w.off = 0;
                }
                self.advance(core, slot, t.saturating_add(busy));
            }
        }
    }

    fn stop(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64) {
        let slot = self.slot_of[host as usize];
        if slot != NO_SLOT {
            self.wind_up(core, slot as usize, t);
        } else {
            self.sequential.stop(core, host, t);
        }
    }

    fn finish(&mut self, core: &mut BlasterCore<'_>, end: u64) {
        for slot in 0..self.scanners.len() {
            let host = self.scanners[slot].host;
            if self.slot_of[host as usize] == slot as u32 {
                self.wind_up(core, slot, end);
            }
        }
        self.sequential.finish(core, end);
    }

    fn prefetch(&self, core: &BlasterCore<'_>, upcoming: &[u32; UPCOMING]) {
        self.sequential.prefetch(core, upcoming);
    }

    fn filters_changed(&mut self, core: &mut BlasterCore<'_>, t: u64) {
        // Plain probes find nothing under any filters, and a batch with
        // an interesting probe asks the filters at its own start.
        self.sequential.filters_changed(core, t);
    }

    fn look(&self, core: &BlasterCore<'_>, scanner: HostId, addr: u32, t: u64) -> Found {
        look_up(self.world, core, self.world.host(scanner), addr, t)
    }
}
