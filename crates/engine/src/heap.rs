//! A min-heap with four children per node, for the random core's event
//! queue: half the depth of a binary heap, and a node's children share one
//! 64-byte cache line when entries are 16 bytes. With hundreds of thousands
//! of pending events the queue outgrows the caches, and a pop's cost is
//! its cache misses, one per level.
//!
//! Pops in exactly the order of `Ord` (ties cannot happen with unique
//! keys), so replacing `BinaryHeap<Reverse<_>>` changes no output.

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
