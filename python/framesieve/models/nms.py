"""Greedy non-maximum suppression in numpy, class-aware.

Measured on this project's CPU (benches/bench_models.py): a few hundred candidate
boxes take well under a millisecond, against tens of milliseconds for the model
itself, so it stays in numpy rather than moving to the Rust core.
"""

from __future__ import annotations

import numpy as np


def nms(xyxy: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes kept, best score first.

    A box is dropped when its IoU with a better-scoring kept box is greater than
    `iou_threshold`. Boxes with no area never suppress anything.
    """
    if xyxy.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    boxes = xyxy.astype(np.float64, copy=False)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    # Stable sort so equal scores keep their input order (deterministic output).
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        union = areas[i] + areas[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(
    xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Class-aware NMS: boxes only suppress boxes of their own class.

    Each class is shifted to its own region of the plane (offset larger than any
    coordinate), so one NMS pass over all boxes never compares two classes.
    """
    if xyxy.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    boxes = xyxy.astype(np.float64, copy=False)
    span = float(np.abs(boxes).max()) * 2.0 + 1.0
    offsets = class_ids.astype(np.float64)[:, None] * span
    return nms(boxes + offsets, scores, iou_threshold)
