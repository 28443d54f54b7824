"""Shared near-duplicate suppression (`deduplication.shared`) through Redis: the cost of
one check (`RedisLimiter.near_duplicate`, one round trip, the scan inside Redis) by
number of remembered hashes, and of remembering one, against a PING through the same
connection, measured side by side in one run.

    python benches/bench_dedup_shared.py   (needs `redis-server` on PATH; starts its own)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import framesieve as fs
from support.redis_server import running_redis

SIZES = (0, 10, 100, 1000, 4096)


def paired_us(call: Callable[[], object], baseline: Callable[[], object], n: int) -> tuple[float, float]:
    """Medians (µs) of `call` and `baseline`, alternated so that drift hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for f, out in ((call, samples[0]), (baseline, samples[1])):
            start = time.perf_counter()
            f()
            out.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1e6, statistics.median(samples[1]) * 1e6


def main() -> None:
    rng = random.Random(0)
    with running_redis() as server:
        limiter = fs.RedisLimiter(server.url, strict=True)
        limiter.ping()
        print("| remembered hashes | near_duplicate µs | PING µs (same run) | ratio |")
        print("|---|---|---|---|")
        for size in SIZES:
            scope = f"bench{size}"
            for i in range(size):
                limiter.remember_hash(scope, rng.getrandbits(64), 1e6, 10_000, now=1000.0 + i * 1e-3)
            probe = rng.getrandbits(64)  # far from all of them: the scan runs to the end
            check, ping = paired_us(
                lambda s=scope, h=probe: limiter.near_duplicate(s, h, 6, 1e6, now=1000.0), limiter.ping, 500
            )
            print(f"| {size} | {check:.1f} | {ping:.1f} | {check / ping:.2f}x |")
        remember, ping = paired_us(
            lambda: limiter.remember_hash("bench-add", rng.getrandbits(64), 60.0, 4096, now=1000.0),
            limiter.ping,
            1000,
        )
        print(f"\nremember_hash: {remember:.1f} µs, {remember / ping:.2f}x a PING ({ping:.1f} µs)")


if __name__ == "__main__":
    main()
