"""What every framesieve model offers, and the conversions between its two output forms.

A model answers in Roboflow JSON (SPEC §2: what `ActiveLearning.register` and the
sampler take) and in arrays (`Detections`: the fast path, the fields that
`supervision.Detections` holds).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from framesieve._core import InvalidInputError

#: Task types a framesieve model can report (SPEC §2).
TASK_TYPES = ("object-detection", "instance-segmentation", "keypoint-detection", "classification")


@dataclass
class Detections:
    """Detections as arrays, the layout of `supervision.Detections`.

    `xyxy` float32[N, 4] in pixels of the original frame, `confidence` float32[N],
    `class_id` int64[N], `class_name` one str per object; `keypoints`, when the model
    has them, float32[N, K, 3] as (x, y, confidence) with `keypoint_names` (K names).
    """

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    class_name: list[str]
    keypoints: np.ndarray | None = None
    keypoint_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.confidence.shape[0])

    @classmethod
    def empty(cls) -> Detections:
        """No object."""
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int64),
            class_name=[],
        )


@dataclass
class Classifications:
    """A classifier's scores as arrays, best first: `confidence` float32[C],
    `class_id` int64[C], `class_name` (C names)."""

    confidence: np.ndarray
    class_id: np.ndarray
    class_name: list[str]

    def __len__(self) -> int:
        return int(self.confidence.shape[0])


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
    if not isinstance(frame, np.ndarray):
        raise InvalidInputError(
            f"{what}: expected a numpy array (uint8 HxWx3 BGR), got {type(frame).__name__}"
        )
    if frame.dtype != np.uint8:
        raise InvalidInputError(f"{what}: expected dtype uint8, got {frame.dtype}")
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    elif frame.ndim == 3 and frame.shape[2] == 4:
        frame = frame[:, :, :3]
    elif frame.ndim != 3 or frame.shape[2] != 3:
        raise InvalidInputError(f"{what}: expected shape HxWx3 (or HxW, HxWx4), got {frame.shape}")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InvalidInputError(f"{what}: empty image of shape {frame.shape}")
    return frame


def detections_to_roboflow(det: Detections, width: int, height: int, task_type: str) -> dict[str, Any]:
    """Roboflow JSON (SPEC §2) for arrays in pixels of a `width` x `height` image.

    Keypoints are written for `keypoint-detection`; every object gets a fresh
    `detection_id` (a UUID4, as Roboflow's own servers do).
    """
    xyxy = np.asarray(det.xyxy, dtype=np.float64).reshape(-1, 4)
    conf = np.asarray(det.confidence, dtype=np.float64).reshape(-1)
    ids = np.asarray(det.class_id).reshape(-1)
    objects: list[dict[str, Any]] = []
    kps = det.keypoints if task_type == "keypoint-detection" else None
    for i in range(xyxy.shape[0]):
        x1, y1, x2, y2 = (float(v) for v in xyxy[i])
        obj: dict[str, Any] = {
            "x": (x1 + x2) / 2.0,
            "y": (y1 + y2) / 2.0,
            "width": x2 - x1,
            "height": y2 - y1,
            "confidence": float(conf[i]),
            "class": str(det.class_name[i]),
            "class_id": int(ids[i]),
            "detection_id": str(uuid.uuid4()),
        }
        if kps is not None:
            obj["keypoints"] = [
                {
                    "x": float(kx),
                    "y": float(ky),
                    "confidence": float(kc),
                    "class": det.keypoint_names[k] if k < len(det.keypoint_names) else str(k),
                    "class_id": k,
                }
                for k, (kx, ky, kc) in enumerate(np.asarray(kps[i], dtype=np.float64))
            ]
        objects.append(obj)
    return {"image": {"width": int(width), "height": int(height)}, "predictions": objects}
