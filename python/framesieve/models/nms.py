"""Class-aware greedy non-maximum suppression.

`batched_nms` runs in the Rust core (`framesieve._core.batched_nms`);
`batched_nms_numpy` is its pure-numpy twin with the same semantics, bit for bit
(tests/test_models_nms_properties.py compares them). Measured with
benches/bench_models.py: on 1000 scattered candidates of 80 classes the numpy
version costs tens of ms (its Python loop runs once per kept box), a visible share
of a frame, which is why the models call the Rust one.

Semantics: rows with a non-finite coordinate or score are dropped; within each
class, boxes are visited by score (descending, ties by index) and a box is dropped
when its IoU (float64) with an already kept box of its class is greater than
`iou_threshold`. Kept indices come back by score, ties by index.
"""

from __future__ import annotations

import numpy as np

from framesieve import _core

# Above this many boxes of one class, the IoU matrix (n x n float64) gets too big:
# fall back to the row-by-row loop.
_MATRIX_MAX = 2048


def batched_nms(
    xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray | None, iou_threshold: float
) -> np.ndarray:
    """Indices (int64) of the boxes kept, best score first (Rust core).

    `class_ids=None`: class-agnostic NMS.
    """
    return _core.batched_nms(
        np.ascontiguousarray(xyxy, dtype=np.float32).reshape(-1, 4),
        np.ascontiguousarray(scores, dtype=np.float32).reshape(-1),
        None if class_ids is None else np.ascontiguousarray(class_ids, dtype=np.int64).reshape(-1),
        float(iou_threshold),
    )


def nms(xyxy: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Class-agnostic NMS (Rust core): indices kept, best score first."""
    return batched_nms(xyxy, scores, None, iou_threshold)


def _by_score(indices: np.ndarray, scores: np.ndarray) -> np.ndarray:
    # score descending, ties by index (-0.0 and 0.0 tie, as in the Rust twin)
    return indices[np.lexsort((indices, -scores[indices].astype(np.float64)))]


def _greedy(boxes: np.ndarray, areas: np.ndarray, group: np.ndarray, iou_threshold: float) -> list[int]:
    """Greedy NMS over `group` (indices, already in visiting order)."""
    b, a = boxes[group], areas[group]
    keep: list[int] = []
    if group.size <= _MATRIX_MAX:
        w = np.clip(
            np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0]), 0, None
        )
        h = np.clip(
            np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1]), 0, None
        )
        inter = w * h
        union = a[:, None] + a[None, :] - inter
        over = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0) > iou_threshold
        suppressed = np.zeros(group.size, dtype=bool)
        for i in range(group.size):
            if not suppressed[i]:
                keep.append(int(group[i]))
                suppressed[i + 1 :] |= over[i, i + 1 :]
        return keep
    order = np.arange(group.size)
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(int(group[i]))
        w = np.clip(np.minimum(b[i, 2], b[rest, 2]) - np.maximum(b[i, 0], b[rest, 0]), 0, None)
        h = np.clip(np.minimum(b[i, 3], b[rest, 3]) - np.maximum(b[i, 1], b[rest, 1]), 0, None)
        inter = w * h
        union = a[i] + a[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= iou_threshold]
    return keep


def batched_nms_numpy(
    xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray | None, iou_threshold: float
) -> np.ndarray:
    """The pure-numpy twin of `batched_nms` (same result, slower on many boxes)."""
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4).astype(np.float64)
    score = np.asarray(scores, dtype=np.float32).reshape(-1)
    n = score.shape[0]
    classes = (
        np.zeros(n, np.int64) if class_ids is None else np.asarray(class_ids, dtype=np.int64).reshape(-1)
    )
    valid = np.flatnonzero(np.isfinite(score) & np.isfinite(boxes).all(axis=1))
    if valid.size == 0:
        return np.zeros(0, dtype=np.int64)
    areas = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    # visiting order: class, then score descending, then index
    order = valid[np.lexsort((valid, -score[valid].astype(np.float64), classes[valid]))]
    bounds = np.flatnonzero(np.diff(classes[order])) + 1
    keep: list[int] = []
    for group in np.split(order, bounds):
        keep.extend(_greedy(boxes, areas, group, iou_threshold))
    return _by_score(np.asarray(keep, dtype=np.int64), score)
