//! Thin PyO3 wrappers, one file per domain: convert types, map errors, and
//! release the GIL (`py.detach`) around real work.

pub mod dedup;
pub mod errors;
pub mod image;
pub mod limits;
pub mod nms;
pub mod sampling;
pub mod uncertainty;
