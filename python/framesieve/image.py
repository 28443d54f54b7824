"""Image preparation for upload (SPEC §4.4–4.5): fit into ``max_size``, JPEG, and
rescale the predictions to the prepared image."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from framesieve import _core
from framesieve._core import InvalidInputError

__all__ = ["PreparedImage", "prepare_image", "rescale_prediction"]

# Prediction types whose coordinates are in pixels of the image (SPEC §2).
_DETECTION_LIKE = frozenset({"object-detection", "instance-segmentation", "keypoint-detection"})


@dataclass(frozen=True, repr=False)
class PreparedImage:
    """A frame ready for upload: the JPEG, and its size next to the original's."""

    jpeg: bytes
    original_size: tuple[int, int]
    """(width, height) of the input image."""
    size: tuple[int, int]
    """(width, height) of the JPEG."""
    scale: tuple[float, float]
    """(sx, sy) = size / original_size, per axis."""

    @classmethod
    def from_sizes(cls, jpeg: bytes, original_size: tuple[int, int], size: tuple[int, int]) -> PreparedImage:
        scale = (size[0] / original_size[0], size[1] / original_size[1])
        return cls(jpeg, tuple(original_size), tuple(size), scale)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"PreparedImage(jpeg=<{len(self.jpeg)} bytes>, original_size={self.original_size}, "
            f"size={self.size}, scale={self.scale})"
        )


def prepare_image(
    image: Any,
    max_size: Sequence[int] | None = None,
    quality: int = 95,
    channel_order: str = "bgr",
) -> PreparedImage:
    """Fit ``image`` into ``max_size`` = (height, width) keeping its aspect ratio (never
    upsizing; SPEC §4.4 size rule), with an antialiased resize, then encode it as JPEG at
    ``quality`` (1..100, 4:2:0 chroma; gray images give a gray JPEG).

    ``image`` is a uint8 numpy array: HxWx3 in ``channel_order`` ("bgr", OpenCV's, or
    "rgb"), HxW gray, or HxWx4 (alpha dropped), with any strides. The work runs in Rust
    with the GIL released.
    """
    jpeg, original_size, size = _core.prepare_image(image, max_size, quality, channel_order)
    return PreparedImage.from_sizes(jpeg, original_size, size)


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{path}: expected a number, got {type(value).__name__}")
    return value


def _scale_points(points: Any, path: str, sx: float, sy: float) -> None:
    if not isinstance(points, list):
        raise InvalidInputError(f"{path}: expected a list, got {type(points).__name__}")
    for j, point in enumerate(points):
        if not isinstance(point, dict):
            raise InvalidInputError(f"{path}[{j}]: expected an object, got {type(point).__name__}")
        for key, factor in (("x", sx), ("y", sy)):
            if key in point:
                point[key] = _number(point[key], f"{path}[{j}].{key}") * factor


def rescale_prediction(prediction: dict, prepared: PreparedImage, prediction_type: str) -> dict:
    """A copy of ``prediction`` with its pixel coordinates scaled to ``prepared`` (SPEC §4.5).

    For detection-like types, per axis (``sx`` for x and widths, ``sy`` for y and heights):
    each prediction's ``x``, ``y``, ``width``, ``height``, the ``points`` of instance
    segmentation and the ``keypoints`` of keypoint detection; ``image.width``/``height``
    become the prepared size. Classification, stubs and unknown types come back as an
    unchanged copy. ``prediction`` itself is never modified.
    """
    if not isinstance(prediction, dict):
        raise InvalidInputError(f"prediction: expected a dict, got {type(prediction).__name__}")
    result = copy.deepcopy(prediction)
    if prediction_type not in _DETECTION_LIKE or result.get("is_stub"):
        return result
    sx, sy = prepared.scale
    image = result.get("image")
    if isinstance(image, dict):
        image["width"], image["height"] = prepared.size
    objects = result.get("predictions", [])
    if not isinstance(objects, list):
        raise InvalidInputError(f"predictions: expected a list, got {type(objects).__name__}")
    for i, obj in enumerate(objects):
        path = f"predictions[{i}]"
        if not isinstance(obj, dict):
            raise InvalidInputError(f"{path}: expected an object, got {type(obj).__name__}")
        for key, factor in (("x", sx), ("y", sy), ("width", sx), ("height", sy)):
            if key in obj:
                obj[key] = _number(obj[key], f"{path}.{key}") * factor
        for key in ("points", "keypoints"):
            if key in obj:
                _scale_points(obj[key], f"{path}.{key}", sx, sy)
    return result
