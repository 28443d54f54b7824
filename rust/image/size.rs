//! The output size rule of SPEC §4.4, shared by everything that resizes.

/// The size `(width, height)` that an image of `width` x `height` is prepared at, given
/// `max_size = (max_height, max_width)`.
///
/// An image that already fits is kept as it is (never upsized). Otherwise, with `r = W / H`:
/// `r >= Wmax / Hmax` gives `(Wmax, int(Wmax / r))`, else `(int(Hmax * r), Hmax)`, in double
/// precision exactly as written (so 665x2185 into `(2000, 154)` gives 154x505, not 506), and
/// a side that would be 0 becomes 1. The result never exceeds the input on either side.
/// Every argument must be positive (the caller validates).
pub fn output_size(width: u32, height: u32, max_size: Option<(u64, u64)>) -> (u32, u32) {
    let Some((max_height, max_width)) = max_size else {
        return (width, height);
    };
    if u64::from(width) <= max_width && u64::from(height) <= max_height {
        return (width, height);
    }
    let ratio = f64::from(width) / f64::from(height);
    let (max_w, max_h) = (max_width as f64, max_height as f64);
    // `as u32` truncates towards zero and saturates, like Python's int() on these
    // non-negative values; the results are below the input sizes (see the tests).
    let (w, h) = if ratio >= max_w / max_h {
        (max_w as u32, (max_w / ratio) as u32)
    } else {
        ((max_h * ratio) as u32, max_h as u32)
    };
    // Float rounding can never push a side above the original, but keep the
    // never-upsize promise independent of that reasoning.
    (w.clamp(1, width), h.clamp(1, height))
}

#[cfg(test)]
mod tests {
    use super::output_size;

    #[test]
    fn no_max_size_keeps_the_size() {
        assert_eq!(output_size(1920, 1080, None), (1920, 1080));
    }

    #[test]
    fn an_image_that_fits_is_never_upsized() {
        assert_eq!(output_size(640, 360, Some((1080, 1920))), (640, 360));
        assert_eq!(output_size(1200, 675, Some((675, 1200))), (1200, 675));
    }

    #[test]
    fn wide_image_is_limited_by_width() {
        // r = 16/9 = 1.777 >= 1200/675 = 1.777 (equal): width branch.
        assert_eq!(output_size(1920, 1080, Some((675, 1200))), (1200, 675));
        // 1000/500 = 2 >= 300/300: (300, int(300/2))
        assert_eq!(output_size(1000, 500, Some((300, 300))), (300, 150));
    }

    #[test]
    fn tall_image_is_limited_by_height() {
        // r = 0.5 < 1: (int(300 * 0.5), 300)
        assert_eq!(output_size(500, 1000, Some((300, 300))), (150, 300));
    }

    #[test]
    fn truncates_as_written_not_as_rounded() {
        // 154 / (665/2185) = 505.99999999999994 in double precision.
        assert_eq!(output_size(665, 2185, Some((2000, 154))), (154, 505));
    }

    #[test]
    fn a_zero_side_becomes_one() {
        assert_eq!(output_size(3000, 1, Some((100, 100))), (100, 1));
        assert_eq!(output_size(1, 5000, Some((100, 100))), (1, 100));
    }

    #[test]
    fn huge_limits_behave() {
        assert_eq!(output_size(10, 10, Some((u64::MAX, u64::MAX))), (10, 10));
        assert_eq!(output_size(100, 10, Some((5, u64::MAX))), (50, 5));
    }

    #[test]
    fn never_larger_than_the_input() {
        for w in 1..60u32 {
            for h in 1..60u32 {
                for mh in 1..20u64 {
                    for mw in [1u64, 7, 19, 33] {
                        let (ow, oh) = output_size(w, h, Some((mh, mw)));
                        assert!(
                            ow >= 1 && oh >= 1 && ow <= w && oh <= h,
                            "{w}x{h} {mh} {mw}"
                        );
                        if u64::from(w) > mw || u64::from(h) > mh {
                            assert!(u64::from(ow) <= mw.max(1) && u64::from(oh) <= mh.max(1));
                        }
                    }
                }
            }
        }
    }
}
