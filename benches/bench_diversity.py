"""Cost of one diversity decision per kept-set size, against numpy in the same run.

A decision is ``DiversityFilter.check(embedding, now)``: the embedding (float32)
normalised, then one scan of dot products over the kept unit vectors (Rust,
chunked f32 loops, AVX2 when the CPU has it) and the threshold test. The
baseline is numpy doing the same work on the same data: normalise the query,
``1 - (kept @ q).max()`` over a contiguous float32 matrix (BLAS sgemv), compare.
numpy's BLAS is held to one thread (the decision runs on the caller's thread;
set before numpy is imported). Kept sets of 16, 256, 1024 and 4096 random
vectors at 128 and 512 dimensions; 300 probe vectors per repeat, medians of
wall-clock µs per decision over 15 repeats.

    make build-release && .venv/bin/python benches/bench_diversity.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import framesieve as fs  # noqa: E402

SIZES = (16, 256, 1024, 4096)
DIMS = (128, 512)
PROBES = 300
REPEATS = 15
THRESHOLD = 0.05


def per_call_us(fn: Callable[[np.ndarray], object], probes: np.ndarray) -> float:
    samples = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for q in probes:
            fn(q)
        samples.append((time.perf_counter() - t0) / len(probes) * 1e6)
    return statistics.median(samples)


def row(n: int, dim: int) -> tuple[float, float]:
    rng = np.random.default_rng(n * 1000 + dim)
    kept = rng.normal(size=(n, dim)).astype(np.float32)
    probes = rng.normal(size=(PROBES, dim)).astype(np.float32)
    flt = fs.DiversityFilter(THRESHOLD, max_kept=n)
    for v in kept:
        flt.add(v, 0.0)
    matrix = np.ascontiguousarray(kept / np.linalg.norm(kept, axis=1, keepdims=True), dtype=np.float32)

    def numpy_check(q: np.ndarray) -> bool:
        unit = q / np.linalg.norm(q)
        return bool(1.0 - float((matrix @ unit).max()) > THRESHOLD)

    # Same answers (the probes are random: all novel) before timing.
    assert all(flt.check(q, 0.0) == numpy_check(q) for q in probes[:20])
    ours = per_call_us(lambda q: flt.check(q, 0.0), probes)
    theirs = per_call_us(numpy_check, probes)
    return ours, theirs


def main() -> None:
    print(f"numpy {np.__version__}, {PROBES} probes x {REPEATS} repeats, medians, one BLAS thread")
    print(
        "| kept vectors | dim | DiversityFilter.check µs | numpy (normalise + sgemv + max) µs "
        "| numpy / ours | GFLOP/s (ours) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for dim in DIMS:
        for n in SIZES:
            ours, theirs = row(n, dim)
            gflops = 2 * n * dim / (ours * 1e3)
            print(f"| {n} | {dim} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f}x | {gflops:.1f} |")


if __name__ == "__main__":
    main()
