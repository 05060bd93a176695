//! Views: what a scanner finds at each address from one vantage point, as
//! one sorted array of live addresses with a class per entry, so that a run
//! of addresses can be accounted for with counts instead of being probed
//! one by one.
//!
//! A view splits the live addresses into three classes:
//! - *candidates*: hosts whose state a probe may change (vulnerable and
//!   listening); the engine looks at each one it reaches;
//! - *answerers*: hosts that answer on 135/tcp but that the exploit cannot
//!   change; each costs the scanner a fixed exploit attempt. Some of them
//!   are *slow*: their shell port is filtered, so that the worm's connect
//!   to it times out instead of being refused;
//! - *silent*: live addresses that never answer from this vantage.
//!
//! Any other address holds no host.
//!
//! **Layout.** Entries are addressed by their index in the sorted array
//! (an entry's index is the *rank* of its address). Every 64 entries form a
//! block holding a bit mask per class and the count of each class before
//! the block, so the census of any index range is a handful of popcounts,
//! whatever its length. A sequential scanner keeps the index of its
//! position (a cursor) and moves it forward with [`ViewRef::seek`], which
//! looks at the entries near the cursor first: the engine's common step
//! touches one or two cache lines instead of searching the whole array.
//!
//! What it may not touch: dynamic state. A view is fixed once the world is
//! built; the engine keeps the state of candidates beside it.

use crate::host::HostId;

/// Asks the processor to start loading the cache lines of `r`: a hint for
/// data the caller will read soon, after other work. Changes nothing.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    for offset in (0..size_of::<T>()).step_by(64) {
        let p = std::ptr::from_ref(r).cast::<i8>().wrapping_add(offset);
        // SAFETY: a prefetch never faults, whatever the address, and has
        // no architectural effect; SSE, which provides it, is part of the
        // x86_64 baseline.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(p);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// Entries per block of class masks.
const BLOCK: usize = 64;

/// Class masks and counts of 64 consecutive entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Block {
    cand: u64,
    ans: u64,
    slow: u64,
    /// Candidates, answerers and slow answerers before the block.
    cand_before: u32,
    ans_before: u32,
    slow_before: u32,
}

/// What a probe to one address finds in a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Empty,
    Silent,
    /// A host that answers and cannot be changed; `slow`: its shell port is
    /// filtered.
    Answerer {
        slow: bool,
    },
    Candidate(HostId),
}

/// The classes of a view's entries, given to [`View::build`] and
/// [`ViewStore::push`] as unsorted lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewParts {
    pub cand: Vec<(u32, HostId)>,
    /// Answerers' addresses and whether each is slow.
    pub ans: Vec<(u32, bool)>,
    pub silent: Vec<u32>,
}

impl ViewParts {
    /// Classifies one live address.
    pub fn push(&mut self, addr: u32, slot: Slot) {
        match slot {
            Slot::Candidate(id) => self.cand.push((addr, id)),
            Slot::Answerer { slow } => self.ans.push((addr, slow)),
            Slot::Silent => self.silent.push(addr),
            Slot::Empty => {}
        }
    }

    /// Calls `put` with every entry in address order (each class sorted,
    /// then merged), or returns the first address held twice (after
    /// putting the entries before it).
    fn merge(mut self, mut put: impl FnMut(u32, Slot)) -> Result<(), u32> {
        sort_by_addr(&mut self.cand, |e| e.0);
        sort_by_addr(&mut self.ans, |e| e.0);
        sort_by_addr(&mut self.silent, |&a| a);
        let (mut c, mut a, mut q) = (0, 0, 0);
        let mut last = None;
        loop {
            let ca = self.cand.get(c).map_or(u64::MAX, |e| u64::from(e.0));
            let aa = self.ans.get(a).map_or(u64::MAX, |e| u64::from(e.0));
            let qa = self.silent.get(q).map_or(u64::MAX, |&e| u64::from(e));
            let least = ca.min(aa).min(qa);
            if least == u64::MAX {
                return Ok(());
            }
            let addr = least as u32;
            if last == Some(addr) {
                return Err(addr);
            }
            last = Some(addr);
            let slot = if least == ca {
                c += 1;
                Slot::Candidate(self.cand[c - 1].1)
            } else if least == aa {
                a += 1;
                Slot::Answerer {
                    slow: self.ans[a - 1].1,
                }
            } else {
                q += 1;
                Slot::Silent
            };
            put(addr, slot);
        }
    }
}

