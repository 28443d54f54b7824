"""YOLO in the Ultralytics layout: ``images/``, ``labels/*.txt`` and ``data.yaml``.

Every line is ``cls`` then coordinates normalised to the image (0..1):

- detection: ``cls xc yc w h``;
- instance segmentation (some object has a polygon): ``cls x1 y1 x2 y2 ...``, the
  polygon, or the box's four corners for an object without one;
- pose (some object has keypoints): ``cls xc yc w h`` then ``x y v`` per keypoint
  (``kpt_shape: [K, 3]`` in ``data.yaml``; ``v`` = 2 given, 0 absent with x = y = 0).

``names`` is a list indexed by the model's ``class_id`` (a gap holds ``class_<id>``:
Ultralytics refuses a ``names`` mapping with gaps and supervision reads it by
position). ``data.yaml`` has no ``path``, so Ultralytics takes the folder it is in;
``train`` and ``val`` both name ``images`` (framesieve does not split).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from framesieve.errors import ExportError, ExportWarning
from framesieve.exports.categories import Categories, categories, slot
from framesieve.exports.dataset import Box, read_dataset
from framesieve.exports.output import ExportSummary, check_folder, file_stems, place_image, staged_folder


def _yaml() -> object:
    try:
        import yaml
    except ImportError:
        raise ExportError(
            "the YOLO export writes data.yaml with PyYAML: pip install 'framesieve[export]'"
        ) from None
    return yaml


def export_yolo(
    root: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    batch: str | None = None,
    link: bool = False,
) -> ExportSummary:
    """Writes the dataset at ``root`` as an Ultralytics YOLO folder ``output`` (absent or empty).

    ``link``: hard-link the images instead of copying them (same file system only)."""
    yaml = _yaml()
    dataset = read_dataset(Path(root), batch)
    out = check_folder(output)
    cats = categories(dataset.items)
    boxes = [box for item in dataset.items for box in item.objects]
    pose = cats.keypoint_count() > 0
    segment = not pose and any(box.polygon for box in boxes)
    if pose and any(box.polygon for box in boxes):
        warnings.warn(
            "yolo: this dataset has keypoints and polygons; YOLO labels hold one of them, so "
            "they are pose labels and the polygons are left out",
            ExportWarning,
            stacklevel=2,
        )
    stems = file_stems(dataset.items)
    with staged_folder(out) as stage:
        (stage / "images").mkdir()
        (stage / "labels").mkdir()
        for item in dataset.items:
            stem = stems[item.image_rel]
            place_image(item.image, stage / "images" / f"{stem}{item.image.suffix}", link=link)
            lines = [_line(box, item.width, item.height, cats, pose, segment) for box in item.objects]
            (stage / "labels" / f"{stem}.txt").write_text("".join(f"{line}\n" for line in lines))
        names = cats.names()
        data: dict[str, object] = {"train": "images", "val": "images", "nc": len(names), "names": names}
        if pose:
            data["kpt_shape"] = [cats.keypoint_count(), 3]
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)  # type: ignore[attr-defined]
        (stage / "data.yaml").write_text(text, encoding="utf-8")
    return ExportSummary("yolo", out, len(dataset.items), len(boxes))


def _line(box: Box, width: int, height: int, cats: Categories, pose: bool, segment: bool) -> str:
    cls = cats.ids[box.class_name]
    if segment:
        polygon = box.polygon or ((box.x1, box.y1), (box.x2, box.y1), (box.x2, box.y2), (box.x1, box.y2))
        coords = " ".join(f"{x / width:.6f} {y / height:.6f}" for x, y in polygon)
        return f"{cls} {coords}"
    xc, yc = (box.x1 + box.x2) / 2 / width, (box.y1 + box.y2) / 2 / height
    line = f"{cls} {xc:.6f} {yc:.6f} {box.width / width:.6f} {box.height / height:.6f}"
    if pose:
        values = [0.0] * (3 * cats.keypoint_count())
        for position, keypoint in enumerate(box.keypoints):
            at = 3 * slot(keypoint.index, position)
            values[at : at + 3] = [keypoint.x / width, keypoint.y / height, 2]
        line += " " + " ".join(f"{v:.6f}" if i % 3 != 2 else str(int(v)) for i, v in enumerate(values))
    return line
