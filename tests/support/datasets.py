"""Local datasets written by the real engine (``fs.ActiveLearning`` into ``fs.LocalDataset``),
for the export and review tests: real photos, real JPEGs, rescaled annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import framesieve as fs
from support.photos import photos

DAY = 86400.0
T0 = 1_704_067_200.0  # 2024-01-01 00:00 UTC: batches al_2024_01_01, al_2024_01_02, ...


def engine_config(max_size: list[int] | None = None) -> dict[str, Any]:
    """Daily batches; "first" takes at most two frames a day, then "rest" takes the others."""
    cfg: dict[str, Any] = {
        "enabled": True,
        "persist_predictions": True,
        "sampling_strategies": [
            {
                "name": "first",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "daily", "value": 2}],
                "tags": ["early"],
            },
            {"name": "rest", "type": "random", "traffic_percentage": 1.0},
        ],
        "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "daily"},
        "tags": ["test"],
    }
    if max_size is not None:
        cfg["max_image_size"] = max_size
    return cfg


def obj(cls: str, cid: int | None, x1: float, y1: float, x2: float, y2: float, conf: float) -> dict[str, Any]:
    """A Roboflow-JSON object from corners (the JSON holds the centre)."""
    out: dict[str, Any] = {
        "x": (x1 + x2) / 2,
        "y": (y1 + y2) / 2,
        "width": x2 - x1,
        "height": y2 - y1,
        "confidence": conf,
        "class": cls,
    }
    if cid is not None:
        out["class_id"] = cid
    return out


def photo(name: str, width: int, height: int) -> np.ndarray:
    """A BGR photo of skimage's, resized to ``width`` x ``height``."""
    rgb = photos()[name]
    return np.ascontiguousarray(cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)[:, :, ::-1])


def detection_frames() -> list[tuple[np.ndarray, dict[str, Any], str, dict[str, Any]]]:
    """(frame, prediction, type, provenance) at 640x480, as the model saw them: the model's
    class ids are person 7, face 0 and car 2; boxes cross the image edge; one lies outside."""
    frames = []
    names = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left"]
    for i, name in enumerate(names):
        objects = [
            obj("person", 7, 100 + 10 * i, 60, 300 + 10 * i, 420, 0.91 - 0.1 * i),
            obj("face", 0, 180, 90, 250, 170, 0.55),
        ]
        if i == 1:
            objects.append(obj("car", 2, -10, 400, 120, 505, 0.42))  # crosses the left and bottom edges
        if i == 2:
            objects.append(obj("car", 2, 700, 10, 760, 40, 0.3))  # wholly outside: left out
        prediction = {"image": {"width": 640, "height": 480}, "predictions": objects}
        provenance = {"image_name": f"{name}_f{i:04d}", "metadata": {"source": f"{name}.mp4", "frame": i}}
        frames.append((photo(name, 640, 480), prediction, "object-detection", provenance))
    top = {
        "predictions": [{"class": "cat", "class_id": 3, "confidence": 0.8}],
        "top": "cat",
        "confidence": 0.8,
    }
    frames.append((photo("chelsea", 640, 480), top, "classification", {"image_name": "chelsea_cls"}))
    stub = {"is_stub": True, "model_id": "p/0", "task_type": "object-detection", "time": 0.1}
    frames.append((photo("rocket", 640, 480), stub, "object-detection", {}))
    return frames


def segmentation_frames() -> list[tuple[np.ndarray, dict[str, Any], str, dict[str, Any]]]:
    frames = []
    for i, name in enumerate(["coffee", "chelsea", "astronaut"]):
        cup = obj("cup", 1, 200, 100, 400, 300, 0.8)
        cup["points"] = [
            {"x": 300, "y": 100 + 5 * i},
            {"x": 400, "y": 200},
            {"x": 300, "y": 300},
            {"x": 200, "y": 200},
        ]
        plate = obj("plate", 4, 500, 300, 700, 460, 0.6)  # crosses the right edge; its polygon too
        plate["points"] = [
            {"x": 500, "y": 300},
            {"x": 700, "y": 300},
            {"x": 700, "y": 460},
            {"x": 500, "y": 460},
        ]
        prediction = {"image": {"width": 640, "height": 480}, "predictions": [cup, plate]}
        frames.append((photo(name, 640, 480), prediction, "instance-segmentation", {}))
    return frames


KEYPOINT_NAMES = ["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"]


def keypoint_frames() -> list[tuple[np.ndarray, dict[str, Any], str, dict[str, Any]]]:
    frames = []
    for i, name in enumerate(["astronaut", "coffee"]):
        face = obj("face", 0, 200, 80, 320, 240, 0.9 - 0.2 * i)
        points = [(230, 130), (290, 130), (260, 165), (235, 200), (285, 200)]
        face["keypoints"] = [
            {"x": x + 4 * i, "y": y, "confidence": 0.7, "class": KEYPOINT_NAMES[k], "class_id": k}
            for k, (x, y) in enumerate(points)
            if not (i == 1 and k == 2)  # the model gave no nose for the second face
        ]
        prediction = {"image": {"width": 640, "height": 480}, "predictions": [face]}
        frames.append((photo(name, 640, 480), prediction, "keypoint-detection", {}))
    return frames


def mixed_frames() -> list[tuple[np.ndarray, dict[str, Any], str, dict[str, Any]]]:
    """Every kind in one dataset (what the review page shows)."""
    return detection_frames() + segmentation_frames() + keypoint_frames()


KINDS = {
    "detection": detection_frames,
    "segmentation": segmentation_frames,
    "keypoints": keypoint_frames,
    "mixed": mixed_frames,
}


def make_dataset(root: Path, kind: str = "detection", *, max_size: list[int] | None = None) -> Path:
    """A dataset of ``kind`` at ``root``, written by the engine; frame i is on day i // 3.

    ``max_size`` ([height, width]) makes the engine downscale (the default, [240, 320],
    halves the 640x480 frames)."""
    cfg = fs.load_config(engine_config(max_size or [240, 320]))
    with fs.ActiveLearning(
        cfg, root, outbox=root.parent / f"{root.name}-outbox", model_id="p/3", seed=1
    ) as al:
        for i, (image, prediction, task, provenance) in enumerate(KINDS[kind]()):
            al.register(image, prediction, task, timestamp=T0 + DAY * (i // 3) + i, **provenance)
        assert al.flush(30), al.stats()
    return root


def manifest(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines() if line.strip()]


def stored_boxes(root: Path, entry: dict[str, Any]) -> list[tuple[str, list[float]]]:
    """(class, [x1, y1, x2, y2]) of an entry's annotation, clipped to its stored JPEG, whose size
    is read from the JPEG itself; boxes left with no area are dropped."""
    if not entry["annotation"] or not entry["annotation"].endswith(".json"):
        return []
    image = cv2.imread(str(root / entry["image"]))
    height, width = image.shape[:2]
    out = []
    for o in json.loads((root / entry["annotation"]).read_text())["predictions"]:
        x1, x2 = max(0.0, o["x"] - o["width"] / 2), min(width, o["x"] + o["width"] / 2)
        y1, y2 = max(0.0, o["y"] - o["height"] / 2), min(height, o["y"] + o["height"] / 2)
        if x2 > x1 and y2 > y1:
            out.append((o["class"], [x1, y1, x2, y2]))
    return out
