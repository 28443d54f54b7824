"""Exports of a local dataset for labeling and training tools, and its review page.

Each format is written by hand (standard library only, PyYAML for ``data.yaml``)
rather than through ``supervision``'s ``DetectionDataset.as_*``: those go through
masks (polygons are rasterised and traced back), know no keypoints, and number
classes by position; here polygons and keypoints pass through unchanged and class
ids stay the model's. supervision's, pycocotools' and Label Studio's own readers
check every format in the tests.

- :func:`export_coco` (``coco``): COCO JSON;
- :func:`export_yolo` (``yolo``): the Ultralytics folder layout;
- :func:`export_voc` (``voc``): Pascal VOC;
- :func:`export_labelstudio` (``labelstudio``): Label Studio tasks with predictions;
- :func:`write_review`: a static HTML page of everything collected.

Errors are :class:`~framesieve.ExportError` (nothing is written); what an export
leaves out is an :class:`~framesieve.ExportWarning`.
"""

from framesieve.exports.coco import export_coco
from framesieve.exports.dataset import Box, Dataset, Item, Keypoint, read_dataset
from framesieve.exports.labelstudio import export_labelstudio
from framesieve.exports.output import ExportSummary
from framesieve.exports.review import write_review
from framesieve.exports.voc import export_voc
from framesieve.exports.yolo import export_yolo

#: Every export format, by the name ``framesieve export`` takes.
FORMATS = ("coco", "yolo", "voc", "labelstudio")

__all__ = [
    "FORMATS",
    "Box",
    "Dataset",
    "ExportSummary",
    "Item",
    "Keypoint",
    "export_coco",
    "export_labelstudio",
    "export_voc",
    "export_yolo",
    "read_dataset",
    "write_review",
]
