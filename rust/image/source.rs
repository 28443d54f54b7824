//! A borrowed uint8 image with arbitrary strides, and how its bytes lie in memory.

use super::error::ImageError;

/// Which colour the first channel of a 3- or 4-channel image holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// Blue, green, red (OpenCV frames).
    Bgr,
    /// Red, green, blue (PIL, most other libraries).
    Rgb,
}

/// How one pixel's bytes are ordered in memory, the way libjpeg-turbo names it
/// (`X` is a fourth byte, alpha, that is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    Gray,
    Bgr,
    Rgb,
    Bgrx,
    Rgbx,
    Xbgr,
    Xrgb,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub fn size(self) -> usize {
        match self {
            Self::Gray => 1,
            Self::Bgr | Self::Rgb => 3,
            _ => 4,
        }
    }

    /// The layout of pixels whose channels, in index order, are `order` (plus alpha
    /// last when there are 4), stored at increasing (`reversed = false`) or
    /// decreasing addresses.
    fn of(channels: usize, order: ChannelOrder, reversed: bool) -> Self {
        use ChannelOrder::{Bgr, Rgb};
        match (channels, order, reversed) {
            (1, _, _) => Self::Gray,
            (3, Bgr, false) | (3, Rgb, true) => Self::Bgr,
            (3, Rgb, false) | (3, Bgr, true) => Self::Rgb,
            (_, Bgr, false) => Self::Bgrx,
            (_, Rgb, false) => Self::Rgbx,
            // B,G,R,A at decreasing addresses: A,R,G,B in memory order = XRGB.
            (_, Bgr, true) => Self::Xrgb,
            (_, Rgb, true) => Self::Xbgr,
        }
    }
}

/// A uint8 image of `height` x `width` x `channels` where element `(y, x, c)` is
/// `data[origin + y * strides[0] + x * strides[1] + c * strides[2]]` (strides in bytes,
/// negative allowed): any numpy array, contiguous or not, without copying it.
#[derive(Debug, Clone, Copy)]
pub struct StridedImage<'a> {
    data: &'a [u8],
    origin: usize,
    height: usize,
    width: usize,
    channels: usize,
    strides: [isize; 3],
}

/// Where the rows of an image whose pixels are packed (each pixel's bytes adjacent,
/// pixels adjacent in a row) start; rows themselves may be anywhere.
#[derive(Debug, Clone, Copy)]
pub struct PackedRows<'a> {
    data: &'a [u8],
    first: usize,
    row_stride: isize,
    pub width: usize,
    pub height: usize,
    pub layout: PixelLayout,
}

impl<'a> PackedRows<'a> {
    /// The bytes of row `y` (`width * layout.size()` of them).
    pub fn row(&self, y: usize) -> &'a [u8] {
        // In bounds: StridedImage::new checked every element's offset.
        let start = (self.first as isize + y as isize * self.row_stride) as usize;
        &self.data[start..start + self.width * self.layout.size()]
    }

    /// The rows as one buffer and its pitch, when libjpeg-turbo can read them directly
    /// (rows at increasing addresses that do not overlap).
    pub fn as_pitched(&self) -> Option<(&'a [u8], usize)> {
        let row_bytes = self.width * self.layout.size();
        let pitch = if self.height == 1 {
            row_bytes
        } else {
            usize::try_from(self.row_stride).ok()?
        };
        (pitch >= row_bytes).then(|| (&self.data[self.first..], pitch))
    }
}

impl<'a> StridedImage<'a> {
    /// Checks that the sizes are positive, the channel count is 1, 3 or 4, and that
    /// every element lies inside `data`.
    pub fn new(
        data: &'a [u8],
        origin: usize,
        height: usize,
        width: usize,
        channels: usize,
        strides: [isize; 3],
    ) -> Result<Self, ImageError> {
        if height == 0 || width == 0 {
            return Err(ImageError::Empty { width, height });
        }
        if !matches!(channels, 1 | 3 | 4) {
            return Err(ImageError::Channels(channels));
        }
        let (mut low, mut high) = (origin as i128, origin as i128);
        for (n, stride) in [height, width, channels].into_iter().zip(strides) {
            let span = (n as i128 - 1) * stride as i128;
            if span < 0 {
                low += span;
            } else {
                high += span;
            }
        }
        if low < 0 || high >= data.len() as i128 {
            return Err(ImageError::OutOfBounds);
        }
        Ok(Self {
            data,
            origin,
            height,
            width,
            channels,
            strides,
        })
    }