/// Sorts a list by address. Generated worlds list hosts in address order
/// with the NAT gateways after them: a few sorted runs, which a stable
/// sort merges in linear time.
fn sort_by_addr<T>(v: &mut [T], addr: impl Fn(&T) -> u32) {
    if !v.is_sorted_by_key(&addr) {
        v.sort_by_key(addr);
    }
}

/// One or many views in shared arrays. Every array is sorted by address
/// within each view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    addrs: Vec<u32>,
    blocks: Vec<Block>,
    /// Each candidate, by candidate rank (address, host and entry index
    /// together: the engine reads them at once).
    cand: Vec<Candidate>,
    /// Per-/16 start indices into `addrs` (see [`View::build_index`]);
    /// empty when not built.
    index: Vec<u32>,
    /// The first address of each block (with the index): a search looks
    /// here, a small array, before reading one block of `addrs`.
    firsts: Vec<u32>,
}

/// Buckets of the rank index: one per /16.
const BUCKET_SHIFT: u32 = 16;
const BUCKETS: usize = 1 << (32 - BUCKET_SHIFT);

impl View {
    /// The view of the given entries, or the first address held twice.
    pub fn build(parts: ViewParts) -> Result<View, u32> {
        let mut v = View::default();
        v.reserve(&parts);
        parts.merge(|addr, slot| v.push(addr, slot))?;
        Ok(v)
    }

    fn reserve(&mut self, parts: &ViewParts) {
        let n = parts.cand.len() + parts.ans.len() + parts.silent.len();
        self.addrs.reserve(n);
        self.blocks.reserve(n / BLOCK + 1);
        self.cand.reserve(parts.cand.len());
    }

    /// Appends the next entry in address order.
    fn push(&mut self, addr: u32, slot: Slot) {
        let i = self.addrs.len();
        if i.is_multiple_of(BLOCK) {
            let b = self.blocks.last().copied().unwrap_or_default();
            self.blocks.push(Block {
                cand: 0,
                ans: 0,
                slow: 0,
                cand_before: b.cand_before + b.cand.count_ones(),
                ans_before: b.ans_before + b.ans.count_ones(),
                slow_before: b.slow_before + b.slow.count_ones(),
            });
        }
        let bit = 1u64 << (i % BLOCK);
        let block = self.blocks.last_mut().expect("pushed above");
        match slot {
            Slot::Candidate(host) => {
                block.cand |= bit;
                self.cand.push(Candidate {
                    addr,
                    host,
                    entry: i as u32,
                });
            }
            Slot::Answerer { slow } => {
                block.ans |= bit;
                if slow {
                    block.slow |= bit;
                }
            }
            Slot::Silent | Slot::Empty => {}
        }
        self.addrs.push(addr);
    }

    /// Builds a per-/16 index so that a search for an address looks at one
    /// /16's entries instead of the whole array: the large public view does
    /// not fit in any cache. 256 KiB.
    pub fn build_index(&mut self) {
        let mut starts = vec![0u32; BUCKETS + 1];
        let mut i = 0usize;
        for (b, start) in starts.iter_mut().enumerate().take(BUCKETS) {
            while i < self.addrs.len() && ((self.addrs[i] >> BUCKET_SHIFT) as usize) < b {
                i += 1;
            }
            *start = i as u32;
        }
        starts[BUCKETS] = self.addrs.len() as u32;
        self.index = starts;
        self.firsts = self.addrs.iter().step_by(BLOCK).copied().collect();
    }

