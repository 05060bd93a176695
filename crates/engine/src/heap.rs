//! The engines' event queues.
//!
//! [`QuadHeap`] is a min-heap with four children per node: half the depth
//! of a binary heap, and a node's children share one 64-byte cache line
//! when entries are 16 bytes. It pops in exactly the order of `Ord` (ties
//! cannot happen with unique keys). The radix heap and the calendar keep
//! their near keys in one.
//!
//! [`RadixHeap`] holds both cores' host events: with millions of pending
//! events (under churn, a day of switches for every vulnerable host) a
//! heap outgrows the caches and a pop costs a cache miss per level, while
//! a radix heap on the events' times moves each event through a few plain
//! vectors. It pops in the same order as a heap, so moving Blaster's core
//! onto it changed no output.
//!
//! [`KeyedCalendar`] holds Blaster's scan events, at most one per key (a
//! scanner), any of them movable or removable: a scanner's next event is
//! replaced, never left behind to be skipped later.

/// A priority queue of `u128` keys whose top 64 bits (a time) never go
/// back: every key pushed has a time at least that of the last key popped,
/// as an event queue's are (an event never schedules one before itself).
/// Within one time it pops the least key present, so it pops in exactly
/// the order a heap would, and can replace [`QuadHeap`] in the population core
/// without changing any output. A radix heap on the time:
///
/// Keys sit in buckets by the highest bit in which their time differs from
/// the last time popped (bucket 0: the same time). A pop that finds bucket
/// 0 empty takes the least time of the first non-empty bucket as the new
/// last and spreads that bucket over the lower ones. A key moves down at
/// most once per bit, and buckets are filled and emptied in order: far
/// fewer cache misses than sifting through a heap of hundreds of
/// thousands of entries.
///
/// A bucket is a list of fixed-size chunks drawn from one pool, and a
/// chunk spread over the lower buckets goes back to the pool at once: the
/// memory the buckets hold follows the number of keys. (As growing
/// vectors, each bucket kept the room of its own fullest moment: on a
/// full-scale day, room for 64 million keys when at most 14 million were
/// ever queued, every page of it fresh memory the kernel had to clear.)
#[derive(Clone, Debug)]
pub struct RadixHeap {
    last: u64,
    /// The keys of time `last`, as a heap: many events can share one
    /// moment (every office of a time zone opens at nine).
    now: QuadHeap<u128>,
    /// Bucket i (i >= 1): keys whose time's highest bit differing from
    /// `last` is bit i - 1, in chunks of at most [`CHUNK`] keys, the last
    /// one being filled. Bucket 0 is unused (`now` holds those keys).
    buckets: Vec<Vec<Vec<u128>>>,
    /// Empty chunks, each with room for [`CHUNK`] keys.
    pool: Vec<Vec<u128>>,
    /// Bit i - 1: bucket i (i >= 1) is not empty.
    occupied: u64,
    len: usize,
    /// The least key outside `now` (in the first occupied bucket), when
    /// known.
    least: Option<u128>,
}

/// Keys per chunk of a [`RadixHeap`] bucket (16 KiB); four in the unit
/// tests, so that their few hundred keys fill and empty many chunks.
const CHUNK: usize = if cfg!(test) { 4 } else { 1024 };

impl Default for RadixHeap {
    fn default() -> Self {
        RadixHeap::new()
    }
}

