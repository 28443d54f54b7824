//! The class names the strategies select, each with a dense index: the
//! per-object class lookup of the hot path.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The class names any strategy selects, each with a dense index; every other
/// class maps to [`ClassTable::unknown`]. Lookups are on the per-object hot
/// path: a short table is scanned, a long one hashed with FNV-1a (SipHash
/// would cost more than the scan for the few class names configs hold).
#[derive(Debug, Clone, Default)]
pub struct ClassTable {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32, BuildHasherDefault<Fnv>>,
}

/// Tables up to this many names are scanned rather than hashed.
const SCAN_MAX: usize = 8;

impl ClassTable {
    pub(crate) fn insert(&mut self, name: &str) {
        if !self.index.contains_key(name) {
            self.index.insert(name.into(), self.names.len() as u32);
            self.names.push(name.into());
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names, in index order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.names.iter().map(|n| &**n)
    }

    /// The index of every class no strategy selects.
    #[inline]
    pub fn unknown(&self) -> u32 {
        self.names.len() as u32
    }

    #[inline]
    pub fn get(&self, name: &str) -> u32 {
        if self.names.len() <= SCAN_MAX {
            self.names
                .iter()
                .position(|n| **n == *name)
                .map_or(self.unknown(), |i| i as u32)
        } else {
            self.index.get(name).copied().unwrap_or(self.unknown())
        }
    }
}

/// FNV-1a: short keys, no DoS concern (the keys are the config's class names).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_table_scans_and_hashes_alike() {
        for count in [3, SCAN_MAX, SCAN_MAX + 1, 50] {
            let mut table = ClassTable::default();
            let names: Vec<String> = (0..count).map(|i| format!("class-{i}")).collect();
            for n in &names {
                table.insert(n);
            }
            table.insert("class-0");
            assert_eq!(table.len(), count);
            for (i, n) in names.iter().enumerate() {
                assert_eq!(table.get(n), i as u32);
            }
            assert_eq!(table.get("class-"), table.unknown());
            assert_eq!(table.get(""), count as u32);
        }
    }
}
