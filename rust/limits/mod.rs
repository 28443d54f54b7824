//! The limits core (pure Rust, no pyo3).