    /// The whole array as one view.
    pub fn as_ref(&self) -> ViewRef<'_> {
        ViewRef {
            view: self,
            lo: 0,
            hi: self.addrs.len() as u32,
        }
    }

    /// Number of live addresses.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }
}

/// A candidate of a view: its address, its host and its entry index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub addr: u32,
    pub host: HostId,
    pub entry: u32,
}

/// Counts of each class in a range of a view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    pub candidates: u64,
    pub answerers: u64,
    pub slow_answerers: u64,
    pub silent: u64,
}

impl Census {
    pub fn live(&self) -> u64 {
        self.candidates + self.answerers + self.silent
    }
}

/// One view: the entries `lo..hi` of a [`View`]'s arrays. Indices given to
/// and returned by its methods are indices into the whole arrays, so that
/// a cursor stays valid across calls.
#[derive(Clone, Copy, Debug)]
pub struct ViewRef<'a> {
    view: &'a View,
    lo: u32,
    hi: u32,
}

impl<'a> ViewRef<'a> {
    /// Index of the view's first entry.
    #[inline]
    pub fn start(&self) -> u32 {
        self.lo
    }

    /// One past the view's last entry.
    #[inline]
    pub fn end(&self) -> u32 {
        self.hi
    }

    pub fn len(&self) -> usize {
        (self.hi - self.lo) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.hi == self.lo
    }

    /// Starts loading what a census or a walk from entry `i` reads.
    #[inline]
    pub fn prefetch(&self, i: u32) {
        if let Some(a) = self.view.addrs.get(i as usize) {
            prefetch(a);
            prefetch(&self.view.blocks[i as usize / BLOCK]);
        }
    }

    /// Starts loading the candidate of rank `r`.
    #[inline]
    pub fn prefetch_candidate(&self, r: u32) {
        if let Some(c) = self.view.cand.get(r as usize) {
            prefetch(c);
        }
    }

    /// Address of entry `i`.
    #[inline]
    pub fn addr(&self, i: u32) -> u32 {
        self.view.addrs[i as usize]
    }

    /// Index of the first entry at or after `pos` (u64 so that the end of
    /// the space, 2^32, can be named).
    #[inline]
    pub fn rank(&self, pos: u64) -> u32 {
        if pos > u64::from(u32::MAX) {
            return self.hi;
        }
        let (mut lo, mut hi) = if self.view.index.is_empty() {
            (self.lo, self.hi)
        } else {
            let b = (pos >> BUCKET_SHIFT) as usize;
            (self.view.index[b], self.view.index[b + 1])
        };
        if hi > lo && !self.view.firsts.is_empty() {
            // The blocks that start strictly inside (lo, hi): the entries
            // before the last of them whose first address is below `pos`
            // are all below it, and the first one's first address is not.
            let (qlo, qhi) = (lo as usize / BLOCK + 1, (hi as usize - 1) / BLOCK + 1);
            if qlo < qhi {
                let n = self.view.firsts[qlo..qhi].partition_point(|&a| u64::from(a) < pos);
                if n > 0 {
                    lo = ((qlo + n - 1) * BLOCK) as u32;
                }
                if qlo + n < qhi {
                    hi = ((qlo + n) * BLOCK) as u32;
                }
            }
        }
        let addrs = &self.view.addrs[lo as usize..hi as usize];
        lo + addrs.partition_point(|&a| u64::from(a) < pos) as u32
    }

    /// [`Self::rank`] of `pos` for a cursor `from` at or before it (the
    /// rank of an earlier position): looks at the entries after the cursor
    /// first, then doubles its steps, so a short move costs a few reads of
    /// memory next to the cursor.
    #[inline]
    pub fn seek(&self, from: u32, pos: u64) -> u32 {
        debug_assert!(self.lo <= from && from <= self.hi);
        let addrs = &self.view.addrs;
        let below = |i: u32| u64::from(addrs[i as usize]) < pos;
        let mut i = from;
        // The common case: the position is a few entries ahead.
        for _ in 0..4 {
            if i == self.hi || !below(i) {
                return i;
            }
            i += 1;
        }
        let mut step = 4u32;
        let mut lo = i;
        loop {
            let probe = lo.saturating_add(step).min(self.hi);
            if probe == self.hi || !below(probe) {
                let slice = &addrs[lo as usize..probe as usize];
                return lo + slice.partition_point(|&a| u64::from(a) < pos) as u32;
            }
            lo = probe + 1;
            step = step.saturating_mul(2);
            if lo >= self.hi {
                return self.hi;
            }
        }
    }

