//! Errors of the deduplication core.

use std::fmt;

use crate::limits::LimitsError;

/// What went wrong; each message names the offending argument.
#[derive(Debug, Clone, PartialEq)]
pub enum DedupError {
    /// A bad value (empty frame, channel count, out-of-range setting, NaN time).
    InvalidInput(String),
    /// The shared hashes' Redis limiter failed (strict) or `now` is not finite.
    Shared(LimitsError),
}

impl fmt::Display for DedupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DedupError::InvalidInput(m) => f.write_str(m),
            DedupError::Shared(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for DedupError {}

impl From<LimitsError> for DedupError {
    fn from(err: LimitsError) -> Self {
        DedupError::Shared(err)
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> DedupError {
    DedupError::InvalidInput(message.into())
}
