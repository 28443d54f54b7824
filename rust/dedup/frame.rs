//! A read-only view of a uint8 frame (gray, 3 or 4 channels) with any memory
//! layout, and its 16-bit luma.

use super::error::{invalid, DedupError};

/// Order of the colour channels of a 3- or 4-channel frame (the 4th, alpha, is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// OpenCV's order: blue, green, red.
    Bgr,
    /// red, green, blue (Pillow, scikit-image, most decoders).
    Rgb,
}

impl ChannelOrder {
    /// Parses `"bgr"` / `"rgb"` (any case).
    pub fn parse(name: &str) -> Result<Self, DedupError> {
        match name.to_ascii_lowercase().as_str() {
            "bgr" => Ok(ChannelOrder::Bgr),
            "rgb" => Ok(ChannelOrder::Rgb),
            _ => Err(invalid(format!(
                "channel_order: must be 'bgr' or 'rgb', got {name:?}"
            ))),
        }
    }
}

/// A frame of `height x width` pixels of `channels` (1, 3 or 4) uint8 components.
///
/// Implemented by the Python layer over numpy views of any strides, and by
/// [`PackedFrame`] for contiguous buffers; the hash reads only a sparse grid of
/// pixels through [`FrameView::pixel`].
pub trait FrameView {
    fn height(&self) -> usize;
    fn width(&self) -> usize;
    fn channels(&self) -> usize;
    /// Component `c` of the pixel at row `y`, column `x` (all in range).
    fn pixel(&self, y: usize, x: usize, c: usize) -> u8;

    /// Appends the 16-bit luma of the pixels `(y, x)` for each `x` in `xs`.
    fn luma_row(&self, y: usize, xs: &[usize], order: ChannelOrder, out: &mut Vec<u16>)
    where
        Self: Sized,
    {
        out.extend(xs.iter().map(|&x| luma16(self, order, y, x)));
    }
}

/// Checks the shape of a frame: non-empty, 1, 3 or 4 channels.
pub fn check_shape(height: usize, width: usize, channels: usize) -> Result<(), DedupError> {
    if height == 0 || width == 0 {
        return Err(invalid(format!(
            "image: must not be empty, got shape ({height}, {width}{})",
            if channels == 1 {
                String::new()
            } else {
                format!(", {channels}")
            }
        )));
    }
    if !matches!(channels, 1 | 3 | 4) {
        return Err(invalid(format!(
            "image: expected HxW (gray), HxWx3 or HxWx4, got {channels} channels"
        )));
    }
    Ok(())
}

/// Luma of one pixel scaled to 16 bits (Rec. 601 weights 77/150/29 out of 256):
/// exact integers, so the Rust core and the Python reference agree bit for bit.
#[inline]
pub fn luma16(frame: &impl FrameView, order: ChannelOrder, y: usize, x: usize) -> u16 {
    if frame.channels() == 1 {
        return u16::from(frame.pixel(y, x, 0)) << 8;
    }
    let (r, b) = match order {
        ChannelOrder::Bgr => (2, 0),
        ChannelOrder::Rgb => (0, 2),
    };
    let r = u16::from(frame.pixel(y, x, r));
    let g = u16::from(frame.pixel(y, x, 1));
    let b = u16::from(frame.pixel(y, x, b));
    // 77 + 150 + 29 = 256: at most 255 * 256 = 65280, no overflow.
    77 * r + 150 * g + 29 * b
}

/// A C-contiguous frame in a byte slice (`height * width * channels` bytes).
#[derive(Debug, Clone, Copy)]
pub struct PackedFrame<'a> {
    data: &'a [u8],
    height: usize,
    width: usize,
    channels: usize,
}

impl<'a> PackedFrame<'a> {
    /// Wraps `data`, checking the shape and the length.
    pub fn new(
        data: &'a [u8],
        height: usize,
        width: usize,
        channels: usize,
    ) -> Result<Self, DedupError> {
        check_shape(height, width, channels)?;
        let expected = height
            .checked_mul(width)
            .and_then(|n| n.checked_mul(channels))
            .ok_or_else(|| invalid("image: shape too large"))?;
        if data.len() != expected {
            return Err(invalid(format!(
                "image: {height}x{width}x{channels} needs {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(PackedFrame {
            data,
            height,
            width,
            channels,
        })
    }
}

impl FrameView for PackedFrame<'_> {
    fn height(&self) -> usize {
        self.height
    }
    fn width(&self) -> usize {
        self.width
    }
    fn channels(&self) -> usize {
        self.channels
    }
    #[inline]
    fn pixel(&self, y: usize, x: usize, c: usize) -> u8 {
        self.data[(y * self.width + x) * self.channels + c]
    }

    fn luma_row(&self, y: usize, xs: &[usize], order: ChannelOrder, out: &mut Vec<u16>) {
        // One row slice, then fixed-size pixel reads with the channel indices
        // known at compile time: a single bounds check per pixel.
        let n = self.channels;
        let row = &self.data[y * self.width * n..(y + 1) * self.width * n];
        let px = |x: usize| -> [u16; 3] {
            match row.get(x * n..x * n + 3) {
                Some(&[a, b, c]) => [u16::from(a), u16::from(b), u16::from(c)],
                _ => [0; 3], // unreachable: every x < width
            }
        };
        match (n, order) {
            (1, _) => out.extend(xs.iter().map(|&x| u16::from(row[x]) << 8)),
            (_, ChannelOrder::Bgr) => out.extend(xs.iter().map(|&x| {
                let [b, g, r] = px(x);
                77 * r + 150 * g + 29 * b
            })),
            (_, ChannelOrder::Rgb) => out.extend(xs.iter().map(|&x| {
                let [r, g, b] = px(x);
                77 * r + 150 * g + 29 * b
            })),
        }
    }
}
