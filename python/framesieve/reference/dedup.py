"""Pure-Python reference of the dHash and the recent-hash window (numpy only).

Same cells, sample positions, 16-bit luma and rounded integer means as the Rust
core: the thumbnails, hence the hashes, agree bit for bit.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

HASH_WIDTH = 9
HASH_HEIGHT = 8
CELL_SAMPLES = 16


def cell_positions(length: int, n: int, i: int) -> np.ndarray:
    """Sample positions of cell ``i`` of ``n`` over ``length`` pixels: every pixel of
    the cell ``[i*length//n, (i+1)*length//n)`` (at least one) when it has at most
    ``CELL_SAMPLES``, else the centres of ``CELL_SAMPLES`` equal sub-spans."""
    start = i * length // n
    span = max((i + 1) * length // n, start + 1) - start
    k = min(span, CELL_SAMPLES)
    j = np.arange(k, dtype=np.int64)
    return start + ((2 * j + 1) * span) // (2 * k)


def luma16(image: np.ndarray, channel_order: str = "bgr") -> np.ndarray:
    """16-bit luma of every pixel: ``77 R + 150 G + 29 B`` (gray: ``v * 256``)."""
    order = channel_order.lower()
    if order not in ("bgr", "rgb"):
        raise ValueError(f"channel_order: must be 'bgr' or 'rgb', got {channel_order!r}")
    if image.ndim == 2:
        return image.astype(np.uint32) * 256
    r, b = (2, 0) if order == "bgr" else (0, 2)
    px = image.astype(np.uint32)
    return 77 * px[..., r] + 150 * px[..., 1] + 29 * px[..., b]


def thumbnail(image: np.ndarray, channel_order: str = "bgr") -> np.ndarray:
    """The 8x9 uint16 gray thumbnail: the rounded mean luma of each cell's samples."""
    channels = 1 if image.ndim == 2 else image.shape[-1]
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or channels not in (1, 3, 4):
        raise TypeError(f"image: expected a uint8 HxW, HxWx3 or HxWx4 array, got {image.dtype} {image.shape}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    h, w = image.shape[:2]
    if h == 0 or w == 0:
        raise ValueError(f"image: must not be empty, got shape {image.shape}")
    out = np.zeros((HASH_HEIGHT, HASH_WIDTH), dtype=np.uint16)
    for r in range(HASH_HEIGHT):
        ys = cell_positions(h, HASH_HEIGHT, r)
        for c in range(HASH_WIDTH):
            xs = cell_positions(w, HASH_WIDTH, c)
            samples = luma16(image[np.ix_(ys, xs)], channel_order).astype(np.int64)
            n = samples.size
            out[r, c] = (int(samples.sum()) + n // 2) // n
    return out


def dhash_of_thumbnail(thumb: np.ndarray) -> int:
    """dHash bits of an 8x9 thumbnail, first difference in the most significant bit."""
    bits = (thumb[:, 1:] > thumb[:, :-1]).ravel()
    out = 0
    for bit in bits:
        out = (out << 1) | int(bit)
    return out


def image_hash(image: np.ndarray, channel_order: str = "bgr") -> int:
    """The 64-bit dHash of ``image``."""
    return dhash_of_thumbnail(thumbnail(image, channel_order))


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two 64-bit hashes."""
    return bin(a ^ b).count("1")


class NearDuplicateFilter:
    """List-based twin of :class:`framesieve.NearDuplicateFilter` (not thread-safe)."""

    def __init__(self, max_hamming: int, window_seconds: float, max_entries: int = 4096) -> None:
        if not 0 <= max_hamming <= 64:
            raise ValueError(f"max_hamming: must be within [0, 64], got {max_hamming}")
        if not (math.isfinite(window_seconds) and window_seconds > 0):
            raise ValueError(f"window_seconds: must be a finite number > 0, got {window_seconds}")
        if max_entries < 1:
            raise ValueError(f"max_entries: must be a positive integer, got {max_entries}")
        self.max_hamming = max_hamming
        self.window_seconds = float(window_seconds)
        self.max_entries = max_entries
        self._entries: deque[tuple[int, float]] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def check(self, hash: int, now: float) -> bool:
        return any(
            hamming(h, hash) <= self.max_hamming and abs(now - t) <= self.window_seconds
            for h, t in self._entries
        )

    def add(self, hash: int, now: float) -> None:
        while self._entries and abs(now - self._entries[0][1]) > self.window_seconds:
            self._entries.popleft()
        if len(self._entries) >= self.max_entries:
            self._entries.popleft()
        self._entries.append((hash, now))

    def seen_or_add(self, hash: int, now: float) -> bool:
        if self.check(hash, now):
            return True
        self.add(hash, now)
        return False
