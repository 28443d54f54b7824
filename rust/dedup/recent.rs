//! A bounded index of the hashes of recently collected frames.
//!
//! Entries live in insertion order in a ring buffer capped at `max_entries`
//! (the oldest is dropped when full), so memory is bounded whatever the
//! timestamps do. A hash matches an entry when it is within `max_hamming` bits
//! of it and their times are at most `window_seconds` apart (either way: video
//! time may restart). Adding evicts, from the oldest end, the entries that are
//! out of the window relative to the time being added. Lookups are a linear
//! popcount scan: a few thousand entries take a few microseconds.

use std::collections::VecDeque;

use super::dhash::hamming;
use super::error::{invalid, DedupError};
use super::settings::DedupSettings;

/// Recent `(hash, time)` pairs with a time window and a size cap.
#[derive(Debug, Clone)]
pub struct RecentHashes {
    entries: VecDeque<(u64, f64)>,
    max_hamming: u32,
    window: f64,
    max_entries: usize,
}

fn check_time(now: f64) -> Result<(), DedupError> {
    if now.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!(
            "now: must be a finite number of seconds, got {now}"
        )))
    }
}

impl RecentHashes {
    /// An empty index with checked `settings` (see [`DedupSettings::new`]).
    pub fn new(settings: DedupSettings) -> Self {
        RecentHashes {
            entries: VecDeque::new(),
            max_hamming: settings.max_hamming,
            window: settings.window_seconds,
            max_entries: settings.max_entries,
        }
    }

    pub fn max_hamming(&self) -> u32 {
        self.max_hamming
    }

    pub fn window_seconds(&self) -> f64 {
        self.window
    }

    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Entries held (expired ones included until an `add` evicts them).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The smallest hamming distance from `hash` to an entry within the window
    /// of `now` that is at most `max_hamming`, if any.
    pub fn nearest(&self, hash: u64, now: f64) -> Result<Option<u32>, DedupError> {
        check_time(now)?;
        let mut best: Option<u32> = None;
        for &(h, t) in &self.entries {
            let d = hamming(h, hash);
            if d <= self.max_hamming
                && (now - t).abs() <= self.window
                && best.map_or(true, |b| d < b)
            {
                best = Some(d);
            }
        }
        Ok(best)
    }

    /// Whether `hash` is a near-duplicate of an entry within the window of `now`.
    pub fn check(&self, hash: u64, now: f64) -> Result<bool, DedupError> {
        check_time(now)?;
        let window = self.window;
        let max = self.max_hamming;
        // The popcount test first: it rejects almost every entry, branch-free.
        Ok(self
            .entries
            .iter()
            .any(|&(h, t)| hamming(h, hash) <= max && (now - t).abs() <= window))
    }

    /// Remembers `hash` at `now`, evicting expired entries and, when full, the oldest.
    pub fn add(&mut self, hash: u64, now: f64) -> Result<(), DedupError> {
        check_time(now)?;
        while let Some(&(_, t)) = self.entries.front() {
            if (now - t).abs() <= self.window {
                break;
            }
            self.entries.pop_front();
        }
        if self.entries.len() >= self.max_entries {
            self.entries.pop_front();
        }
        self.entries.push_back((hash, now));
        Ok(())
    }

    /// `check` then, when not a near-duplicate, `add`; returns whether it was one.
    pub fn seen_or_add(&mut self, hash: u64, now: f64) -> Result<bool, DedupError> {
        if self.check(hash, now)? {
            return Ok(true);
        }
        self.add(hash, now)?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(max_hamming: i64, window_seconds: f64, max_entries: i64) -> RecentHashes {
        RecentHashes::new(DedupSettings::new(max_hamming, window_seconds, max_entries).unwrap())
    }

    #[test]
    fn matches_within_distance_and_window() {
        let mut r = recent(2, 10.0, 100);
        r.add(0b1111, 100.0).unwrap();
        assert!(r.check(0b1111, 100.0).unwrap());
        assert!(r.check(0b0011, 105.0).unwrap()); // 2 bits
        assert!(!r.check(0b0001, 105.0).unwrap()); // 3 bits
        assert!(r.check(0b1111, 110.0).unwrap()); // window edge is inclusive
        assert!(!r.check(0b1111, 110.5).unwrap());
        assert!(!r.check(0b1111, 89.0).unwrap()); // far in the past too
        assert_eq!(r.nearest(0b0111, 101.0).unwrap(), Some(1));
        assert_eq!(r.nearest(0, 101.0).unwrap(), None);
    }

    #[test]
    fn add_evicts_expired_entries() {
        let mut r = recent(0, 5.0, 100);
        for i in 0..10 {
            r.add(i, f64::from(i as u32)).unwrap();
        }
        // At t=9 the window keeps t in [4, 9].
        assert_eq!(r.len(), 6);
        r.add(99, 1000.0).unwrap();
        assert_eq!(r.len(), 1);
        // Video time restarting far back also expires the old entries.
        r.add(98, 0.0).unwrap();
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn bounded_by_max_entries() {
        let mut r = recent(0, 1e9, 3);
        for i in 0..10u64 {
            r.add(i, 0.0).unwrap();
        }
        assert_eq!(r.len(), 3);
        assert!(r.check(9, 0.0).unwrap());
        assert!(!r.check(6, 0.0).unwrap());
    }

    #[test]
    fn seen_or_add_adds_only_new_scenes() {
        let mut r = recent(1, 60.0, 10);
        assert!(!r.seen_or_add(0xff, 0.0).unwrap());
        assert!(r.seen_or_add(0xfe, 1.0).unwrap());
        assert_eq!(r.len(), 1);
        assert!(!r.seen_or_add(0xf0, 2.0).unwrap());
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn bad_times_are_errors() {
        let mut r = recent(6, 1.0, 1);
        assert!(r.add(1, f64::NAN).is_err());
        assert!(r.check(1, f64::INFINITY).is_err());
        assert!(r.is_empty());
    }
}
