"""What the engine checks: its options at construction, and on the caller's thread
(``register()``) the optional arguments besides the image and the prediction, and
whether the prediction's type may go to the destination project at all."""

from __future__ import annotations

import logging
import math
from typing import Any

from framesieve.errors import InvalidInputError, InvalidTypeError
from framesieve.predictions import is_classification

log = logging.getLogger("framesieve")


def check_options(destination: Any, channel_order: Any, queue_size: Any, max_backlog: Any) -> None:
    """Raises naming the ``ActiveLearning`` option that cannot work."""
    if not hasattr(destination, "deliver") or not hasattr(destination, "key"):
        raise InvalidTypeError(
            "destination: expected a LocalDataset, RoboflowDestination or folder, "
            f"got {type(destination).__name__}"
        )
    if channel_order not in ("bgr", "rgb"):
        raise InvalidInputError(f"channel_order: expected 'bgr' or 'rgb', got {channel_order!r}")
    if not isinstance(queue_size, int) or queue_size < 1:
        raise InvalidInputError(f"queue_size: expected a positive int, got {queue_size!r}")
    if isinstance(max_backlog, bool) or not isinstance(max_backlog, int | float) or not max_backlog > 0:
        raise InvalidInputError(f"max_backlog: expected seconds > 0, got {max_backlog!r}")


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
    if image_name is not None and type(image_name) is not str:
        raise InvalidTypeError(f"image_name: expected a str, got {type(image_name).__name__}")
    if inference_id is not None and not isinstance(inference_id, str | int):
        raise InvalidTypeError(f"inference_id: expected a str, got {type(inference_id).__name__}")
    if metadata is not None:
        check_metadata(metadata)
    if timestamp is not None and (
        isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or not math.isfinite(timestamp)
    ):
        raise InvalidInputError(f"timestamp: expected finite UNIX seconds, got {timestamp!r}")


def check_metadata(metadata: Any) -> None:
    """A dict of str keys to str, finite number or bool values (SPEC §4.7)."""
    if not isinstance(metadata, dict):
        raise InvalidTypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise InvalidTypeError(f"metadata: keys must be str, got {key!r}")
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise InvalidTypeError(f"metadata[{key!r}]: expected a str, number or bool, got {value!r}")
