//! framesieve's Rust core. The domain modules are pure Rust (no pyo3) so that
//! `cargo test` exercises them directly; `py` holds the thin PyO3 wrappers.

pub mod dedup;
pub mod diversity;
pub mod image;
pub mod limits;
pub mod nms;
pub mod sampling;

#[cfg(feature = "python")]
mod py;

#[cfg(feature = "python")]
#[pyo3::pymodule(gil_used = false)]
fn _core(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
    use pyo3::prelude::*;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    py::errors::register(m)?;
    py::sampling::register(m)?;
    py::image::register(m)?;
    py::limits::register(m)?;
    py::dedup::register(m)?;
    py::diversity::register(m)?;
    py::uncertainty::register(m)?;
    py::nms::register(m)?;
    Ok(())
}
