//! Views: what a scanner finds at each address from one vantage point, as
//! sorted address arrays, so that a run of addresses can be skipped with
//! rank queries instead of being probed one by one.
//!
//! A view splits the live addresses into three classes:
//! - *candidates*: hosts whose state a probe may change (vulnerable and
//!   listening); the engine looks at each one it reaches;
//! - *answerers*: hosts that answer on 135/tcp but that the exploit cannot
//!   change; each costs the scanner a fixed exploit attempt. The subset
//!   `ans_slow` are those whose shell port is filtered, so that the worm's
//!   connect to it times out instead of being refused;
//! - *silent*: live addresses that never answer from this vantage.
//!
//! Any other address holds no host.

use crate::host::HostId;

/// Owned arrays of one view. Every array is sorted by address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub cand_addr: Vec<u32>,
    pub cand_host: Vec<HostId>,
    pub ans_addr: Vec<u32>,
    pub ans_slow: Vec<u32>,
    pub silent_addr: Vec<u32>,
    /// Per-/16 start indices of the four address arrays (see
    /// [`View::build_index`]); empty when not built.
    index: [Vec<u32>; 4],
}

/// Buckets of the rank index: one per /16.
const BUCKET_SHIFT: u32 = 16;
const BUCKETS: usize = 1 << (32 - BUCKET_SHIFT);

fn bucket_starts(sorted: &[u32]) -> Vec<u32> {
    let mut starts = vec![0u32; BUCKETS + 1];
    let mut i = 0usize;
    for (b, start) in starts.iter_mut().enumerate().take(BUCKETS) {
        while i < sorted.len() && ((sorted[i] >> BUCKET_SHIFT) as usize) < b {
            i += 1;
        }
        *start = i as u32;
    }
    starts[BUCKETS] = sorted.len() as u32;
    starts
}

impl View {
    /// Builds a per-/16 index so that rank queries search one /16's entries
    /// instead of the whole array: the large public view's arrays do not fit
    /// in any cache, and a sequential scanner asks several rank queries per
    /// step. 1 MiB for the four arrays.
    pub fn build_index(&mut self) {
        self.index = [
            bucket_starts(&self.cand_addr),
            bucket_starts(&self.ans_addr),
            bucket_starts(&self.ans_slow),
            bucket_starts(&self.silent_addr),
        ];
    }

    pub fn as_ref(&self) -> ViewRef<'_> {
        let idx = |k: usize| (!self.index[k].is_empty()).then_some(self.index[k].as_slice());
        ViewRef {
            cand: Addrs::new(&self.cand_addr, idx(0)),
            cand_host: &self.cand_host,
            ans: Addrs::new(&self.ans_addr, idx(1)),
            slow: Addrs::new(&self.ans_slow, idx(2)),
            silent: Addrs::new(&self.silent_addr, idx(3)),
        }
    }
}

/// A sorted address array with an optional per-/16 index.
#[derive(Clone, Copy, Debug)]
pub struct Addrs<'a> {
    addrs: &'a [u32],
    index: Option<&'a [u32]>,
}

impl<'a> Addrs<'a> {
    pub fn new(addrs: &'a [u32], index: Option<&'a [u32]>) -> Self {
        debug_assert!(index.is_none_or(|i| i.len() == BUCKETS + 1));
        Addrs { addrs, index }
    }
    pub fn as_slice(&self) -> &'a [u32] {
        self.addrs
    }
    pub fn len(&self) -> usize {
        self.addrs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<u32> {
        self.addrs.get(i).copied()
    }
    /// Number of entries below `pos` (u64 so that 2^32 can be named).
    #[inline]
    pub fn rank(&self, pos: u64) -> usize {
        if pos > u64::from(u32::MAX) {
            return self.addrs.len();
        }
        match self.index {
            Some(index) => {
                let b = (pos >> BUCKET_SHIFT) as usize;
                let (lo, hi) = (index[b] as usize, index[b + 1] as usize);
                lo + self.addrs[lo..hi].partition_point(|&a| u64::from(a) < pos)
            }
            None => rank(self.addrs, pos),
        }
    }
    /// Number of entries in `[lo, hi)`.
    #[inline]
    pub fn count_in(&self, lo: u64, hi: u64) -> usize {
        if hi <= lo {
            return 0;
        }
        self.rank(hi) - self.rank(lo)
    }
    pub fn contains(&self, addr: u32) -> bool {
        let i = self.rank(u64::from(addr));
        self.addrs.get(i) == Some(&addr)
    }
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

/// Borrowed arrays of one view (the public view, or a site's inside view).
#[derive(Clone, Copy, Debug)]
pub struct ViewRef<'a> {
    /// Candidates' addresses; `cand_host[i]` is the host at `cand.get(i)`.
    pub cand: Addrs<'a>,
    pub cand_host: &'a [HostId],
    pub ans: Addrs<'a>,
    pub slow: Addrs<'a>,
    pub silent: Addrs<'a>,
}

/// Number of entries of a sorted array below `pos` (positions are u64 so
/// that the end of the space, 2^32, can be named).
#[inline]
pub fn rank(sorted: &[u32], pos: u64) -> usize {
    if pos > u64::from(u32::MAX) {
        return sorted.len();
    }
    sorted.partition_point(|&a| u64::from(a) < pos)
}

/// Number of entries in `[lo, hi)`.
#[inline]
pub fn count_in(sorted: &[u32], lo: u64, hi: u64) -> usize {
    if hi <= lo {
        return 0;
    }
    rank(sorted, hi) - rank(sorted, lo)
}

