//! The image core (pure Rust, no pyo3): fit a frame into `max_size` with an
//! antialiased resize, then encode it as JPEG (SPEC §4.4).
//!
//! Nothing here copies the caller's pixels unless their layout demands it: packed
//! pixels with any row stride (crops, flips, `[:, :, ::-1]`) are read in place; only
//! pixels that are not adjacent in memory are gathered, once.

mod error;
mod jpeg;
mod resize;
pub mod size;
mod source;

use std::cell::RefCell;

pub use error::ImageError;
pub use fast_image_resize::FilterType;
pub use resize::DEFAULT_FILTER;
pub use source::{ChannelOrder, PixelLayout, StridedImage};

/// A prepared image: the JPEG and its size next to the original's.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub jpeg: Vec<u8>,
    /// (width, height) of the input.
    pub original_size: (u32, u32),
    /// (width, height) of the JPEG.
    pub size: (u32, u32),
}

/// Buffers and libjpeg-turbo state kept per thread, so that steady-state frames
/// allocate nothing large.
struct Workspace {
    resizer: fast_image_resize::Resizer,
    compressor: Option<turbojpeg::Compressor>,
    resized: Vec<u8>,
    gathered: Vec<u8>,
}

/// Above this, a thread's buffers are released after use rather than kept.
const KEEP_BUFFERS_UP_TO: usize = 64 << 20;

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace {
        resizer: fast_image_resize::Resizer::new(),
        compressor: None,
        resized: Vec::new(),
        gathered: Vec::new(),
    });
}

/// Validates `max_size` = (height, width) given as signed ints.
pub fn check_max_size(max_size: Option<(i64, i64)>) -> Result<Option<(u64, u64)>, ImageError> {
    match max_size {
        None => Ok(None),
        Some((h, w)) if h > 0 && w > 0 => Ok(Some((h as u64, w as u64))),
        Some((h, w)) => Err(ImageError::MaxSize(h, w)),
    }
}

/// Validates a JPEG quality given as a signed int.
pub fn check_quality(quality: i64) -> Result<u8, ImageError> {
    u8::try_from(quality)
        .ok()
        .filter(|q| (1..=100).contains(q))
        .ok_or(ImageError::Quality(quality))
}

/// Fits `image` into `max_size` = (height, width) per SPEC §4.4 (never upsizing),
/// with the default antialiasing filter, and encodes it at `quality` (1..=100).
pub fn prepare(
    image: &StridedImage<'_>,
    order: ChannelOrder,
    max_size: Option<(u64, u64)>,
    quality: u8,
) -> Result<Prepared, ImageError> {
    prepare_with_filter(image, order, max_size, quality, DEFAULT_FILTER)
}

