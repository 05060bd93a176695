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
        self.items.push(item);
        self.sift_up(self.items.len() - 1, item);
    }

    /// Removes and returns the least item.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.items.pop()?;
        if self.items.is_empty() {
            return Some(last);
        }
        let top = self.items[0];
        self.sift_down(0, last);
        Some(top)
    }

    /// Removes the first item (in storage order) for which `matches` holds,
    /// looking at every item: for small heaps.
    pub fn remove_where(&mut self, matches: impl Fn(&T) -> bool) -> Option<T> {
        let i = self.items.iter().position(matches)?;
        let found = self.items[i];
        let last = self.items.pop().expect("found an item");
        if i < self.items.len() {
            if last < found {
                self.sift_up(i, last);
            } else {
                self.sift_down(i, last);
            }
        }
        Some(found)
    }

    /// Keeps only the items for which `keep` holds, looking at every item
    /// (a sorted vector is a heap: rebuilding costs one sort).
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
        self.items.sort_unstable();
    }

    fn sift_up(&mut self, mut i: usize, item: T) {
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

    fn sift_down(&mut self, mut i: usize, item: T) {
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
            if item <= self.items[least] {
                break;
            }
            self.items[i] = self.items[least];
            i = least;
        }
        self.items[i] = item;
    }
}

/// Where a key's entry in a [`KeyedCalendar`] sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Absent,
    /// In the sorted run of the current bucket, at this index.
    Run {
        at: u32,
    },
    /// In the heap of late arrivals.
    Late,
    /// In a ring bucket, at this index.
    Ring {
        bucket: u32,
        at: u32,
    },
    /// Beyond the ring, in the far heap, at this time.
    Far {
        time: u64,
    },
}

/// Bucket width: 2^21 microseconds, about 2.1 s.
const BUCKET_SHIFT: u32 = 21;
/// Buckets in the ring: 2^15 of 2.1 s, about 19 hours.
const RING: u64 = 1 << 15;
/// A removed entry of the sorted run, skipped when the run is read (no
/// entry has it: keys are far below `u32::MAX`).
const TOMBSTONE: u128 = u128::MAX;

/// The scan events of a run, in the order of (time, host, key), at most
/// one per key, any of them movable or removable: a calendar queue. Keys
/// are small integers the caller hands out (a driver's scanner slots).
///
/// Entries of the next two seconds or so are *near*: the bucket being run,
/// sorted once when it comes up and read from the front, and a small heap
/// of the entries set for it after that. Every later entry waits in its
/// time bucket on a ring (a push onto a list) or, a ring or more ahead, in
/// a far list. Nothing here is written per level of a heap but the small
/// heap's own items, so at internet scale (a thousand entries a bucket,
/// hundreds of thousands in all) the queue stays in the fastest caches.
#[derive(Clone, Debug)]
pub struct KeyedCalendar {
    /// The current bucket's entries as they were when it came up, sorted;
    /// `run[..run_at]` are done, removed ones are tombstones.
    run: Vec<u128>,
    run_at: usize,
    /// Entries set for the current bucket after it came up.
    late: QuadHeap<u128>,
    near_len: usize,
    /// Every entry with a time below this is near; every other entry is in
    /// the ring or far. A multiple of the bucket width.
    horizon: u64,
    /// Bucket `b` holds the entries whose time lies in bucket number `n`,
    /// `n % RING == b`, for `n` from `horizon`'s bucket on, less than a
    /// ring ahead.
    ring: Vec<Vec<u128>>,
    /// One bit per ring bucket: non-empty.
    occupied: Vec<u64>,
    in_ring: usize,
    /// Entries a ring or more ahead of the horizon when they were set, in
    /// time order. A removed entry stays until it comes up, and is dropped
    /// then (its key's place no longer says so).
    far: QuadHeap<u128>,
    /// Entries of `far` not removed.
    far_len: usize,
    place: Vec<Place>,
    /// The time of the last entry popped: no entry may be set before it.
    now: u64,
}

impl Default for KeyedCalendar {
    fn default() -> Self {
        KeyedCalendar {
            run: Vec::new(),
            run_at: 0,
            late: QuadHeap::new(),
            near_len: 0,
            horizon: 0,
            ring: vec![Vec::new(); RING as usize],
            occupied: vec![0; RING as usize / 64],
            in_ring: 0,
            far: QuadHeap::new(),
            far_len: 0,
            place: Vec::new(),
            now: 0,
        }
    }
}

