//! Rate limits (SPEC §4.3), pure Rust: UTC windows, a lock-free in-memory
//! limiter, and a Redis limiter that decides in one round trip.

pub mod memory;
pub mod redis;
pub(crate) mod scripts;
mod table;
pub mod window;

pub use memory::Admitted;
pub use memory::MemoryLimiter;
pub use redis::{Notice, RedisLimiter, RedisOptions, RedisStats};
pub use scripts::mask_url;
pub use window::WindowKind;

use std::fmt;

/// What can go wrong in the limits core.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitsError {
    /// `now` is NaN or infinite.
    InvalidNow(f64),
    /// The Redis URL cannot be used (the message never holds the password).
    InvalidUrl(String),
    /// A setting of the Redis limiter is out of range (the message names it).
    InvalidOption(String),
    /// Redis could not be reached or answered with an error (the message names
    /// the server with its password masked).
    Connection(String),
}

impl fmt::Display for LimitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitsError::InvalidNow(now) => {
                write!(f, "now: must be a finite number of UNIX seconds, got {now}")
            }
            LimitsError::InvalidUrl(message)
            | LimitsError::InvalidOption(message)
            | LimitsError::Connection(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LimitsError {}

/// The limits of one strategy, at most one value per window kind. A kind
/// given twice keeps the smaller value (both limits must hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `NONE` for a window kind without a limit (compact: candidates are
    /// parsed on every decision).
    values: [u64; 3],
}

/// No limit. A limit of `u64::MAX` credits could never be reached anyway.
const NONE: u64 = u64::MAX;

impl Default for Limits {
    fn default() -> Self {
        Limits::UNLIMITED
    }
}

impl Limits {
    /// No limit at all: the strategy always gets credit.
    pub const UNLIMITED: Limits = Limits { values: [NONE; 3] };

    /// Adds a limit of `value` credits per `kind` window.
    pub fn add(&mut self, kind: WindowKind, value: u64) {
        let slot = &mut self.values[kind.index()];
        *slot = (*slot).min(value);
    }

    /// The limit for `kind`, if any.
    pub fn get(&self, kind: WindowKind) -> Option<u64> {
        let value = self.values[kind.index()];
        (value != NONE).then_some(value)
    }

    /// The `(kind, value)` pairs that are set, minute first.
    pub fn iter(&self) -> impl Iterator<Item = (WindowKind, u64)> + '_ {
        WindowKind::ALL
            .into_iter()
            .filter_map(|kind| self.get(kind).map(|value| (kind, value)))
    }

    /// True when no window is limited.
    pub fn is_unlimited(&self) -> bool {
        self.values == [NONE; 3]
    }

    /// True when some window has a limit of 0, which never grants.
    pub fn never_grants(&self) -> bool {
        self.values.contains(&0)
    }
}

/// One candidate of a decision: a strategy name and its limits. `S` is any
/// string holder (`&str`, `String`, a borrowed Python string).
#[derive(Clone, Debug)]
pub struct Candidate<S> {
    pub strategy: S,
    pub limits: Limits,
}

/// Escapes a scope for a Redis key: `{` and `}` would end the hash tag early
/// (and let two scopes share keys), so they and `%` are percent-encoded.
pub(crate) fn escape_scope(scope: &str) -> std::borrow::Cow<'_, str> {
    if !scope.contains(['{', '}', '%']) {
        return std::borrow::Cow::Borrowed(scope);
    }
    let mut out = String::with_capacity(scope.len() + 8);
    for c in scope.chars() {
        match c {
            '%' => out.push_str("%25"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_kinds_keep_the_smaller_limit() {
        let mut limits = Limits::default();
        limits.add(WindowKind::Minute, 10);
        limits.add(WindowKind::Minute, 5);
        limits.add(WindowKind::Day, 100);
        assert_eq!(limits.get(WindowKind::Minute), Some(5));
        assert_eq!(limits.get(WindowKind::Hour), None);
        assert_eq!(
            limits.iter().collect::<Vec<_>>(),
            vec![(WindowKind::Minute, 5), (WindowKind::Day, 100)]
        );
        assert!(!limits.is_unlimited() && !limits.never_grants());
        limits.add(WindowKind::Hour, 0);
        assert!(limits.never_grants());
        assert!(Limits::UNLIMITED.is_unlimited());
    }

    #[test]
    fn scopes_are_escaped_for_hash_tags() {
        assert_eq!(escape_scope("ws/project"), "ws/project");
        assert_eq!(escape_scope("a}b{c%"), "a%7Db%7Bc%25");
        // Distinct scopes stay distinct after escaping.
        assert_ne!(escape_scope("a%7D"), escape_scope("a}"));
    }
}
