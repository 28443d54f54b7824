"""Export time per 1,000 images: every format of `framesieve export` and the review page.

A local dataset of N images (a 640x480 photo JPEG at q95, five boxes each, written
by fs.LocalDataset) is exported R times per format; medians are printed per 1,000
images, with baselines measured in the same run on the same dataset:
- copying the N JPEGs with shutil.copyfile (the floor of any folder export);
- supervision's DetectionDataset.as_coco / as_yolo / as_pascal_voc, given the same
  boxes as sv.Detections (their construction is not timed: only the writing).

Run: `.venv/bin/python benches/bench_export.py [--images 1000] [--repeats 5]`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import framesieve as fs
from framesieve.destinations.datapoint import Datapoint
from support.photos import photos

CLASSES = [("person", 0), ("car", 2), ("dog", 16)]


def make_dataset(root: Path, count: int) -> None:
    rgb = photos()["astronaut"][::-1, :, :][:480, :640]
    jpeg = fs.prepare_image(np.ascontiguousarray(rgb), quality=95, channel_order="rgb").jpeg
    dataset = fs.LocalDataset(root)
    rng = np.random.default_rng(0)
    for i in range(count):
        objects = []
        for k in range(5):
            name, cid = CLASSES[k % len(CLASSES)]
            x, y = rng.uniform(20, 620), rng.uniform(20, 460)
            w, h = rng.uniform(10, 200), rng.uniform(10, 200)
            objects.append(
                {"x": x, "y": y, "width": w, "height": h, "confidence": 0.5, "class": name, "class_id": cid}
            )
        annotation = json.dumps({"image": {"width": 640, "height": 480}, "predictions": objects})
        dp = Datapoint(
            seq=i, id=f"img{i:06d}", batch=f"al_2024_01_{1 + i % 3:02d}", strategy="random", tags=["bench"],
            jpeg=jpeg, prediction_type="object-detection", timestamp=1_704_067_200.0 + i,
            original_size=(640, 480), size=(640, 480), annotation=annotation, annotation_ext="json",
        )  # fmt: skip
        dataset.deliver(dp, {}, lambda state: None)


def timed(run: Callable[[Path], object], repeats: int, scratch: Path) -> float:
    """Median seconds of ``run(out)``, each time into a fresh ``out`` (removed afterwards)."""
    times = []
    for r in range(repeats):
        out = scratch / f"out{r}"
        start = time.perf_counter()
        run(out)
        times.append(time.perf_counter() - start)
        if out.is_dir():
            shutil.rmtree(out)
        for extra in scratch.glob(f"out{r}*"):
            extra.unlink()
    return statistics.median(times)


def supervision_dataset(root: Path) -> object:
    import supervision as sv

    data = fs.exports.read_dataset(root)
    names = [n for n, _ in CLASSES]
    annotations = {}
    for item in data.items:
        xyxy = np.array([[b.x1, b.y1, b.x2, b.y2] for b in item.objects], np.float32).reshape(-1, 4)
        ids = np.array([names.index(b.class_name) for b in item.objects], int)
        annotations[str(item.image)] = sv.Detections(xyxy=xyxy, class_id=ids)
    return sv.DetectionDataset(classes=names, images=list(annotations), annotations=annotations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    per = 1000 / args.images
    with tempfile.TemporaryDirectory() as tmp:
        root, scratch = Path(tmp) / "ds", Path(tmp) / "scratch"
        scratch.mkdir()
        make_dataset(root, args.images)
        size = sum(p.stat().st_size for p in root.rglob("*.jpg")) / args.images / 1024
        print(f"dataset: {args.images} images of 640x480 ({size:.0f} KiB JPEG), 5 boxes each")
        print(f"medians of {args.repeats} runs")
        jpegs = sorted(root.rglob("*.jpg"))

        def copy_all(out: Path) -> None:
            out.mkdir()
            for path in jpegs:
                shutil.copyfile(path, out / path.name)

        ours = {
            "coco": lambda out: fs.export_coco(root, out.with_suffix(".json")),
            "yolo": lambda out: fs.export_yolo(root, out),
            "yolo --link": lambda out: fs.export_yolo(root, out, link=True),
            "voc": lambda out: fs.export_voc(root, out),
            "labelstudio": lambda out: fs.export_labelstudio(root, out.with_suffix(".json")),
            "review": lambda out: fs.write_review(root, out.with_suffix(".html")),
            "review --embed": lambda out: fs.write_review(root, out.with_suffix(".html"), embed=True),
        }
        sv_dataset = supervision_dataset(root)
        theirs: dict[str, Callable[[Path], object]] = {
            "coco": lambda out: sv_dataset.as_coco(annotations_path=str(out.with_suffix(".json"))),
            "yolo": lambda out: sv_dataset.as_yolo(
                images_directory_path=str(out / "images"),
                annotations_directory_path=str(out / "labels"),
                data_yaml_path=str(out / "data.yaml"),
            ),
            "voc": lambda out: sv_dataset.as_pascal_voc(
                images_directory_path=str(out / "JPEGImages"),
                annotations_directory_path=str(out / "Annotations"),
            ),
        }
        copy_ms = timed(copy_all, args.repeats, scratch) * 1000 * per
        print(f"\nbaseline: shutil.copyfile of the JPEGs: {copy_ms:.1f} ms per 1000 images\n")
        head = ["format", "framesieve ms/1000", "x copy", "supervision as_* ms/1000", "ours / supervision"]
        print("| " + " | ".join(head) + " |")
        print("|---|---:|---:|---:|---:|")
        for name, run in ours.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ms = timed(run, args.repeats, scratch) * 1000 * per
                base = theirs.get(name.split()[0]) if name in theirs else None
                sv_ms = timed(base, args.repeats, scratch) * 1000 * per if base else None
            sv_text = f"{sv_ms:.1f}" if sv_ms else "-"
            ratio = f"{ms / sv_ms:.2f}" if sv_ms else "-"
            print(f"| {name:<15} | {ms:.1f} | {ms / copy_ms:.2f} | {sv_text} | {ratio} |")


if __name__ == "__main__":
    main()
