//! The in-process limiter: one `AtomicU64` per (scope, strategy, window kind,
//! ring slot) holding the window's id and its count, updated by
//! compare-and-swap. No lock on the decision path.
//!
//! Memory stays bounded: each strategy has a ring of `RING` slots per window
//! kind, indexed by window id; a slot still holding an older window is reset
//! when a newer one needs it, so past windows are reused, never accumulated.
//! Only the (scope, strategy) pairs ever used are kept (one small entry each).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::table::Table;
use super::window::{check_now, WindowKind};
use super::{Candidate, LimitsError};

/// Slots per window kind: windows that are live at the same time (a clock
/// crossing a boundary while another thread is a moment behind, or streams
/// with video times a few windows apart) keep separate counts.
const RING: usize = 4;

/// The counts of one strategy in one scope.
#[derive(Default)]
struct Windows {
    slots: [[AtomicU64; RING]; 3],
}

impl Windows {
    fn slot(&self, kind: WindowKind, id: i64) -> &AtomicU64 {
        &self.slots[kind.index()][id.rem_euclid(RING as i64) as usize]
    }
}

/// Window id (low 32 bits; ids are compared with wrap-around, which is exact
/// for windows less than ~4 000 years apart) and count (32 bits), packed.
fn pack(tag: u32, count: u32) -> u64 {
    (u64::from(tag) << 32) | u64::from(count)
}

fn unpack(state: u64) -> (u32, u32) {
    ((state >> 32) as u32, state as u32)
}

