//! 64-bit difference hash (dHash) of a frame.
//!
//! The frame is cut into a 9x8 grid of cells (cell `c` spans columns
//! `c*w/9 .. (c+1)*w/9`, at least one pixel), and each thumbnail pixel is the
//! mean 16-bit luma of its cell: every pixel of the cell when it is at most
//! `CELL_SAMPLES` wide (and high), else `CELL_SAMPLES` evenly spread columns
//! (rows) of it. So small frames are box-filtered exactly, and a 1080p frame
//! costs 144x128 reads instead of two million, dense enough that JPEG noise and
//! a small motion no longer alias into flipped bits (the old sparse grid read
//! single pixels 13 apart). Sums are integers and the mean is rounded, so the
//! Python reference agrees bit for bit. Bit `63 - (8 * row + col)` is set when
//! the thumbnail pixel at `(row, col + 1)` is brighter than the one at
//! `(row, col)`, the bit order of the `imagehash` package.

use super::error::DedupError;
use super::frame::{check_shape, ChannelOrder, FrameView};

/// Columns of the dHash thumbnail (8 differences per row).
pub const HASH_WIDTH: usize = 9;
/// Rows of the dHash thumbnail.
pub const HASH_HEIGHT: usize = 8;
/// At most this many sample columns (and rows) per thumbnail cell.
pub const CELL_SAMPLES: usize = 16;

/// The pixel span `[start, end)` of cell `i` of `n` over `len` pixels (never empty).
fn cell_span(len: usize, n: usize, i: usize) -> (usize, usize) {
    // i < n, so start < len and start + 1 <= len.
    let start = (i * len) / n;
    (start, (((i + 1) * len) / n).max(start + 1))
}

/// Sample positions of one cell: every pixel when it has at most
/// `CELL_SAMPLES`, else the centres of `CELL_SAMPLES` equal sub-spans.
fn cell_positions(len: usize, n: usize, i: usize) -> Vec<usize> {
    let (start, end) = cell_span(len, n, i);
    let span = end - start;
    let k = span.min(CELL_SAMPLES);
    (0..k)
        .map(|j| start + ((2 * j + 1) * span) / (2 * k))
        .collect()
}

/// The 9x8 (width x height) 16-bit gray thumbnail, row-major.
pub fn thumbnail(frame: &impl FrameView, order: ChannelOrder) -> Result<Vec<u16>, DedupError> {
    check_shape(frame.height(), frame.width(), frame.channels())?;
    let (h, w) = (frame.height(), frame.width());
    let cols: Vec<Vec<usize>> = (0..HASH_WIDTH)
        .map(|c| cell_positions(w, HASH_WIDTH, c))
        .collect();
    let xs: Vec<usize> = cols.iter().flatten().copied().collect();
    let mut sums = [0u64; HASH_WIDTH * HASH_HEIGHT];
    let mut counts = [0u64; HASH_WIDTH * HASH_HEIGHT];
    let mut row = Vec::with_capacity(xs.len());
    for r in 0..HASH_HEIGHT {
        for y in cell_positions(h, HASH_HEIGHT, r) {
            row.clear();
            frame.luma_row(y, &xs, order, &mut row);
            let mut at = 0;
            for (c, cell) in cols.iter().enumerate() {
                let part = &row[at..at + cell.len()];
                at += cell.len();
                sums[r * HASH_WIDTH + c] += part.iter().map(|&v| u64::from(v)).sum::<u64>();
                counts[r * HASH_WIDTH + c] += part.len() as u64;
            }
        }
    }
    // Rounded means; every cell has at least one sample, and a mean of u16 fits.
    Ok(sums
        .iter()
        .zip(counts.iter())
        .map(|(&s, &n)| u16::try_from((s + n / 2) / n.max(1)).unwrap_or(u16::MAX))
        .collect())
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
    fn cells_cover_the_frame_and_are_never_empty() {
        assert_eq!(cell_span(18, 9, 0), (0, 2));
        assert_eq!(cell_span(18, 9, 8), (16, 18));
        // Fewer pixels than cells: each cell still reads one (repeating some).
        assert_eq!(cell_span(3, 9, 0), (0, 1));
        assert_eq!(cell_span(3, 9, 8), (2, 3));
        assert_eq!(cell_span(1, 8, 7), (0, 1));
        // Small cells read every pixel, large ones CELL_SAMPLES spread over them.
        assert_eq!(cell_positions(18, 9, 1), vec![2, 3]);
        let wide = cell_positions(1920, 9, 8);
        assert_eq!(wide.len(), CELL_SAMPLES);
        assert!(wide[0] >= 1706 && *wide.last().unwrap() < 1920);
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
        // The scene is mostly one gradient (the same bits everywhere): moving the
        // disc flips the bits of the cells it leaves and enters, a 3 px shift
        // (averaged over whole cells) next to none.
        assert!(hamming(hash(&a), hash(&shifted)) <= 2);
        assert!(hamming(hash(&a), hash(&other)) >= 8);
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
