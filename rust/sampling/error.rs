//! The sampling domain's error type.

use std::fmt;

/// What went wrong, mapped in `rust/py/errors.rs` to `InvalidInputError`
/// (a `ValueError`) or `InvalidTypeError` (a `TypeError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamplingError {
    /// A value is missing or out of its allowed range; the message names the field.
    InvalidInput(String),
    /// A value has the wrong type; the message names the field.
    InvalidType(String),
}

impl SamplingError {
    pub(crate) fn input(message: impl Into<String>) -> Self {
        SamplingError::InvalidInput(message.into())
    }
}

impl fmt::Display for SamplingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SamplingError::InvalidInput(m) | SamplingError::InvalidType(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for SamplingError {}
