"""Generic image classifier exported to ONNX: one output `[B, C]` of logits or probabilities."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from framesieve._core import InvalidInputError
from framesieve.models.base import Classifications
from framesieve.models.metadata import parse_names, read_labels_file
from framesieve.models.onnx_model import OnnxImageModel, fixed_hw, to_nchw

SCORES = ("auto", "logits", "probabilities")


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class OnnxClassifier(OnnxImageModel):
    """An image classifier: the frame is resized to the input (RGB, /255, then
    `(x - mean) / std` when given), the output row is turned into confidences.

    `labels` / `labels_file` name the classes (default: the ONNX metadata `names` or
    `labels`, else "0", "1", ...). `scores`: "probabilities" (used as they are),
    "logits" (softmax, or sigmoid when `multi_label`), or "auto": probabilities when
    every value is in [0, 1] (and, multi-class, they sum to 1), else logits.
    `multi_label`: each class is judged alone; the classes at or above
    `threshold` are the `predicted_classes` (SPEC §2 multi-label shape).
    """

    task_type = "classification"

    def __init__(
        self,
        model: str | os.PathLike[str] | bytes,
        *,
        labels: Sequence[str] | dict[int, str] | str | None = None,
        labels_file: str | os.PathLike[str] | None = None,
        multi_label: bool = False,
        threshold: float = 0.5,
        scores: str = "auto",
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        input_size: tuple[int, int] | None = None,
        providers: str | Sequence[str] | None = None,
        model_id: str | None = None,
    ) -> None:
        super().__init__(model, providers=providers, model_id=model_id)
        if scores not in SCORES:
            raise InvalidInputError(f"scores: expected one of {SCORES}, got {scores!r}")
        outputs = self.session.get_outputs()
        if len(outputs[0].shape) != 2:
            raise InvalidInputError(f"model: a classifier has one [B, C] output, got {outputs[0].shape}")
        if labels is not None:
            self.labels: list[str] | None = parse_names(labels, what="labels")
        elif labels_file is not None:
            self.labels = read_labels_file(labels_file)
        elif "names" in self.metadata:
            self.labels = parse_names(self.metadata["names"], what="ONNX metadata 'names'")
        elif "labels" in self.metadata:
            self.labels = parse_names(self.metadata["labels"], what="ONNX metadata 'labels'")
        else:
            self.labels = None
        num_classes = outputs[0].shape[1]
        if self.labels is not None and isinstance(num_classes, int) and num_classes != len(self.labels):
            raise InvalidInputError(
                f"labels: the model scores {num_classes} classes, got {len(self.labels)} labels"
            )
        self.multi_label, self.threshold, self.scores = bool(multi_label), float(threshold), scores
        self.mean = None if mean is None else np.asarray(mean, np.float32).reshape(1, 3, 1, 1)
        self.std = None if std is None else np.asarray(std, np.float32).reshape(1, 3, 1, 1)
        self.input_size = fixed_hw(self.input_shape) or input_size or (224, 224)

    def _preprocess(self, frames: list[np.ndarray]) -> tuple[np.ndarray, list[None]]:
        h, w = self.input_size
        resized = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames]
        blob = to_nchw(resized)
        if self.mean is not None:
            blob -= self.mean
        if self.std is not None:
            blob /= self.std
        return blob, [None] * len(frames)

    def _confidences(self, row: np.ndarray) -> np.ndarray:
        row = row.astype(np.float64)
        kind = self.scores
        if kind == "auto":
            in_unit = bool(np.all((row >= 0) & (row <= 1)))
            sums_to_one = abs(float(row.sum()) - 1.0) < 1e-3
            kind = "probabilities" if in_unit and (self.multi_label or sums_to_one) else "logits"
        if kind == "probabilities":
            return row
        return _sigmoid(row) if self.multi_label else _softmax(row)

    def _postprocess(self, outputs: list[np.ndarray], index: int, info: None) -> Classifications:
        conf = self._confidences(np.asarray(outputs[0][index]).reshape(-1))
        order = np.argsort(-conf, kind="stable")
        return Classifications(
            confidence=conf[order].astype(np.float32),
            class_id=order.astype(np.int64),
            class_name=[self.label(int(i)) for i in order],
        )

    def label(self, class_id: int) -> str:
        """The name of a class id ("<id>" without labels)."""
        if self.labels is not None and 0 <= class_id < len(self.labels):
            return self.labels[class_id]
        return str(class_id)

    def _to_json(self, result: Classifications, frame: np.ndarray) -> dict[str, Any]:
        image = {"width": int(frame.shape[1]), "height": int(frame.shape[0])}
        # Confidences as Python floats of the float32 values, the same numbers the arrays hold.
        conf = [float(c) for c in result.confidence]
        if self.multi_label:
            return {
                "image": image,
                "predictions": {
                    name: {"confidence": c, "class_id": int(i)}
                    for name, c, i in zip(result.class_name, conf, result.class_id, strict=True)
                },
                "predicted_classes": [
                    n for n, c in zip(result.class_name, conf, strict=True) if c >= self.threshold
                ],
            }
        return {
            "image": image,
            "predictions": [
                {"class": name, "class_id": int(i), "confidence": c}
                for name, c, i in zip(result.class_name, conf, result.class_id, strict=True)
            ],
            "top": result.class_name[0] if len(result) else "",
            "confidence": conf[0] if len(result) else 0.0,
        }