impl RadixHeap {
    pub fn new() -> RadixHeap {
        RadixHeap {
            last: 0,
            now: QuadHeap::new(),
            buckets: vec![Vec::new(); 65],
            pool: Vec::new(),
            occupied: 0,
            len: 0,
            least: None,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn bucket(&self, key: u128) -> usize {
        64 - (time_of(key) ^ self.last).leading_zeros() as usize
    }

    /// Files `key` by its time relative to `last`.
    #[inline]
    fn file(&mut self, key: u128) {
        let b = self.bucket(key);
        if b == 0 {
            self.now.push(key);
            return;
        }
        self.occupied |= 1 << (b - 1);
        if let Some(chunk) = self.buckets[b].last_mut()
            && chunk.len() < CHUNK
        {
            chunk.push(key);
        } else {
            self.file_in_new_chunk(b, key);
        }
    }

    /// Starts a chunk of bucket `b` with `key`: one in [`CHUNK`] filings.
    #[cold]
    #[inline(never)]
    fn file_in_new_chunk(&mut self, b: usize, key: u128) {
        let mut chunk = self.pool.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
        chunk.push(key);
        self.buckets[b].push(chunk);
    }

    /// Adds `key`, whose time may not be before the last key popped.
    pub fn push(&mut self, key: u128) {
        assert!(
            time_of(key) >= self.last,
            "a radix heap's times never go back"
        );
        self.file(key);
        if time_of(key) != self.last
            && let Some(least) = self.least
        {
            self.least = Some(least.min(key));
        }
        self.len += 1;
    }

    /// The least key.
    #[inline]
    pub fn peek(&mut self) -> Option<u128> {
        if let Some(&k) = self.now.peek() {
            return Some(k);
        }
        if self.len == 0 {
            return None;
        }
        if self.least.is_none() {
            let b = self.occupied.trailing_zeros() as usize + 1;
            // Chunk by chunk: a plain slice's minimum vectorizes.
            self.least = self.buckets[b]
                .iter()
                .filter_map(|chunk| chunk.iter().min())
                .min()
                .copied();
        }
        self.least
    }

    /// Removes and returns the least key.
    pub fn pop(&mut self) -> Option<u128> {
        if self.now.peek().is_none() {
            let least = self.peek()?;
            let b = self.occupied.trailing_zeros() as usize + 1;
            let mut spill = std::mem::take(&mut self.buckets[b]);
            self.occupied &= !(1 << (b - 1));
            self.last = time_of(least);
            for mut chunk in spill.drain(..) {
                for &key in &chunk {
                    debug_assert!(self.bucket(key) < b);
                    self.file(key);
                }
                chunk.clear();
                self.pool.push(chunk);
            }
            // Keep the emptied list's room for the bucket's next chunks.
            self.buckets[b] = spill;
            self.least = None;
        }
        let key = self.now.pop().expect("the least key has the last time");
        self.len -= 1;
        Some(key)
    }

    pub fn clear(&mut self) {
        self.now.clear();
        for chunks in &mut self.buckets {
            for mut chunk in chunks.drain(..) {
                chunk.clear();
                self.pool.push(chunk);
            }
        }
        self.occupied = 0;
        self.len = 0;
        self.least = None;
    }

    /// Keeps only the keys for which `keep` holds, looking at every key.
    pub fn retain(&mut self, mut keep: impl FnMut(u128) -> bool) {
        let kept: Vec<u128> = self
            .now
            .items
            .iter()
            .chain(self.buckets.iter().flatten().flatten())
            .copied()
            .filter(|&k| keep(k))
            .collect();
        self.clear();
        for k in kept {
            self.push(k);
        }
    }
}

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

/// The time of an entry or key: its top 64 bits.
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
        // The bucket's list becomes the run, and the old run is freed: were
        // its memory handed to the bucket for its next turn, every bucket
        // of the ring would keep a run's worth once the horizon had passed
        // it (gigabytes over a day when millions scan).
        let mut run = std::mem::take(&mut self.ring[bucket]);
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
        /// The radix heap against a sorted multiset, keys pushed with a
        /// time at or after the last popped (a few times ahead, far ahead,
        /// anywhere), with retains and clears.
        #[test]
        fn radix_heap_pops_in_key_order(
            ops in proptest::collection::vec((0u8..8, 0u32..3, any::<u128>()), 0..400),
        ) {
            let mut heap = RadixHeap::new();
            let mut model = std::collections::BTreeMap::<u128, usize>::new();
            let mut last = 0u128;
            for (op, scale, x) in ops {
                match op {
                    0..=3 => {
                        // Any key whose time (top 64 bits) is the last
                        // popped one's or later: below it within that time
                        // too.
                        let span = [1u128 << 70, 1u128 << 100, u128::MAX][scale as usize];
                        let key = (last >> 64 << 64).saturating_add(x % span);
                        heap.push(key);
                        *model.entry(key).or_default() += 1;
                    }
                    4 => {
                        let least = model.keys().next().copied();
                        prop_assert_eq!(heap.peek(), least);
                    }
                    5 => {
                        // Drop the keys with an odd low bit.
                        heap.retain(|k| k & 1 == 0);
                        model.retain(|k, _| k & 1 == 0);
                    }
                    6 if x % 16 == 0 => {
                        heap.clear();
                        model.clear();
                    }
                    _ => {
                        let least = model.keys().next().copied();
                        prop_assert_eq!(heap.pop(), least);
                        if let Some(k) = least {
                            last = k;
                            let n = model.get_mut(&k).unwrap();
                            *n -= 1;
                            if *n == 0 {
                                model.remove(&k);
                            }
                        }
                    }
                }
                prop_assert_eq!(heap.len(), model.values().sum::<usize>());
            }
            while let Some(&least) = model.keys().next() {
                prop_assert_eq!(heap.pop(), Some(least));
                let n = model.get_mut(&least).unwrap();
                *n -= 1;
                if *n == 0 {
                    model.remove(&least);
                }
            }
            prop_assert!(heap.is_empty());
        }

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
