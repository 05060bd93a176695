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
}

impl View {
    pub fn as_ref(&self) -> ViewRef<'_> {
        ViewRef {
            cand_addr: &self.cand_addr,
            cand_host: &self.cand_host,
            ans_addr: &self.ans_addr,
            ans_slow: &self.ans_slow,
            silent_addr: &self.silent_addr,
        }
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
    pub cand_addr: &'a [u32],
    pub cand_host: &'a [HostId],
    pub ans_addr: &'a [u32],
    pub ans_slow: &'a [u32],
    pub silent_addr: &'a [u32],
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
        if let Ok(i) = self.cand_addr.binary_search(&addr) {
            return Slot::Candidate(self.cand_host[i]);
        }
        if self.ans_addr.binary_search(&addr).is_ok() {
            return Slot::Answerer {
                slow: self.ans_slow.binary_search(&addr).is_ok(),
            };
        }
        if self.silent_addr.binary_search(&addr).is_ok() {
            return Slot::Silent;
        }
        Slot::Empty
    }

    /// Index and address of the first candidate at or after `pos`.
    #[inline]
    pub fn next_candidate(&self, pos: u64) -> Option<u32> {
        let i = rank(self.cand_addr, pos);
        self.cand_addr.get(i).copied()
    }

    /// Counts of each class in `[lo, hi)`.
    pub fn census(&self, lo: u64, hi: u64) -> Census {
        Census {
            candidates: count_in(self.cand_addr, lo, hi) as u64,
            answerers: count_in(self.ans_addr, lo, hi) as u64,
            slow_answerers: count_in(self.ans_slow, lo, hi) as u64,
            silent: count_in(self.silent_addr, lo, hi) as u64,
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
            cand_addr: &self.all.cand_addr[r(0)],
            cand_host: &self.all.cand_host[r(0)],
            ans_addr: &self.all.ans_addr[r(1)],
            ans_slow: &self.all.ans_slow[r(2)],
            silent_addr: &self.all.silent_addr[r(3)],
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
        }
    }

    #[test]
    fn slots_and_ranks() {
        let v = sample();
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
        assert_eq!(s.get(0).cand_addr, &[10, 20]);
        assert!(s.get(1).cand_addr.is_empty());
        assert_eq!(s.get(2).cand_host, &[7]);
        assert_eq!(s.get(2).ans_addr, &[5, 15, 25]);
    }
}
