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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
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
