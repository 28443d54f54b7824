//! Antialiased downscaling with fast_image_resize (SIMD convolution).

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::{U8x3, U8x4, U8};
use fast_image_resize::{FilterType, ImageView, PixelTrait, ResizeAlg, ResizeOptions, Resizer};

use super::error::ImageError;
use super::source::PackedRows;

/// The convolution filter used on downscale: Hamming (Pillow's `HAMMING`), a windowed
/// sinc with the support of the bilinear triangle, which grows with the scale factor,
/// so it antialiases. Of box, bilinear, Hamming, Catmull-Rom and Lanczos3 it scored
/// the best PSNR against a float area average on the scikit-image photos (above
/// OpenCV's INTER_LINEAR everywhere) and it costs the same as bilinear, the cheapest
/// convolution (README, "Image preparation", has the numbers).
pub const DEFAULT_FILTER: FilterType = FilterType::Hamming;

/// An image view over rows that may lie anywhere in memory (strided, flipped).
struct RowsView<'a, P> {
    width: u32,
    rows: Vec<TypedImageRef<'a, P>>,
}

// SAFETY: every row holds at least `width` pixels (TypedImageRef::new checks it).
unsafe impl<P: PixelTrait> ImageView for RowsView<'_, P> {
    type Pixel = P;

    fn width(&self) -> u32 {
        self.width
    }

    fn height(&self) -> u32 {
        self.rows.len() as u32
    }

    fn iter_rows(&self, start_row: u32) -> impl Iterator<Item = &[P]> {
        self.rows
            .iter()
            .skip(start_row as usize)
            .map(|row| row.pixels())
    }
}

fn resize_typed<P: PixelTrait>(
    resizer: &mut Resizer,
    src: &PackedRows<'_>,
    dst: &mut [u8],
    size: (u32, u32),
    filter: FilterType,
) -> Result<(), ImageError> {
    let err = |e: &dyn std::fmt::Display| ImageError::Resize(e.to_string());
    let width = src.width as u32;
    let rows = (0..src.height)
        .map(|y| TypedImageRef::<P>::from_buffer(width, 1, src.row(y)).map_err(|e| err(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let view = RowsView { width, rows };
    let mut out = TypedImage::<P>::from_buffer(size.0, size.1, dst).map_err(|e| err(&e))?;
    // Alpha (4 channels) is dropped by the encoder, so it must not weight the colours.
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(filter))
        .use_alpha(false);
    resizer
        .resize_typed(&view, &mut out, &options)
        .map_err(|e| err(&e))
}

/// Resizes `src` to `size` (width, height) into `dst`, which is resized to hold
/// exactly the packed output pixels (same layout as `src`).
pub fn resize(
    resizer: &mut Resizer,
    src: &PackedRows<'_>,
    size: (u32, u32),
    filter: FilterType,
    dst: &mut Vec<u8>,
) -> Result<(), ImageError> {
    let pixel = src.layout.size();
    dst.resize(size.0 as usize * size.1 as usize * pixel, 0);
    match pixel {
        1 => resize_typed::<U8>(resizer, src, dst, size, filter),
        3 => resize_typed::<U8x3>(resizer, src, dst, size, filter),
        _ => resize_typed::<U8x4>(resizer, src, dst, size, filter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::source::{ChannelOrder, StridedImage};

    #[test]
    fn downscale_of_a_flat_image_is_flat() {
        let data = vec![77u8; 40 * 30 * 3];
        let img = StridedImage::contiguous(&data, 30, 40, 3).unwrap();
        let rows = img.packed_rows(ChannelOrder::Bgr).unwrap();
        let mut out = Vec::new();
        resize(&mut Resizer::new(), &rows, (7, 5), DEFAULT_FILTER, &mut out).unwrap();
        assert_eq!(out.len(), 7 * 5 * 3);
        assert!(out.iter().all(|&v| v == 77));
    }

    #[test]
    fn downscale_averages_a_fine_checkerboard() {
        // A 1-pixel checkerboard of 0/255 must become ~128 gray when halved: an
        // antialiased filter averages, point sampling would keep 0 or 255.
        let (w, h) = (64usize, 64usize);
        let data: Vec<u8> = (0..w * h)
            .map(|i| if (i % w + i / w) % 2 == 0 { 0 } else { 255 })
            .collect();
        let img = StridedImage::contiguous(&data, h, w, 1).unwrap();
        let rows = img.packed_rows(ChannelOrder::Bgr).unwrap();
        let mut out = Vec::new();
        resize(
            &mut Resizer::new(),
            &rows,
            (20, 20),
            DEFAULT_FILTER,
            &mut out,
        )
        .unwrap();
        assert!(out.iter().all(|&v| (110..=146).contains(&v)), "{out:?}");
    }

    #[test]
    fn strided_rows_resize_like_contiguous_ones() {
        let (w, h) = (33usize, 21usize);
        let data: Vec<u8> = (0..w * h * 4).map(|i| (i * 13 % 256) as u8).collect();
        let contiguous = StridedImage::contiguous(&data, h, w, 4).unwrap();
        // The same pixels upside down in memory, read with a negative row stride.
        let mut flipped = Vec::new();
        for y in (0..h).rev() {
            flipped.extend_from_slice(&data[y * w * 4..(y + 1) * w * 4]);
        }
        let strided = StridedImage::new(
            &flipped,
            (h - 1) * w * 4,
            h,
            w,
            4,
            [-(w as isize) * 4, 4, 1],
        )
        .unwrap();
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut resizer = Resizer::new();
        let rows_a = contiguous.packed_rows(ChannelOrder::Rgb).unwrap();
        let rows_b = strided.packed_rows(ChannelOrder::Rgb).unwrap();
        resize(&mut resizer, &rows_a, (10, 6), DEFAULT_FILTER, &mut a).unwrap();
        resize(&mut resizer, &rows_b, (10, 6), DEFAULT_FILTER, &mut b).unwrap();
        assert_eq!(a, b);
    }
}
