//! Errors of the image core.

use std::fmt;

/// Why an image could not be prepared. Every variant is a caller mistake except
/// `Encode` and `Resize`, which report a failure of the libraries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// Width or height is 0.
    Empty { width: usize, height: usize },
    /// The channel count is not 1, 3 or 4.
    Channels(usize),
    /// JPEG quality outside 1..=100.
    Quality(i64),
    /// A side of `max_size` is not positive.
    MaxSize(i64, i64),
    /// The strides and offsets describe bytes outside the given buffer.
    OutOfBounds,
    /// JPEG (libjpeg-turbo) cannot hold an image with a side above 65,500 pixels.
    TooLarge { width: usize, height: usize },
    /// libjpeg-turbo reported an error.
    Encode(String),
    /// fast_image_resize reported an error.
    Resize(String),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { width, height } => write!(
                f,
                "image must have a positive width and height, got width {width} and height {height}"
            ),
            Self::Channels(n) => write!(
                f,
                "image must have 1 (gray), 3 (bgr/rgb) or 4 (alpha dropped) channels, got {n}"
            ),
            Self::Quality(q) => write!(f, "quality must be an int within [1, 100], got {q}"),
            Self::MaxSize(h, w) => write!(
                f,
                "max_size must be (height, width) with two positive ints, got ({h}, {w})"
            ),
            Self::OutOfBounds => write!(f, "image strides point outside its buffer"),
            Self::TooLarge { width, height } => write!(
                f,
                "JPEG holds at most 65500 pixels a side, the output would be {width}x{height}; \
                 pass a max_size"
            ),
            Self::Encode(msg) => write!(f, "JPEG encoding failed: {msg}"),
            Self::Resize(msg) => write!(f, "resize failed: {msg}"),
        }
    }
}

impl std::error::Error for ImageError {}
