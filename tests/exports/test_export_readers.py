"""Each export read back by the tools' own readers: pycocotools, supervision's from_coco /
from_yolo / from_pascal_voc, Label Studio's LabelInterface. Every box must equal the
dataset's annotation, clipped to the stored JPEG (its size read from the JPEG), within 1 px."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import supervision as sv
import yaml
from pycocotools.coco import COCO

import framesieve as fs
from support.datasets import KEYPOINT_NAMES, manifest, stored_boxes

KINDS = ["detection", "segmentation", "keypoints"]
#: class -> the model's class_id, in the datasets of support/datasets.py
MODEL_IDS = {"person": 7, "face": 0, "car": 2, "cup": 1, "plate": 4}


def quiet(kind: str) -> Any:
    """The detection dataset has one object wholly outside its image: the export warns once."""
    return (
        pytest.warns(fs.ExportWarning, match="outside the image")
        if kind == "detection"
        else contextlib.nullcontext()
    )


def expected(root: Path) -> dict[str, list[tuple[str, list[float]]]]:
    """image path in the dataset -> sorted (class, clipped xyxy) from the annotation files."""
    return {e["image"]: sorted(stored_boxes(root, e)) for e in manifest(root)}


def close(got: list[tuple[str, list[float]]], want: list[tuple[str, list[float]]], tol: float = 1.0) -> bool:
    got, want = sorted(got), sorted(want)
    return len(got) == len(want) and all(
        g[0] == w[0] and np.allclose(g[1], w[1], atol=tol, rtol=0) for g, w in zip(got, want, strict=True)
    )


def named(dataset: sv.DetectionDataset, detections: sv.Detections) -> list[tuple[str, list[float]]]:
    """(class name, xyxy) of what a supervision reader read."""
    pairs = zip(detections.class_id, detections.xyxy, strict=True)
    return [(dataset.classes[c], [float(v) for v in b]) for c, b in pairs]


def jpeg_size(path: Path) -> tuple[int, int]:
    image = cv2.imread(str(path))
    assert image is not None, path
    return image.shape[1], image.shape[0]


def stem_to_entry(root: Path) -> dict[str, dict[str, Any]]:
    return {Path(e["image"]).stem: e for e in manifest(root)}


def polygons(root: Path, entry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The annotation's polygons clipped to the stored image, from the annotation file."""
    width, height = jpeg_size(root / entry["image"])
    objects = json.loads((root / entry["annotation"]).read_text())["predictions"]
    return [[(min(max(p["x"], 0), width), min(max(p["y"], 0), height)) for p in o["points"]] for o in objects]


# pycocotools 2.0.x's mask decoder trips numpy 2's __array__(copy=) deprecation itself
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
@pytest.mark.parametrize("kind", KINDS)
def test_coco_by_pycocotools_and_supervision(datasets: dict[str, Path], tmp_path: Path, kind: str) -> None:
    root, out = datasets[kind], tmp_path / "coco.json"
    with quiet(kind):
        fs.export_coco(root, out)
    coco = COCO(str(out))
    want = expected(root)
    assert len(coco.imgs) == len(manifest(root))  # downscaled, classified and stub frames all there
    for image_id, image in coco.imgs.items():
        assert (image["width"], image["height"]) == jpeg_size(root / image["file_name"]) == (320, 240)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id]))
        got = [(coco.cats[a["category_id"]]["name"], _xywh_to_xyxy(a["bbox"])) for a in anns]
        assert close(got, want[image["file_name"]]), image["file_name"]
        for ann in anns:  # every annotation rasterises (segmentation is never [])
            mask = coco.annToMask(ann)
            ys, xs = np.nonzero(mask)
            assert mask.shape == (image["height"], image["width"]) and len(xs) > 0
            assert abs(mask.sum() - ann["area"]) <= 2 * (ann["bbox"][2] + ann["bbox"][3]) + 4
            x1, y1, x2, y2 = _xywh_to_xyxy(ann["bbox"])
            assert xs.min() >= x1 - 1 and xs.max() <= x2 and ys.min() >= y1 - 1 and ys.max() <= y2
    for category in coco.cats.values():  # ids are the model's class_id + 1
        assert category["id"] == MODEL_IDS[category["name"]] + 1
    dataset = sv.DetectionDataset.from_coco(
        images_directory_path=str(root), annotations_path=str(out), force_masks=kind == "segmentation"
    )
    assert len(dataset) == len(coco.imgs)
    for path, _, detections in dataset:
        rel = Path(path).relative_to(root).as_posix()
        got = named(dataset, detections)
        assert close(got, want[rel]), rel
        if kind == "segmentation":
            assert detections.mask is not None and all(m.sum() > 0 for m in detections.mask)


