//! A min-heap with four children per node, for the random core's event
//! queue: half the depth of a binary heap, and a node's children share one
//! 64-byte cache line when entries are 16 bytes. With hundreds of thousands
//! of pending events the queue outgrows the caches, and a pop's cost is
//! its cache misses, one per level.
//!
//! Pops in exactly the order of `Ord` (ties cannot happen with unique
//! keys), so replacing `BinaryHeap<Reverse<_>>` changes no output.
//!
//! [`KeyedHeap`] is the same heap with at most one entry per key (a host)
//! and a table of where each key's entry sits, so that an entry can be
//! moved or removed: a scanner's next event is replaced, never left behind
//! to be skipped later.

/// A min-heap of `T`, four children per node.
#[derive(Clone, Debug, Default)]
pub struct QuadHeap<T> {
    items: Vec<T>,
}

impl<T: Ord + Copy> QuadHeap<T> {
    pub fn new() -> QuadHeap<T> {
        QuadHeap { items: Vec::new() }
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The least item.
    pub fn peek(&self) -> Option<&T> {
        self.items.first()
    }

    pub fn push(&mut self, item: T) {
        let mut i = self.items.len();
        self.items.push(item);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.items[parent] <= item {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = item;
    }

    /// Removes and returns the least item.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.items.pop()?;
        if self.items.is_empty() {
            return Some(last);
        }
        let top = self.items[0];
        let n = self.items.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut least = first;
            for c in first + 1..(first + 4).min(n) {
                if self.items[c] < self.items[least] {
                    least = c;
                }
            }
            if last <= self.items[least] {
                break;
            }
            self.items[i] = self.items[least];
            i = least;
        }
        self.items[i] = last;
        Some(top)
    }
}

/// A min-heap of `(time, host, key)` entries in that order, with at most
/// one entry per key; four children per node. Keys are small integers a
/// caller hands out (a driver's scanner slots): the table of where each
/// key's entry sits stays as small as the number of keys.
#[derive(Clone, Debug, Default)]
pub struct KeyedHeap {
    /// `time << 64 | host << 32 | key`.
    items: Vec<u128>,
    /// Index in `items` of each key's entry, or `ABSENT`.
    slot: Vec<u32>,
}

const ABSENT: u32 = u32::MAX;

impl KeyedHeap {
    pub fn new() -> KeyedHeap {
        KeyedHeap::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The least entry: (time, host, key).
    #[inline]
    pub fn peek(&self) -> Option<(u64, u32, u32)> {
        self.items
            .first()
            .map(|&e| ((e >> 64) as u64, (e >> 32) as u32, e as u32))
    }

    /// The key of the second least entry (a child of the least one).
    #[inline]
    pub fn second_key(&self) -> Option<u32> {
        self.items
            .get(1..self.items.len().min(5))?
            .iter()
            .min()
            .map(|&e| e as u32)
    }

    /// Sets `key`'s entry to (`time`, `host`), adding it if absent.
    pub fn set(&mut self, key: u32, host: u32, time: u64) {
        let e = (u128::from(time) << 64) | (u128::from(host) << 32) | u128::from(key);
        if key as usize >= self.slot.len() {
            self.slot.resize(key as usize + 1, ABSENT);
        }
        let at = self.slot[key as usize];
        if at == ABSENT {
            self.items.push(e);
            self.sift_up(self.items.len() - 1, e);
        } else if e < self.items[at as usize] {
            self.sift_up(at as usize, e);
        } else {
            self.sift_down(at as usize, e);
        }
    }

    /// Removes `key`'s entry, if any.
    pub fn remove(&mut self, key: u32) {
        let Some(&at) = self.slot.get(key as usize).filter(|&&at| at != ABSENT) else {
            return;
        };
        self.slot[key as usize] = ABSENT;
        let last = self.items.pop().expect("the entry is in the heap");
        let at = at as usize;
        if at == self.items.len() {
            return;
        }
        if last < self.items[at] {
            self.sift_up(at, last);
        } else {
            self.sift_down(at, last);
        }
    }

    /// Removes and returns the least entry: (time, host, key).
    #[cfg(test)]
    pub fn pop(&mut self) -> Option<(u64, u32, u32)> {
        let least = self.peek()?;
        self.remove(least.2);
        Some(least)
    }

    fn place(&mut self, i: usize, e: u128) {
        self.items[i] = e;
        self.slot[e as u32 as usize] = i as u32;
    }

    fn sift_up(&mut self, mut i: usize, e: u128) {
        while i > 0 {
            let parent = (i - 1) / 4;
            let p = self.items[parent];
            if p <= e {
                break;
            }
            self.place(i, p);
            i = parent;
        }
        self.place(i, e);
    }

    fn sift_down(&mut self, mut i: usize, e: u128) {
        let n = self.items.len();
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut least = first;
            for c in first + 1..(first + 4).min(n) {
                if self.items[c] < self.items[least] {
                    least = c;
                }
            }
            let l = self.items[least];
            if e <= l {
                break;
            }
            self.place(i, l);
            i = least;
        }
        self.place(i, e);
    }
}

