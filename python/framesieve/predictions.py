"""One view of predictions: the task types, the array form and Roboflow JSON.

Three shapes reach framesieve (SPEC §2): Roboflow JSON dicts (what users of
Roboflow Inference already have), arrays (:class:`Detections`, the fields of a
``supervision.Detections``) and objects shaped like ``supervision.Detections``
(anything with ``.xyxy``, ``.confidence`` and ``.class_id``; supervision itself is
never imported). Every conversion between them lives here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framesieve.errors import InvalidInputError, InvalidTypeError

#: Task types a framesieve model can report (SPEC §2).
TASK_TYPES = ("object-detection", "instance-segmentation", "keypoint-detection", "classification")
#: Types whose coordinates are pixels of the image (boxes, polygons, keypoints).
DETECTION_TYPES = frozenset({"object-detection", "instance-segmentation", "keypoint-detection"})
#: The word that marks a classification type (SPEC §5: never mixed with detections).
CLASSIFICATION = "classification"


def is_classification(task_type: str) -> bool:
    """Whether predictions of ``task_type`` (a model's or a project's type) are classifications."""
    return CLASSIFICATION in task_type


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


# -- the fields of array detections ------------------------------------------------------


def is_detections_like(obj: Any) -> bool:
    """True for a `supervision.Detections` or anything shaped like one (duck typing)."""
    return all(hasattr(obj, name) for name in ("xyxy", "confidence", "class_id"))


def is_array_prediction(prediction: Any) -> bool:
    """Array detections (a dict with ``xyxy``, or a supervision-like object), not Roboflow JSON."""
    return type(prediction) is not dict or "xyxy" in prediction


def array_fields(prediction: Any) -> tuple[Any, Any, Any, Any]:
    """``(xyxy, confidence, class_id, class_name)`` of array detections, as given: a
    dict with those keys, or an object with those attributes (supervision keeps the
    names in ``data["class_name"]``)."""
    if type(prediction) is dict:
        get = prediction.get
        return get("xyxy"), get("confidence"), get("class_id"), get("class_name")
    if hasattr(prediction, "confidence") and hasattr(prediction, "xyxy"):
        names = getattr(prediction, "class_name", None)  # framesieve's own Detections
        if names is None:
            data = getattr(prediction, "data", None)  # supervision keeps them in data
            names = data.get("class_name") if isinstance(data, Mapping) else None
        return prediction.xyxy, prediction.confidence, getattr(prediction, "class_id", None), names
    raise InvalidTypeError(
        "prediction: expected a Roboflow prediction dict or array detections "
        f"(xyxy, confidence, class_id/class_name), got {type(prediction).__name__}"
    )


def check_array_prediction(prediction: Any) -> None:
    """Raises unless ``xyxy`` is a float array of shape [N, 4] for N confidences."""
    xyxy, confidence, _, _ = array_fields(prediction)
    if confidence is None:
        raise InvalidInputError("prediction['confidence']: missing (array detections need it)")
    try:
        boxes = np.asarray(xyxy, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidTypeError("prediction['xyxy']: expected a float array of shape [N, 4]") from None
    n = len(np.asarray(confidence).reshape(-1))
    if boxes.shape != (n, 4) and not (n == 0 and boxes.size == 0):
        raise InvalidInputError(f"prediction['xyxy']: expected shape [{n}, 4], got {list(boxes.shape)}")


def detections_from_supervision(obj: Any) -> Detections:
    """Arrays from a `supervision.Detections`-like object.

    `xyxy` must be [N, 4]; `confidence` and `class_id` [N] (or None: confidence 1.0 /
    class id 0, as supervision allows both to be absent); class names from
    `data["class_name"]`, else the class id as a string.
    """
    if not is_detections_like(obj):
        raise InvalidTypeError(
            f"detections: expected an object with .xyxy, .confidence and .class_id, got {type(obj).__name__}"
        )
    xyxy = np.asarray(obj.xyxy, dtype=np.float32)
    if xyxy.ndim != 2 or xyxy.shape[1] != 4:
        raise InvalidInputError(f"detections.xyxy: expected shape [N, 4], got {xyxy.shape}")
    n = xyxy.shape[0]
    conf = np.ones(n, np.float32) if obj.confidence is None else np.asarray(obj.confidence, dtype=np.float32)
    ids = np.zeros(n, np.int64) if obj.class_id is None else np.asarray(obj.class_id)
    for name, arr in (("confidence", conf), ("class_id", ids)):
        if arr.shape != (n,):
            raise InvalidInputError(f"detections.{name}: expected shape [{n}] (one per box), got {arr.shape}")
    if ids.dtype.kind not in "iu":
        raise InvalidInputError(f"detections.class_id: expected integers, got dtype {ids.dtype}")
    _, _, _, raw_names = array_fields(obj)
    if raw_names is None:
        names = [str(int(i)) for i in ids]
    else:
        names = [str(v) for v in np.asarray(raw_names).reshape(-1)]
        if len(names) != n:
            raise InvalidInputError(f'detections.data["class_name"]: expected {n} names, got {len(names)}')
    return Detections(xyxy=xyxy, confidence=conf, class_id=ids.astype(np.int64), class_name=names)


# -- to Roboflow JSON --------------------------------------------------------------------


def boxes_to_json(
    xyxy: Any,
    confidence: Any,
    width: int,
    height: int,
    *,
    class_id: Any = None,
    class_name: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    keypoints: Any = None,
    keypoint_names: Sequence[str] = (),
    detection_ids: bool = False,
) -> dict[str, Any]:
    """Roboflow JSON (SPEC §2) for boxes ``xyxy`` [N, 4] in pixels of a ``width`` x
    ``height`` image: the one conversion from arrays to JSON.

    A class name comes from ``class_name[i]``, else from ``class_names[class_id[i]]``,
    else it is the class id as a string (``"object"`` without either). ``keypoints``
    [N, K, 3] (x, y, confidence) are written when given; ``detection_ids`` adds a
    fresh UUID4 per object, as Roboflow's own servers do.
    """
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
    ids = None if class_id is None else np.asarray(class_id).reshape(-1)
    objects: list[dict[str, Any]] = []
    for i in range(len(conf)):
        x1, y1, x2, y2 = (float(v) for v in boxes[i])
        cid = int(ids[i]) if ids is not None else None
        if class_name is not None:
            name = str(class_name[i])
        elif cid is not None and class_names is not None and 0 <= cid < len(class_names):
            name = str(class_names[cid])
        else:
            name = str(cid) if cid is not None else "object"
        obj: dict[str, Any] = {
            "x": (x1 + x2) / 2.0,
            "y": (y1 + y2) / 2.0,
            "width": x2 - x1,
            "height": y2 - y1,
            "confidence": float(conf[i]),
            "class": name,
        }
        if cid is not None:
            obj["class_id"] = cid
        if detection_ids:
            obj["detection_id"] = str(uuid.uuid4())
        if keypoints is not None:
            obj["keypoints"] = [
                {
                    "x": float(kx),
                    "y": float(ky),
                    "confidence": float(kc),
                    "class": keypoint_names[k] if k < len(keypoint_names) else str(k),
                    "class_id": k,
                }
                for k, (kx, ky, kc) in enumerate(np.asarray(keypoints[i], dtype=np.float64))
            ]
        objects.append(obj)
    return {"image": {"width": int(width), "height": int(height)}, "predictions": objects}


def detections_to_roboflow(det: Detections, width: int, height: int, task_type: str) -> dict[str, Any]:
    """Roboflow JSON for a model's :class:`Detections`; keypoints for ``keypoint-detection``."""
    return boxes_to_json(
        det.xyxy,
        det.confidence,
        width,
        height,
        class_id=det.class_id,
        class_name=det.class_name,
        keypoints=det.keypoints if task_type == "keypoint-detection" else None,
        keypoint_names=det.keypoint_names,
        detection_ids=True,
    )


