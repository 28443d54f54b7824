//! Errors of the deduplication core.

use std::fmt;

/// What went wrong; each message names the offending argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DedupError {
    /// A bad value (empty frame, channel count, out-of-range setting, NaN time).
    InvalidInput(String),
}

impl fmt::Display for DedupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DedupError::InvalidInput(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DedupError {}

pub(crate) fn invalid(message: impl Into<String>) -> DedupError {
    DedupError::InvalidInput(message.into())
}
