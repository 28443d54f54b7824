//! The sampling core (pure Rust, no pyo3): SPEC §3. Strategies are parsed
//! from their JSON fields (`strategy`), predictions arrive as plain
//! `(confidence, class index)` data (`detections`, `classification`), and a
//! seedable SplitMix64 (`rng`) makes the keep decisions, bit-identical with the
//! pure-Python reference `framesieve.reference.Sampler`.

pub mod classification;
pub mod detections;
pub mod error;
pub mod rng;
pub mod sampler;
pub mod set;
pub mod strategy;
pub mod uncertainty;

pub use error::SamplingError;
pub use sampler::Sampler;

/// SPEC §3's closeness: `|confidence - threshold| < epsilon` in double
/// precision, strict; NaN is never close.
#[inline]
pub fn close(confidence: f64, threshold: f64, epsilon: f64) -> bool {
    (confidence - threshold).abs() < epsilon
}
