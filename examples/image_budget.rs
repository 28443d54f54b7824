//! Where the time of a 1080p -> 1200x675 q95 preparation goes, part by part, and what
//! the YCbCr 4:2:0 route of issue 17 (resize luma and chroma planes, encode the planes)
//! could save. Not part of the extension: a measurement, run by hand.
//!
//! ```sh
//! .venv/bin/python -c "import sys; sys.path.insert(0, 'tests'); \
//!   from support.photos import full_hd_frame; full_hd_frame().tofile('/tmp/frame.raw')"
//! cargo run --release --example image_budget /tmp/frame.raw
//! ```
//!
//! The kernels below are plain loops the compiler vectorises (AVX2 when the CPU has it);
//! they are lower bounds for hand-written ones only in the sense that they are simple.

use std::time::Instant;

use fast_image_resize as fr;
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp, YuvImage};

const SRC: (usize, usize) = (1920, 1080);
const DST: (usize, usize) = (1200, 675);
const RUNS: usize = 60;
/// Fixed-point weights: Q14.
const ONE: i32 = 1 << 14;

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

/// BT.601 full-range luma of one BGR row (JPEG's), Q8.
#[inline(always)]
fn luma_row(bgr: &[u8], y: &mut [u8]) {
    for (p, out) in bgr.chunks_exact(3).zip(y.iter_mut()) {
        let v = 29 * u16::from(p[0]) + 150 * u16::from(p[1]) + 77 * u16::from(p[2]) + 128;
        *out = (v >> 8) as u8;
    }
}

/// Cb and Cr of each 2x2 block of two BGR rows (half width), Q16 on the 4-pixel sums.
#[inline(always)]
fn chroma_row(a: &[u8], b: &[u8], cb: &mut [u8], cr: &mut [u8]) {
    let blocks = a.chunks_exact(6).zip(b.chunks_exact(6));
    for ((pa, pb), (ob, or)) in blocks.zip(cb.iter_mut().zip(cr.iter_mut())) {
        let sum = |c: usize| {
            i32::from(pa[c]) + i32::from(pa[c + 3]) + i32::from(pb[c]) + i32::from(pb[c + 3])
        };
        let (bb, gg, rr) = (sum(0), sum(1), sum(2));
        let bias = (128 << 18) + (1 << 17);
        *ob = ((-11059 * rr - 21709 * gg + 32768 * bb + bias) >> 18).clamp(0, 255) as u8;
        *or = ((32768 * rr - 27439 * gg - 5329 * bb + bias) >> 18).clamp(0, 255) as u8;
    }
}

/// One output row of a 4-tap vertical pass over one plane.
#[inline(always)]
fn vertical_row(rows: [&[u8]; 4], w: [i32; 4], out: &mut [u8]) {
    let n = out.len();
    let (r0, r1, r2, r3) = (&rows[0][..n], &rows[1][..n], &rows[2][..n], &rows[3][..n]);
    for x in 0..n {
        let acc = ONE / 2
            + w[0] * i32::from(r0[x])
            + w[1] * i32::from(r1[x])
            + w[2] * i32::from(r2[x])
            + w[3] * i32::from(r3[x]);
        out[x] = (acc >> 14).clamp(0, 255) as u8;
    }
}

/// One output row of a 4-tap horizontal pass over one plane.
#[inline(always)]
fn horizontal_row(row: &[u8], starts: &[usize], weights: &[[i32; 4]], out: &mut [u8]) {
    for ((out, &s), w) in out.iter_mut().zip(starts).zip(weights) {
        let src = &row[s..s + 4];
        let acc: i32 = ONE / 2 + (0..4).map(|k| w[k] * i32::from(src[k])).sum::<i32>();
        *out = (acc >> 14).clamp(0, 255) as u8;
    }
}

/// `$name(args)` runs `$body(args)` compiled for AVX2 when the CPU has it (the
/// kernels are `inline(always)`, so they are vectorised inside it).
macro_rules! with_avx2 {
    ($name:ident($($arg:ident: $ty:ty),*) => $body:ident) => {
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) {
                    $body($($arg),*)
                }
                if is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU was just checked for AVX2.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}

