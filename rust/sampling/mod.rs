//! The sampling core (pure Rust, no pyo3): SPEC §3. Strategies arrive
//! validated and typed (`strategy`), predictions as plain `(confidence, class
//! index)` data (`detections`, `classification`) after the rules on their
//! form (`task`), and a seedable SplitMix64 (`rng`) makes the keep decisions,
//! bit-identical with the pure-Python reference `framesieve.reference.Sampler`.

pub mod classes;
pub mod classification;
pub mod detections;
pub mod error;
pub mod rng;
pub mod sampler;
pub mod set;
pub mod strategy;
pub mod task;
pub mod uncertainty;

pub use error::SamplingError;
pub use sampler::{Route, Sampler};

/// SPEC §3's closeness: `|confidence - threshold| < epsilon` in double
/// precision, strict; NaN is never close.
#[inline]
pub fn close(confidence: f64, threshold: f64, epsilon: f64) -> bool {
    (confidence - threshold).abs() < epsilon
}
