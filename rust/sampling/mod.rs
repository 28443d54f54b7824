//! The sampling core (pure Rust, no pyo3).
