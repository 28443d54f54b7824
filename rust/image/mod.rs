//! The image core (pure Rust, no pyo3).
