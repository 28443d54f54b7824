"""Worker side of the engine: turning an accepted frame into a :class:`Datapoint`.

Runs on the engine's worker threads, never on the caller's: decoding (for
encoded inputs), resize and JPEG (in Rust, GIL released), per-axis rescaling of
the prediction, the annotation text and the tags (SPEC §4.4–4.7).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from framesieve import inputs
from framesieve.datapoint import Datapoint
from framesieve.image import prepare_image, rescale_prediction
from framesieve.plan import Plan
from framesieve.tags import datapoint_tags

DETECTION_TYPES = frozenset({"object-detection", "instance-segmentation", "keypoint-detection"})
CLASSIFICATION = "classification"


@dataclass(slots=True)
class Job:
    """One accepted frame on its way from ``register()`` to the outbox."""

    plan: Plan
    image: Any
    prediction: Any
    prediction_type: str
    strategy: str
    batch: str
    timestamp: float
    image_name: str | None
    metadata: dict[str, Any] | None
    inference_id: str | None
    credit_scope: str  # where the limit credit was taken ("" when none was)
    counted: bool  # counted in the max_batch_images counter
    auto_orient: bool
    seq: int = 0


def default_workers() -> int:
    """Worker threads: one per core this process may use (at least 1, at most 16)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(16, cores))


def _array(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None and name == "class_name":
        data = getattr(obj, "data", None)
        if isinstance(data, dict):
            value = data.get("class_name")
    return value


def detections_to_json(detections: Any, width: int, height: int, class_names: Any = None) -> dict[str, Any]:
    """Array detections (``xyxy``, ``confidence``, ``class_id``/``class_name``) as Roboflow JSON."""
    xyxy = np.asarray(_array(detections, "xyxy"), dtype=np.float64).reshape(-1, 4)
    confidence = np.asarray(_array(detections, "confidence"), dtype=np.float64).reshape(-1)
    ids = _array(detections, "class_id")
    names = _array(detections, "class_name")
    out = []
    for i in range(len(confidence)):
        x1, y1, x2, y2 = (float(v) for v in xyxy[i])
        class_id = int(ids[i]) if ids is not None else None
        if names is not None:
            name = str(names[i])
        elif class_id is not None and class_names is not None and 0 <= class_id < len(class_names):
            name = str(class_names[class_id])
        else:
            name = str(class_id) if class_id is not None else "object"
        obj: dict[str, Any] = {
            "x": (x1 + x2) / 2,
            "y": (y1 + y2) / 2,
            "width": x2 - x1,
            "height": y2 - y1,
            "confidence": float(confidence[i]),
            "class": name,
        }
        if class_id is not None:
            obj["class_id"] = class_id
        out.append(obj)
    return {"image": {"width": width, "height": height}, "predictions": out}


def annotation_for(
    prediction: dict[str, Any], prediction_type: str, prepared: Any
) -> tuple[str | None, str | None]:
    """The pre-annotation to upload and its extension (SPEC §4.7), or ``(None, None)``.

    Stubs and empty predictions get none. Detection-like types: the prediction
    rescaled per axis to the uploaded image, as JSON. Multi-class classification:
    the top class name (``.txt``). Multi-label classification has no upload format
    in the Roboflow API (the reference raises there): none. Another prediction
    type matched by ``random`` is uploaded as its JSON, as the reference does.
    """
    if prediction.get("is_stub"):
        return None, None
    objects = prediction.get("predictions")
    if not objects and "top" not in prediction:
        return None, None
    if prediction_type in DETECTION_TYPES:
        return json.dumps(rescale_prediction(prediction, prepared, prediction_type)), "json"
    if CLASSIFICATION in prediction_type:
        if "top" in prediction:
            return str(prediction["top"]), "txt"
        return None, None
    return json.dumps(prediction), "json"


def prepare(
    job: Job, datapoint_id: str, model_id: str | None, channel_order: str, class_names: Any
) -> Datapoint:
    """Decodes, resizes, encodes and annotates one accepted frame."""
    plan: Plan = job.plan
    image, order = inputs.decode(job.image, channel_order, job.auto_orient)
    prepared = prepare_image(image, max_size=plan.max_size, quality=plan.quality, channel_order=order)
    prediction = job.prediction
    if type(prediction) is not dict or "xyxy" in prediction:
        width, height = prepared.original_size
        prediction = detections_to_json(prediction, width, height, class_names)
    annotation, ext = (None, None)
    if plan.persist_predictions:
        annotation, ext = annotation_for(prediction, job.prediction_type, prepared)
    tags = datapoint_tags(
        plan.global_tags,
        plan.config_tags,
        plan.strategy_tags.get(job.strategy, ()),
        model_id,
        plan.persist_predictions,
    )
    return Datapoint(
        seq=job.seq,
        id=datapoint_id,
        batch=job.batch,
        strategy=job.strategy,
        tags=tags,
        jpeg=prepared.jpeg,
        prediction_type=job.prediction_type,
        timestamp=job.timestamp,
        original_size=(int(prepared.original_size[0]), int(prepared.original_size[1])),
        size=(int(prepared.size[0]), int(prepared.size[1])),
        annotation=annotation,
        annotation_ext=ext,
        image_name=job.image_name,
        metadata=job.metadata,
        inference_id=job.inference_id,
        model_id=model_id,
        limit_scope=job.credit_scope,
        limit_now=job.timestamp,
        counted=job.counted,
    )
