"""YOLO detectors exported to ONNX: Ultralytics YOLOv8/YOLO11 and YOLOv5 layouts.

- v8/v11: one output `[B, 4 + nc, A]`: per anchor cx, cy, w, h then nc class scores.
- v5: one output `[B, A, 5 + nc]`: cx, cy, w, h, objectness, then nc class scores
  (confidence = objectness x class score).
Boxes are in model-input pixels; the frame was letterboxed into the input.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from framesieve._core import InvalidInputError
from framesieve.models.base import Detections, detections_to_roboflow
from framesieve.models.letterbox import Letterbox, letterbox
from framesieve.models.metadata import parse_names
from framesieve.models.nms import batched_nms
from framesieve.models.onnx_model import OnnxImageModel, fixed_hw, to_nchw

LAYOUTS = ("v8", "v5")


def sniff_layout(shape: Sequence[Any], num_classes: int | None) -> str | None:
    """ "v8" or "v5" from a `[B, d1, d2]` output shape, or None when it can't tell.

    With known class names the channel count decides (4 + nc vs 5 + nc); else the
    smaller dimension is the channels (anchors number in the thousands).
    """
    if len(shape) != 3:
        return None
    d1, d2 = shape[1], shape[2]
    if num_classes is not None:
        if d1 == 4 + num_classes:
            return "v8"
        if d2 == 5 + num_classes:
            return "v5"
    if isinstance(d1, int) and isinstance(d2, int):
        return "v8" if d1 < d2 else "v5"
    return None


class YoloDetector(OnnxImageModel):
    """An Ultralytics YOLOv8/YOLO11 or YOLOv5 ONNX export.

    `conf`: keep boxes scoring at least this; `iou`: class-aware NMS threshold;
    `names`: class names (default: the ONNX metadata `names`, else "0", "1", ...);
    `layout`: "v8" | "v5" | None (sniffed from the output shape and metadata);
    `input_size`: (height, width) when the model's input has no fixed size (default:
    the metadata `imgsz`, else 640x640); `providers`: see `create_session`.
    """

    task_type = "object-detection"

    def __init__(
        self,
        model: str | os.PathLike[str] | bytes,
        *,
        conf: float = 0.25,
        iou: float = 0.45,
        max_det: int = 300,
        names: Sequence[str] | dict[int, str] | str | None = None,
        layout: str | None = None,
        input_size: tuple[int, int] | None = None,
        providers: str | Sequence[str] | None = None,
        model_id: str | None = None,
    ) -> None:
        super().__init__(model, providers=providers, model_id=model_id)
        self.conf, self.iou, self.max_det = float(conf), float(iou), int(max_det)
        if names is not None:
            self.names: list[str] | None = parse_names(names)
        elif "names" in self.metadata:
            self.names = parse_names(self.metadata["names"], what="ONNX metadata 'names'")
        else:
            self.names = None
        self.input_size = fixed_hw(self.input_shape) or input_size or self._metadata_imgsz() or (640, 640)
        outputs = self.session.get_outputs()
        if layout is None:
            layout = sniff_layout(outputs[0].shape, len(self.names) if self.names else None)
        if layout is None:
            # Symbolic output dims and no names: one run on a blank frame tells the shape.
            blank = np.zeros((1, 3, *self.input_size), np.float32)
            layout = sniff_layout(self._run(blank)[0].shape, None)
        if layout not in LAYOUTS:
            raise InvalidInputError(
                f"model: cannot tell the YOLO layout of output {outputs[0].shape}; "
                f"pass layout='v8' ([B, 4+nc, A]) or layout='v5' ([B, A, 5+nc])"
            )
        self.layout = layout

    def _metadata_imgsz(self) -> tuple[int, int] | None:
        raw = self.metadata.get("imgsz")
        if not raw:
            return None
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return None
        if isinstance(value, int):
            return value, value
        if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
            return int(value[0]), int(value[1])
        return None

    def class_name(self, class_id: int) -> str:
        """The name of a class id ("<id>" when the model has no names)."""
        if self.names is not None and 0 <= class_id < len(self.names):
            return self.names[class_id]
        return str(class_id)

    def _preprocess(self, frames: list[np.ndarray]) -> tuple[np.ndarray, list[Letterbox]]:
        boxed = [letterbox(f, self.input_size) for f in frames]
        return to_nchw([b for b, _ in boxed]), [info for _, info in boxed]

    def _postprocess(self, outputs: list[np.ndarray], index: int, info: Letterbox) -> Detections:
        out = np.asarray(outputs[0][index], dtype=np.float32)
        if self.layout == "v8":
            pred = out.T  # [A, 4 + nc]
            scores = pred[:, 4:]
        else:
            pred = out  # [A, 5 + nc]
            scores = pred[:, 5:] * pred[:, 4:5]
        if scores.shape[1] == 0:
            raise InvalidInputError(f"model: output {out.shape} has no class scores ({self.layout} layout)")
        class_id = scores.argmax(axis=1)
        confidence = scores[np.arange(scores.shape[0]), class_id]
        mask = confidence >= self.conf
        boxes, confidence, class_id = pred[mask, :4], confidence[mask], class_id[mask]
        xyxy = np.empty_like(boxes)
        xyxy[:, :2] = boxes[:, :2] - boxes[:, 2:4] / 2
        xyxy[:, 2:] = boxes[:, :2] + boxes[:, 2:4] / 2
        keep = batched_nms(xyxy, confidence, class_id, self.iou)[: self.max_det]
        frame_xyxy = info.boxes_to_frame(xyxy[keep])
        # A box wholly in the letterbox padding has no area left once clipped: not an object.
        inside = (frame_xyxy[:, 2] > frame_xyxy[:, 0]) & (frame_xyxy[:, 3] > frame_xyxy[:, 1])
        keep, frame_xyxy = keep[inside], frame_xyxy[inside]
        ids = class_id[keep].astype(np.int64)
        return Detections(
            xyxy=frame_xyxy,
            confidence=confidence[keep].astype(np.float32),
            class_id=ids,
            class_name=[self.class_name(int(i)) for i in ids],
        )

    def _to_json(self, result: Detections, frame: np.ndarray) -> dict[str, Any]:
        return detections_to_roboflow(result, frame.shape[1], frame.shape[0], self.task_type)
