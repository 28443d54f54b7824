//! Errors of the diversity core.

use std::fmt;

/// What went wrong; each message names the offending argument.
#[derive(Debug, Clone, PartialEq)]
pub enum DiversityError {
    /// A bad value: an embedding that is empty, not finite, of zero norm or of
    /// another dimension than the set's, an out-of-range setting, a NaN time.
    InvalidInput(String),
}

impl fmt::Display for DiversityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiversityError::InvalidInput(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DiversityError {}

pub(crate) fn invalid(message: impl Into<String>) -> DiversityError {
    DiversityError::InvalidInput(message.into())
}
