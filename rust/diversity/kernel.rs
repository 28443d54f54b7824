//! The distance scan: the largest dot product of a unit query with rows of a
//! contiguous slab of unit vectors (`1 - max dot` = the smallest cosine distance).
//!
//! Float additions are not associative, so the compiler keeps a plain `sum +=
//! a * b` loop sequential. The portable dot product runs `LANES` independent
//! accumulators over fixed-size chunks instead, a shape LLVM can pack. On
//! x86-64 that packing turned out partial (2-wide SSE with a bounds check per
//! chunk, ~5 GFLOP/s whatever the target features), so where the CPU has AVX2
//! and FMA (checked once at run time) the same loop is written with 8-wide
//! intrinsics: four independent accumulators of 8 floats, 32 per step, ~6x
//! faster (benches/bench_diversity.py).

/// Independent partial sums per dot product (two AVX registers, four SSE ones).
const LANES: usize = 16;

/// The dot product of two equal-length slices, `LANES` partial sums at a time.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    // Pairwise sum of the lanes: as exact as the lanes themselves.
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            acc[i] += acc[i + width];
        }
        width /= 2;
    }
    acc[0] + tail
}

/// The dot product with AVX2 + FMA: 4 x 8 lanes per step, then the remainder.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let n = a.len().min(b.len());
    let body = n / 32 * 32;
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let (mut a0, mut a1, mut a2, mut a3) = (
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
    );
    let mut i = 0;
    while i < body {
        // SAFETY: i + 32 <= body <= n, the length of both slices.
        unsafe {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), a0);
            a1 = _mm256_fmadd_ps(
                _mm256_loadu_ps(pa.add(i + 8)),
                _mm256_loadu_ps(pb.add(i + 8)),
                a1,
            );
            a2 = _mm256_fmadd_ps(
                _mm256_loadu_ps(pa.add(i + 16)),
                _mm256_loadu_ps(pb.add(i + 16)),
                a2,
            );
            a3 = _mm256_fmadd_ps(
                _mm256_loadu_ps(pa.add(i + 24)),
                _mm256_loadu_ps(pb.add(i + 24)),
                a3,
            );
        }
        i += 32;
    }
    let sum = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
    let mut total = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for (x, y) in a[body..n].iter().zip(&b[body..n]) {
        total += x * y;
    }
    total
}

/// `(row, dot)` of the row of `rows` (consecutive `dim`-long vectors) with the
/// largest dot product with `query` among those `keep(row)` accepts, if any.
#[inline(always)]
fn scan_with(
    rows: &[f32],
    dim: usize,
    query: &[f32],
    keep: &dyn Fn(usize) -> bool,
    dot: impl Fn(&[f32], &[f32]) -> f32,
) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (row, v) in rows.chunks_exact(dim).enumerate() {
        let d = dot(v, query);
        if best.map_or(true, |(_, b)| d > b) && keep(row) {
            best = Some((row, d));
        }
    }
    best
}

/// The scan with AVX2 + FMA (its own loop, so that the dot product inlines into it).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn scan_avx2(
    rows: &[f32],
    dim: usize,
    query: &[f32],
    keep: &dyn Fn(usize) -> bool,
) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (row, v) in rows.chunks_exact(dim).enumerate() {
        // SAFETY: this function runs only where AVX2 and FMA are available.
        let d = unsafe { dot_avx2(v, query) };
        if best.map_or(true, |(_, b)| d > b) && keep(row) {
            best = Some((row, d));
        }
    }
    best
}

/// Whether the AVX2 + FMA path may run (checked once; the answer is cached by std).
#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// `(row, dot)` of the row of `rows` most similar to `query` (the largest dot
/// product) among the rows `keep` accepts. `rows.len()` must be a multiple of
/// `query.len()`; an empty `query` or slab gives `None`.
pub fn max_dot(rows: &[f32], query: &[f32], keep: &dyn Fn(usize) -> bool) -> Option<(usize, f32)> {
    let dim = query.len();
    if dim == 0 || rows.len() < dim {
        return None;
    }
    debug_assert_eq!(rows.len() % dim, 0);
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU was just found to support AVX2 and FMA, all the function enables.
            return unsafe { scan_avx2(rows, dim, query, keep) };
        }
    }
    scan_with(rows, dim, query, keep, dot)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift) for test vectors in [-1, 1).
    fn vectors(seed: u64, n: usize) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 23) as f32) - 1.0
            })
            .collect()
    }

    fn naive(rows: &[f32], query: &[f32]) -> Vec<f64> {
        rows.chunks_exact(query.len())
            .map(|r| {
                r.iter()
                    .zip(query)
                    .map(|(a, b)| f64::from(*a) * f64::from(*b))
                    .sum()
            })
            .collect()
    }

    #[test]
    fn dot_matches_a_double_precision_sum_for_every_length() {
        for dim in [1, 2, 7, 15, 16, 17, 31, 33, 128, 130, 512] {
            let a = vectors(dim as u64, dim);
            let b = vectors(dim as u64 + 1000, dim);
            let exact = naive(&a, &b)[0];
            assert!(
                (f64::from(dot(&a, &b)) - exact).abs() < 1e-5 * dim as f64,
                "dim {dim}"
            );
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_dot_matches_for_every_length() {
        if !has_avx2_fma() {
            return;
        }
        for dim in [1, 7, 8, 31, 32, 33, 64, 100, 128, 511, 512] {
            let a = vectors(dim as u64, dim);
            let b = vectors(dim as u64 + 7, dim);
            // SAFETY: AVX2 and FMA were found above.
            let fast = unsafe { dot_avx2(&a, &b) };
            assert!((fast - dot(&a, &b)).abs() < 1e-5 * dim as f32, "dim {dim}");
        }
    }

    #[test]
    fn max_dot_picks_the_most_similar_row() {
        let dim = 37;
        let rows = vectors(1, dim * 50);
        let query = vectors(2, dim);
        let exact = naive(&rows, &query);
        let (row, d) = max_dot(&rows, &query, &|_| true).unwrap();
        let best = exact.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!((f64::from(d) - best).abs() < 1e-4);
        assert!((exact[row] - best).abs() < 1e-4);
        // The portable path agrees (to rounding: FMA rounds once per step).
        let (prow, pd) = scan_with(&rows, dim, &query, &|_| true, dot).unwrap();
        assert_eq!(prow, row);
        assert!((pd - d).abs() < 1e-4);
    }

    #[test]
    fn rejected_rows_are_skipped() {
        let rows = [1.0, 0.0, 0.0, 1.0, 0.6, 0.8];
        let query = [0.0, 1.0];
        assert_eq!(max_dot(&rows, &query, &|_| true), Some((1, 1.0)));
        assert_eq!(max_dot(&rows, &query, &|r| r != 1), Some((2, 0.8)));
        assert_eq!(max_dot(&rows, &query, &|_| false), None);
        assert_eq!(max_dot(&[], &query, &|_| true), None);
        assert_eq!(max_dot(&rows, &[], &|_| true), None);
    }
}