fn entry(key: u32, host: u32, time: u64) -> u128 {
    (u128::from(time) << 64) | (u128::from(host) << 32) | u128::from(key)
}

fn time_of(e: u128) -> u64 {
    (e >> 64) as u64
}

fn unpack(e: u128) -> (u64, u32, u32) {
    (time_of(e), (e >> 32) as u32, e as u32)
}

impl KeyedCalendar {
    pub fn new() -> KeyedCalendar {
        KeyedCalendar::default()
    }

    pub fn len(&self) -> usize {
        self.near_len + self.in_ring + self.far_len
    }

    /// The least entry: (time, host, key).
    #[inline]
    pub fn peek(&mut self) -> Option<(u64, u32, u32)> {
        self.peek_until(u64::MAX)
    }

    /// The least entry if its time is at most `limit`: (time, host, key).
    /// Brings the next bucket in when the near entries are done, but never
    /// a bucket that starts after `limit`: the caller may set entries
    /// before it first (an event of its own comes first), and an entry set
    /// before the near bucket would have to wait among the near ones.
    #[inline]
    pub fn peek_until(&mut self, limit: u64) -> Option<(u64, u32, u32)> {
        if self.near_len == 0 {
            self.refill(limit);
        }
        self.near_min().map(unpack).filter(|e| e.0 <= limit)
    }

    /// The keys of up to `N` entries due soon, least first as far as the
    /// near bucket's sorted run and the least late arrival tell (a later
    /// arrival may come between them), without bringing a bucket in: a
    /// hint for prefetching. Unused places are `u32::MAX`.
    #[inline]
    pub fn upcoming<const N: usize>(&self) -> [u32; N] {
        let mut keys = [u32::MAX; N];
        let mut late = self.late.peek().copied();
        let mut run = self.run[self.run_at.min(self.run.len())..]
            .iter()
            .filter(|&&e| e != TOMBSTONE)
            .peekable();
        for k in &mut keys {
            let e = match (run.peek(), late) {
                (Some(&&r), Some(l)) if l < r => late.take(),
                (Some(_), _) => run.next().copied(),
                (None, _) => late.take(),
            };
            match e {
                Some(e) => *k = e as u32,
                None => break,
            }
        }
        keys
    }

    /// The least near entry, skipping the run's tombstones.
    #[inline]
    fn near_min(&mut self) -> Option<u128> {
        while self.run.get(self.run_at) == Some(&TOMBSTONE) {
            self.run_at += 1;
        }
        match (self.run.get(self.run_at), self.late.peek()) {
            (Some(&r), Some(&l)) => Some(r.min(l)),
            (r, l) => r.or(l).copied(),
        }
    }

    /// Removes the least entry (the one [`Self::peek`] returned) and
    /// returns it: (time, host, key).
    pub fn pop(&mut self) -> Option<(u64, u32, u32)> {
        let least = self.peek()?;
        let from_run = self
            .run
            .get(self.run_at)
            .is_some_and(|&r| unpack(r) == least);
        if from_run {
            self.run_at += 1;
        } else {
            self.late.pop();
        }
        self.near_len -= 1;
        self.place[least.2 as usize] = Place::Absent;
        self.now = least.0;
        Some(least)
    }

    /// Sets `key`'s entry to (`time`, `host`), adding it if absent.
    pub fn set(&mut self, key: u32, host: u32, time: u64) {
        if key as usize >= self.place.len() {
            self.place.resize(key as usize + 1, Place::Absent);
        }
        if self.place[key as usize] != Place::Absent {
            self.remove(key);
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
            Place::Run { at } => {
                self.run[at as usize] = TOMBSTONE;
                self.near_len -= 1;
            }
            Place::Late => {
                self.late.remove_where(|&e| e as u32 == key);
                self.near_len -= 1;
            }
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
            Place::Far { .. } => self.far_len -= 1,
        }
    }

