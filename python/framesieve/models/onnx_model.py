"""Shared plumbing of the ONNX image models: session, input geometry, batching."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framesieve._core import InvalidInputError
from framesieve.models.base import check_frame
from framesieve.models.onnx_session import create_session

_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64}


class OnnxImageModel:
    """An onnxruntime session over one NCHW image input.

    Subclasses turn frames into a blob (`_preprocess`) and the outputs back into
    results (`_postprocess`); this class runs them one by one or in batches,
    whichever the model's batch dimension allows.
    """

    task_type: str = "object-detection"

    def __init__(
        self,
        model: str | os.PathLike[str] | bytes,
        *,
        providers: str | Sequence[str] | None = None,
        model_id: str | None = None,
    ) -> None:
        self.session, self.provider = create_session(model, providers)
        if model_id is None:
            model_id = "model" if isinstance(model, bytes) else Path(os.fspath(model)).stem
        self.model_id = model_id
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4:
            shapes = [(i.name, i.shape) for i in inputs]
            raise InvalidInputError(f"model: expected one NCHW image input, got {shapes}")
        self.input_name: str = inputs[0].name
        self.input_shape: list[Any] = list(inputs[0].shape)
        self.input_dtype = _DTYPES.get(inputs[0].type)
        if self.input_dtype is None:
            raise InvalidInputError(f"model: image input must be float, got {inputs[0].type}")
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)
        batch = self.input_shape[0]
        #: the batch size the graph is fixed to, or None when it is dynamic
        self.fixed_batch: int | None = batch if isinstance(batch, int) and batch > 0 else None
        #: the model takes several frames in one run (its batch dimension is not a fixed 1)
        self.batchable = self.fixed_batch != 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_id={self.model_id!r}, provider={self.provider!r})"

    def _run(self, blob: np.ndarray) -> list[np.ndarray]:
        return self.session.run(None, {self.input_name: blob.astype(self.input_dtype, copy=False)})

    def _preprocess(self, frames: list[np.ndarray]) -> tuple[np.ndarray, list[Any]]:
        raise NotImplementedError

    def _postprocess(self, outputs: list[np.ndarray], index: int, info: Any) -> Any:
        raise NotImplementedError

    def _to_json(self, result: Any, frame: np.ndarray) -> dict[str, Any]:
        raise NotImplementedError

    def _infer(self, frames: list[np.ndarray]) -> list[Any]:
        frames = [check_frame(f, what=f"frames[{i}]") for i, f in enumerate(frames)]
        if not frames:
            return []
        size = self.fixed_batch or len(frames)
        results: list[Any] = []
        for start in range(0, len(frames), size):
            group = frames[start : start + size]
            blob, infos = self._preprocess(group)
            if self.fixed_batch is not None and blob.shape[0] < self.fixed_batch:
                # A graph exported with a fixed batch: fill the last run with copies.
                fill = np.repeat(blob[-1:], self.fixed_batch - blob.shape[0], axis=0)
                blob = np.concatenate([blob, fill])
            outputs = self._run(blob)
            results.extend(self._postprocess(outputs, i, info) for i, info in enumerate(infos))
        return results

    def predict_arrays(self, frame_bgr: np.ndarray) -> Any:
        """Arrays for one BGR frame."""
        return self._infer([frame_bgr])[0]

    def predict(self, frame_bgr: np.ndarray) -> dict[str, Any]:
        """Roboflow JSON for one BGR frame."""
        frame = check_frame(frame_bgr)
        return self._to_json(self._infer([frame])[0], frame)

    def predict_batch(self, frames: list[np.ndarray]) -> list[dict[str, Any]]:
        """Roboflow JSON for several BGR frames, one model run when the model allows it."""
        checked = [check_frame(f, what=f"frames[{i}]") for i, f in enumerate(frames)]
        return [self._to_json(r, f) for r, f in zip(self._infer(checked), checked, strict=True)]


def to_nchw(frames_bgr: list[np.ndarray], *, scale: float = 1.0 / 255.0) -> np.ndarray:
    """Equal-size BGR uint8 frames -> one float32 NCHW RGB blob, times `scale`."""
    stack = np.stack(frames_bgr)[..., ::-1]  # BGR -> RGB
    blob = np.ascontiguousarray(stack.transpose(0, 3, 1, 2), dtype=np.float32)
    if scale != 1.0:
        blob *= np.float32(scale)
    return blob


def fixed_hw(shape: list[Any]) -> tuple[int, int] | None:
    """(H, W) of an NCHW shape when both are fixed ints."""
    h, w = shape[2], shape[3]
    if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0:
        return h, w
    return None