def _xywh_to_xyxy(b: list[float]) -> list[float]:
    return [b[0], b[1], b[0] + b[2], b[1] + b[3]]


def test_coco_keypoint_categories_name_their_keypoints(datasets: dict[str, Path], tmp_path: Path) -> None:
    root = datasets["keypoints"]
    fs.export_coco(root, tmp_path / "coco.json")
    coco = COCO(str(tmp_path / "coco.json"))
    (face,) = coco.cats.values()
    assert face["name"] == "face" and face["keypoints"] == KEYPOINT_NAMES
    for ann in coco.anns.values():
        image = coco.imgs[ann["image_id"]]
        entry = next(e for e in manifest(root) if e["image"] == image["file_name"])
        (obj,) = json.loads((root / entry["annotation"]).read_text())["predictions"]
        flat = ann["keypoints"]
        assert len(flat) == 3 * len(KEYPOINT_NAMES)
        given = {k["class_id"]: k for k in obj["keypoints"]}
        for k in range(len(KEYPOINT_NAMES)):
            x, y, v = flat[3 * k : 3 * k + 3]
            if k in given:
                assert v == 2 and abs(x - given[k]["x"]) <= 1 and abs(y - given[k]["y"]) <= 1
            else:
                assert (x, y, v) == (0, 0, 0)
        assert ann["num_keypoints"] == len(given)


@pytest.mark.parametrize("kind", KINDS)
def test_yolo_by_supervision(datasets: dict[str, Path], tmp_path: Path, kind: str) -> None:
    root, out = datasets[kind], tmp_path / "yolo"
    with quiet(kind):
        summary = fs.export_yolo(root, out)
    assert summary.images == len(manifest(root))
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert data["train"] == data["val"] == "images" and data["nc"] == len(data["names"])
    for name, index in MODEL_IDS.items():  # names by the model's class_id
        if any(name == c for boxes in expected(root).values() for c, _ in boxes):
            assert data["names"][index] == name
    dataset = sv.DetectionDataset.from_yolo(
        images_directory_path=str(out / "images"),
        annotations_directory_path=str(out / "labels"),
        data_yaml_path=str(out / "data.yaml"),
    )
    entries = stem_to_entry(root)
    assert sorted(Path(p).stem for p in dataset.image_paths) == sorted(entries)
    for path, image, detections in dataset:
        entry = entries[Path(path).stem]
        assert (image.shape[1], image.shape[0]) == tuple(entry["size"])
        assert (out / "images" / Path(path).name).read_bytes() == (root / entry["image"]).read_bytes()
        got = named(dataset, detections)
        # a YOLO segment's box is its polygon's bounds
        want = polygon_bounds(root, entry) if kind == "segmentation" else stored_boxes(root, entry)
        assert close(got, want), entry["image"]


def polygon_bounds(root: Path, entry: dict[str, Any]) -> list[tuple[str, list[float]]]:
    objects = json.loads((root / entry["annotation"]).read_text())["predictions"]
    out = []
    for o, p in zip(objects, polygons(root, entry), strict=True):
        xs, ys = [x for x, _ in p], [y for _, y in p]
        out.append((o["class"], [min(xs), min(ys), max(xs), max(ys)]))
    return out


def test_yolo_segment_lines_hold_the_polygons(datasets: dict[str, Path], tmp_path: Path) -> None:
    root = datasets["segmentation"]
    fs.export_yolo(root, tmp_path / "yolo")
    for stem, entry in stem_to_entry(root).items():
        width, height = entry["size"]
        lines = (tmp_path / "yolo" / "labels" / f"{stem}.txt").read_text().splitlines()
        for line, polygon in zip(lines, polygons(root, entry), strict=True):
            values = [float(v) for v in line.split()[1:]]
            points = [(values[i] * width, values[i + 1] * height) for i in range(0, len(values), 2)]
            assert np.allclose(points, polygon, atol=1)