#[inline(always)]
fn luma_plane(src: &[u8], luma: &mut [u8]) {
    for (row, out) in src
        .chunks_exact(SRC.0 * 3)
        .zip(luma.chunks_exact_mut(SRC.0))
    {
        luma_row(row, out);
    }
}

#[inline(always)]
fn chroma_plane(src: &[u8], cb: &mut [u8], cr: &mut [u8]) {
    let cw = SRC.0 / 2;
    let outs = cb.chunks_exact_mut(cw).zip(cr.chunks_exact_mut(cw));
    for (pair, (ob, or)) in src.chunks_exact(SRC.0 * 6).zip(outs) {
        let (a, b) = pair.split_at(SRC.0 * 3);
        chroma_row(a, b, ob, or);
    }
}

#[inline(always)]
fn vertical_plane(luma: &[u8], starts: &[usize], weights: &[[i32; 4]], tall: &mut [u8]) {
    let sw = SRC.0;
    for ((out, &r), &w) in tall.chunks_exact_mut(sw).zip(starts).zip(weights) {
        let rows = [0, 1, 2, 3].map(|k| &luma[(r + k) * sw..][..sw]);
        vertical_row(rows, w, out);
    }
}

#[inline(always)]
fn horizontal_plane(tall: &[u8], starts: &[usize], weights: &[[i32; 4]], small: &mut [u8]) {
    for (row, out) in tall.chunks_exact(SRC.0).zip(small.chunks_exact_mut(DST.0)) {
        horizontal_row(row, starts, weights, out);
    }
}

with_avx2!(luma_full(src: &[u8], luma: &mut [u8]) => luma_plane);
with_avx2!(chroma_half(src: &[u8], cb: &mut [u8], cr: &mut [u8]) => chroma_plane);
with_avx2!(vertical(luma: &[u8], s: &[usize], w: &[[i32; 4]], tall: &mut [u8]) => vertical_plane);
with_avx2!(horizontal(tall: &[u8], s: &[usize], w: &[[i32; 4]], small: &mut [u8]) => horizontal_plane);

/// Hamming weights (Pillow's support: 1 x scale) for `n_in` -> `n_out`, 4 taps each.
fn hamming_weights(n_in: usize, n_out: usize) -> (Vec<usize>, Vec<[i32; 4]>) {
    let scale = n_in as f64 / n_out as f64;
    let support = scale.max(1.0);
    let hamming = |x: f64| {
        let x = x.abs();
        if x >= 1.0 {
            0.0
        } else if x == 0.0 {
            1.0
        } else {
            let px = std::f64::consts::PI * x;
            px.sin() / px * (0.54 + 0.46 * px.cos())
        }
    };
    (0..n_out)
        .map(|i| {
            let center = (i as f64 + 0.5) * scale;
            let lo = (center - support + 0.5).floor().max(0.0) as usize;
            let hi = ((center + support + 0.5).floor() as usize).min(n_in);
            let raw: Vec<f64> = (lo..hi)
                .map(|j| hamming((j as f64 + 0.5 - center) / support))
                .collect();
            let total: f64 = raw.iter().sum();
            let start = lo.min(n_in - 4);
            let mut w = [0i32; 4];
            for (j, v) in raw.iter().enumerate() {
                w[lo - start + j] = (v / total * f64::from(ONE)).round() as i32;
            }
            (start, w)
        })
        .unzip()
}

