//! 64-bit difference hash (dHash) of a frame.
//!
//! The frame is reduced to a 9x8 gray thumbnail in two steps: a sparse grid of
//! at most `9*GRID_X x 8*GRID_Y` (144x64) pixels is read (centre sampling, so a
//! 1080p frame costs 9216 pixel reads instead of two million), then
//! `fast_image_resize` averages each `GRID_X x GRID_Y` block with a SIMD box
//! convolution. The grid is denser across than down: samples of one row share
//! cache lines (nearly free), while each extra row costs memory traffic, and
//! the horizontal density halves the bits a small pan flips. The luma is kept at 16 bits through the resize, so rounding
//! hardly ever decides a bit. Bit `63 - (8 * row + col)` is set when the
//! thumbnail pixel at `(row, col + 1)` is brighter than the one at `(row, col)`,
//! the bit order of the `imagehash` package.

use std::cell::RefCell;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U16;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};

use super::error::{invalid, DedupError};
use super::frame::{check_shape, ChannelOrder, FrameView};

/// Columns of the dHash thumbnail (8 differences per row).
pub const HASH_WIDTH: usize = 9;
/// Rows of the dHash thumbnail.
pub const HASH_HEIGHT: usize = 8;
/// Samples per thumbnail pixel across (x) in the sparse grid.
pub const GRID_X: usize = 16;
/// Samples per thumbnail pixel down (y) in the sparse grid.
pub const GRID_Y: usize = 8;

thread_local! {
    // The resizer keeps its scratch buffers between calls.
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

/// Indices of `n` samples spread over `len` positions, each at the centre of
/// its `len / n` cell: `((2i + 1) * len) / (2n)`.
fn sample_positions(len: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |i| ((2 * i + 1) * len) / (2 * n))
}

/// The sparse grid of 16-bit luma samples: `(width, height, samples)`.
pub fn sample_grid(frame: &impl FrameView, order: ChannelOrder) -> (usize, usize, Vec<u16>) {
    let (h, w) = (frame.height(), frame.width());
    let gw = w.min(HASH_WIDTH * GRID_X);
    let gh = h.min(HASH_HEIGHT * GRID_Y);
    let xs: Vec<usize> = sample_positions(w, gw).collect();
    let mut out = Vec::with_capacity(gw * gh);
    for y in sample_positions(h, gh) {
        frame.luma_row(y, &xs, order, &mut out);
    }
    (gw, gh, out)
}

/// The 9x8 (width x height) 16-bit gray thumbnail, row-major.
pub fn thumbnail(frame: &impl FrameView, order: ChannelOrder) -> Result<Vec<u16>, DedupError> {
    check_shape(frame.height(), frame.width(), frame.channels())?;
    let (gw, gh, samples) = sample_grid(frame, order);
    let pixels: Vec<U16> = samples.into_iter().map(U16::new).collect();
    let size = |v: usize| u32::try_from(v).map_err(|_| invalid("image: too large"));
    let src = TypedImageRef::new(size(gw)?, size(gh)?, &pixels)
        .map_err(|e| invalid(format!("image: {e}")))?;
    let mut dst = TypedImage::<U16>::new(HASH_WIDTH as u32, HASH_HEIGHT as u32);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
    RESIZER
        .with(|r| r.borrow_mut().resize_typed(&src, &mut dst, &options))
        .map_err(|e| invalid(format!("image: resize failed: {e}")))?;
    Ok(dst.pixels().iter().map(|p| p.0).collect())
}

/// dHash bits of a 9x8 row-major thumbnail.
pub fn dhash_of_thumbnail(thumb: &[u16]) -> u64 {
    let mut hash = 0u64;
    for row in thumb.chunks_exact(HASH_WIDTH) {
        for pair in row.windows(2) {
            hash = (hash << 1) | u64::from(pair[1] > pair[0]);
        }
    }
    hash
}

/// The 64-bit dHash of `frame` (see the module docs).
pub fn dhash(frame: &impl FrameView, order: ChannelOrder) -> Result<u64, DedupError> {
    Ok(dhash_of_thumbnail(&thumbnail(frame, order)?))
}