/// True when window tag `a` is later than `b`.
fn is_later(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// Takes one credit of window `id` if its count is below `limit`.
///
/// A slot holding an older window (or a count of zero) is restarted for `id`.
/// A slot holding a *later* window with credits taken means `id`'s count is
/// gone: refusing is the only answer that can never overshoot.
fn try_take(slot: &AtomicU64, id: i64, limit: u64) -> bool {
    let tag = id as u32;
    // Counts are 32-bit; a limit above that is in effect "4 billion".
    let limit = limit.min(u64::from(u32::MAX)) as u32;
    let mut current = slot.load(Ordering::Acquire);
    loop {
        let (held, count) = unpack(current);
        let count = if held == tag || count == 0 {
            count
        } else if is_later(held, tag) {
            return false;
        } else {
            0
        };
        if count >= limit {
            return false;
        }
        match slot.compare_exchange_weak(
            current,
            pack(tag, count + 1),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => return true,
            Err(actual) => current = actual,
        }
    }
}

/// Returns one credit to window `id`, never below zero; a slot that moved on
/// to another window is left alone.
fn give_back_one(slot: &AtomicU64, id: i64) {
    let tag = id as u32;
    let mut current = slot.load(Ordering::Acquire);
    loop {
        let (held, count) = unpack(current);
        if held != tag || count == 0 {
            return;
        }
        match slot.compare_exchange_weak(
            current,
            pack(tag, count - 1),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}

/// The outcome of an admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admitted {
    /// The index of the candidate whose credit was taken.
    Strategy(usize),
    /// No candidate had credit.
    Limited,
    /// The batch holds `max_batch_images` already.
    BatchFull,
    /// A near-duplicate of a frame hash shared in Redis (`RedisLimiter::admit`
    /// with a hash check only).
    NearDuplicate,
}

/// Lock-free in-process rate limiter; see the module docs. Safe to share
/// between threads (`&self` everywhere).
pub struct MemoryLimiter {
    windows: Table<Windows>,
    counters: Table<AtomicI64>,
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryLimiter {
    pub fn new() -> Self {
        MemoryLimiter {
            windows: Table::new(),
            counters: Table::new(),
        }
    }

    /// Picks the first candidate whose every window has spare credit at `now`
    /// (UNIX seconds), takes one credit from each of its windows, all or
    /// nothing, and returns its index. A strategy without limits always wins
    /// when reached; a limit of 0 never grants.
    pub fn take<S: AsRef<str>>(
        &self,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
    ) -> Result<Option<usize>, LimitsError> {
        let now = check_now(now)?;
        Ok(candidates
            .iter()
            .position(|candidate| self.take_one(scope, candidate, now)))
    }

    fn take_one<S: AsRef<str>>(&self, scope: &str, candidate: &Candidate<S>, now: f64) -> bool {
        let limits = &candidate.limits;
        if limits.is_unlimited() {
            return true;
        }
        if limits.never_grants() {
            return false;
        }
        let windows = self
            .windows
            .get_or_insert(scope, candidate.strategy.as_ref());
        let mut taken: [Option<(WindowKind, i64)>; 3] = [None; 3];
        for (i, (kind, limit)) in limits.iter().enumerate() {
            let id = kind.window_id(now);
            if !try_take(windows.slot(kind, id), id, limit) {
                // All or nothing: return what this decision already took.
                for (kind, id) in taken.iter().flatten() {
                    give_back_one(windows.slot(*kind, *id), *id);
                }
                return false;
            }
            taken[i] = Some((kind, id));
        }
        true
    }

    /// Returns one credit to every window of `strategy` in the windows that
    /// `now` falls in (never below zero).
    pub fn give_back(&self, scope: &str, strategy: &str, now: f64) -> Result<(), LimitsError> {
        let now = check_now(now)?;
        if let Some(windows) = self.windows.get(scope, strategy) {
            for kind in WindowKind::ALL {
                let id = kind.window_id(now);
                give_back_one(windows.slot(kind, id), id);
            }
        }
        Ok(())
    }

    /// A kept frame's admission: room in `batch` (its counter name and
    /// `max_batch_images`) and a credit of the first candidate that has one,
    /// both or neither; the batch count goes up by one when admitted.
    pub fn admit<S: AsRef<str>>(
        &self,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
        batch: Option<(&str, i64)>,
    ) -> Admitted {
        let Some((name, cap)) = batch else {
            return self.take_admitted(scope, candidates, now);
        };
        // The batch slot first (never past the cap), so a full batch takes no credit.
        if !self.counter_take(scope, name, cap) {
            return Admitted::BatchFull;
        }
        let admitted = self.take_admitted(scope, candidates, now);
        if admitted == Admitted::Limited {
            self.counter_add(scope, name, -1);
        }
        admitted
    }

    fn take_admitted<S: AsRef<str>>(
        &self,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
    ) -> Admitted {
        match candidates
            .iter()
            .position(|candidate| self.take_one(scope, candidate, now))
        {
            Some(i) => Admitted::Strategy(i),
            None => Admitted::Limited,
        }
    }

    /// An admitted frame given back: a credit to `strategy`'s windows (when it
    /// took one) and one off the count of `batch` (when counted), none below zero.
    pub fn release(&self, scope: &str, strategy: Option<&str>, now: f64, batch: Option<&str>) {
        if let Some(strategy) = strategy {
            // Callers check `now` first.
            let _ = self.give_back(scope, strategy, now);
        }
        if let Some(name) = batch {
            let counter = self.counters.get_or_insert(scope, name);
            let _ = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |value| {
                (value > 0).then(|| value - 1)
            });
        }
    }

    /// Adds `delta` to counter `name` of `scope` (created at 0) and returns
    /// the new value.
    pub fn counter_add(&self, scope: &str, name: &str, delta: i64) -> i64 {
        let counter = self.counters.get_or_insert(scope, name);
        counter
            .fetch_add(delta, Ordering::AcqRel)
            .wrapping_add(delta)
    }

    /// The value of counter `name` of `scope` (0 when never written).
    pub fn counter_get(&self, scope: &str, name: &str) -> i64 {
        self.counters
            .get(scope, name)
            .map_or(0, |counter| counter.load(Ordering::Acquire))
    }

    /// Adds 1 to counter `name` of `scope` if it is below `limit`; returns
    /// whether it did. Never lets the counter pass `limit`.
    pub fn counter_take(&self, scope: &str, name: &str, limit: i64) -> bool {
        let counter = self.counters.get_or_insert(scope, name);
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |value| {
                (value < limit).then_some(value + 1)
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    const T0: f64 = 1_700_000_040.0; // a minute start

    fn candidate<'a>(name: &'a str, limits: &[(WindowKind, u64)]) -> Candidate<&'a str> {
        let mut all = Limits::default();
        for (kind, value) in limits {
            all.add(*kind, *value);
        }
        Candidate {
            strategy: name,
            limits: all,
        }
    }

    #[test]
    fn grants_up_to_the_limit_then_falls_through() {
        let limiter = MemoryLimiter::new();
        let cands = [
            candidate("a", &[(WindowKind::Minute, 2)]),
            candidate("b", &[(WindowKind::Hour, 1)]),
        ];
        let got: Vec<_> = (0..4)
            .map(|_| limiter.take("s", &cands, T0).ok().flatten())
            .collect();
        assert_eq!(got, vec![Some(0), Some(0), Some(1), None]);
        // The next minute frees "a" again; "b"'s hour is still spent.
        assert_eq!(limiter.take("s", &cands, T0 + 60.0), Ok(Some(0)));
        assert_eq!(limiter.take("s", &cands[1..], T0 + 60.0), Ok(None));
        // Another scope has its own counts.
        assert_eq!(limiter.take("other", &cands[1..], T0), Ok(Some(0)));
    }

    #[test]
    fn all_or_nothing() {
        let limiter = MemoryLimiter::new();
        let hourly = [candidate("a", &[(WindowKind::Hour, 1)])];
        let both = [candidate(
            "a",
            &[(WindowKind::Minute, 5), (WindowKind::Hour, 1)],
        )];
        assert_eq!(limiter.take("s", &hourly, T0), Ok(Some(0)));
        // The hour is full, so the minute credit taken first must be returned.
        for _ in 0..10 {
            assert_eq!(limiter.take("s", &both, T0), Ok(None));
        }
        let minutely = [candidate("a", &[(WindowKind::Minute, 5)])];
        let granted = (0..10)
            .filter(|_| limiter.take("s", &minutely, T0) == Ok(Some(0)))
            .count();
        assert_eq!(granted, 5);
    }

    #[test]
    fn zero_never_grants_and_no_limit_always_does() {
        let limiter = MemoryLimiter::new();
        let cands = [
            candidate("zero", &[(WindowKind::Minute, 0)]),
            candidate("free", &[]),
        ];
        for _ in 0..100 {
            assert_eq!(limiter.take("s", &cands, T0), Ok(Some(1)));
        }
        assert_eq!(limiter.take::<&str>("s", &[], T0), Ok(None));
    }

    #[test]
    fn give_back_returns_one_credit_and_floors_at_zero() {
        let limiter = MemoryLimiter::new();
        let cands = [candidate(
            "a",
            &[(WindowKind::Minute, 1), (WindowKind::Day, 2)],
        )];
        assert_eq!(limiter.take("s", &cands, T0), Ok(Some(0)));
        assert_eq!(limiter.take("s", &cands, T0), Ok(None));
        limiter.give_back("s", "a", T0 + 1.0).unwrap();
        // Extra give-backs do not create credit below zero.
        limiter.give_back("s", "a", T0).unwrap();
        limiter.give_back("s", "a", T0).unwrap();
        assert_eq!(limiter.take("s", &cands, T0), Ok(Some(0)));
        assert_eq!(limiter.take("s", &cands, T0), Ok(None));
        // Unknown strategies and scopes are a no-op.
        limiter.give_back("s", "nope", T0).unwrap();
        limiter.give_back("nope", "a", T0).unwrap();
        // A give-back in another minute does not touch this minute's count.
        limiter.give_back("s", "a", T0 + 120.0).unwrap();
        assert_eq!(limiter.take("s", &cands, T0), Ok(None));
        assert!(limiter.give_back("s", "a", f64::NAN).is_err());
    }

    #[test]
    fn day_rollover_resets_the_day_window() {
        let limiter = MemoryLimiter::new();
        let midnight = 1_704_067_200.0; // 2024-01-01T00:00:00Z
        let cands = [candidate("a", &[(WindowKind::Day, 1)])];
        assert_eq!(limiter.take("s", &cands, midnight - 0.5), Ok(Some(0)));
        assert_eq!(limiter.take("s", &cands, midnight - 86_399.0), Ok(None));
        assert_eq!(limiter.take("s", &cands, midnight), Ok(Some(0)));
        assert_eq!(limiter.take("s", &cands, midnight + 86_399.9), Ok(None));
    }

    #[test]
    fn an_older_window_never_overshoots_once_its_slot_moved_on() {
        let limiter = MemoryLimiter::new();
        let cands = [candidate("a", &[(WindowKind::Minute, 1)])];
        assert_eq!(limiter.take("s", &cands, T0), Ok(Some(0)));
        // A window RING minutes later reuses the same slot...
        let later = T0 + 60.0 * RING as f64;
        assert_eq!(limiter.take("s", &cands, later), Ok(Some(0)));
        // ...so the old minute's count is unknown: refuse rather than overshoot.
        assert_eq!(limiter.take("s", &cands, T0), Ok(None));
        // Neighbouring minutes keep separate counts.
        assert_eq!(limiter.take("s", &cands, later - 60.0), Ok(Some(0)));
        assert_eq!(limiter.take("s", &cands, later - 60.0), Ok(None));
    }

    #[test]
    fn never_overshoots_under_contention() {
        let limiter = MemoryLimiter::new();
        let cands = [
            candidate("a", &[(WindowKind::Minute, 300), (WindowKind::Hour, 250)]),
            candidate("b", &[(WindowKind::Minute, 100)]),
        ];
        let granted: Vec<[usize; 2]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let mut mine = [0usize; 2];
                        for _ in 0..1_000 {
                            if let Ok(Some(i)) = limiter.take("s", &cands, T0) {
                                mine[i] += 1;
                            }
                        }
                        mine
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let a: usize = granted.iter().map(|g| g[0]).sum();
        let b: usize = granted.iter().map(|g| g[1]).sum();
        assert_eq!((a, b), (250, 100));
    }

    #[test]
    fn counters() {
        let limiter = MemoryLimiter::new();
        assert_eq!(limiter.counter_get("s", "batch"), 0);
        assert_eq!(limiter.counter_add("s", "batch", 3), 3);
        assert_eq!(limiter.counter_add("s", "batch", -1), 2);
        assert_eq!(limiter.counter_get("other", "batch"), 0);
        assert_eq!(limiter.counter_add("s", "batch", 7), 9);
        assert!(limiter.counter_take("s", "batch", 10));
        assert!(!limiter.counter_take("s", "batch", 10));
        assert_eq!(limiter.counter_get("s", "batch"), 10);
    }
}
