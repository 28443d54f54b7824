"""Predictions rescaled to the prepared image, per axis (SPEC §4.5)."""

from __future__ import annotations

import copy
from typing import Any

from framesieve.errors import InvalidInputError, InvalidTypeError
from framesieve.image.prepare import PreparedImage
from framesieve.predictions import DETECTION_TYPES

__all__ = ["rescale_prediction"]


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
    if not isinstance(prepared, PreparedImage):
        raise InvalidTypeError(
            f"prepared: expected a PreparedImage (what prepare_image returns), got {type(prepared).__name__}"
        )
    result = copy.deepcopy(prediction)
    if prediction_type not in DETECTION_TYPES or result.get("is_stub"):
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
