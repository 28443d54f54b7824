"""Interop with the supervision / Roboflow Inference ecosystem, without importing either.

- `supervision.Detections`-like objects (anything with `.xyxy`, `.confidence`,
  `.class_id` and optionally `.data["class_name"]`) become Roboflow JSON or
  `framesieve.models.Detections` arrays (the conversions live in :mod:`framesieve.predictions`);
- `make_on_prediction(register)` builds an `on_prediction(predictions, video_frame)`
  sink for Roboflow's `InferencePipeline`: it never drops a kept frame of a video
  file (it waits for the engine), drops and counts for live streams, and fills each
  frame's provenance (`image_name`, `metadata`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from framesieve._util.calls import accepted_keywords
from framesieve.engine.overload import reset_waiting_parameter, set_waiting_parameter
from framesieve.errors import InvalidInputError, InvalidTypeError
from framesieve.predictions import (
    as_prediction_dict,
    detections_from_supervision,
    is_detections_like,
    supervision_to_roboflow,
)
from framesieve.sources.provenance import describe_source, frame_provenance

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


def _host_image(image: Any) -> Any:
    """A tensor frame (inference's GPU decoding path) as the BGR array inference's own sinks
    make of it (``materialise_video_frame_for_sink``): HW and 1HW gray, 3HW / 4HW RGB(A)."""
    if isinstance(image, np.ndarray) or not hasattr(image, "detach"):
        return image
    tensor = image.detach().cpu()
    if tensor.ndim == 3 and tensor.shape[0] == 1:
        tensor = tensor[0]
    if tensor.ndim == 2:
        return np.ascontiguousarray(tensor.contiguous().numpy())
    if tensor.ndim == 3 and tensor.shape[0] in (3, 4):
        channels = [2, 1, 0, 3][: tensor.shape[0]]
        return np.ascontiguousarray(tensor.permute(1, 2, 0).contiguous().numpy()[..., channels])
    raise InvalidInputError(
        f"video_frame.image: a tensor of shape {tuple(tensor.shape)} is not HW, 1HW, 3HW or 4HW"
    )


class _Sources:
    """Provenance of pipeline frames: the names of the pipeline's ``video_reference``s, by source id."""

    def __init__(self, sources: Any) -> None:
        if sources is None:
            self._described: list[tuple[str, str]] | None = None
            return
        references = (
            [sources] if isinstance(sources, str | int) or not isinstance(sources, Sequence) else sources
        )
        self._described = [describe_source(r) for r in references]

    def provenance(self, frame: Any) -> Any:
        source = getattr(frame, "source_id", None)
        index = 0 if source is None else int(source)
        if self._described is not None and 0 <= index < len(self._described):
            source_id, shown = self._described[index]
        else:
            source_id, shown = f"source{index}", f"video_reference[{index}]"
        frame_id = getattr(frame, "frame_id", None)
        frame_index = max(0, int(frame_id) - 1) if frame_id is not None else 0  # frame ids count from 1
        fps = getattr(frame, "fps", None)
        video_time = None
        if getattr(frame, "comes_from_video_file", None) and fps:
            video_time = frame_index / float(fps)  # as the pipeline times file frames
        extra = {"frame_id": int(frame_id)} if frame_id is not None else None
        return frame_provenance(source_id, shown, frame_index, video_time=video_time, extra=extra)


def make_on_prediction(
    register: Callable[..., Any],
    prediction_type: str = "object-detection",
    *,
    block: bool | None = None,
    sources: Any = None,
    image_name: Any = None,
    metadata: Any = None,
) -> Callable[[Any, Any], None]:
    """An `on_prediction(predictions, video_frame)` sink for Roboflow's `InferencePipeline`.

    `register` is typically `ActiveLearning(...).register`; it is called as
    `register(video_frame.image, prediction, prediction_type, timestamp=<frame time>,
    image_name=..., metadata=..., block=..., source_id=<source>)` for each frame (keywords that `register`
    does not take are left out). Predictions may be Roboflow JSON dicts or
    `supervision.Detections`-like objects; for multi-source pipelines both arguments
    are lists and `None` entries (a source with no frame this round) are skipped.

    `block`: `None` decides per frame from `video_frame.comes_from_video_file`: a
    video file waits for the engine (nothing is gained by dropping, the file waits),
    a live stream drops and counts (`dropped_overload`) rather than stall; a frame
    that does not say gets the engine's own setting. `True` / `False` force it.

    Provenance: `image_name` `<source>-<frame index>` and `metadata` (`source`,
    `frame_index`, `frame_id`, `video_time` for files), where `<source>` is the file
    stem of `sources` (the pipeline's `video_reference`: one, or the list in source id
    order) or `source<id>` without it. `image_name` / `metadata` given (a value, or a
    callable of the `video_frame`) replace them.
    """
    described = _Sources(sources)
    takes = accepted_keywords(register, ("timestamp", "image_name", "metadata", "block", "source_id"))
    hint = "make_on_prediction(..., block=True)"

    def user_value(value: Any, frame: Any, default: Any) -> Any:
        if value is None:
            return default
        return value(frame) if callable(value) else value

    def register_one(prediction: Any, frame: Any) -> None:
        image = _host_image(frame.image)
        options: dict[str, Any] = {}
        if "timestamp" in takes:
            options["timestamp"] = _timestamp(getattr(frame, "frame_timestamp", None))
        if "image_name" in takes or "metadata" in takes or "source_id" in takes:
            origin = described.provenance(frame)
            if "source_id" in takes:  # each source its own near-duplicate memory
                options["source_id"] = origin.source_id
            if "image_name" in takes:
                options["image_name"] = user_value(image_name, frame, origin.image_name)
            if "metadata" in takes:
                options["metadata"] = user_value(metadata, frame, origin.metadata)
        if "block" in takes:
            wait = block
            if wait is None:
                from_file = getattr(frame, "comes_from_video_file", None)
                wait = None if from_file is None else bool(from_file)
            options["block"] = wait
        token = set_waiting_parameter(hint)
        try:
            register(
                image, as_prediction_dict(prediction, image, prediction_type), prediction_type, **options
            )
        finally:
            reset_waiting_parameter(token)

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
            register_one(prediction, frame)

    return on_prediction
