"""What every framesieve model offers.

A model answers in Roboflow JSON (SPEC §2: what `ActiveLearning.register` and the
sampler take) and in arrays (`Detections`: the fast path, the fields that
`supervision.Detections` holds); both forms and their conversion live in
:mod:`framesieve.predictions`.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from framesieve.image.inputs import check_array
from framesieve.predictions import TASK_TYPES, Classifications, Detections, detections_to_roboflow

__all__ = ["TASK_TYPES", "Classifications", "Detections", "Model", "check_frame", "detections_to_roboflow"]


@runtime_checkable
class Model(Protocol):
    """A model framesieve can run on frames (BGR uint8 HxWx3, as OpenCV decodes them)."""

    #: what to pass as `prediction_type` to `register()` / the sampler
    task_type: str
    #: the id that tags the collected images (`<project>/<version>` or the file name)
    model_id: str
    #: the onnxruntime execution provider in use ("CPUExecutionProvider", ...; "none" for the stub)
    provider: str

    def predict(self, frame_bgr: np.ndarray) -> dict[str, Any]:
        """Roboflow JSON for one frame (SPEC §2), in pixels of that frame."""
        ...

    def predict_batch(self, frames: list[np.ndarray]) -> list[dict[str, Any]]:
        """Roboflow JSON for several frames, one dict per frame, in order."""
        ...

    def predict_arrays(self, frame_bgr: np.ndarray) -> Any:
        """Arrays for one frame: `Detections` (detectors) or `Classifications`."""
        ...


def check_frame(frame: Any, what: str = "frame") -> np.ndarray:
    """A BGR uint8 HxWx3 frame (HxW gray and HxWx4 accepted and converted), or a clear error."""
    check_array(frame, what)
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    elif frame.shape[2] == 4:
        frame = frame[:, :, :3]
    elif frame.shape[2] == 1:
        frame = np.repeat(frame, 3, axis=2)
    return frame