/// [`prepare`] with a chosen convolution filter (benchmarks compare them).
pub fn prepare_with_filter(
    image: &StridedImage<'_>,
    order: ChannelOrder,
    max_size: Option<(u64, u64)>,
    quality: u8,
    filter: FilterType,
) -> Result<Prepared, ImageError> {
    check_quality(i64::from(quality))?;
    if let Some((h, w)) = max_size.filter(|&(h, w)| h == 0 || w == 0) {
        return Err(ImageError::MaxSize(h as i64, w as i64));
    }
    let (width, height) = (image.width(), image.height());
    let too_large = |w: usize, h: usize| ImageError::TooLarge {
        width: w,
        height: h,
    };
    let original = (
        u32::try_from(width).map_err(|_| too_large(width, height))?,
        u32::try_from(height).map_err(|_| too_large(width, height))?,
    );
    let size = size::output_size(original.0, original.1, max_size);
    let out = (size.0 as usize, size.1 as usize);
    if out.0 > jpeg::MAX_SIDE || out.1 > jpeg::MAX_SIDE {
        return Err(too_large(out.0, out.1));
    }

    WORKSPACE.with(|cell| {
        let mut guard = cell.borrow_mut();
        let ws = &mut *guard;
        let compressor = match &mut ws.compressor {
            Some(c) => c,
            empty => empty.insert(
                turbojpeg::Compressor::new().map_err(|e| ImageError::Encode(e.to_string()))?,
            ),
        };
        // Rows in place when pixels are packed; otherwise one gathering copy.
        let gathered_layout;
        let rows = match image.packed_rows(order) {
            Some(rows) => rows,
            None => {
                gathered_layout = image.gather_into(order, &mut ws.gathered);
                let c = image.channels();
                StridedImage::contiguous(&ws.gathered, height, width, c)?
                    .packed_rows(order)
                    .map(|mut r| {
                        r.layout = gathered_layout;
                        r
                    })
                    .ok_or(ImageError::OutOfBounds)?
            }
        };
        let jpeg = if size == original {
            match rows.as_pitched() {
                Some((pixels, pitch)) => {
                    jpeg::encode(compressor, pixels, pitch, out, rows.layout, quality)
                }
                None => {
                    // Rows at decreasing addresses or overlapping: one copy.
                    let mut packed = std::mem::take(&mut ws.resized);
                    packed.clear();
                    (0..height).for_each(|y| packed.extend_from_slice(rows.row(y)));
                    let pitch = width * rows.layout.size();
                    let jpeg = jpeg::encode(compressor, &packed, pitch, out, rows.layout, quality);
                    ws.resized = packed;
                    jpeg
                }
            }
        } else {
            resize::resize(&mut ws.resizer, &rows, size, filter, &mut ws.resized)?;
            let pitch = out.0 * rows.layout.size();
            jpeg::encode(compressor, &ws.resized, pitch, out, rows.layout, quality)
        };
        if ws.resized.capacity() + ws.gathered.capacity() + ws.resizer.size_of_internal_buffers()
            > KEEP_BUFFERS_UP_TO
        {
            ws.resized = Vec::new();
            ws.gathered = Vec::new();
            ws.resizer.reset_internal_buffers();
        }
        Ok(Prepared {
            jpeg: jpeg?,
            original_size: original,
            size,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo_like(w: usize, h: usize) -> Vec<u8> {
        (0..h)
            .flat_map(|y| {
                (0..w).flat_map(move |x| {
                    [
                        (x * 255 / w) as u8,
                        (y * 255 / h) as u8,
                        ((x + y) % 256) as u8,
                    ]
                })
            })
            .collect()
    }

    #[test]
    fn prepare_fits_into_max_size_and_decodes() {
        let data = photo_like(320, 180);
        let img = StridedImage::contiguous(&data, 180, 320, 3).unwrap();
        let p = prepare(&img, ChannelOrder::Bgr, Some((90, 100)), 90).unwrap();
        assert_eq!(p.original_size, (320, 180));
        assert_eq!(p.size, (100, 56));
        let header = turbojpeg::read_header(&p.jpeg).unwrap();
        assert_eq!((header.width, header.height), (100, 56));
    }

    #[test]
    fn gathered_and_in_place_inputs_give_the_same_bytes() {
        let (w, h) = (64usize, 48usize);
        let data = photo_like(w, h);
        let img = StridedImage::contiguous(&data, h, w, 3).unwrap();
        // Planar copy of the same pixels: channel stride w*h, pixels not packed.
        let mut planar = vec![0u8; w * h * 3];
        for i in 0..w * h {
            for c in 0..3 {
                planar[c * w * h + i] = data[i * 3 + c];
            }
        }
        let strided =
            StridedImage::new(&planar, 0, h, w, 3, [w as isize, 1, (w * h) as isize]).unwrap();
        for max_size in [None, Some((20, 30))] {
            let a = prepare(&img, ChannelOrder::Rgb, max_size, 80).unwrap();
            let b = prepare(&strided, ChannelOrder::Rgb, max_size, 80).unwrap();
            assert_eq!(a.jpeg, b.jpeg);
        }
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert_eq!(check_quality(0), Err(ImageError::Quality(0)));
        assert_eq!(check_quality(101), Err(ImageError::Quality(101)));
        assert_eq!(check_quality(100), Ok(100));
        assert_eq!(check_max_size(Some((0, 5))), Err(ImageError::MaxSize(0, 5)));
        assert_eq!(check_max_size(Some((3, 5))), Ok(Some((3, 5))));
        let data = photo_like(4, 4);
        let img = StridedImage::contiguous(&data, 4, 4, 3).unwrap();
        assert!(prepare(&img, ChannelOrder::Bgr, None, 0).is_err());
        assert!(prepare(&img, ChannelOrder::Bgr, Some((0, 3)), 50).is_err());
    }

    #[test]
    fn one_pixel_and_extreme_aspect_ratios() {
        let data = photo_like(1, 1);
        let img = StridedImage::contiguous(&data, 1, 1, 3).unwrap();
        assert_eq!(
            prepare(&img, ChannelOrder::Bgr, Some((1, 1)), 95)
                .unwrap()
                .size,
            (1, 1)
        );
        let data = photo_like(5000, 1);
        let img = StridedImage::contiguous(&data, 1, 5000, 3).unwrap();
        let p = prepare(&img, ChannelOrder::Bgr, Some((100, 100)), 95).unwrap();
        assert_eq!(p.size, (100, 1));
        assert_eq!(turbojpeg::read_header(&p.jpeg).unwrap().width, 100);
    }
}
