"""Label Studio tasks with pre-annotations, and the labeling config they fit.

One task per image: ``data.image`` is ``image_root_url`` + the image's path in the
dataset (default ``/data/local-files/?d=``: Label Studio's local-files storage
with ``LOCAL_FILES_DOCUMENT_ROOT`` set to the dataset folder), next to the
datapoint's batch, strategy, tags and provenance. ``predictions[0]`` holds the
model's output in Label Studio's units (percent of ``original_width`` /
``original_height``, top-left corner): a ``rectanglelabels`` region per object, a
``polygonlabels`` one instead where the object has a polygon, a ``keypointlabels``
one per keypoint, a ``choices`` one for a classification; ``score`` per region is
the object's confidence, the prediction's ``score`` their mean, ``model_version``
the model id. ``<OUT stem>.label_config.xml`` beside the tasks is a labeling config
whose control names (``label``, ``polygon``, ``keypoint``, ``class``) the regions use.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote

from framesieve.exports.categories import Categories, categories
from framesieve.exports.dataset import Box, Dataset, Item, read_dataset
from framesieve.exports.output import ExportSummary, check_file, write_file
from framesieve.exports.voc import xml_text

LOCAL_FILES = "/data/local-files/?d="


def export_labelstudio(
    root: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    batch: str | None = None,
    image_root_url: str = LOCAL_FILES,
) -> ExportSummary:
    """Writes Label Studio tasks (JSON list) to ``output`` and the labeling config beside it."""
    dataset = read_dataset(Path(root), batch)
    out = check_file(output)
    config_path = check_file(config_path_for(out))
    tasks = [task(item, image_root_url) for item in dataset.items]
    config = label_config(dataset, categories(dataset.items))
    write_file(out, json.dumps(tasks, ensure_ascii=False, indent=1).encode())
    write_file(config_path, config.encode())
    return ExportSummary("labelstudio", out, len(tasks), sum(len(i.objects) for i in dataset.items))


def config_path_for(out: Path) -> Path:
    """Where the labeling config of tasks file ``out`` goes."""
    return out.with_name(f"{out.stem}.label_config.xml")


def task(item: Item, image_root_url: str) -> dict[str, Any]:
    """The Label Studio task of one image."""
    entry = item.entry
    data: dict[str, Any] = {
        "image": image_root_url + quote(item.image_rel),
        "framesieve_id": item.id,
        "batch": item.batch,
        "strategy": item.strategy,
        "tags": list(item.tags),
    }
    for key in ("image_name", "metadata", "timestamp", "model_id", "inference_id"):
        if entry.get(key) is not None:
            data[key] = entry[key]
    result: list[dict[str, Any]] = []
    for box in item.objects:
        result.extend(_regions(box, item, len(result)))
    if item.label is not None:
        region = _region(item, len(result), "class", "choices", {"choices": [xml_text(item.label)]})
        result.append(region)
    out: dict[str, Any] = {"data": data}
    if result:
        scores = [b.confidence for b in item.objects if b.confidence is not None]
        prediction: dict[str, Any] = {
            "model_version": entry.get("model_id") or "framesieve",
            "result": result,
        }
        if scores:
            prediction["score"] = _unit(sum(scores) / len(scores))
        out["predictions"] = [prediction]
    return out


def _regions(box: Box, item: Item, first: int) -> list[dict[str, Any]]:
    w, h = item.width, item.height
    if box.polygon:
        points = [[100 * x / w, 100 * y / h] for x, y in box.polygon]
        value: dict[str, Any] = {
            "points": points,
            "closed": True,
            "polygonlabels": [xml_text(box.class_name)],
        }
        regions = [_region(item, first, "polygon", "polygonlabels", value, box.confidence)]
    else:
        value = {
            "x": 100 * box.x1 / w,
            "y": 100 * box.y1 / h,
            "width": 100 * box.width / w,
            "height": 100 * box.height / h,
            "rotation": 0,
            "rectanglelabels": [xml_text(box.class_name)],
        }
        regions = [_region(item, first, "label", "rectanglelabels", value, box.confidence)]
    for keypoint in box.keypoints:
        value = {"x": 100 * keypoint.x / w, "y": 100 * keypoint.y / h, "width": 0.5}
        value["keypointlabels"] = [xml_text(keypoint.name)]
        region = _region(item, first + len(regions), "keypoint", "keypointlabels", value, keypoint.confidence)
        regions.append(region)
    return regions


def _region(
    item: Item, index: int, control: str, kind: str, value: dict[str, Any], score: float | None = None
) -> dict[str, Any]:
    region: dict[str, Any] = {
        "id": f"fs{index}",
        "from_name": control,
        "to_name": "image",
        "type": kind,
        "original_width": item.width,
        "original_height": item.height,
        "image_rotation": 0,
        "value": value,
    }
    if score is not None:
        region["score"] = _unit(score)
    return region


def _unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def label_config(dataset: Dataset, cats: Categories) -> str:
    """A labeling config (XML) with every class, keypoint name (in skeleton order) and
    classification label."""
    boxes = [box for item in dataset.items for box in item.objects]
    skeletons = [name for names in cats.keypoints.values() for name in names]
    view = ET.Element("View")
    ET.SubElement(view, "Image", name="image", value="$image", zoom="true")
    controls = [
        ("RectangleLabels", "label", [b.class_name for b in boxes if not b.polygon]),
        ("PolygonLabels", "polygon", [b.class_name for b in boxes if b.polygon]),
        ("KeyPointLabels", "keypoint", [*skeletons, *(k.name for b in boxes for k in b.keypoints)]),
        ("Choices", "class", [i.label for i in dataset.items if i.label is not None]),
    ]
    for tag, name, values in controls:
        if not values and tag != "RectangleLabels":
            continue
        control = ET.SubElement(view, tag, name=name, toName="image")
        for value in dict.fromkeys(values):
            ET.SubElement(control, "Choice" if tag == "Choices" else "Label", value=xml_text(value))
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"
