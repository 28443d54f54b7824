"""Interop with the supervision / Roboflow Inference ecosystem, without importing either.

- `supervision.Detections`-like objects (anything with `.xyxy`, `.confidence`,
  `.class_id` and optionally `.data["class_name"]`) become Roboflow JSON or
  `framesieve.models.Detections` arrays;
- `make_on_prediction(register)` builds an `on_prediction(predictions, video_frame)`
  sink for Roboflow's `InferencePipeline`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from framesieve._core import InvalidInputError, InvalidTypeError
from framesieve.models.base import Detections, detections_to_roboflow


def is_detections_like(obj: Any) -> bool:
    """True for a `supervision.Detections` or anything shaped like one (duck typing)."""
    return all(hasattr(obj, name) for name in ("xyxy", "confidence", "class_id"))


def detections_from_supervision(obj: Any) -> Detections:
    """Arrays from a `supervision.Detections`-like object.

    `xyxy` must be [N, 4]; `confidence` and `class_id` [N] (or None: confidence 1.0 /
    class id 0, as supervision allows both to be absent); class names from
    `data["class_name"]`, else the class id as a string.
    """
    if not is_detections_like(obj):
        raise InvalidTypeError(
            f"detections: expected an object with .xyxy, .confidence and .class_id, got {type(obj).__name__}"
        )
    xyxy = np.asarray(obj.xyxy, dtype=np.float32)
    if xyxy.ndim != 2 or xyxy.shape[1] != 4:
        raise InvalidInputError(f"detections.xyxy: expected shape [N, 4], got {xyxy.shape}")
    n = xyxy.shape[0]
    conf = np.ones(n, np.float32) if obj.confidence is None else np.asarray(obj.confidence, dtype=np.float32)
    ids = np.zeros(n, np.int64) if obj.class_id is None else np.asarray(obj.class_id)
    for name, arr in (("confidence", conf), ("class_id", ids)):
        if arr.shape != (n,):
            raise InvalidInputError(f"detections.{name}: expected shape [{n}] (one per box), got {arr.shape}")
    if ids.dtype.kind not in "iu":
        raise InvalidInputError(f"detections.class_id: expected integers, got dtype {ids.dtype}")
    data = getattr(obj, "data", None)
    raw_names = data.get("class_name") if isinstance(data, Mapping) else None
    if raw_names is None:
        names = [str(int(i)) for i in ids]
    else:
        names = [str(v) for v in np.asarray(raw_names).reshape(-1)]
        if len(names) != n:
            raise InvalidInputError(f'detections.data["class_name"]: expected {n} names, got {len(names)}')
    return Detections(xyxy=xyxy, confidence=conf, class_id=ids.astype(np.int64), class_name=names)


def supervision_to_roboflow(
    obj: Any, image_size: tuple[int, int], task_type: str = "object-detection"
) -> dict[str, Any]:
    """Roboflow JSON (SPEC §2) for a `supervision.Detections`-like object.

    `image_size`: (width, height) of the frame the boxes are in.
    """
    width, height = image_size
    return detections_to_roboflow(detections_from_supervision(obj), width, height, task_type)


def as_prediction_dict(
    prediction: Any, image: np.ndarray | None = None, task_type: str = "object-detection"
) -> Any:
    """A prediction as Roboflow JSON: dicts pass through untouched; a
    `supervision.Detections`-like object is converted, sized by `image` (HxW...)."""
    if isinstance(prediction, Mapping) or not is_detections_like(prediction):
        return prediction
    if image is None or not hasattr(image, "shape") or len(image.shape) < 2:
        raise InvalidInputError("image: a supervision.Detections prediction needs the frame to size it")
    return supervision_to_roboflow(prediction, (int(image.shape[1]), int(image.shape[0])), task_type)


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
