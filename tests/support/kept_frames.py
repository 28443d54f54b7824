"""The Redis work of kept frames as the engine does it, for round-trip counts on each
deployment: each frame admitted with its credits, its batch slot and its hash in the
shared near-duplicate memory, and one frame per scope given back."""

from __future__ import annotations

import random

import framesieve as fs

T0 = 1_700_000_040.0
FRAMES = 5
CREDITS = [("a", [("minutely", 1_000)]), ("b", [("daily", 1_000)])]
DEDUP = (6, 60.0, 100)  # max_hamming, window_seconds, max_entries


def keep_and_give_back(limiter: fs.RedisLimiter, scopes: list[str], round_: int) -> None:
    """`FRAMES` kept frames per scope, then one of them given back (`FRAMES + 1`
    decisions a scope).
    Each `round_` uses its own batch and hashes (random 64-bit ones are ~32 bits apart,
    never near duplicates of each other)."""
    rng = random.Random(round_)
    for scope in scopes:
        hashes = [rng.getrandbits(64) for _ in range(FRAMES)]
        for frame_hash in hashes:
            admitted = limiter.admit(
                scope,
                CREDITS,
                T0,
                batch=f"batch-{round_}",
                max_batch=100,
                frame_hash=frame_hash,
                dedup=DEDUP,
                source="cam0",
            )
            assert admitted == ("a", None), (scope, admitted)
        limiter.release(scope, "a", T0, batch=f"batch-{round_}", frame_hash=hashes[-1], source="cam0")
