//! Thin PyO3 wrappers, one module per domain: convert types (`convert`), map
//! errors (`errors`), and release the GIL (`py.detach`) around real work.

pub mod convert;
pub mod dedup;
pub mod diversity;
pub mod errors;
pub mod image;
pub mod limits;
pub mod nms;
pub mod sampling;
pub mod uncertainty;
