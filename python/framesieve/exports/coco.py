"""COCO detection JSON, as pycocotools, supervision, Detectron2 and CVAT read it.

- ``file_name`` is relative to the dataset folder (``images_directory_path`` = the dataset);
- category ``id`` = the model's ``class_id`` + 1 (COCO ids start at 1, as supervision's
  own ``as_coco`` writes them; gaps are allowed, as in COCO itself);
- ``bbox`` ``[x, y, w, h]`` clipped to the image; ``segmentation`` is the object's
  polygon, or its box as a four-corner polygon (never ``[]``, which pycocotools'
  ``annToMask`` cannot rasterise); ``area`` that polygon's area;
- categories of keypoint models carry their ``keypoints`` names; each of their
  annotations has ``keypoints`` ``[x, y, v] * K`` (``v`` = 2 for a keypoint the model
  gave, 0 with ``x = y = 0`` for one it did not) and ``num_keypoints``;
- ``score`` is the model's confidence (pre-annotations; readers ignore it).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from framesieve.exports.categories import Categories, categories, slot
from framesieve.exports.dataset import Box, Dataset, read_dataset
from framesieve.exports.output import check_file, write_file


def export_coco(
    root: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *, batch: str | None = None
) -> dict[str, Any]:
    """COCO detection JSON of the local dataset at ``root`` (one ``batch``, or all),
    written to ``output`` when given; :class:`~framesieve.ExportError` when ``root`` is
    no dataset, ``batch`` is not in it or ``output`` cannot be written."""
    dataset = read_dataset(Path(root), batch)
    out = check_file(output) if output is not None else None
    coco = coco_dict(dataset, categories(dataset.items))
    if out is not None:
        write_file(out, json.dumps(coco).encode())
    return coco


def coco_dict(dataset: Dataset, cats: Categories) -> dict[str, Any]:
    """The COCO document of ``dataset`` with category ids from ``cats``."""
    from framesieve import __version__

    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id, item in enumerate(dataset.items, start=1):
        images.append(
            {"id": image_id, "file_name": item.image_rel, "width": item.width, "height": item.height}
        )
        for box in item.objects:
            record = _annotation(box, cats)
            record.update(id=len(annotations) + 1, image_id=image_id)
            annotations.append(record)
    category_list: list[dict[str, Any]] = []
    for index, name in cats.ordered():
        category: dict[str, Any] = {"id": index + 1, "name": name, "supercategory": "none"}
        if name in cats.keypoints:
            category.update(keypoints=cats.keypoints[name], skeleton=[])
        category_list.append(category)
    scope = f", batch {dataset.batch}" if dataset.batch is not None else ""
    return {
        "info": {
            "description": f"framesieve local dataset {dataset.root.name}{scope}",
            "version": __version__,
            "date_created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": category_list,
    }


def _annotation(box: Box, cats: Categories) -> dict[str, Any]:
    polygon = box.polygon or ((box.x1, box.y1), (box.x2, box.y1), (box.x2, box.y2), (box.x1, box.y2))
    record: dict[str, Any] = {
        "category_id": cats.ids[box.class_name] + 1,
        "bbox": [box.x1, box.y1, box.width, box.height],
        "area": polygon_area(polygon),
        "iscrowd": 0,
        "segmentation": [[c for point in polygon for c in point]],
    }
    names = cats.keypoints.get(box.class_name)
    if names:
        flat = [0.0] * (3 * len(names))
        for position, keypoint in enumerate(box.keypoints):
            at = 3 * slot(keypoint.index, position)
            flat[at : at + 3] = [keypoint.x, keypoint.y, 2]
        record["keypoints"] = flat
        record["num_keypoints"] = sum(1 for v in flat[2::3] if v)
    if box.confidence is not None:
        record["score"] = box.confidence
    return record


def polygon_area(points: tuple[tuple[float, float], ...]) -> float:
    """The shoelace area of a simple polygon."""
    twice = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        twice += x1 * y2 - x2 * y1
    return abs(twice) / 2.0
