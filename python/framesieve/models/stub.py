"""The stub model of a project that has no trained model yet (`<project>/0`, SPEC §2)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from framesieve._core import InvalidInputError
from framesieve.models.base import TASK_TYPES, Detections, check_frame


class StubModel:
    """Answers every frame with `{"is_stub": True, "model_id", "task_type", "time"}`.

    Stub predictions only ever match the `random` strategy (SPEC §3): this is how a
    project with no model yet still collects a random sample of its stream.
    `time` is the seconds spent on the frame, as the reference's stub reports it.
    """

    provider = "none"

    def __init__(self, model_id: str, task_type: str = "object-detection") -> None:
        if task_type not in TASK_TYPES:
            raise InvalidInputError(f"task_type: expected one of {TASK_TYPES}, got {task_type!r}")
        self.model_id = model_id
        self.task_type = task_type

    def __repr__(self) -> str:
        return f"StubModel(model_id={self.model_id!r}, task_type={self.task_type!r})"

    def predict(self, frame_bgr: np.ndarray) -> dict[str, Any]:
        """The stub prediction for one frame (the frame is checked, not looked at)."""
        start = time.perf_counter()
        check_frame(frame_bgr)
        return {
            "is_stub": True,
            "model_id": self.model_id,
            "task_type": self.task_type,
            "time": time.perf_counter() - start,
        }

    def predict_batch(self, frames: list[np.ndarray]) -> list[dict[str, Any]]:
        """One stub prediction per frame."""
        return [self.predict(f) for f in frames]

    def predict_arrays(self, frame_bgr: np.ndarray) -> Detections:
        """No object."""
        check_frame(frame_bgr)
        return Detections.empty()