def test_yolo_pose_lines_hold_the_keypoints(datasets: dict[str, Path], tmp_path: Path) -> None:
    root = datasets["keypoints"]
    fs.export_yolo(root, tmp_path / "yolo")
    data = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert data["kpt_shape"] == [len(KEYPOINT_NAMES), 3] and data["names"] == ["face"]
    for stem, entry in stem_to_entry(root).items():
        width, height = entry["size"]
        (line,) = (tmp_path / "yolo" / "labels" / f"{stem}.txt").read_text().splitlines()
        values = [float(v) for v in line.split()]
        assert len(values) == 5 + 3 * len(KEYPOINT_NAMES)
        (obj,) = json.loads((root / entry["annotation"]).read_text())["predictions"]
        given = {k["class_id"]: k for k in obj["keypoints"]}
        for k in range(len(KEYPOINT_NAMES)):
            x, y, v = values[5 + 3 * k : 8 + 3 * k]
            if k in given:
                assert v == 2 and abs(x * width - given[k]["x"]) <= 1 and abs(y * height - given[k]["y"]) <= 1
            else:
                assert (x, y, v) == (0, 0, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_voc_by_supervision(datasets: dict[str, Path], tmp_path: Path, kind: str) -> None:
    root, out = datasets[kind], tmp_path / "voc"
    with quiet(kind):
        fs.export_voc(root, out)
    dataset = sv.DetectionDataset.from_pascal_voc(
        images_directory_path=str(out / "JPEGImages"), annotations_directory_path=str(out / "Annotations")
    )
    entries = stem_to_entry(root)
    assert sorted(Path(p).stem for p in dataset.image_paths) == sorted(entries)
    listed = (out / "ImageSets" / "Main" / "default.txt").read_text().split()
    assert sorted(listed) == sorted(entries)
    for path, _, detections in dataset:
        entry = entries[Path(path).stem]
        got = named(dataset, detections)
        # integer pixels, 1-based by the devkit's convention: back within rounding (0.5 px)
        assert close(got, stored_boxes(root, entry), tol=0.5), entry["image"]
        if kind == "segmentation":  # the polygons come back as masks
            assert detections.mask is not None
            for mask, polygon in zip(detections.mask, polygons(root, entry), strict=True):
                assert abs(int(mask.sum()) - _area(polygon)) <= _perimeter(polygon) + 4


def _edges(points: list[tuple[float, float]]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    return list(zip(points, points[1:] + points[:1], strict=True))


def _area(points: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in _edges(points))) / 2


def _perimeter(points: list[tuple[float, float]]) -> float:
    return sum(float(np.hypot(x2 - x1, y2 - y1)) for (x1, y1), (x2, y2) in _edges(points))


@pytest.mark.parametrize("kind", KINDS)
def test_labelstudio_by_its_own_validator(datasets: dict[str, Path], tmp_path: Path, kind: str) -> None:
    from label_studio_sdk.label_interface import LabelInterface

    root, out = datasets[kind], tmp_path / "tasks.json"
    with quiet(kind):
        fs.export_labelstudio(root, out)
    interface = LabelInterface((tmp_path / "tasks.label_config.xml").read_text())
    interface.validate()  # the config itself: Label Studio's schema, unique names, toName targets
    tasks = json.loads(out.read_text())
    by_image = {e["image"]: e for e in manifest(root)}
    assert len(tasks) == len(by_image)
    for task in tasks:
        rel = task["data"]["image"].removeprefix("/data/local-files/?d=")
        entry = by_image[rel]
        assert task["data"]["batch"] == entry["batch"] and task["data"]["strategy"] == entry["strategy"]
        if entry["annotation"] is None:
            assert "predictions" not in task
            continue
        (prediction,) = task["predictions"]
        assert interface.validate_prediction(prediction, return_errors=True) == []
        assert prediction["model_version"] == "p/3"
        width, height = jpeg_size(root / rel)
        got = []
        for region in prediction["result"]:
            assert (region["original_width"], region["original_height"]) == (width, height)
            value = region["value"]
            if region["type"] == "rectanglelabels":
                x1, y1 = value["x"] * width / 100, value["y"] * height / 100
                box = [x1, y1, x1 + value["width"] * width / 100, y1 + value["height"] * height / 100]
                got.append((value["rectanglelabels"][0], box))
            elif region["type"] == "polygonlabels":
                xs = [p[0] * width / 100 for p in value["points"]]
                ys = [p[1] * height / 100 for p in value["points"]]
                got.append((value["polygonlabels"][0], [min(xs), min(ys), max(xs), max(ys)]))
            elif region["type"] == "choices":
                assert value["choices"] == [(root / entry["annotation"]).read_text().strip()]
        if kind != "segmentation":
            assert close(got, stored_boxes(root, entry)), rel
        else:
            assert len(got) == len(polygons(root, entry))