/// Where a key's entry in a [`KeyedCalendar`] sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Absent,
    /// In the near heap.
    Near,
    /// In a ring bucket, at this index.
    Ring {
        bucket: u32,
        at: u32,
    },
    /// Beyond the ring, at this index of the far list.
    Far {
        at: u32,
    },
}

/// Bucket width: 2^22 microseconds, about 4.2 s.
const BUCKET_SHIFT: u32 = 22;
/// Buckets in the ring: 2^14 of 4.2 s, about 19.5 hours.
const RING: u64 = 1 << 14;

/// The scan events of a run: a [`KeyedHeap`] for the near future and a
/// ring of time buckets behind it (a calendar queue), with the same order
/// and the same one-entry-per-key rule. The heap only ever holds the
/// events of the next few seconds (about a thousand at internet scale), so
/// its pops stay in the fastest caches; an event further ahead waits in its
/// bucket, a push onto a list, and moves into the heap when its bucket
/// comes up. A key's entry can be moved or removed wherever it is.
#[derive(Clone, Debug)]
pub struct KeyedCalendar {
    near: KeyedHeap,
    /// Every entry with a time below this is in `near`; every other entry
    /// is in the ring or far. A multiple of the bucket width.
    horizon: u64,
    /// Bucket `b` holds the entries whose time lies in bucket number `n`,
    /// `n % RING == b`, for `n` from `horizon`'s bucket on, less than a
    /// ring ahead.
    ring: Vec<Vec<u128>>,
    /// One bit per ring bucket: non-empty.
    occupied: Vec<u64>,
    in_ring: usize,
    /// Entries a ring or more ahead of the horizon.
    far: Vec<u128>,
    place: Vec<Place>,
}

impl Default for KeyedCalendar {
    fn default() -> Self {
        KeyedCalendar {
            near: KeyedHeap::new(),
            horizon: 0,
            ring: vec![Vec::new(); RING as usize],
            occupied: vec![0; RING as usize / 64],
            in_ring: 0,
            far: Vec::new(),
            place: Vec::new(),
        }
    }
}

fn entry(key: u32, host: u32, time: u64) -> u128 {
    (u128::from(time) << 64) | (u128::from(host) << 32) | u128::from(key)
}

fn time_of(e: u128) -> u64 {
    (e >> 64) as u64
}

impl KeyedCalendar {
    pub fn new() -> KeyedCalendar {
        KeyedCalendar::default()
    }

    pub fn len(&self) -> usize {
        self.near.len() + self.in_ring + self.far.len()
    }

    /// The least entry: (time, host, key). Brings the next bucket into the
    /// heap when the heap is empty.
    #[inline]
    pub fn peek(&mut self) -> Option<(u64, u32, u32)> {
        if self.near.len() == 0 {
            self.refill();
        }
        self.near.peek()
    }

    /// The key of the second least entry, if it is in the heap.
    #[inline]
    pub fn second_key(&self) -> Option<u32> {
        self.near.second_key()
    }

