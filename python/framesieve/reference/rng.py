"""SplitMix64 in plain Python: the twin of `rust/sampling/rng.rs`."""

from __future__ import annotations

import os
import threading

GAMMA = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
_UNIT = 2.0**-53


def mix(state: int) -> int:
    """SplitMix64's output function of an (already advanced) state."""
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class SplitMix64:
    """A seedable uniform stream in [0, 1); `seed` is taken modulo 2**64."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        self._state = seed & MASK
        self._lock = threading.Lock()

    def reserve(self, count: int) -> list[float]:
        """The next `count` draws, taken atomically (like the Rust `fetch_add`)."""
        with self._lock:
            base = self._state
            self._state = (base + GAMMA * count) & MASK
        return [(mix((base + GAMMA * (i + 1)) & MASK) >> 11) * _UNIT for i in range(count)]

    def next_float(self) -> float:
        return self.reserve(1)[0]