    #[inline]
    fn block(&self, i: u32) -> (&Block, u64) {
        let b = &self.view.blocks[i as usize / BLOCK];
        (b, (1u64 << (i as usize % BLOCK)) - 1)
    }

    /// Candidates, answerers and slow answerers among the entries before
    /// index `i` of the whole arrays.
    #[inline]
    fn counts_before(&self, i: u32) -> (u32, u32, u32) {
        if i as usize == self.view.addrs.len() {
            let n = self.view.cand.len() as u32;
            return match self.view.blocks.last() {
                Some(b) => (
                    n,
                    b.ans_before + b.ans.count_ones(),
                    b.slow_before + b.slow.count_ones(),
                ),
                None => (0, 0, 0),
            };
        }
        let (b, below) = self.block(i);
        (
            b.cand_before + (b.cand & below).count_ones(),
            b.ans_before + (b.ans & below).count_ones(),
            b.slow_before + (b.slow & below).count_ones(),
        )
    }

    /// The index of the entry `n` places after the first at index `from`
    /// or after, counting only entries that answer or are candidates (not
    /// silent): the `n`th such entry from `from` (0-based). The caller
    /// knows there are more than `n` of them before the view's end.
    pub fn nth_answering(&self, from: u32, n: u32) -> u32 {
        let (c, a, _) = self.counts_before(from);
        let target = c + a + n;
        let blocks = &self.view.blocks;
        // The last block with fewer such entries before it than `target`+1.
        let q = blocks.partition_point(|b| b.cand_before + b.ans_before <= target) - 1;
        let b = &blocks[q];
        let mut bits = b.cand | b.ans;
        for _ in 0..target - (b.cand_before + b.ans_before) {
            bits &= bits - 1;
        }
        debug_assert!(bits != 0, "more answering entries than the view holds");
        (q * BLOCK) as u32 + bits.trailing_zeros()
    }

    /// Counts of each class among the entries `i..j`.
    #[inline]
    pub fn census_at(&self, i: u32, j: u32) -> Census {
        if j <= i {
            return Census::default();
        }
        let (c0, a0, s0) = self.counts_before(i);
        let (c1, a1, s1) = self.counts_before(j);
        let (candidates, answerers) = (u64::from(c1 - c0), u64::from(a1 - a0));
        Census {
            candidates,
            answerers,
            slow_answerers: u64::from(s1 - s0),
            silent: u64::from(j - i) - candidates - answerers,
        }
    }

    /// Counts of each class in the addresses `[lo, hi)`.
    pub fn census(&self, lo: u64, hi: u64) -> Census {
        if hi <= lo {
            return Census::default();
        }
        self.census_at(self.rank(lo), self.rank(hi))
    }

    /// The rank of the first candidate at index `i` or after, among the
    /// candidates of the whole arrays (see [`Self::candidate`]).
    #[inline]
    pub fn cand_rank(&self, i: u32) -> u32 {
        self.counts_before(i).0
    }

    /// Candidates in the whole arrays: ranks run below this.
    pub fn cand_ranks(&self) -> u32 {
        self.view.cand.len() as u32
    }

    /// The candidate of rank `r`, if it is one of this view's.
    #[inline]
    pub fn candidate(&self, r: u32) -> Option<Candidate> {
        let found = *self.view.cand.get(r as usize)?;
        // In a store of many views the next candidate may be another's.
        let mine = self.hi as usize == self.view.addrs.len() || r < self.counts_before(self.hi).0;
        mine.then_some(found)
    }

