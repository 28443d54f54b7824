"""What the engine checks: its options at construction, and on the caller's thread
(``register()``) the optional arguments besides the image and the prediction, and
whether the prediction's type may go to the destination project at all."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import numpy as np

from framesieve.errors import InvalidInputError, InvalidTypeError
from framesieve.predictions import (
    DETECTION_TYPES,
    array_fields,
    check_array_prediction,
    is_array_prediction,
    is_classification,
)

log = logging.getLogger("framesieve")


def check_options(destination: Any, channel_order: Any, **options: Any) -> None:
    """Raises naming the ``ActiveLearning`` option that cannot work."""
    if not hasattr(destination, "deliver") or not hasattr(destination, "key"):
        raise InvalidTypeError(
            "destination: expected a LocalDataset, RoboflowDestination or folder, "
            f"got {type(destination).__name__}"
        )
    if channel_order not in ("bgr", "rgb"):
        raise InvalidInputError(f"channel_order: expected 'bgr' or 'rgb', got {channel_order!r}")
    for name in ("queue_size", "senders", "workers"):
        value = options.get(name)
        if (value is not None or name != "workers") and (type(value) is not int or value < 1):
            raise InvalidInputError(f"{name}: expected a positive int, got {value!r}")
    for name in ("max_backlog", "retry_base", "retry_max", "close_timeout"):
        value, least = options[name], 0 if name == "close_timeout" else math.ulp(0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not least <= value < math.inf:
            raise InvalidInputError(
                f"{name}: expected finite seconds {'>=' if least == 0 else '>'} 0, got {value!r}"
            )
    model_id = options.get("model_id")
    if model_id is not None and type(model_id) is not str:
        raise InvalidTypeError(f"model_id: expected a str, got {type(model_id).__name__}")


class ProjectTypeGate:
    """SPEC §5: a classification project never receives detections, nor the reverse.
    A refused prediction type is logged once."""

    def __init__(self, project_type: str) -> None:
        self.project_type = project_type
        self._decided: dict[str, bool] = {}

    def accepts(self, prediction_type: str) -> bool:
        ok = self._decided.get(prediction_type)
        if ok is None:
            ok = is_classification(prediction_type) == is_classification(self.project_type)
            self._decided[prediction_type] = ok
            if not ok:
                log.warning(
                    "framesieve: %s predictions cannot go to a %s project; they are not collected",
                    prediction_type,
                    self.project_type,
                )
        return ok


def check_extras(image_name: Any, metadata: Any, inference_id: Any, timestamp: Any) -> None:
    """Raises naming the argument that the worker or the destination could not use."""
    if image_name is not None:
        if type(image_name) is not str:
            raise InvalidTypeError(f"image_name: expected a str, got {type(image_name).__name__}")
        check_text(image_name, "image_name")
    if inference_id is not None:
        if not isinstance(inference_id, str | int) or isinstance(inference_id, bool):
            raise InvalidTypeError(f"inference_id: expected a str, got {type(inference_id).__name__}")
        check_text(str(inference_id), "inference_id")
    if metadata is not None:
        check_metadata(metadata)
    if timestamp is not None and (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, int | float)
        or not MIN_TIMESTAMP <= timestamp <= MAX_TIMESTAMP
    ):
        raise InvalidInputError(
            f"timestamp: expected finite UNIX seconds of the years 1 to 9999, got {timestamp!r}"
        )


#: UNIX seconds of 0001-01-01 and 9999-12-31T23:59:59 (what a batch name can be made of)
MIN_TIMESTAMP, MAX_TIMESTAMP = -62135596800, 253402300799
#: the largest JPEG side libjpeg-turbo encodes (JPEG_MAX_DIMENSION)
MAX_JPEG_SIDE = 65500


def check_text(text: str, what: str) -> None:
    """Strings go out as UTF-8: a lone surrogate cannot."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what}: not valid Unicode (a lone surrogate) in {text!r:.80}") from None


def check_json(value: Any, what: str) -> None:
    """``value`` as the worker will write it: strict JSON (no NaN or Infinity) in UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what}: a string is not valid Unicode (lone surrogate)") from None
    except RecursionError:
        raise InvalidInputError(f"{what}: nested too deeply") from None
    except (TypeError, ValueError) as e:  # not serialisable; NaN/Infinity; an int of over 4300 digits
        raise InvalidInputError(f"{what}: cannot be written as JSON ({e})") from None


def _coordinate(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{path}: expected a number, got {type(value).__name__}")
    try:
        finite = math.isfinite(value)  # an int too large for a float overflows here
    except OverflowError:
        finite = False
    if not finite:
        raise InvalidInputError(f"{path}: expected a finite number, got {value!r:.40}")


def _check_points(points: Any, path: str) -> None:
    if not isinstance(points, list):
        raise InvalidInputError(f"{path}: expected a list, got {type(points).__name__}")
    for j, point in enumerate(points):
        if not isinstance(point, dict):
            raise InvalidInputError(f"{path}[{j}]: expected an object, got {type(point).__name__}")
        for key in ("x", "y"):
            if key in point:
                _coordinate(point[key], f"{path}[{j}].{key}")


def check_prediction(prediction: Any, prediction_type: str) -> None:
    """What the worker will rescale and write, checked before a credit is taken (SPEC §6):
    coordinates finite numbers, the whole prediction strict UTF-8 JSON."""
    if is_array_prediction(prediction):  # array detections: the boxes and the names
        check_array_prediction(prediction)
        xyxy, confidence, _, names = array_fields(prediction)
        for key, values in (("xyxy", xyxy), ("confidence", confidence)):
            if not np.isfinite(np.asarray(values, dtype=np.float64)).all():
                raise InvalidInputError(f"prediction[{key!r}]: expected finite numbers (no NaN or Infinity)")
        if names is not None:
            for name in set(np.asarray(names).reshape(-1).tolist()):
                check_text(str(name), "prediction['class_name']")
        return
    if prediction_type in DETECTION_TYPES and not prediction.get("is_stub"):
        objects = prediction.get("predictions", [])
        if not isinstance(objects, list):
            raise InvalidInputError(f"predictions: expected a list, got {type(objects).__name__}")
        for i, obj in enumerate(objects):
            if not isinstance(obj, dict):
                raise InvalidInputError(f"predictions[{i}]: expected an object, got {type(obj).__name__}")
            for key in ("x", "y", "width", "height"):
                if key in obj:
                    _coordinate(obj[key], f"predictions[{i}].{key}")
            for key in ("points", "keypoints"):
                if key in obj:
                    _check_points(obj[key], f"predictions[{i}].{key}")
    check_json(prediction, "prediction")


def check_image_size(shape: tuple[int, ...], max_size: Any) -> None:
    """An array the encoder can take once resized to ``max_size`` (or as it is)."""
    side = max(shape[0], shape[1])
    if side > MAX_JPEG_SIDE and (max_size is None or max(max_size) > MAX_JPEG_SIDE):
        raise InvalidInputError(
            f"image: {shape[1]}x{shape[0]} is larger than JPEG allows ({MAX_JPEG_SIDE} px a side); "
            "set max_image_size in the configuration"
        )


def check_metadata(metadata: Any) -> None:
    """A dict of str keys to str, finite number or bool values (SPEC §4.7)."""
    if not isinstance(metadata, dict):
        raise InvalidTypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise InvalidTypeError(f"metadata: keys must be str, got {key!r:.80}")
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise InvalidTypeError(
                f"metadata[{key!r:.80}]: expected a str, number or bool, got {value!r:.80}"
            )
    check_json(metadata, "metadata")
