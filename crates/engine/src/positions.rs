//! Things by their position in a permutation walk: the successor queries
//! both permutation drivers ask ("from this position, how far to the next
//! vulnerable host, or the next address that matters, and which?").
//!
//! Positions are sorted once, with an index of buckets over their top
//! bits, so that a query reads one short bucket; the walk wraps after the
//! last position, and so do the queries.
//!
//! May not touch: anything but its own entries.

/// The most buckets of an index: 2^16, so that a bucket of Code Red's
/// 360,000 hosts in 2^32 addresses holds about six.
const BUCKET_BITS: u32 = 16;

/// Entries (position, payload) sorted by position, in a walk of
/// 2^`space_bits` positions.
#[derive(Clone, Debug)]
pub(crate) struct PositionIndex {
    entries: Vec<(u32, u32)>,
    /// Where each bucket of positions (their top bits) starts in
    /// `entries`, and its end after the last.
    bucket_start: Vec<u32>,
    /// Positions shift right by this to give their bucket.
    bucket_shift: u32,
    /// The number of positions in the walk.
    len: u64,
}

impl PositionIndex {
    /// The index of `entries` (position, payload), positions distinct and
    /// below 2^`space_bits`.
    pub(crate) fn new(mut entries: Vec<(u32, u32)>, space_bits: u8) -> PositionIndex {
        entries.sort_unstable();
        // About one entry a bucket, and never more buckets than positions.
        let bits = (usize::BITS - entries.len().leading_zeros())
            .min(BUCKET_BITS)
            .min(u32::from(space_bits));
        let bucket_shift = u32::from(space_bits) - bits;
        let buckets = 1usize << (u32::from(space_bits) - bucket_shift);
        let mut bucket_start = Vec::with_capacity(buckets + 1);
        for b in 0..=buckets {
            let first = (b as u64) << bucket_shift;
            bucket_start.push(entries.partition_point(|&(p, _)| u64::from(p) < first) as u32);
        }
        PositionIndex {
            entries,
            bucket_start,
            bucket_shift,
            len: 1u64 << space_bits,
        }
    }

    /// The first entry at or after position `at` (wrapping after the last
    /// position): its index in the sorted entries; `None` without entries.
    pub(crate) fn successor(&self, at: u32) -> Option<usize> {
        // A shift of 32 (one bucket over 2^32 positions) is a u64's.
        let b = (u64::from(at) >> self.bucket_shift) as usize;
        let (lo, hi) = (
            self.bucket_start[b] as usize,
            self.bucket_start[b + 1] as usize,
        );
        let i = lo + self.entries[lo..hi].partition_point(|&(p, _)| p < at);
        if i < self.entries.len() {
            Some(i)
        } else {
            (!self.entries.is_empty()).then_some(0)
        }
    }

    /// The entry after entry `i`, wrapping.
    pub(crate) fn after(&self, i: usize) -> usize {
        if i + 1 < self.entries.len() { i + 1 } else { 0 }
    }

    /// Entry `i`: its position and payload.
    pub(crate) fn entry(&self, i: usize) -> (u32, u32) {
        self.entries[i]
    }

    /// How many positions from `at` (at included) lie before position `p`,
    /// going forward and wrapping.
    pub(crate) fn distance(&self, at: u32, p: u32) -> u64 {
        if p >= at {
            u64::from(p - at)
        } else {
            self.len - u64::from(at) + u64::from(p)
        }
    }

    /// How many positions from `at` lie before the next entry's, and its
    /// payload; `None` without entries.
    pub(crate) fn next_from(&self, at: u32) -> Option<(u64, u32)> {
        let (p, payload) = self.entry(self.successor(at)?);
        Some((self.distance(at, p), payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successors_wrap_and_distances_count_forward() {
        // A walk of 2^20 positions: buckets of 16.
        let entries = vec![(5, 50), (1 << 19, 19), ((1 << 20) - 1, 99), (17, 170)];
        let index = PositionIndex::new(entries, 20);
        assert_eq!(index.next_from(0), Some((5, 50)));
        assert_eq!(index.next_from(5), Some((0, 50)));
        assert_eq!(index.next_from(6), Some((11, 170)));
        assert_eq!(index.next_from(18), Some(((1 << 19) - 18, 19)));
        assert_eq!(index.next_from((1 << 20) - 1), Some((0, 99)));
        // Past the last entry's bucket: wraps to the first.
        let i = index.successor((1 << 19) + 1).unwrap();
        assert_eq!(index.entry(i), ((1 << 20) - 1, 99));
        assert_eq!(index.entry(index.after(i)), (5, 50));
        assert_eq!(index.distance((1 << 20) - 1, 5), 6);
        let empty = PositionIndex::new(Vec::new(), 8);
        assert_eq!(empty.next_from(3), None);
        // One bucket over the whole IPv4 space (empty, or one entry).
        assert_eq!(PositionIndex::new(Vec::new(), 32).next_from(u32::MAX), None);
        let one = PositionIndex::new(vec![(7, 1)], 32);
        assert_eq!(one.next_from(u32::MAX), Some((8, 1)));
        assert_eq!(one.next_from(7), Some((0, 1)));
        // Every position of a small walk, against a linear search.
        let entries: Vec<(u32, u32)> = (0..256u32).filter(|p| p % 7 == 3).map(|p| (p, p)).collect();
        let index = PositionIndex::new(entries.clone(), 8);
        for at in 0..256u32 {
            let want = entries
                .iter()
                .map(|&(p, _)| ((p + 256 - at) % 256, p))
                .min()
                .map(|(d, p)| (u64::from(d), p));
            assert_eq!(index.next_from(at), want, "from {at}");
        }
    }
}
