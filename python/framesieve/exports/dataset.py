"""A local dataset read for export: the manifest checked line by line, annotations parsed.

The manifest is what :class:`framesieve.LocalDataset` writes, but an export trusts
none of it: every line must be a JSON object with the fields an export needs, and
every path it names must lie inside the dataset folder (a tampered line could
otherwise make an export read files anywhere). A line that is not JSON at all is
what a crash mid-write leaves; it is skipped, as the dataset itself skips it.
Coordinates are pixels of the stored JPEG (the engine rescaled them), clipped to
the image here, once, for every format.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framesieve.destinations.local import MANIFEST
from framesieve.errors import ExportError, ExportWarning


@dataclass(frozen=True, slots=True)
class Keypoint:
    """One keypoint of an object; ``index`` is its place in the skeleton (its ``class_id``)."""

    name: str
    index: int | None
    x: float
    y: float
    confidence: float | None


@dataclass(frozen=True, slots=True)
class Box:
    """One object: its box ``x1 y1 x2 y2`` clipped to the image, and what else it has."""

    class_name: str
    class_id: int | None
    x1: float
    y1: float
    x2: float
    y2: float
    confidence: float | None
    polygon: tuple[tuple[float, float], ...] | None
    keypoints: tuple[Keypoint, ...]

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1


@dataclass(frozen=True, slots=True)
class Item:
    """One collected image and its annotation, as an export sees it."""

    line: int
    id: str
    batch: str
    strategy: str | None
    tags: tuple[str, ...]
    image: Path
    image_rel: str
    width: int
    height: int
    prediction_type: str | None
    objects: tuple[Box, ...]
    label: str | None
    entry: dict[str, Any]


@dataclass
class Dataset:
    """The images an export covers (one batch, or all), in manifest order."""

    root: Path
    items: list[Item]
    batches: list[str]
    batch: str | None


def read_dataset(root: str | Path, batch: str | None = None) -> Dataset:
    """The dataset at ``root``; :class:`ExportError` when it is none, is malformed or
    lacks ``batch``. Images listed but gone (deleted by hand) are left out with a warning."""
    folder = Path(root)
    if not folder.is_dir():
        raise ExportError(f"{str(folder)!r} is not a framesieve dataset: no such folder")
    manifest = folder / MANIFEST
    if not manifest.is_file():
        why = f"it has no {MANIFEST} (a dataset gets it with its first image)"
        raise ExportError(f"{str(folder)!r} is not a framesieve dataset: {why}")
    folder = folder.resolve()
    entries = list(_entries(manifest))
    batches = list(dict.fromkeys(entry["batch"] for _, entry in entries))
    if batch is not None and batch not in batches:
        known = ", ".join(repr(b) for b in sorted(batches)) if batches else "none"
        raise ExportError(f"no batch {batch!r} in {str(folder)!r}; its batches: {known}")
    items: list[Item] = []
    seen: set[str] = set()
    missing: list[str] = []
    for line, entry in entries:
        if batch is not None and entry["batch"] != batch:
            continue
        image = _inside(folder, entry["image"], line, "image")
        if entry["image"] in seen:  # a line repeated by hand: one image, exported once
            continue
        seen.add(entry["image"])
        if not image.is_file():
            missing.append(entry["image"])
            continue
        items.append(_item(folder, line, entry, image))
    if missing:
        warnings.warn(
            f"{len(missing)} image(s) listed in {MANIFEST} are gone and were left out (first: {missing[0]})",
            ExportWarning,
            stacklevel=2,
        )
    return Dataset(folder, items, batches, batch)


def _entries(manifest: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ExportError(f"cannot read {str(manifest)!r}: {e}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except ValueError:
            continue  # a line torn by a crash mid-write; the dataset skips it too
        if not isinstance(entry, dict):
            raise ExportError(f"{MANIFEST} line {number}: expected a JSON object, got {_kind(entry)}")
        _check_entry(entry, number)
        yield number, entry


def _check_entry(entry: dict[str, Any], line: int) -> None:
    where = f"{MANIFEST} line {line}"
    for key in ("id", "batch", "image"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ExportError(f"{where}: {key!r} must be a non-empty string, got {_kind(entry.get(key))}")
    size = entry.get("size")
    if not (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ExportError(f"{where}: 'size' must be [width, height] in pixels, got {_kind(size)}")
    annotation = entry.get("annotation")
    if annotation is not None and not isinstance(annotation, str):
        raise ExportError(f"{where}: 'annotation' must be a path or null, got {_kind(annotation)}")
    tags = entry.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ExportError(f"{where}: 'tags' must be a list of strings, got {_kind(tags)}")
    for key in ("strategy", "prediction_type"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise ExportError(f"{where}: {key!r} must be a string, got {_kind(entry[key])}")


def _inside(root: Path, rel: str, line: int, key: str) -> Path:
    """``root / rel``, refused unless it resolves (symbolic links followed) inside ``root``."""
    # os.path on strings: a third of the cost of pathlib's resolve() and parents, per image
    base = str(root)
    resolved = os.path.realpath(os.path.join(base, rel))
    if os.path.isabs(rel) or not resolved.startswith(base.rstrip(os.sep) + os.sep):
        raise ExportError(f"{MANIFEST} line {line}: {key} {rel!r} lies outside the dataset folder")
    return Path(resolved)


def _item(root: Path, line: int, entry: dict[str, Any], image: Path) -> Item:
    width, height = entry["size"]
    objects: tuple[Box, ...] = ()
    label = None
    rel = entry.get("annotation")
    if rel:
        path = _inside(root, rel, line, "annotation")
        if path.suffix == ".json":
            objects = read_objects(path, rel, width, height)
        elif path.suffix == ".txt":
            label = _read_text(path, rel).strip() or None
        else:
            raise ExportError(f"{MANIFEST} line {line}: annotation {rel!r} is neither .json nor .txt")
    return Item(
        line=line,
        id=entry["id"],
        batch=entry["batch"],
        strategy=entry.get("strategy"),
        tags=tuple(entry.get("tags") or ()),
        image=image,
        image_rel=entry["image"],
        width=width,
        height=height,
        prediction_type=entry.get("prediction_type"),
        objects=objects,
        label=label,
        entry=entry,
    )


def _read_text(path: Path, rel: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ExportError(f"{rel}: cannot read the annotation: {e}") from None


def read_objects(path: Path, rel: str, width: int, height: int) -> tuple[Box, ...]:
    """The objects of a Roboflow-JSON annotation file, clipped to ``width`` x ``height``;
    an object left with no area inside the image is dropped (with a warning)."""
    try:
        data = json.loads(_read_text(path, rel))
        raw = data.get("predictions", []) if isinstance(data, dict) else None
        if not isinstance(raw, list):
            raise ValueError("'predictions' must be a list")
        objects = [_box(obj, width, height) for obj in raw]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ExportError(f"{rel}: not a detection annotation: {e}") from None
    kept = tuple(obj for obj in objects if obj is not None)
    if len(kept) < len(objects):
        warnings.warn(
            f"{rel}: {len(objects) - len(kept)} object(s) lie outside the image and were left out",
            ExportWarning,
            stacklevel=3,
        )
    return kept


def _box(obj: Any, width: int, height: int) -> Box | None:
    if not isinstance(obj, dict):
        raise ValueError(f"expected an object, got {_kind(obj)}")
    x, y = _number(obj, "x"), _number(obj, "y")
    w, h = _number(obj, "width"), _number(obj, "height")
    if w < 0 or h < 0:
        raise ValueError(f"negative width or height ({w}, {h})")
    x1, x2 = _clip(x - w / 2, width), _clip(x + w / 2, width)
    y1, y2 = _clip(y - h / 2, height), _clip(y + h / 2, height)
    if x2 <= x1 or y2 <= y1:
        return None
    class_id = _class_id(obj.get("class_id"))
    name = obj.get("class")
    name = str(name) if name is not None else (str(class_id) if class_id is not None else "object")
    confidence = _number(obj, "confidence") if obj.get("confidence") is not None else None
    points = obj.get("points") or []
    polygon = tuple((_clip(_number(p, "x"), width), _clip(_number(p, "y"), height)) for p in points)
    keypoints = tuple(_keypoint(k, i, width, height) for i, k in enumerate(obj.get("keypoints") or []))
    return Box(name, class_id, x1, y1, x2, y2, confidence, polygon if len(polygon) >= 3 else None, keypoints)


def _keypoint(obj: Any, position: int, width: int, height: int) -> Keypoint:
    if not isinstance(obj, dict):
        raise ValueError(f"keypoint: expected an object, got {_kind(obj)}")
    index = _class_id(obj.get("class_id"))
    name = obj.get("class")
    name = str(name) if name is not None else str(index if index is not None else position)
    confidence = _number(obj, "confidence") if obj.get("confidence") is not None else None
    return Keypoint(
        name, index, _clip(_number(obj, "x"), width), _clip(_number(obj, "y"), height), confidence
    )


def _number(obj: Any, key: str) -> float:
    if not isinstance(obj, dict):
        raise ValueError(f"expected an object, got {_kind(obj)}")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key!r}: expected a finite number, got {value!r}")
    return float(value)


def _class_id(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'class_id': expected an integer >= 0, got {value!r}")
    return value


def _clip(value: float, limit: int) -> float:
    return min(max(value, 0.0), float(limit))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    text = json.dumps(value) if isinstance(value, str | int | float | bool) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."
