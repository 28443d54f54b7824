"""Rust image core == the pure-Python reference (framesieve.reference.prepare_image)."""

import io

import numpy as np
import pytest
import skimage.data
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import framesieve as fs
import framesieve.reference as ref
from framesieve import _core
from framesieve.reference.image import output_size

PHOTO = np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1])  # 512x512 BGR


def formula(width: int, height: int, max_size):
    """SPEC §4.4 written out once more, independently of both implementations."""
    if max_size is None:
        return width, height
    hmax, wmax = max_size
    if width <= wmax and height <= hmax:
        return width, height
    r = width / height
    w, h = (wmax, int(wmax / r)) if r >= wmax / hmax else (int(hmax * r), hmax)
    return max(w, 1), max(h, 1)


def decode(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)), dtype=np.int16)


sides = st.integers(1, 100_000)
max_sizes = st.none() | st.tuples(st.integers(1, 100_000), st.integers(1, 100_000))


@settings(max_examples=2000)
@given(sides, sides, max_sizes)
def test_size_rule_rust_equals_reference_equals_spec(width, height, max_size):
    expected = formula(width, height, max_size)
    assert _core.output_size(width, height, max_size) == expected
    assert output_size(width, height, max_size) == expected
    assert expected[0] <= width and expected[1] <= height


def test_size_rule_spec_example():
    assert _core.output_size(665, 2185, (2000, 154)) == (154, 505)
    assert _core.output_size(3000, 1, (100, 100)) == (100, 1)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 160),
    st.integers(1, 160),
    st.none() | st.tuples(st.integers(1, 200), st.integers(1, 200)),
    st.integers(1, 100),
    st.sampled_from(["bgr", "rgb"]),
    st.integers(0, 350),
    st.integers(0, 350),
)
def test_prepare_image_matches_the_formula_and_the_reference(h, w, max_size, quality, order, y, x):
    image = PHOTO[y : y + h, x : x + w]
    ours = fs.prepare_image(image, max_size, quality, order)
    theirs = ref.prepare_image(image, max_size, quality, order)
    size = formula(w, h, max_size)
    assert ours.size == theirs.size == size
    assert ours.original_size == theirs.original_size == (w, h)
    assert ours.scale == theirs.scale == (size[0] / w, size[1] / h)
    a, b = decode(ours.jpeg), decode(theirs.jpeg)
    assert a.shape == b.shape == (size[1], size[0], 3)
    if size == (w, h):
        # Same libjpeg-turbo settings on the same pixels.
        assert np.abs(a - b).max() <= 2
    else:
        # Two implementations of the same antialiased filter (Hamming): compared at
        # quality 100, where JPEG noise is small, so the resize is what is compared.
        a = decode(fs.prepare_image(image, max_size, 100, order).jpeg)
        b = decode(ref.prepare_image(image, max_size, 100, order).jpeg)
        diff = np.abs(a - b)
        assert diff.mean() < 1.5 and diff.max() <= 10


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((np.zeros((3, 3), np.float64),), TypeError),
        (([[0]],), TypeError),
        ((np.zeros((3, 3, 5), np.uint8),), ValueError),
        ((np.zeros((0, 3, 3), np.uint8),), ValueError),
        ((PHOTO, None, 0), ValueError),
        ((PHOTO, None, 1.5), TypeError),
        ((PHOTO, (0, 3)), ValueError),
        ((PHOTO, (3.0, 3)), TypeError),
        ((PHOTO, (3, 3, 3)), ValueError),
        ((PHOTO, None, 95, "hsv"), ValueError),
    ],
)
def test_both_reject_bad_input_alike(args, error):
    for prepare in (fs.prepare_image, ref.prepare_image):
        with pytest.raises(error) as info:
            prepare(*args)
        assert isinstance(info.value, fs.FramesieveError)
