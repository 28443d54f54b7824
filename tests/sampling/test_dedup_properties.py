"""Hypothesis: the Rust dHash and NearDuplicateFilter agree with the pure-Python reference."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from framesieve.reference import dedup as reference
from framesieve.sampling.dedup import NearDuplicateFilter, hash_thumbnail, image_hash

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def frames(draw: st.DrawFn) -> np.ndarray:
    channels = draw(st.sampled_from([None, 1, 3, 4]))
    h, w = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    shape = (h, w) if channels is None else (h, w, channels)
    if draw(st.booleans()):  # smooth content: a gradient plus a little noise
        yy, xx = np.mgrid[0:h, 0:w]
        a, b = draw(st.floats(-2, 2)), draw(st.floats(-2, 2))
        base = (a * xx + b * yy) % 256
        base = base[..., None] if channels else base
        image = np.broadcast_to(base, shape) + draw(hnp.arrays(np.int16, shape, elements=st.integers(-3, 3)))
        image = np.clip(image, 0, 255).astype(np.uint8)
    else:
        image = draw(hnp.arrays(np.uint8, shape))
    view = draw(st.sampled_from(["c", "flip", "step", "fortran"]))
    if view == "flip":
        image = image[::-1, ::-1]
    elif view == "step" and h > 2 and w > 2:
        image = image[::2, 1::2]
    elif view == "fortran":
        image = np.asfortranarray(image)
    return image


@SETTINGS
@given(frames(), st.sampled_from(["bgr", "rgb"]))
def test_thumbnail_and_hash_match_the_reference(image: np.ndarray, order: str) -> None:
    ours = hash_thumbnail(image, order)
    ref = reference.thumbnail(image, order)
    assert ours.shape == ref.shape == (8, 9)
    # Integer sums and rounded means on both sides: bit for bit, whatever the shape
    # (a 49x1 column once differed by 256 through two resizers' upsampling).
    np.testing.assert_array_equal(ours, ref)
    h = image_hash(image, order)
    assert h == reference.dhash_of_thumbnail(ours) == reference.image_hash(image, order)
    assert h == image_hash(np.ascontiguousarray(image), order)


def test_the_column_that_once_differed_matches() -> None:
    image = (np.arange(49) * 2).astype(np.uint8).reshape(49, 1)
    np.testing.assert_array_equal(hash_thumbnail(image, "bgr"), reference.thumbnail(image, "bgr"))


operations = st.lists(
    st.tuples(
        st.sampled_from(["check", "add", "seen_or_add"]),
        st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 3, 2**63, 2**64 - 1]),
        st.floats(-100, 100, allow_nan=False),
    ),
    max_size=60,
)


@SETTINGS
@given(st.integers(0, 64), st.floats(0.01, 50), st.integers(1, 20), operations)
def test_filter_matches_the_reference(max_hamming: int, window: float, entries: int, ops: list) -> None:
    ours = NearDuplicateFilter(max_hamming, window, max_entries=entries)
    ref = reference.NearDuplicateFilter(max_hamming, window, max_entries=entries)
    for op, h, t in ops:
        assert getattr(ours, op)(h, t) == getattr(ref, op)(h, t)
        assert len(ours) == len(ref) <= entries
