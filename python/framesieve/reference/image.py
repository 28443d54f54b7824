"""Pure numpy + Pillow twin of ``framesieve.prepare_image`` (tests and benchmarks).

Same size rule and the same filter: Pillow's ``HAMMING`` resize, a convolution whose
support grows with the scale (antialiased), which the Rust core's fast_image_resize
Hamming filter reproduces.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from framesieve._core import InvalidInputError, InvalidTypeError
from framesieve.image import PreparedImage

__all__ = ["output_size", "prepare_image"]


def output_size(width: int, height: int, max_size: Sequence[int] | None) -> tuple[int, int]:
    """SPEC §4.4: fit (width, height) into max_size = (height, width), never upsizing."""
    if max_size is None:
        return width, height
    max_height, max_width = max_size
    if width <= max_width and height <= max_height:
        return width, height
    r = width / height
    if r >= max_width / max_height:
        w, h = max_width, int(max_width / r)
    else:
        w, h = int(max_height * r), max_height
    return max(1, w), max(1, h)


def _validate(image: Any, max_size: Any, quality: Any, channel_order: Any) -> None:
    if not isinstance(image, np.ndarray):
        raise InvalidTypeError(f"image must be a numpy.ndarray of dtype uint8, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise InvalidTypeError(f"image must have dtype uint8, got {image.dtype}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))):
        raise InvalidInputError(
            f"image must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {image.shape}"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InvalidInputError("image must have a positive width and height")
    if isinstance(quality, bool) or not isinstance(quality, int):
        raise InvalidTypeError(f"quality must be an int, got {type(quality).__name__}")
    if not 1 <= quality <= 100:
        raise InvalidInputError(f"quality must be an int within [1, 100], got {quality}")
    if channel_order not in ("bgr", "rgb"):
        raise InvalidInputError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
    if max_size is not None:
        if isinstance(max_size, (str, bytes)) or len(max_size) != 2:
            raise InvalidInputError("max_size must be (height, width) with two positive ints")
        for v in max_size:
            if isinstance(v, bool) or not isinstance(v, int):
                raise InvalidTypeError(f"max_size must hold ints, got {type(v).__name__}")
            if v <= 0:
                raise InvalidInputError("max_size must be (height, width) with two positive ints")


def prepare_image(
    image: Any,
    max_size: Sequence[int] | None = None,
    quality: int = 95,
    channel_order: str = "bgr",
) -> PreparedImage:
    """Like ``framesieve.prepare_image``, in numpy + Pillow."""
    from PIL import Image  # a test/benchmark dependency: `import framesieve` must not need it

    _validate(image, max_size, quality, channel_order)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3:
        rgb = image[:, :, :3]
        if channel_order == "bgr":
            rgb = rgb[:, :, ::-1]
        pil = Image.fromarray(np.ascontiguousarray(rgb), mode="RGB")
    else:
        pil = Image.fromarray(np.ascontiguousarray(image), mode="L")
    height, width = image.shape[:2]
    size = output_size(width, height, max_size)
    if size != (width, height):
        pil = pil.resize(size, Image.Resampling.HAMMING)
    buffer = io.BytesIO()
    # subsampling=2 is 4:2:0, like OpenCV and the Rust core.
    pil.save(buffer, format="JPEG", quality=quality, subsampling=2)
    return PreparedImage.from_sizes(buffer.getvalue(), (width, height), size)