    /// Sets `key`'s entry to (`time`, `host`), adding it if absent.
    pub fn set(&mut self, key: u32, host: u32, time: u64) {
        if key as usize >= self.place.len() {
            self.place.resize(key as usize + 1, Place::Absent);
        }
        match self.place[key as usize] {
            Place::Near if time < self.horizon => {
                self.near.set(key, host, time);
                return;
            }
            Place::Absent => {}
            _ => self.remove(key),
        }
        self.insert(entry(key, host, time));
    }

    /// Removes `key`'s entry, if any.
    pub fn remove(&mut self, key: u32) {
        let Some(&place) = self.place.get(key as usize) else {
            return;
        };
        self.place[key as usize] = Place::Absent;
        match place {
            Place::Absent => {}
            Place::Near => self.near.remove(key),
            Place::Ring { bucket, at } => {
                let list = &mut self.ring[bucket as usize];
                list.swap_remove(at as usize);
                if let Some(&moved) = list.get(at as usize) {
                    self.place[moved as u32 as usize] = Place::Ring { bucket, at };
                }
                if list.is_empty() {
                    self.occupied[bucket as usize / 64] &= !(1 << (bucket % 64));
                }
                self.in_ring -= 1;
            }
            Place::Far { at } => {
                self.far.swap_remove(at as usize);
                if let Some(&moved) = self.far.get(at as usize) {
                    self.place[moved as u32 as usize] = Place::Far { at };
                }
            }
        }
    }

    fn insert(&mut self, e: u128) {
        let (time, key) = (time_of(e), e as u32);
        if time < self.horizon {
            self.near.set(key, (e >> 32) as u32, time);
            self.place[key as usize] = Place::Near;
            return;
        }
        let n = time >> BUCKET_SHIFT;
        if n - (self.horizon >> BUCKET_SHIFT) >= RING {
            self.place[key as usize] = Place::Far {
                at: self.far.len() as u32,
            };
            self.far.push(e);
            return;
        }
        let bucket = (n % RING) as u32;
        let list = &mut self.ring[bucket as usize];
        self.place[key as usize] = Place::Ring {
            bucket,
            at: list.len() as u32,
        };
        list.push(e);
        self.occupied[bucket as usize / 64] |= 1 << (bucket % 64);
        self.in_ring += 1;
    }

    /// Moves the earliest non-empty bucket into the (empty) heap and sets
    /// the horizon past it; entries from far that come within a ring of
    /// the new horizon move into the ring.
    fn refill(&mut self) {
        debug_assert_eq!(self.near.len(), 0);
        if self.in_ring == 0 {
            // Jump to the earliest far entry's bucket.
            let Some(first) = self.far.iter().map(|&e| time_of(e)).min() else {
                return;
            };
            self.horizon = (first >> BUCKET_SHIFT) << BUCKET_SHIFT;
            self.pull_far();
        }
        let here = (self.horizon >> BUCKET_SHIFT) % RING;
        let ahead = self.next_occupied(here);
        // Times saturate at the end of u64: so does the horizon (nothing
        // that late is ever run).
        self.horizon = self.horizon.saturating_add(ahead << BUCKET_SHIFT);
        let bucket = ((here + ahead) % RING) as usize;
        let list = std::mem::take(&mut self.ring[bucket]);
        self.occupied[bucket / 64] &= !(1 << (bucket % 64));
        self.in_ring -= list.len();
        self.horizon = self.horizon.saturating_add(1 << BUCKET_SHIFT);
        for &e in &list {
            let key = e as u32;
            self.near.set(key, (e >> 32) as u32, time_of(e));
            self.place[key as usize] = Place::Near;
        }
        // Keep the list's memory for the bucket's next turn.
        let mut list = list;
        list.clear();
        self.ring[bucket] = list;
        if ahead > 0 {
            self.pull_far();
        }
    }

    /// Buckets from ring index `from` (inclusive) to the next occupied one.
    fn next_occupied(&self, from: u64) -> u64 {
        let words = self.occupied.len() as u64;
        for step in 0..=words {
            let w = ((from / 64) + step) % words;
            let mut bits = self.occupied[w as usize];
            if step == 0 {
                bits &= !0u64 << (from % 64);
            }
            if bits != 0 {
                let b = w * 64 + u64::from(bits.trailing_zeros());
                return (b + RING - from) % RING;
            }
        }
        unreachable!("the ring holds entries")
    }

