"""Export of a local dataset to COCO detection JSON, which most labeling tools import.

Only datapoints with a JSON annotation of a detection-like type contribute boxes
(``x``, ``y`` centre, ``width``, ``height`` in pixels of the stored image); the
others appear as images without annotations. Instance-segmentation points
become the object's polygon; keypoints become COCO keypoints (``v`` = 2).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from framesieve.destinations.local import LocalDataset


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def export_coco(
    root: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *, batch: str | None = None
) -> dict[str, Any]:
    """COCO detection JSON of the local dataset at ``root`` (one ``batch``, or all).

    ``file_name`` is relative to ``root``. Written to ``output`` when given. A
    malformed annotation file raises ``ValueError`` naming it.
    """
    dataset = LocalDataset(root)
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    categories: dict[str, int] = {}
    for entry in dataset.manifest():
        if batch is not None and entry.get("batch") != batch:
            continue
        width, height = entry["size"]
        image_id = len(images) + 1
        images.append({"id": image_id, "file_name": entry["image"], "width": width, "height": height})
        rel = entry.get("annotation")
        if not rel or not rel.endswith(".json"):
            continue
        path = dataset.root / rel
        try:
            prediction = json.loads(path.read_text(encoding="utf-8"))
            objects = prediction.get("predictions", [])
            for obj in objects:
                x, y = _number(obj["x"]), _number(obj["y"])
                w, h = _number(obj["width"]), _number(obj["height"])
                name = str(obj.get("class", obj.get("class_id", "object")))
                category = categories.setdefault(name, len(categories) + 1)
                record: dict[str, Any] = {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": category,
                    "bbox": [x - w / 2, y - h / 2, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                    "segmentation": [],
                }
                points = obj.get("points")
                if points:
                    record["segmentation"] = [[c for p in points for c in (_number(p["x"]), _number(p["y"]))]]
                keypoints = obj.get("keypoints")
                if keypoints:
                    flat = [c for k in keypoints for c in (_number(k["x"]), _number(k["y"]), 2)]
                    record["keypoints"], record["num_keypoints"] = flat, len(keypoints)
                if "confidence" in obj:
                    record["score"] = _number(obj["confidence"])
                annotations.append(record)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"{rel}: not a detection annotation: {e}") from None
    coco = {
        "info": {"description": f"framesieve local dataset {dataset.root.name}"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i, "name": n, "supercategory": "none"} for n, i in categories.items()],
    }
    if output is not None:
        Path(output).write_text(json.dumps(coco), encoding="utf-8")
    return coco