    /// The first candidate at index `i` or after, in this view: its
    /// address and host.
    #[inline]
    pub fn next_candidate(&self, i: u32) -> Option<Candidate> {
        self.candidate(self.cand_rank(i))
    }

    /// What entry `i` is (never [`Slot::Empty`]), with `known` the address
    /// and host of a candidate the caller already looked up: a candidate
    /// at that address needs no second look.
    #[inline]
    pub fn slot_at_knowing(&self, i: u32, known: Option<(u32, HostId)>) -> Slot {
        let (b, _) = self.block(i);
        let bit = 1u64 << (i as usize % BLOCK);
        if b.cand & bit != 0 {
            match known {
                Some((addr, host)) if addr == self.addr(i) => Slot::Candidate(host),
                _ => {
                    let r = b.cand_before + (b.cand & (bit - 1)).count_ones();
                    Slot::Candidate(self.view.cand[r as usize].host)
                }
            }
        } else if b.ans & bit != 0 {
            Slot::Answerer {
                slow: b.slow & bit != 0,
            }
        } else {
            Slot::Silent
        }
    }

    /// What entry `i` is (never [`Slot::Empty`]).
    #[inline]
    pub fn slot_at(&self, i: u32) -> Slot {
        self.slot_at_knowing(i, None)
    }

    /// What a probe to `addr` finds.
    pub fn slot(&self, addr: u32) -> Slot {
        let i = self.rank(u64::from(addr));
        if i < self.hi && self.addr(i) == addr {
            self.slot_at(i)
        } else {
            Slot::Empty
        }
    }

    /// The answerers among entries `i..j`, in address order: their index
    /// and whether each is slow.
    pub fn answerers(&self, i: u32, j: u32) -> impl Iterator<Item = (u32, bool)> + 'a {
        let blocks = &self.view.blocks;
        let (first, last) = (i as usize / BLOCK, (j as usize).div_ceil(BLOCK));
        (first..last.max(first)).flat_map(move |q| {
            let b = blocks[q];
            let base = (q * BLOCK) as u32;
            let lo_mask = if base < i {
                !((1u64 << (i - base)) - 1)
            } else {
                !0
            };
            let hi_mask = if j - base < BLOCK as u32 {
                (1u64 << (j - base)) - 1
            } else {
                !0
            };
            let mut m = b.ans & lo_mask & hi_mask;
            std::iter::from_fn(move || {
                if m == 0 {
                    return None;
                }
                let bit = m.trailing_zeros();
                m &= m - 1;
                Some((base + bit, b.slow & (1u64 << bit) != 0))
            })
        })
    }

    /// Every candidate of the view: address and host.
    pub fn candidates(&self) -> impl Iterator<Item = (u32, HostId)> + '_ {
        let (r0, _, _) = self.counts_before(self.lo);
        let (r1, _, _) = self.counts_before(self.hi);
        self.view.cand[r0 as usize..r1 as usize]
            .iter()
            .map(|c| (c.addr, c.host))
    }

    /// Every entry of the view: address and class.
    pub fn entries(&self) -> impl Iterator<Item = (u32, Slot)> + '_ {
        (self.lo..self.hi).map(move |i| (self.addr(i), self.slot_at(i)))
    }
}

/// Views of many sites in shared arrays, one contiguous range per site
/// (sites have small inside views; a Vec each would cost millions of
/// allocations).
#[derive(Clone, Debug, Default)]
pub struct ViewStore {
    all: View,
    /// Start index of each site's entries; the next site's start is the
    /// end.
    starts: Vec<u32>,
}

impl ViewStore {
    /// Builds from one view's parts per site, in site order, or the first
    /// address a site holds twice.
    pub fn from_parts(parts: Vec<ViewParts>) -> Result<ViewStore, u32> {
        let mut store = ViewStore::default();
        let all = ViewParts {
            cand: Vec::with_capacity(parts.iter().map(|p| p.cand.len()).sum()),
            ans: Vec::with_capacity(parts.iter().map(|p| p.ans.len()).sum()),
            silent: Vec::with_capacity(parts.iter().map(|p| p.silent.len()).sum()),
        };
        store.all.reserve(&all);
        store.starts.reserve(parts.len());
        for p in parts {
            store.push(p)?;
        }
        Ok(store)
    }

