"""COCO as issue 14 found it wanting: ids from the model's class_id, boxes clipped,
segmentation never empty, keypoint names; plus what every export shares (class ids,
left-out images, hostile names)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from pycocotools.coco import COCO

import framesieve as fs
from framesieve import LocalDataset
from framesieve.cli import main
from support.engine_helpers import datapoint


def deliver(root: Path, seq: int, objects: list[dict[str, Any]], **fields: Any) -> None:
    prediction = {"image": {"width": 320, "height": 240}, "predictions": objects}
    dp = datapoint(seq, size=(320, 240), annotation=json.dumps(prediction), **fields)
    LocalDataset(root).deliver(dp, {}, lambda state: None)


def box(cls: str, cid: int | None, x: float, y: float, w: float, h: float, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"x": x, "y": y, "width": w, "height": h, "confidence": 0.5, "class": cls, **extra}
    if cid is not None:
        out["class_id"] = cid
    return out


def test_category_ids_are_the_model_class_ids_not_the_order_of_appearance(tmp_path: Path) -> None:
    # the case: person came first and got 1, face 2, though the model said 7 and 0
    deliver(tmp_path, 1, [box("person", 7, 50, 50, 20, 40)])
    deliver(tmp_path, 2, [box("face", 0, 60, 60, 10, 10), box("person", 7, 90, 90, 20, 40)])
    coco = fs.export_coco(tmp_path)
    assert {c["name"]: c["id"] for c in coco["categories"]} == {"face": 1, "person": 8}
    assert [a["category_id"] for a in coco["annotations"]] == [8, 1, 8]
    # the same dataset with its lines in the other order: the same ids
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(reversed(manifest.read_text().splitlines(keepends=True))))
    assert {c["name"]: c["id"] for c in fs.export_coco(tmp_path)["categories"]} == {"face": 1, "person": 8}


def test_boxes_are_clipped_to_the_image(tmp_path: Path) -> None:
    # the box: bbox [-5, -2.5, 30, 252.5] in a 320x240 image
    deliver(tmp_path, 1, [box("car", 2, 10, 123.75, 30, 252.5)])
    (ann,) = fs.export_coco(tmp_path)["annotations"]
    assert ann["bbox"] == [0.0, 0.0, 25.0, 240.0] and ann["area"] == 25.0 * 240.0


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
def test_segmentation_is_never_empty_and_polygons_pass_through(tmp_path: Path) -> None:
    points = [{"x": 19.0, "y": 11.0}, {"x": 21.0, "y": 11.0}, {"x": 20.0, "y": 13.0}]
    deliver(tmp_path, 1, [box("car", 0, 10, 8, 4, 6), box("dog", 1, 20, 12, 2, 2, points=points)])
    deliver(tmp_path, 2, [], batch="other")
    out = tmp_path / "coco.json"
    coco = fs.export_coco(tmp_path, out)
    assert json.loads(out.read_text()) == coco
    assert [i["file_name"] for i in coco["images"]] == [
        "al_2024_01_01/images/dp0001.jpg",
        "other/images/dp0002.jpg",
    ]
    car, dog = coco["annotations"]
    assert car["bbox"] == [8.0, 5.0, 4.0, 6.0] and car["segmentation"] == [
        [8.0, 5.0, 12.0, 5.0, 12.0, 11.0, 8.0, 11.0]
    ]
    assert dog["segmentation"] == [[19.0, 11.0, 21.0, 11.0, 20.0, 13.0]] and dog["area"] == 2.0
    reader = COCO(str(out))
    assert reader.annToMask(reader.anns[car["id"]]).sum() == 24  # 4x6 pixels: what pycocotools could not do
    only_other = fs.export_coco(tmp_path, batch="other")
    assert len(only_other["images"]) == 1 and only_other["annotations"] == []


def test_a_class_without_an_id_or_with_a_taken_one_gets_the_next_free_id(tmp_path: Path) -> None:
    deliver(tmp_path, 1, [box("person", 7, 50, 50, 20, 40), box("person", 7, 60, 50, 20, 40)])
    deliver(tmp_path, 2, [box("pedestrian", 7, 50, 50, 20, 40), box("thing", None, 40, 40, 4, 4)])
    with pytest.warns(
        fs.ExportWarning, match=r"'person' and 'pedestrian' both have class_id 7; 'pedestrian' .* id 8"
    ):
        coco = fs.export_coco(tmp_path)
    assert {c["name"]: c["id"] for c in coco["categories"]} == {"person": 8, "pedestrian": 9, "thing": 10}
    with pytest.warns(fs.ExportWarning):
        fs.export_yolo(tmp_path, tmp_path / "yolo")
    names = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())["names"]
    assert names == [*(f"class_{i}" for i in range(7)), "person", "pedestrian", "thing"]


def test_a_broken_annotation_is_named(tmp_path: Path) -> None:
    LocalDataset(tmp_path).deliver(
        datapoint(1, annotation='{"predictions": [{"x": "a"}]}'), {}, lambda s: None
    )
    with pytest.raises(fs.ExportError, match=r"al_2024_01_01/annotations/dp0001\.json: not a detection"):
        fs.export_coco(tmp_path)


def test_an_image_deleted_by_hand_is_left_out_with_a_warning(tmp_path: Path) -> None:
    deliver(tmp_path, 1, [box("car", 0, 10, 10, 4, 4)])
    deliver(tmp_path, 2, [box("car", 0, 10, 10, 4, 4)])
    (tmp_path / "al_2024_01_01" / "images" / "dp0001.jpg").unlink()
    with pytest.warns(fs.ExportWarning, match=r"1 image\(s\) listed in manifest.jsonl are gone .*dp0001"):
        coco = fs.export_coco(tmp_path)
    assert [i["file_name"] for i in coco["images"]] == ["al_2024_01_01/images/dp0002.jpg"]


def test_the_command_writes_a_file_or_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deliver(tmp_path, 1, [box("car", 0, 10, 10, 4, 4)])
    assert main(["export", "coco", str(tmp_path), "-o", str(tmp_path / "c.json")]) == 0
    assert capsys.readouterr().out == f"1 images, 1 annotations -> {tmp_path / 'c.json'}\n"
    assert json.loads((tmp_path / "c.json").read_text())["images"][0]["file_name"].endswith("dp0001.jpg")
    assert main(["export", "coco", str(tmp_path), "--batch", "al_2024_01_01"]) == 0
    assert len(json.loads(capsys.readouterr().out)["annotations"]) == 1


def test_hostile_class_names_stay_text_in_every_format(tmp_path: Path) -> None:
    name = 'a</name><x y="1"/>&amp;\x01\x1f"\'</script>'
    deliver(tmp_path, 1, [box(name, 0, 10, 10, 4, 4)])
    root = tmp_path
    out = tmp_path.parent / f"{tmp_path.name}-out"
    out.mkdir()
    assert fs.export_coco(root)["categories"][0]["name"] == name
    fs.export_voc(root, out / "voc")
    (xml,) = (out / "voc" / "Annotations").iterdir()
    assert ET.parse(xml).getroot().find("object/name").text == 'a</name><x y="1"/>&amp;"\'</script>'
    fs.export_labelstudio(root, out / "t.json")
    config = ET.parse(out / "t.label_config.xml").getroot()
    assert config.find("RectangleLabels/Label").get("value") == 'a</name><x y="1"/>&amp;"\'</script>'
    fs.export_yolo(root, out / "yolo")
    assert yaml.safe_load((out / "yolo" / "data.yaml").read_text())["names"] == [name]
    shutil.rmtree(out)