    /// A contiguous C-order image (`height * width * channels` bytes).
    pub fn contiguous(
        data: &'a [u8],
        height: usize,
        width: usize,
        channels: usize,
    ) -> Result<Self, ImageError> {
        let c = channels as isize;
        Self::new(data, 0, height, width, channels, [width as isize * c, c, 1])
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The image as packed rows when its pixels are packed in memory, in either
    /// channel direction (so `frame[:, :, ::-1]`, crops and flipped rows need no copy).
    pub fn packed_rows(&self, order: ChannelOrder) -> Option<PackedRows<'a>> {
        let [row_stride, col_stride, chan_stride] = self.strides;
        let c = self.channels;
        let cols_packed = self.width == 1 || col_stride == c as isize;
        let reversed = c > 1 && chan_stride == -1;
        if !cols_packed || !(c == 1 || chan_stride == 1 || reversed) {
            return None;
        }
        // Reversed channels: the pixel's lowest address is that of its last channel.
        let first = if reversed {
            self.origin - (c - 1)
        } else {
            self.origin
        };
        Some(PackedRows {
            data: self.data,
            first,
            row_stride,
            width: self.width,
            height: self.height,
            layout: PixelLayout::of(c, order, reversed),
        })
    }

    /// Copies the pixels into `out` as packed rows (C order), returning their layout.
    pub fn gather_into(&self, order: ChannelOrder, out: &mut Vec<u8>) -> PixelLayout {
        let (h, w, c) = (self.height, self.width, self.channels);
        let [rs, cs, chs] = self.strides;
        out.clear();
        out.reserve(h * w * c);
        for y in 0..h {
            let row = self.origin as isize + y as isize * rs;
            for x in 0..w {
                let pixel = row + x as isize * cs;
                for k in 0..c {
                    // In bounds: checked in `new`.
                    out.push(self.data[(pixel + k as isize * chs) as usize]);
                }
            }
        }
        PixelLayout::of(c, order, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn rejects_empty_and_bad_channels_and_out_of_bounds() {
        let data = bytes(100);
        assert_eq!(
            StridedImage::contiguous(&data, 0, 5, 3).unwrap_err(),
            ImageError::Empty {
                width: 5,
                height: 0
            }
        );
        assert_eq!(
            StridedImage::contiguous(&data, 2, 2, 2).unwrap_err(),
            ImageError::Channels(2)
        );
        assert_eq!(
            StridedImage::contiguous(&data, 10, 10, 3).unwrap_err(),
            ImageError::OutOfBounds
        );
        // Negative stride reaching before the buffer.
        assert_eq!(
            StridedImage::new(&data, 5, 2, 2, 3, [-12, 3, 1]).unwrap_err(),
            ImageError::OutOfBounds
        );
    }

    #[test]
    fn contiguous_bgr_is_packed_with_a_pitch() {
        let data = bytes(4 * 5 * 3);
        let img = StridedImage::contiguous(&data, 4, 5, 3).unwrap();
        let rows = img.packed_rows(ChannelOrder::Bgr).unwrap();
        assert_eq!(rows.layout, PixelLayout::Bgr);
        assert_eq!(rows.row(2), &data[30..45]);
        let (buf, pitch) = rows.as_pitched().unwrap();
        assert_eq!((buf.len(), pitch), (60, 15));
    }

    #[test]
    fn reversed_channels_are_packed_with_the_other_order() {
        // frame[:, :, ::-1] of a 2x2 BGR frame: origin at the last channel.
        let data = bytes(12);
        let img = StridedImage::new(&data, 2, 2, 2, 3, [6, 3, -1]).unwrap();
        let rows = img.packed_rows(ChannelOrder::Bgr).unwrap();
        assert_eq!(rows.layout, PixelLayout::Rgb);
        assert_eq!(rows.row(1), &data[6..12]);
        let rgba = bytes(16);
        let img = StridedImage::new(&rgba, 3, 2, 2, 4, [8, 4, -1]).unwrap();
        assert_eq!(
            img.packed_rows(ChannelOrder::Rgb).unwrap().layout,
            PixelLayout::Xbgr
        );
    }

    #[test]
    fn flipped_rows_are_packed_but_not_pitched() {
        let data = bytes(3 * 2 * 3);
        let img = StridedImage::new(&data, 12, 3, 2, 3, [-6, 3, 1]).unwrap();
        let rows = img.packed_rows(ChannelOrder::Rgb).unwrap();
        assert_eq!(rows.row(0), &data[12..18]);
        assert_eq!(rows.row(2), &data[0..6]);
        assert!(rows.as_pitched().is_none());
    }

    #[test]
    fn mirrored_columns_are_gathered() {
        let data = bytes(2 * 3 * 3);
        // frame[:, ::-1]
        let img = StridedImage::new(&data, 6, 2, 3, 3, [9, -3, 1]).unwrap();
        assert!(img.packed_rows(ChannelOrder::Bgr).is_none());
        let mut out = Vec::new();
        assert_eq!(
            img.gather_into(ChannelOrder::Bgr, &mut out),
            PixelLayout::Bgr
        );
        let expected: Vec<u8> = [6, 7, 8, 3, 4, 5, 0, 1, 2, 15, 16, 17, 12, 13, 14, 9, 10, 11]
            .iter()
            .map(|&i| data[i])
            .collect();
        assert_eq!(out, expected);
    }
}