    pub fn push(&mut self, parts: ViewParts) -> Result<(), u32> {
        self.starts.push(self.all.addrs.len() as u32);
        let all = &mut self.all;
        parts.merge(|addr, slot| all.push(addr, slot))
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The view of site `i`.
    pub fn get(&self, i: usize) -> ViewRef<'_> {
        let lo = self.starts[i];
        let hi = self
            .starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.all.addrs.len() as u32);
        ViewRef {
            view: &self.all,
            lo,
            hi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> ViewParts {
        ViewParts {
            cand: vec![(20, 1), (10, 0)],
            ans: vec![(5, false), (15, true), (25, false)],
            silent: vec![7],
        }
    }

    #[test]
    fn the_index_gives_the_same_ranks() {
        let parts = ViewParts {
            cand: [0, 5, 65_535, 65_536, 70_000, 0x0100_0000, u32::MAX]
                .iter()
                .map(|&a| (a, 0))
                .collect(),
            ..ViewParts::default()
        };
        let mut v = View::build(parts).unwrap();
        let positions = [
            0u64,
            1,
            6,
            65_535,
            65_536,
            65_537,
            0x00ff_ffff,
            0x0100_0000,
            u64::from(u32::MAX),
            1 << 32,
        ];
        let ranks =
            |v: &View| -> Vec<u32> { positions.iter().map(|&p| v.as_ref().rank(p)).collect() };
        let plain = ranks(&v);
        v.build_index();
        let indexed = ranks(&v);
        assert_eq!(plain, indexed);
        assert_eq!(indexed, vec![0, 1, 2, 2, 3, 4, 5, 5, 6, 7]);
    }

    #[test]
    fn slots_and_ranks() {
        let mut v = View::build(sample()).unwrap();
        v.build_index();
        let r = v.as_ref();
        assert_eq!(r.slot(10), Slot::Candidate(0));
        assert_eq!(r.slot(15), Slot::Answerer { slow: true });
        assert_eq!(r.slot(5), Slot::Answerer { slow: false });
        assert_eq!(r.slot(7), Slot::Silent);
        assert_eq!(r.slot(8), Slot::Empty);
        let next = |pos| r.next_candidate(r.rank(pos)).map(|c| (c.addr, c.host));
        assert_eq!(next(11), Some((20, 1)));
        assert_eq!(next(21), None);
        let c = r.census(0, 1 << 32);
        assert_eq!(
            (c.candidates, c.answerers, c.slow_answerers, c.silent),
            (2, 3, 1, 1)
        );
        assert_eq!(r.census(10, 20).candidates, 1);
        let ans: Vec<_> = r
            .answerers(0, r.end())
            .map(|(i, s)| (r.addr(i), s))
            .collect();
        assert_eq!(ans, vec![(5, false), (15, true), (25, false)]);
    }

    /// The `n`th answering entry from an index is the one a walk over the
    /// entries finds, across blocks and past silent runs.
    #[test]
    fn nth_answering_finds_what_a_walk_finds() {
        let mut parts = ViewParts::default();
        let mut x: u64 = 12345;
        for addr in 0..1000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            match (x >> 60) % 8 {
                0 => parts.cand.push((addr * 3, addr)),
                1 | 2 => parts.ans.push((addr * 3, x & 1 == 0)),
                _ => parts.silent.push(addr * 3),
            }
        }
        let mut v = View::build(parts).unwrap();
        v.build_index();
        let r = v.as_ref();
        let answering: Vec<u32> = (0..r.end())
            .filter(|&i| r.slot_at(i) != Slot::Silent)
            .collect();
        for from in [0, 1, 63, 64, 65, 200, 500, 999] {
            let after: Vec<u32> = answering.iter().copied().filter(|&i| i >= from).collect();
            for (n, &want) in after.iter().enumerate() {
                assert_eq!(r.nth_answering(from, n as u32), want, "from {from}, n {n}");
            }
        }
    }

