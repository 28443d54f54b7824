"""Near-duplicate suppression: a 64-bit dHash per frame and a window of recent hashes.

``image_hash(image, channel_order="bgr")`` hashes a uint8 numpy frame (HxW gray,
HxWx3 BGR/RGB or HxWx4 with alpha ignored; any strides, read in place, GIL
released). The frame is cut into 9x8 cells and each thumbnail pixel is the
rounded mean 16-bit luma (Rec. 601 weights 77/150/29 out of 256) of its cell:
every pixel of a cell at most 16 pixels across (and down), else 16x16 evenly
spread samples of it (antialiased: a 1080p frame costs 144x128 reads). Bit
``63 - (8*row + col)`` of the hash is set when the thumbnail pixel right of
``(row, col)`` is brighter than it (the bit order of the ``imagehash`` package).
Identical frames give identical hashes; a shift by a few pixels, a JPEG round
trip or sensor noise flip a few bits; different scenes differ in ~32. The
default threshold is 12 bits (``deduplication.max_hamming``; README).

``hamming(a, b)`` counts the differing bits.

``NearDuplicateFilter(max_hamming, window_seconds, max_entries=4096)`` remembers
``(hash, time)`` pairs in a ring buffer capped at ``max_entries`` (the oldest is
dropped when full: memory is bounded, 16 bytes an entry). ``check(hash, now)`` is
true when a remembered hash is within ``max_hamming`` bits and at most
``window_seconds`` from ``now`` (in either direction, so video time may restart);
``add(hash, now)`` remembers one (evicting, from the oldest end, entries out of
the window of ``now``); ``seen_or_add`` does both under one lock. ``now`` is UNIX
seconds, or video seconds; ``None`` reads the clock. Thread-safe; a lookup is a
linear popcount scan (about 2 µs per 4096 entries).
"""

from __future__ import annotations

from typing import Any

from framesieve._core import NearDuplicateFilter, hamming, hash_thumbnail, image_hash

__all__ = ["NearDuplicateFilter", "filter_from_config", "hamming", "hash_thumbnail", "image_hash"]


def filter_from_config(config: Any) -> NearDuplicateFilter | None:
    """The filter a :class:`framesieve.Config` asks for (``config.deduplication``), or None."""
    dedup = getattr(config, "deduplication", None)
    if dedup is None:
        return None
    return NearDuplicateFilter(dedup.max_hamming, dedup.window_seconds, dedup.max_entries)
