"""Diversity selection on embeddings: keep a frame only when it is novel.

``DiversityFilter(min_cosine_distance=None, *, target_share=None,
window_seconds=None, max_kept=1024)`` remembers the embeddings of kept frames
(one filter per source in the engine): ``check(embedding, now)`` is true when
the cosine distance from ``embedding`` to every remembered one at most
``window_seconds`` from ``now`` (either way; ``None``: no time limit) exceeds
the threshold — ``min_cosine_distance`` (in [0, 2)), or, with ``target_share``
(in (0, 1]), a threshold that adapts after each check so that about that share
of the frames checked is novel (a multiplicative controller started at the
first distance measured: ``rust/diversity/threshold.rs``). ``add(embedding,
now)`` remembers one (the engine does so once the frame is collected);
``offer`` does both under one lock; ``nearest`` is the smallest distance, or
``None``.

An embedding is a 1-D float array (float32 and float64 read in place, any
strides) or a sequence of numbers, from any model; it is normalised to a unit
float32 vector, so its scale does not matter. Its dimension is fixed by the
first one; NaN, infinities and an all-zero vector are ``InvalidInputError``
naming ``embedding``. Memory is bounded: at most ``max_kept`` vectors in one
contiguous float32 ring buffer (``max_kept x dim x 4`` bytes; the oldest is
overwritten). A check is one linear scan of dot products, in Rust, chunked so
that the compiler vectorises it (AVX2 when the CPU has it); scans over more
than 32K floats release the GIL. Cost per kept-set size: README "Diversity".
"""

from __future__ import annotations

from typing import Any

from framesieve._core import DiversityFilter

__all__ = ["DiversityFilter", "diversity_from_config"]


def diversity_from_config(config: Any) -> DiversityFilter | None:
    """A filter as ``config.diversity`` asks for (one source's memory), or None."""
    settings = getattr(config, "diversity", None)
    if settings is None:
        return None
    return DiversityFilter(
        settings.min_cosine_distance,
        target_share=settings.target_share,
        window_seconds=settings.window_seconds,
        max_kept=settings.max_kept,
    )