    #[test]
    fn a_doubled_address_is_refused() {
        let mut p = sample();
        p.silent.push(15);
        assert_eq!(View::build(p), Err(15));
    }

    #[test]
    fn store_keeps_sites_apart() {
        let mut other = sample();
        other.cand = vec![(99, 7)];
        let s = ViewStore::from_parts(vec![sample(), ViewParts::default(), other]).unwrap();
        let addrs = |v: ViewRef<'_>| v.candidates().collect::<Vec<_>>();
        assert_eq!(addrs(s.get(0)), vec![(10, 0), (20, 1)]);
        assert!(s.get(1).is_empty());
        assert_eq!(addrs(s.get(2)), vec![(99, 7)]);
        assert_eq!(s.get(2).census(0, 1 << 32).answerers, 3);
        // A site's view finds no candidate of the next site.
        let first = s.get(0);
        assert_eq!(first.next_candidate(first.rank(21)), None);
    }

    /// A view of random classes at random addresses, and the same facts
    /// by brute force.
    fn arb_parts() -> impl Strategy<Value = ViewParts> {
        prop::collection::btree_map(0u32..5_000, 0u8..4, 0..600).prop_map(|m| {
            let mut p = ViewParts::default();
            for (i, (addr, class)) in m.into_iter().enumerate() {
                let slot = match class {
                    0 => Slot::Candidate(i as HostId),
                    1 => Slot::Answerer { slow: false },
                    2 => Slot::Answerer { slow: true },
                    _ => Slot::Silent,
                };
                p.push(addr * 3, slot);
            }
            p
        })
    }

    proptest! {
        #[test]
        fn counts_and_seeks_agree_with_brute_force(
            parts in arb_parts(),
            queries in prop::collection::vec((0u64..16_000, 0u64..16_000), 1..40),
        ) {
            let mut all = Vec::new();
            parts.clone().merge(|a, s| all.push((a, s))).unwrap();
            let mut v = View::build(parts).unwrap();
            v.build_index();
            let r = v.as_ref();
            for (a, b) in queries {
                let (lo, hi) = (a.min(b), a.max(b));
                let inside: Vec<_> = all.iter().filter(|e| (lo..hi).contains(&u64::from(e.0))).collect();
                let c = r.census(lo, hi);
                let count = |f: &dyn Fn(&Slot) -> bool| inside.iter().filter(|e| f(&e.1)).count() as u64;
                prop_assert_eq!(c.candidates, count(&|s| matches!(s, Slot::Candidate(_))));
                prop_assert_eq!(c.answerers, count(&|s| matches!(s, Slot::Answerer { .. })));
                prop_assert_eq!(c.slow_answerers, count(&|s| matches!(s, Slot::Answerer { slow: true })));
                prop_assert_eq!(c.silent, count(&|s| matches!(s, Slot::Silent)));
                prop_assert_eq!(r.seek(r.rank(lo), hi), r.rank(hi));
                prop_assert_eq!(r.seek(0, hi), r.rank(hi));
                let ans: Vec<_> = r.answerers(r.rank(lo), r.rank(hi)).map(|(i, s)| (r.addr(i), s)).collect();
                let expect: Vec<_> = inside.iter().filter_map(|e| match e.1 {
                    Slot::Answerer { slow } => Some((e.0, slow)),
                    _ => None,
                }).collect();
                prop_assert_eq!(ans, expect);
                let next = r.next_candidate(r.rank(lo)).map(|c| {
                    prop_assert_eq!(r.addr(c.entry), c.addr);
                    Ok((c.addr, c.host))
                }).transpose()?;
                let expect = all.iter().find_map(|e| match e.1 {
                    Slot::Candidate(h) if u64::from(e.0) >= lo => Some((e.0, h)),
                    _ => None,
                });
                prop_assert_eq!(next, expect);
            }
        }
    }
}