    /// Moves the far entries that now lie less than a ring ahead of the
    /// horizon into the ring (or the heap).
    fn pull_far(&mut self) {
        let limit = (self.horizon >> BUCKET_SHIFT) + RING;
        let mut i = 0;
        while i < self.far.len() {
            let e = self.far[i];
            if time_of(e) >> BUCKET_SHIFT < limit {
                self.far.swap_remove(i);
                if let Some(&moved) = self.far.get(i) {
                    self.place[moved as u32 as usize] = Place::Far { at: i as u32 };
                }
                self.insert(e);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The calendar against a map, with times spread over a few
        /// buckets up to many rings ahead of the horizon.
        #[test]
        fn keyed_calendar_pops_in_order_of_the_latest_times(
            ops in proptest::collection::vec((0u8..4, 0u32..60, 0u64..6, 0u64..1_000_000_000), 0..500),
        ) {
            let mut cal = KeyedCalendar::new();
            let host = |k: u32| 1000 - k;
            let mut model = std::collections::BTreeMap::<u32, u64>::new();
            let mut now = 0u64;
            let scale = [1u64, 1 << 18, 1 << 22, 1 << 26, 1 << 36, 1 << 40];
            for (op, key, how_far, x) in ops {
                match op {
                    0 | 1 => {
                        // Events are never scheduled in the past.
                        let time = now + (x % (scale[how_far as usize] + 1));
                        cal.set(key, host(key), time);
                        model.insert(key, time);
                    }
                    2 => {
                        cal.remove(key);
                        model.remove(&key);
                    }
                    _ => {
                        let least = model.iter().map(|(&k, &t)| (t, host(k), k)).min();
                        prop_assert_eq!(cal.peek(), least);
                        if let Some((t, _, k)) = least {
                            cal.remove(k);
                            model.remove(&k);
                            now = t;
                        }
                    }
                }
                prop_assert_eq!(cal.len(), model.len());
            }
            while let Some(least) = model.iter().map(|(&k, &t)| (t, host(k), k)).min() {
                prop_assert_eq!(cal.peek(), Some(least));
                cal.remove(least.2);
                model.remove(&least.2);
            }
            prop_assert_eq!(cal.peek(), None);
        }

        #[test]
        fn keyed_heap_pops_in_order_of_the_latest_times(
            ops in proptest::collection::vec((0u8..3, 0u32..40, 0u64..500), 0..400),
        ) {
            let mut heap = KeyedHeap::new();
            // The host of key k is 100 - k: the order is (time, host).
            let host = |k: u32| 100 - k;
            let mut model = std::collections::BTreeMap::<u32, u64>::new();
            for (op, key, time) in ops {
                match op {
                    0 => {
                        heap.set(key, host(key), time);
                        model.insert(key, time);
                    }
                    1 => {
                        heap.remove(key);
                        model.remove(&key);
                    }
                    _ => {
                        let least = model.iter().map(|(&k, &t)| (t, host(k), k)).min();
                        prop_assert_eq!(heap.pop(), least);
                        if let Some((_, _, k)) = least {
                            model.remove(&k);
                        }
                    }
                }
                prop_assert_eq!(heap.peek(), model.iter().map(|(&k, &t)| (t, host(k), k)).min());
                prop_assert_eq!(heap.len(), model.len());
            }
        }
    }

    proptest! {
        #[test]
        fn pops_in_sorted_order(ops in proptest::collection::vec((any::<bool>(), 0u32..1000), 0..400)) {
            let mut heap = QuadHeap::new();
            let mut model = std::collections::BinaryHeap::new();
            for (push, v) in ops {
                if push {
                    heap.push(v);
                    model.push(std::cmp::Reverse(v));
                } else {
                    prop_assert_eq!(heap.pop(), model.pop().map(|r| r.0));
                }
                prop_assert_eq!(heap.peek().copied(), model.peek().map(|r| r.0));
                prop_assert_eq!(heap.items.len(), model.len());
            }
        }
    }
}
