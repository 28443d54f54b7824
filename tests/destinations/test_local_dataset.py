"""LocalDataset: layout, manifest, idempotent re-delivery, hostile names (exports: tests/exports/)."""

from __future__ import annotations

import json
import os

import pytest

from framesieve import InvalidInputError, LocalDataset, PermanentDeliveryError
from support.engine_helpers import datapoint


def _deliver(dataset, dp):
    return dataset.deliver(dp, {}, lambda state: None)


def _all_files(path):
    return sorted(os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs)


def test_layout_and_manifest(tmp_path):
    dataset = LocalDataset(tmp_path / "ds")
    dp = datapoint(
        1,
        image_name="cam1/frame.png",
        metadata={"camera": "north", "n": 3},
        inference_id="inf-1",
        model_id="p/2",
    )
    result = _deliver(dataset, dp)
    assert not result.duplicate
    root = tmp_path / "ds"
    assert (root / "al_2024_01_01" / "images" / "dp0001.jpg").read_bytes() == dp.jpeg
    assert (root / "al_2024_01_01" / "annotations" / "dp0001.json").read_text() == dp.annotation
    (line,) = (root / "manifest.jsonl").read_text().splitlines()
    entry = json.loads(line)
    assert entry["id"] == "dp0001" and entry["batch"] == "al_2024_01_01" and entry["strategy"] == "s1"
    assert entry["tags"] == ["a", "b"] and entry["metadata"] == {"camera": "north", "n": 3}
    assert entry["image_name"] == "frame.png"  # last component only
    assert entry["inference_id"] == "inf-1" and entry["model_id"] == "p/2"
    assert entry["timestamp"] == dp.timestamp
    assert entry["original_size"] == [64, 48] and entry["size"] == [32, 24]
    assert entry["image"] == "al_2024_01_01/images/dp0001.jpg"
    assert entry["annotation"] == "al_2024_01_01/annotations/dp0001.json"
    assert dataset.batch_image_count("al_2024_01_01") == 1
    assert dataset.batch_image_count("other") == 0
    assert not any(name.endswith(".tmp") for name in _all_files(root))


def test_classification_is_a_txt_and_no_annotation_means_none(tmp_path):
    dataset = LocalDataset(tmp_path)
    _deliver(dataset, datapoint(1, prediction_type="classification", annotation="cat", annotation_ext="txt"))
    _deliver(dataset, datapoint(2, annotation=None, annotation_ext=None))
    assert (tmp_path / "al_2024_01_01" / "annotations" / "dp0001.txt").read_text() == "cat"
    assert not (tmp_path / "al_2024_01_01" / "annotations" / "dp0002.json").exists()
    assert [e["annotation"] for e in dataset.manifest()] == ["al_2024_01_01/annotations/dp0001.txt", None]


def test_redelivery_after_a_crash_writes_one_manifest_line(tmp_path):
    dataset = LocalDataset(tmp_path)
    dp = datapoint(1)
    _deliver(dataset, dp)
    _deliver(dataset, dp)
    assert [e["id"] for e in dataset.manifest()] == ["dp0001"]


def test_a_torn_manifest_line_does_not_swallow_the_next(tmp_path):
    dataset = LocalDataset(tmp_path)
    _deliver(dataset, datapoint(1))
    with open(tmp_path / "manifest.jsonl", "a") as f:
        f.write('{"id": "torn", "bat')  # a crash in the middle of a write
    _deliver(dataset, datapoint(2))
    assert [e["id"] for e in dataset.manifest()] == ["dp0001", "dp0002"]


@pytest.mark.parametrize(
    ("batch", "image_name", "ident"),
    [
        ("../../escape", "../../../etc/passwd", "x"),
        ("/abs/olute", "/etc/passwd", "../../id"),
        ("..", "..", ".."),
        (".", "a\x00b\nc", "./."),
        ("a/../../b", "C:\\windows\\system32", "a\\b"),
    ],
)
def test_hostile_names_never_escape_the_root(tmp_path, batch, image_name, ident):
    root = tmp_path / "root"
    dataset = LocalDataset(root)
    _deliver(dataset, datapoint(1, batch=batch, image_name=image_name, id=ident))
    assert _all_files(tmp_path) == [os.path.join("root", f) for f in _all_files(root)]
    files = _all_files(root)
    assert len([f for f in files if f.endswith(".jpg")]) == 1
    entry = dataset.manifest()[0]
    assert entry["batch"] == batch  # recorded as given, used as a path only once sanitised
    assert entry["image_name"] is None or (
        "/" not in entry["image_name"] and "\x00" not in entry["image_name"]
    )


def test_a_manifest_symlink_is_never_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    root = tmp_path / "ds"
    root.mkdir()
    (root / "manifest.jsonl").symlink_to(outside)
    with pytest.raises(InvalidInputError, match="symlink"):
        LocalDataset(root)
    (root / "manifest.jsonl").unlink()
    dataset = LocalDataset(root)
    (root / "manifest.jsonl").symlink_to(outside)  # swapped in after the start
    with pytest.raises(PermanentDeliveryError):
        dataset.deliver(datapoint(1), {}, lambda state: None)
    assert outside.read_text() == "keep\n"


def test_a_batch_named_like_the_manifest_does_not_break_delivery(tmp_path):
    dataset = LocalDataset(tmp_path / "ds")
    dataset.deliver(datapoint(1, batch="manifest.jsonl"), {}, lambda state: None)
    dataset.deliver(datapoint(2), {}, lambda state: None)
    assert [e["id"] for e in dataset.manifest()] == ["dp0001", "dp0002"]
    assert (tmp_path / "ds" / "_manifest.jsonl" / "images" / "dp0001.jpg").is_file()
    assert dataset.batch_image_count("manifest.jsonl") == 1