/// JPEG's 4:2:0 planes of a BGR image in libjpeg-turbo's one-buffer layout (align 1,
/// luma height padded to even).
fn planes_420(bgr: &[u8], (w, h): (usize, usize)) -> Vec<u8> {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = vec![0u8; w * 2 * ch + 2 * cw * ch];
    let (y, c) = out.split_at_mut(w * 2 * ch);
    let (cb, cr) = c.split_at_mut(cw * ch);
    for r in 0..2 * ch {
        let src = &bgr[r.min(h - 1) * w * 3..][..w * 3];
        luma_row(src, &mut y[r * w..][..w]);
    }
    for r in 0..ch {
        let a = &bgr[2 * r * w * 3..][..w * 3];
        let b = &bgr[(2 * r + 1).min(h - 1) * w * 3..][..w * 3];
        chroma_row(a, b, &mut cb[r * cw..][..cw], &mut cr[r * cw..][..cw]);
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: image_budget FRAME.raw")?;
    let src = std::fs::read(path)?;
    let ((sw, sh), (dw, dh)) = (SRC, DST);
    if src.len() != sw * sh * 3 {
        return Err(format!("expected {sw}x{sh} BGR bytes, got {}", src.len()).into());
    }

    let source = fr::images::ImageRef::new(sw as u32, sh as u32, &src, fr::PixelType::U8x3)?;
    let mut resized = fr::images::Image::new(dw as u32, dh as u32, fr::PixelType::U8x3);
    let mut resizer = fr::Resizer::new();
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Hamming));
    let fir = median_ms(|| {
        resizer
            .resize(&source, &mut resized, &options)
            .expect("same sizes every run")
    });
    let bgr = resized.buffer().to_vec();

    let mut compressor = Compressor::new()?;
    compressor.set_quality(95)?;
    compressor.set_subsamp(Subsamp::Sub2x2)?;
    let encode_bgr = median_ms(|| {
        let image = Image {
            pixels: &bgr[..],
            width: dw,
            pitch: dw * 3,
            height: dh,
            format: PixelFormat::BGR,
        };
        compressor.compress_to_owned(image).expect("valid image");
    });
    let planes = planes_420(&bgr, DST);
    let encode_planes = median_ms(|| {
        let image = YuvImage {
            pixels: &planes[..],
            width: dw,
            align: 1,
            height: dh,
            subsamp: Subsamp::Sub2x2,
        };
        compressor
            .compress_yuv_to_owned(image)
            .expect("valid planes");
    });

    let mut luma = vec![0u8; sw * sh];
    let luma_ms = median_ms(|| luma_full(&src, &mut luma));
    let (mut cb, mut cr) = (vec![0u8; sw / 2 * (sh / 2)], vec![0u8; sw / 2 * (sh / 2)]);
    let chroma_ms = median_ms(|| chroma_half(&src, &mut cb, &mut cr));
    let (vstarts, vweights) = hamming_weights(sh, dh);
    let mut tall = vec![0u8; sw * dh];
    let vertical_ms = median_ms(|| vertical(&luma, &vstarts, &vweights, &mut tall));
    let (hstarts, hweights) = hamming_weights(sw, dw);
    let mut small = vec![0u8; dw * dh];
    let horizontal_ms = median_ms(|| horizontal(&tall, &hstarts, &hweights, &mut small));

    println!("1920x1080 BGR -> 1200x675 q95, median of {RUNS} (ms):");
    println!("  fast_image_resize Hamming, packed BGR   {fir:.3}");
    println!("  JPEG from BGR (libjpeg converts)        {encode_bgr:.3}");
    println!("  JPEG from 4:2:0 planes                  {encode_planes:.3}");
    println!("  full-size luma plane from BGR           {luma_ms:.3}");
    println!("  half-size Cb + Cr (2x2 box) from BGR    {chroma_ms:.3}");
    println!("  luma vertical pass 1080 -> 675, 4 taps  {vertical_ms:.3}");
    println!("  luma horizontal pass 1920 -> 1200       {horizontal_ms:.3}");
    let planes_route = luma_ms + chroma_ms + vertical_ms + horizontal_ms + encode_planes;
    println!(
        "  today's route (resize + JPEG from BGR)  {:.3}",
        fir + encode_bgr
    );
    println!("  planes route, luma only resized (floor) {planes_route:.3}");
    Ok(())
}