impl<'a> ViewRef<'a> {
    /// What a probe to `addr` finds.
    pub fn slot(&self, addr: u32) -> Slot {
        let i = self.cand.rank(u64::from(addr));
        if self.cand.get(i) == Some(addr) {
            return Slot::Candidate(self.cand_host[i]);
        }
        if self.ans.contains(addr) {
            return Slot::Answerer {
                slow: self.slow.contains(addr),
            };
        }
        if self.silent.contains(addr) {
            return Slot::Silent;
        }
        Slot::Empty
    }

    /// Address of the first candidate at or after `pos`.
    #[inline]
    pub fn next_candidate(&self, pos: u64) -> Option<u32> {
        self.cand.get(self.cand.rank(pos))
    }

    /// Counts of each class in `[lo, hi)`.
    pub fn census(&self, lo: u64, hi: u64) -> Census {
        Census {
            candidates: self.cand.count_in(lo, hi) as u64,
            answerers: self.ans.count_in(lo, hi) as u64,
            slow_answerers: self.slow.count_in(lo, hi) as u64,
            silent: self.silent.count_in(lo, hi) as u64,
        }
    }
}

/// How many addresses of each class a range holds.
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

/// Views of many sites in shared arrays, one contiguous range per site
/// (sites have small inside views; a Vec each would cost millions of
/// allocations).
#[derive(Clone, Debug, Default)]
pub struct ViewStore {
    all: View,
    /// Start index of each site's range in each array: cand, ans, slow,
    /// silent; the next site's start is the end.
    starts: Vec<[u32; 4]>,
}

impl ViewStore {
    /// Builds from one view per site, in site order.
    pub fn from_views(views: impl IntoIterator<Item = View>) -> ViewStore {
        let mut store = ViewStore::default();
        for v in views {
            store.push(&v);
        }
        store
    }

    pub fn push(&mut self, v: &View) {
        let a = &mut self.all;
        self.starts.push([
            a.cand_addr.len() as u32,
            a.ans_addr.len() as u32,
            a.ans_slow.len() as u32,
            a.silent_addr.len() as u32,
        ]);
        a.cand_addr.extend_from_slice(&v.cand_addr);
        a.cand_host.extend_from_slice(&v.cand_host);
        a.ans_addr.extend_from_slice(&v.ans_addr);
        a.ans_slow.extend_from_slice(&v.ans_slow);
        a.silent_addr.extend_from_slice(&v.silent_addr);
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The view of site `i`.
    pub fn get(&self, i: usize) -> ViewRef<'_> {
        let s = self.starts[i];
        let e = self.starts.get(i + 1).copied().unwrap_or([
            self.all.cand_addr.len() as u32,
            self.all.ans_addr.len() as u32,
            self.all.ans_slow.len() as u32,
            self.all.silent_addr.len() as u32,
        ]);
        let r = |k: usize| s[k] as usize..e[k] as usize;
        ViewRef {
            cand: Addrs::new(&self.all.cand_addr[r(0)], None),
            cand_host: &self.all.cand_host[r(0)],
            ans: Addrs::new(&self.all.ans_addr[r(1)], None),
            slow: Addrs::new(&self.all.ans_slow[r(2)], None),
            silent: Addrs::new(&self.all.silent_addr[r(3)], None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> View {
        View {
            cand_addr: vec![10, 20],
            cand_host: vec![0, 1],
            ans_addr: vec![5, 15, 25],
            ans_slow: vec![15],
            silent_addr: vec![7],
            ..View::default()
        }
    }

    #[test]
    fn the_index_gives_the_same_ranks() {
        let mut v = View {
            cand_addr: vec![0, 5, 65_535, 65_536, 70_000, 0x0100_0000, u32::MAX],
            cand_host: vec![0; 7],
            ..View::default()
        };
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
        let ranks = |v: &View| -> Vec<usize> {
            positions.iter().map(|&p| v.as_ref().cand.rank(p)).collect()
        };
        let plain = ranks(&v);
        v.build_index();
        let indexed = ranks(&v);
        assert_eq!(plain, indexed);
        assert_eq!(indexed, vec![0, 1, 2, 2, 3, 4, 5, 5, 6, 7]);
    }

    #[test]
    fn slots_and_ranks() {
        let mut v = sample();
        v.build_index();
        let r = v.as_ref();
        assert_eq!(r.slot(10), Slot::Candidate(0));
        assert_eq!(r.slot(15), Slot::Answerer { slow: true });
        assert_eq!(r.slot(5), Slot::Answerer { slow: false });
        assert_eq!(r.slot(7), Slot::Silent);
        assert_eq!(r.slot(8), Slot::Empty);
        assert_eq!(r.next_candidate(11), Some(20));
        assert_eq!(r.next_candidate(21), None);
        let c = r.census(0, 1 << 32);
        assert_eq!(
            (c.candidates, c.answerers, c.slow_answerers, c.silent),
            (2, 3, 1, 1)
        );
        assert_eq!(r.census(10, 20).candidates, 1);
    }

    #[test]
    fn store_keeps_sites_apart() {
        let mut other = sample();
        other.cand_addr = vec![99];
        other.cand_host = vec![7];
        let s = ViewStore::from_views([sample(), View::default(), other]);
        assert_eq!(s.get(0).cand.as_slice(), &[10, 20]);
        assert!(s.get(1).cand.is_empty());
        assert_eq!(s.get(2).cand_host, &[7]);
        assert_eq!(s.get(2).ans.as_slice(), &[5, 15, 25]);
    }
}
