"""Interop with the supervision / Roboflow Inference ecosystem, without importing either.

- `supervision.Detections`-like objects (anything with `.xyxy`, `.confidence`,
  `.class_id` and optionally `.data["class_name"]`) become Roboflow JSON or
  `framesieve.models.Detections` arrays (the conversions live in :mod:`framesieve.predictions`);
- `make_on_prediction(register)` builds an `on_prediction(predictions, video_frame)`
  sink for Roboflow's `InferencePipeline`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from framesieve.errors import InvalidInputError, InvalidTypeError
from framesieve.predictions import (
    as_prediction_dict,
    detections_from_supervision,
    is_detections_like,
    supervision_to_roboflow,
)

__all__ = [
    "as_prediction_dict",
    "detections_from_supervision",
    "is_detections_like",
    "make_on_prediction",
    "supervision_to_roboflow",
]


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.timestamp()  # naive datetimes are local time, as InferencePipeline makes them
    if isinstance(value, (int, float)):
        return float(value)
    raise InvalidTypeError(f"video_frame.frame_timestamp: expected a datetime, got {type(value).__name__}")


def make_on_prediction(
    register: Callable[..., Any], prediction_type: str = "object-detection"
) -> Callable[[Any, Any], None]:
    """An `on_prediction(predictions, video_frame)` sink for Roboflow's `InferencePipeline`.

    `register` is typically `ActiveLearning(...).register`; it is called as
    `register(video_frame.image, prediction, prediction_type, timestamp=<frame time>)`
    for each frame. Predictions may be Roboflow JSON dicts or
    `supervision.Detections`-like objects; for multi-source pipelines both arguments
    are lists and `None` entries (a source with no frame this round) are skipped.
    """

    def on_prediction(predictions: Any, video_frame: Any) -> None:
        if isinstance(video_frame, list):
            if not isinstance(predictions, list) or len(predictions) != len(video_frame):
                raise InvalidInputError(
                    "on_prediction: with a list of frames, predictions must be a list of the same length"
                )
            pairs = list(zip(predictions, video_frame, strict=True))
        else:
            pairs = [(predictions, video_frame)]
        for prediction, frame in pairs:
            if prediction is None or frame is None:
                continue
            image = frame.image
            register(
                image,
                as_prediction_dict(prediction, image, prediction_type),
                prediction_type,
                timestamp=_timestamp(getattr(frame, "frame_timestamp", None)),
            )

    return on_prediction