    fn insert(&mut self, e: u128) {
        let (time, key) = (time_of(e), e as u32);
        debug_assert!(time >= self.now, "an entry set in the past");
        if time < self.horizon {
            self.late.push(e);
            self.near_len += 1;
            self.place[key as usize] = Place::Late;
            return;
        }
        let n = time >> BUCKET_SHIFT;
        if n - (self.horizon >> BUCKET_SHIFT) >= RING {
            self.place[key as usize] = Place::Far { time };
            self.far.push(e);
            self.far_len += 1;
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

    /// Makes the earliest non-empty bucket the near one, sorted, and sets
    /// the horizon past it, unless it starts after `limit`.
    fn refill(&mut self, limit: u64) {
        debug_assert_eq!(self.near_len, 0);
        self.late.clear();
        loop {
            // Far entries that have come within a ring of the horizon join
            // the ring first: one of them may be the earliest.
            self.pull_far();
            if self.in_ring > 0 {
                break;
            }
            let Some(&first) = self.far.peek() else {
                return;
            };
            let first = (time_of(first) >> BUCKET_SHIFT) << BUCKET_SHIFT;
            if first > limit {
                return;
            }
            // Nothing within a ring: jump to the earliest far entry.
            self.horizon = first;
        }
        let here = (self.horizon >> BUCKET_SHIFT) % RING;
        let ahead = self.next_occupied(here);
        if self.horizon.saturating_add(ahead << BUCKET_SHIFT) > limit {
            return;
        }
        // Times saturate at the end of u64: so does the horizon (nothing
        // that late is ever run).
        self.horizon = self.horizon.saturating_add(ahead << BUCKET_SHIFT);
        let bucket = ((here + ahead) % RING) as usize;
        // The bucket's list becomes the run; the old run's memory becomes
        // the bucket's list for its next turn.
        let mut run = std::mem::replace(&mut self.ring[bucket], std::mem::take(&mut self.run));
        self.ring[bucket].clear();
        self.occupied[bucket / 64] &= !(1 << (bucket % 64));
        self.in_ring -= run.len();
        self.horizon = self.horizon.saturating_add(1 << BUCKET_SHIFT);
        run.sort_unstable();
        for (at, &e) in run.iter().enumerate() {
            self.place[e as u32 as usize] = Place::Run { at: at as u32 };
        }
        self.near_len = run.len();
        self.run = run;
        self.run_at = 0;
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
    /// horizon into the ring, dropping removed ones on the way.
    fn pull_far(&mut self) {
        let limit = (self.horizon >> BUCKET_SHIFT).saturating_add(RING);
        while let Some(&e) = self.far.peek() {
            let time = time_of(e);
            if time >> BUCKET_SHIFT >= limit {
                break;
            }
            self.far.pop();
            let key = e as u32;
            if self.place[key as usize] == (Place::Far { time }) {
                self.far_len -= 1;
                self.insert(e);
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
            ops in proptest::collection::vec((0u8..5, 0u32..60, 0u64..6, 0u64..1_000_000_000), 0..500),
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
                    3 => {
                        // A look no further than a limit.
                        let limit = now + (x % (scale[how_far as usize] + 1));
                        let least = model.iter().map(|(&k, &t)| (t, host(k), k)).min();
                        prop_assert_eq!(cal.peek_until(limit), least.filter(|l| l.0 <= limit));
                    }
                    _ => {
                        let least = model.iter().map(|(&k, &t)| (t, host(k), k)).min();
                        prop_assert_eq!(cal.peek(), least);
                        prop_assert_eq!(cal.pop(), least);
                        if let Some((t, _, k)) = least {
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

    }

    proptest! {
        #[test]
        fn pops_in_sorted_order(ops in proptest::collection::vec((0u8..3, 0u32..1000), 0..400)) {
            let mut heap = QuadHeap::new();
            let mut model = std::collections::BinaryHeap::new();
            for (op, v) in ops {
                if op == 0 {
                    heap.push(v);
                    model.push(std::cmp::Reverse(v));
                } else if op == 1 {
                    // Remove the item equal to v, if any, as remove_where does.
                    let found = heap.remove_where(|&x| x == v);
                    let mut items: Vec<u32> = model.drain().map(|r| r.0).collect();
                    if let Some(i) = items.iter().position(|&x| x == v) {
                        items.swap_remove(i);
                        prop_assert_eq!(found, Some(v));
                    } else {
                        prop_assert_eq!(found, None);
                    }
                    model.extend(items.into_iter().map(std::cmp::Reverse));
                } else {
                    prop_assert_eq!(heap.pop(), model.pop().map(|r| r.0));
                }
                prop_assert_eq!(heap.peek().copied(), model.peek().map(|r| r.0));
                prop_assert_eq!(heap.items.len(), model.len());
            }
        }
    }
}
