"""Pascal VOC: ``JPEGImages/``, ``Annotations/*.xml`` and ``ImageSets/Main/default.txt``.

``<bndbox>`` follows the VOC devkit: 1-based inclusive pixel indices, so ``xmin``
and ``ymin`` are ``round(x1 + 1)``, ``round(y1 + 1)`` and ``xmax``, ``ymax`` are
``round(x2)``, ``round(y2)`` (what supervision's ``from_pascal_voc`` and the devkit
read). A polygon is written as ``<polygon><x1/><y1/>...`` (also 1-based), the
extension Roboflow and supervision use; VOC has no place for keypoints.
``<truncated>`` is 1 for a box the image edge cut.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from framesieve.exports.dataset import Box, Item, read_dataset
from framesieve.exports.output import ExportSummary, check_folder, file_stems, place_image, staged_folder

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def export_voc(
    root: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    batch: str | None = None,
    link: bool = False,
) -> ExportSummary:
    """Writes the dataset at ``root`` as a Pascal VOC folder ``output`` (absent or empty)."""
    dataset = read_dataset(Path(root), batch)
    out = check_folder(output)
    stems = file_stems(dataset.items)
    objects = 0
    with staged_folder(out) as stage:
        images, annotations, sets = stage / "JPEGImages", stage / "Annotations", stage / "ImageSets" / "Main"
        for folder in (images, annotations, sets):
            folder.mkdir(parents=True)
        for item in dataset.items:
            stem = stems[item.image_rel]
            name = f"{stem}{item.image.suffix}"
            place_image(item.image, images / name, link=link)
            tree = ET.ElementTree(_annotation(item, name))
            ET.indent(tree)
            tree.write(annotations / f"{stem}.xml", encoding="utf-8", xml_declaration=True)
            objects += len(item.objects)
        (sets / "default.txt").write_text("".join(f"{stems[i.image_rel]}\n" for i in dataset.items))
    return ExportSummary("voc", out, len(dataset.items), objects)


def _annotation(item: Item, file_name: str) -> ET.Element:
    root = ET.Element("annotation")
    _text(root, "folder", "JPEGImages")
    _text(root, "filename", file_name)
    source = ET.SubElement(root, "source")
    _text(source, "database", "framesieve")
    size = ET.SubElement(root, "size")
    _text(size, "width", item.width)
    _text(size, "height", item.height)
    _text(size, "depth", 3)
    _text(root, "segmented", 0)
    for box in item.objects:
        root.append(_object(box, item.width, item.height))
    return root


def _object(box: Box, width: int, height: int) -> ET.Element:
    obj = ET.Element("object")
    _text(obj, "name", xml_text(box.class_name))
    _text(obj, "pose", "Unspecified")
    cut = box.x1 <= 0 or box.y1 <= 0 or box.x2 >= width or box.y2 >= height
    _text(obj, "truncated", int(cut))
    _text(obj, "difficult", 0)
    xmin, ymin = round(box.x1 + 1), round(box.y1 + 1)
    bndbox = ET.SubElement(obj, "bndbox")
    _text(bndbox, "xmin", xmin)
    _text(bndbox, "ymin", ymin)
    _text(bndbox, "xmax", max(round(box.x2), xmin))  # a sub-pixel box stays ordered
    _text(bndbox, "ymax", max(round(box.y2), ymin))
    if box.polygon:
        polygon = ET.SubElement(obj, "polygon")
        for i, (x, y) in enumerate(box.polygon, start=1):
            _text(polygon, f"x{i}", f"{x + 1:.2f}")
            _text(polygon, f"y{i}", f"{y + 1:.2f}")
    if box.confidence is not None:
        _text(obj, "confidence", f"{box.confidence:.4f}")
    return obj


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element
