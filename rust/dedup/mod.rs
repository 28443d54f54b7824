//! Near-duplicate suppression (pure Rust, no pyo3): a 64-bit dHash of a frame
//! computed on a small gray thumbnail, and a bounded index of the hashes of
//! recently collected frames with a time window.

pub mod dhash;
pub mod error;
pub mod frame;
pub mod recent;

pub use dhash::{dhash, hamming, thumbnail, HASH_HEIGHT, HASH_WIDTH};
pub use error::DedupError;
pub use frame::{ChannelOrder, FrameView, PackedFrame};
pub use recent::RecentHashes;