def array_prediction_to_json(
    prediction: Any, width: int, height: int, class_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """Roboflow JSON for array detections as :meth:`ActiveLearning.register` takes them."""
    xyxy, confidence, class_id, class_name = array_fields(prediction)
    return boxes_to_json(
        xyxy, confidence, width, height, class_id=class_id, class_name=class_name, class_names=class_names
    )


def supervision_to_roboflow(
    obj: Any, image_size: tuple[int, int], task_type: str = "object-detection"
) -> dict[str, Any]:
    """Roboflow JSON (SPEC §2) for a `supervision.Detections`-like object.

    `image_size`: (width, height) of the frame the boxes are in.
    """
    width, height = image_size
    return detections_to_roboflow(detections_from_supervision(obj), width, height, task_type)


def as_prediction_dict(
    prediction: Any, image: np.ndarray | None = None, task_type: str = "object-detection"
) -> Any:
    """A prediction as Roboflow JSON: dicts pass through untouched; a
    `supervision.Detections`-like object is converted, sized by `image` (HxW...)."""
    if isinstance(prediction, Mapping) or not is_detections_like(prediction):
        return prediction
    if image is None or not hasattr(image, "shape") or len(image.shape) < 2:
        raise InvalidInputError("image: a supervision.Detections prediction needs the frame to size it")
    return supervision_to_roboflow(prediction, (int(image.shape[1]), int(image.shape[0])), task_type)
