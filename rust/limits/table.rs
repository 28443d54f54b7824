//! An insert-only concurrent map from `(scope, name)` to a value, lock-free
//! for lookups: buckets of singly linked lists whose links are `OnceLock`s, so
//! finding an existing entry is a hash and a few atomic loads. Entries are
//! never removed while the table lives (one per pair ever used), which lets
//! callers hold `&V` without reference counting.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

const BUCKETS: usize = 512;

struct Node<V> {
    hash: u64,
    scope: Box<str>,
    name: Box<str>,
    value: V,
    next: OnceLock<Box<Node<V>>>,
}

pub(crate) struct Table<V> {
    buckets: Box<[OnceLock<Box<Node<V>>>]>,
}

fn hash_pair(scope: &str, name: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    (scope, name).hash(&mut hasher);
    hasher.finish()
}

impl<V: Default> Table<V> {
    pub(crate) fn new() -> Self {
        Table {
            buckets: (0..BUCKETS).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The value of `(scope, name)`, created with `V::default()` on first use.
    pub(crate) fn get_or_insert(&self, scope: &str, name: &str) -> &V {
        let hash = hash_pair(scope, name);
        // High bits: FxHash mixes them best.
        let mut link = &self.buckets[(hash >> 55) as usize % BUCKETS];
        loop {
            // An empty link gets the new node; a taken one (perhaps filled by
            // another thread at the same moment) is compared and followed.
            let node = link.get_or_init(|| {
                Box::new(Node {
                    hash,
                    scope: scope.into(),
                    name: name.into(),
                    value: V::default(),
                    next: OnceLock::new(),
                })
            });
            if node.hash == hash && &*node.scope == scope && &*node.name == name {
                return &node.value;
            }
            link = &node.next;
        }
    }

    /// The value of `(scope, name)` if it was ever created.
    pub(crate) fn get(&self, scope: &str, name: &str) -> Option<&V> {
        let hash = hash_pair(scope, name);
        let mut link = &self.buckets[(hash >> 55) as usize % BUCKETS];
        while let Some(node) = link.get() {
            if node.hash == hash && &*node.scope == scope && &*node.name == name {
                return Some(&node.value);
            }
            link = &node.next;
        }
        None
    }
}

impl<V> Drop for Table<V> {
    fn drop(&mut self) {
        // Unlink iteratively: dropping a long chain recursively could overflow
        // the stack.
        for bucket in self.buckets.iter_mut() {
            let mut next = bucket.take();
            while let Some(mut node) = next {
                next = node.next.take();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn same_pair_same_value_and_pairs_do_not_mix() {
        let table: Table<AtomicU64> = Table::new();
        assert!(table.get("s", "a").is_none());
        table
            .get_or_insert("s", "a")
            .fetch_add(1, Ordering::Relaxed);
        table
            .get_or_insert("s", "a")
            .fetch_add(1, Ordering::Relaxed);
        table
            .get_or_insert("sa", "")
            .fetch_add(10, Ordering::Relaxed);
        table
            .get_or_insert("", "sa")
            .fetch_add(100, Ordering::Relaxed);
        assert_eq!(
            table.get("s", "a").map(|v| v.load(Ordering::Relaxed)),
            Some(2)
        );
        assert_eq!(
            table.get("sa", "").map(|v| v.load(Ordering::Relaxed)),
            Some(10)
        );
        assert_eq!(
            table.get("", "sa").map(|v| v.load(Ordering::Relaxed)),
            Some(100)
        );
    }

    #[test]
    fn many_entries_from_many_threads() {
        let table: Table<AtomicU64> = Table::new();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for i in 0..5_000 {
                        table
                            .get_or_insert("scope", &i.to_string())
                            .fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        for i in 0..5_000 {
            let value = table
                .get("scope", &i.to_string())
                .map(|v| v.load(Ordering::Relaxed));
            assert_eq!(value, Some(4), "entry {i}");
        }
    }
}
