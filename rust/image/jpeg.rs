//! JPEG encoding with libjpeg-turbo (compiled into the extension, SIMD).

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use super::error::ImageError;
use super::source::PixelLayout;

/// The most pixels a side that libjpeg-turbo encodes (its JPEG_MAX_DIMENSION; the
/// format itself would allow 65,535).
pub const MAX_SIDE: usize = 65_500;

fn pixel_format(layout: PixelLayout) -> PixelFormat {
    match layout {
        PixelLayout::Gray => PixelFormat::GRAY,
        PixelLayout::Bgr => PixelFormat::BGR,
        PixelLayout::Rgb => PixelFormat::RGB,
        PixelLayout::Bgrx => PixelFormat::BGRX,
        PixelLayout::Rgbx => PixelFormat::RGBX,
        PixelLayout::Xbgr => PixelFormat::XBGR,
        PixelLayout::Xrgb => PixelFormat::XRGB,
    }
}

fn encode_error(e: turbojpeg::Error) -> ImageError {
    ImageError::Encode(e.to_string())
}

/// Encodes `width` x `height` pixels of `layout`, row `y` at `pixels[y * pitch..]`, at
/// `quality` (1..=100) with 4:2:0 chroma (OpenCV's default), or as a gray JPEG.
pub fn encode(
    compressor: &mut Compressor,
    pixels: &[u8],
    pitch: usize,
    (width, height): (usize, usize),
    layout: PixelLayout,
    quality: u8,
) -> Result<Vec<u8>, ImageError> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge { width, height });
    }
    // turbojpeg asserts (panics) on a short buffer; the callers guarantee the size,
    // and this check keeps a mistake an error instead of a panic.
    let row_bytes = width * layout.size();
    if width == 0
        || height == 0
        || pitch < row_bytes
        || pitch * (height - 1) + row_bytes > pixels.len()
    {
        return Err(ImageError::OutOfBounds);
    }
    compressor
        .set_quality(i32::from(quality))
        .map_err(encode_error)?;
    let subsamp = if layout == PixelLayout::Gray {
        Subsamp::Gray
    } else {
        Subsamp::Sub2x2
    };
    compressor.set_subsamp(subsamp).map_err(encode_error)?;
    let image = Image {
        pixels,
        width,
        pitch,
        height,
        format: pixel_format(layout),
    };
    let jpeg = compressor.compress_to_owned(image).map_err(encode_error)?;
    Ok(jpeg.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(jpeg: &[u8]) -> turbojpeg::Image<Vec<u8>> {
        turbojpeg::decompress(jpeg, PixelFormat::RGB).unwrap()
    }

    #[test]
    fn bgr_and_rgb_layouts_give_the_same_colours() {
        let (w, h) = (16usize, 16usize);
        let rgb: Vec<u8> = (0..w * h).flat_map(|_| [200u8, 30, 60]).collect();
        let bgr: Vec<u8> = (0..w * h).flat_map(|_| [60u8, 30, 200]).collect();
        let mut c = Compressor::new().unwrap();
        let a = encode(&mut c, &rgb, w * 3, (w, h), PixelLayout::Rgb, 90).unwrap();
        let b = encode(&mut c, &bgr, w * 3, (w, h), PixelLayout::Bgr, 90).unwrap();
        assert_eq!(a, b);
        let px = decode(&a);
        assert!((i32::from(px.pixels[0]) - 200).abs() < 4);
        assert!((i32::from(px.pixels[2]) - 60).abs() < 4);
    }

    #[test]
    fn header_reports_size_and_subsampling() {
        let data = vec![128u8; 10 * 7 * 3];
        let mut c = Compressor::new().unwrap();
        let jpeg = encode(&mut c, &data, 30, (10, 7), PixelLayout::Bgr, 75).unwrap();
        let header = turbojpeg::read_header(&jpeg).unwrap();
        assert_eq!((header.width, header.height), (10, 7));
        assert_eq!(header.subsamp, Subsamp::Sub2x2);
        let gray = encode(&mut c, &data[..70], 10, (10, 7), PixelLayout::Gray, 75).unwrap();
        assert_eq!(
            turbojpeg::read_header(&gray).unwrap().subsamp,
            Subsamp::Gray
        );
    }

    #[test]
    fn short_buffer_and_huge_sides_are_errors_not_panics() {
        let mut c = Compressor::new().unwrap();
        let data = vec![0u8; 10];
        assert_eq!(
            encode(&mut c, &data, 30, (10, 7), PixelLayout::Bgr, 75).unwrap_err(),
            ImageError::OutOfBounds
        );
        assert!(matches!(
            encode(&mut c, &data, 70_000, (70_000, 1), PixelLayout::Gray, 75),
            Err(ImageError::TooLarge { .. })
        ));
        assert!(matches!(
            encode(&mut c, &data, 65_501, (65_501, 1), PixelLayout::Gray, 75),
            Err(ImageError::TooLarge { .. })
        ));
    }
}