/// Number of differing bits.
#[inline]
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::super::frame::PackedFrame;
    use super::*;

    /// A smooth synthetic scene: a gradient with a bright disc at (cx, cy).
    fn scene(h: usize, w: usize, cx: f64, cy: f64, shift: usize) -> Vec<u8> {
        let mut out = vec![0u8; h * w * 3];
        for y in 0..h {
            for x in 0..w {
                let xs = (x + shift) as f64;
                let d = ((xs - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                let v =
                    (xs / w as f64 * 120.0 + if d < h as f64 / 4.0 { 120.0 } else { 0.0 }) as u8;
                let i = (y * w + x) * 3;
                out[i..i + 3].copy_from_slice(&[v, v / 2, 255 - v]);
            }
        }
        out
    }

    #[test]
    fn sample_positions_are_cell_centres() {
        assert_eq!(
            sample_positions(10, 5).collect::<Vec<_>>(),
            vec![1, 3, 5, 7, 9]
        );
        assert_eq!(sample_positions(3, 3).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(sample_positions(1920, 144).last(), Some(1913));
    }

    #[test]
    fn flat_frame_hashes_to_zero() {
        let data = vec![128u8; 480 * 640 * 3];
        let frame = PackedFrame::new(&data, 480, 640, 3).unwrap();
        assert_eq!(dhash(&frame, ChannelOrder::Bgr).unwrap(), 0);
    }

    #[test]
    fn horizontal_ramp_sets_every_bit() {
        // Brightness grows to the right: every right neighbour is brighter.
        let (h, w) = (64, 300);
        let data: Vec<u8> = (0..h * w).map(|i| ((i % w) * 255 / w) as u8).collect();
        let frame = PackedFrame::new(&data, h, w, 1).unwrap();
        assert_eq!(dhash(&frame, ChannelOrder::Bgr).unwrap(), u64::MAX);
        let flipped: Vec<u8> = (0..h * w)
            .map(|i| ((w - 1 - i % w) * 255 / w) as u8)
            .collect();
        let frame = PackedFrame::new(&flipped, h, w, 1).unwrap();
        assert_eq!(dhash(&frame, ChannelOrder::Bgr).unwrap(), 0);
    }

    #[test]
    fn thumbnail_of_block_image_is_block_means() {
        // 16x18 gray frame, each 2x2 block constant: the thumbnail is the blocks.
        let (h, w) = (16, 18);
        let value = |y: usize, x: usize| ((y / 2) * 30 + (x / 2) * 3) as u8;
        let data: Vec<u8> = (0..h * w).map(|i| value(i / w, i % w)).collect();
        let frame = PackedFrame::new(&data, h, w, 1).unwrap();
        let thumb = thumbnail(&frame, ChannelOrder::Rgb).unwrap();
        for r in 0..HASH_HEIGHT {
            for c in 0..HASH_WIDTH {
                assert_eq!(
                    thumb[r * HASH_WIDTH + c],
                    u16::from(value(2 * r, 2 * c)) << 8
                );
            }
        }
    }

    #[test]
    fn channel_order_and_alpha() {
        let (h, w) = (90, 160);
        let bgr = scene(h, w, 40.0, 45.0, 0);
        let rgb: Vec<u8> = bgr
            .chunks_exact(3)
            .flat_map(|p| [p[2], p[1], p[0]])
            .collect();
        let bgra: Vec<u8> = bgr
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 7])
            .collect();
        let a = dhash(&PackedFrame::new(&bgr, h, w, 3).unwrap(), ChannelOrder::Bgr).unwrap();
        let b = dhash(&PackedFrame::new(&rgb, h, w, 3).unwrap(), ChannelOrder::Rgb).unwrap();
        let c = dhash(
            &PackedFrame::new(&bgra, h, w, 4).unwrap(),
            ChannelOrder::Bgr,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_ne!(a, 0);
    }

    #[test]
    fn shifted_scene_is_close_other_scene_is_far() {
        let (h, w) = (360, 640);
        let a = scene(h, w, 200.0, 180.0, 0);
        let shifted = scene(h, w, 200.0, 180.0, 3);
        let other = scene(h, w, 500.0, 100.0, 0);
        let hash =
            |d: &[u8]| dhash(&PackedFrame::new(d, h, w, 3).unwrap(), ChannelOrder::Bgr).unwrap();
        assert!(hamming(hash(&a), hash(&shifted)) <= 6);
        assert!(hamming(hash(&a), hash(&other)) > 10);
    }

    #[test]
    fn tiny_frames_hash_without_error() {
        for (h, w) in [(1, 1), (1, 500), (500, 1), (3, 7)] {
            let data = vec![9u8; h * w];
            let frame = PackedFrame::new(&data, h, w, 1).unwrap();
            assert_eq!(dhash(&frame, ChannelOrder::Bgr).unwrap(), 0);
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(PackedFrame::new(&[], 0, 5, 3).is_err());
        assert!(PackedFrame::new(&[0; 10], 1, 5, 2).is_err());
        assert!(PackedFrame::new(&[0; 10], 1, 5, 3).is_err());
        assert_eq!(hamming(0, u64::MAX), 64);
        assert_eq!(hamming(0b1011, 0b0001), 2);
    }
}
