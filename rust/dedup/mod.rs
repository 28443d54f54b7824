//! Near-duplicate suppression (pure Rust, no pyo3): a 64-bit dHash of a frame
//! computed on a small gray thumbnail, and the hashes of recently collected
//! frames with a time window, kept in-process (`recent`) or shared through
//! Redis (`shared`), both with the settings checked in `settings`.

pub mod dhash;
pub mod error;
pub mod frame;
pub mod recent;
pub mod settings;
pub mod shared;

pub use dhash::{dhash, hamming, thumbnail, HASH_HEIGHT, HASH_WIDTH};
pub use error::DedupError;
pub use frame::{ChannelOrder, FrameView, PackedFrame};
pub use recent::RecentHashes;
pub use settings::{DedupSettings, DEFAULT_MAX_ENTRIES};
