//! The settings of near-duplicate suppression, checked in one place for the
//! in-process filter (`RecentHashes`) and the hashes shared through Redis
//! (`shared`).

use super::error::{invalid, DedupError};

/// Default cap on remembered hashes.
pub const DEFAULT_MAX_ENTRIES: usize = 4096;

/// `max_hamming` bits, a `window_seconds` either way, at most `max_entries` hashes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupSettings {
    pub max_hamming: u32,
    pub window_seconds: f64,
    pub max_entries: usize,
}

impl DedupSettings {
    /// `max_hamming` in 0..=64, `window_seconds` finite and > 0, `max_entries` >= 1.
    pub fn new(
        max_hamming: i64,
        window_seconds: f64,
        max_entries: i64,
    ) -> Result<Self, DedupError> {
        Ok(DedupSettings {
            max_hamming: check_max_hamming(max_hamming)?,
            window_seconds: check_window(window_seconds)?,
            max_entries: check_max_entries(max_entries)?,
        })
    }
}

/// A hash distance: 0..=64 bits.
pub fn check_max_hamming(max_hamming: i64) -> Result<u32, DedupError> {
    match u32::try_from(max_hamming) {
        Ok(bits) if bits <= 64 => Ok(bits),
        _ => Err(invalid(format!(
            "max_hamming: must be within [0, 64], got {max_hamming}"
        ))),
    }
}

/// A time window: finite and > 0 seconds.
pub fn check_window(window_seconds: f64) -> Result<f64, DedupError> {
    if window_seconds.is_finite() && window_seconds > 0.0 {
        Ok(window_seconds)
    } else {
        Err(invalid(format!(
            "window_seconds: must be a finite number > 0, got {window_seconds}"
        )))
    }
}

/// A cap on remembered hashes: at least 1.
pub fn check_max_entries(max_entries: i64) -> Result<usize, DedupError> {
    if max_entries < 1 {
        return Err(invalid(format!(
            "max_entries: must be a positive integer, got {max_entries}"
        )));
    }
    usize::try_from(max_entries)
        .map_err(|_| invalid(format!("max_entries: too large, got {max_entries}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_is_checked_and_named() {
        let ok = DedupSettings::new(6, 1.5, 10).unwrap();
        assert_eq!(
            ok,
            DedupSettings {
                max_hamming: 6,
                window_seconds: 1.5,
                max_entries: 10
            }
        );
        let message = |r: Result<DedupSettings, DedupError>| r.unwrap_err().to_string();
        assert_eq!(
            message(DedupSettings::new(65, 1.0, 1)),
            "max_hamming: must be within [0, 64], got 65"
        );
        assert!(message(DedupSettings::new(-1, 1.0, 1)).contains("got -1"));
        for window in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(message(DedupSettings::new(6, window, 1)).starts_with("window_seconds:"));
        }
        assert_eq!(
            message(DedupSettings::new(6, 1.0, 0)),
            "max_entries: must be a positive integer, got 0"
        );
        assert!(DedupSettings::new(64, f64::MIN_POSITIVE, 1).is_ok());
    }
}
