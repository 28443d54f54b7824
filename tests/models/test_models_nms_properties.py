"""Class-aware NMS: the Rust core against its numpy twin, and the greedy-NMS properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framesieve import InvalidInputError
from framesieve.models import nms as nms_module
from framesieve.models.nms import batched_nms, batched_nms_numpy, nms


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (
        max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1]) + max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]) - inter
    )
    return inter / union if union > 0 else 0.0


@pytest.mark.parametrize("impl", [batched_nms, batched_nms_numpy])
def test_hand_example(impl):
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]], np.float32)
    scores = np.array([0.5, 0.9, 0.8, 0.4], np.float32)
    # box 1 (0.9) suppresses box 0 (IoU 81/119 = 0.68) and box 3 (same as 0); box 2 is apart
    assert impl(boxes, scores, None, 0.5).tolist() == [1, 2]
    # at 0.7, box 0 survives box 1 and then suppresses its twin, box 3
    assert impl(boxes, scores, None, 0.7).tolist() == [1, 2, 0]
    # class-aware: box 0 alone in its class survives; box 3 is suppressed by box 1
    assert impl(boxes, scores, np.array([1, 0, 0, 0]), 0.5).tolist() == [1, 2, 0]
    # non-finite rows are never kept
    bad = boxes.copy()
    bad[1, 0] = np.nan
    assert impl(bad, scores, None, 0.5).tolist() == [2, 0]
    assert impl(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), None, 0.5).tolist() == []


def test_rust_rejects_bad_shapes():
    with pytest.raises(InvalidInputError, match="boxes: expected 8 values, got 4"):
        batched_nms(np.zeros((1, 4), np.float32), np.zeros(2, np.float32), None, 0.5)
    with pytest.raises(InvalidInputError, match="class_ids"):
        batched_nms(np.zeros((2, 4), np.float32), np.zeros(2, np.float32), np.zeros(3, np.int64), 0.5)
    with pytest.raises(InvalidInputError, match="NaN"):
        nms(np.zeros((1, 4), np.float32), np.zeros(1, np.float32), float("nan"))


coordinate = st.floats(-50, 150, allow_nan=False, width=32)
box = st.tuples(coordinate, coordinate, st.floats(0, 60, width=32), st.floats(0, 60, width=32)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3])
)
# few distinct scores so that ties (kept in index order) are exercised
score = st.sampled_from([0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 0.0, -0.0])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(box, score, st.integers(0, 3)), max_size=40),
    st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]),
    st.booleans(),
)
def test_rust_equals_numpy_and_greedy_properties(items, threshold, class_aware):
    boxes = np.array([b for b, _, _ in items], np.float32).reshape(-1, 4)
    scores = np.array([s for _, s, _ in items], np.float32)
    classes = np.array([c for _, _, c in items], np.int64) if class_aware else None
    keep = batched_nms(boxes, scores, classes, threshold)
    assert keep.dtype == np.int64
    assert keep.tolist() == batched_nms_numpy(boxes, scores, classes, threshold).tolist()
    cls = classes if classes is not None else np.zeros(len(items), np.int64)
    kept = keep.tolist()
    # best first, no two kept boxes of one class overlap more than the threshold
    assert all(scores[kept[i]] >= scores[kept[i + 1]] for i in range(len(kept) - 1))
    for i in kept:
        for j in kept:
            if i < j and cls[i] == cls[j]:
                assert iou(boxes[i], boxes[j]) <= threshold + 1e-9
    # every dropped box is overlapped beyond the threshold by a kept box of its class
    for d in set(range(len(items))) - set(kept):
        assert any(cls[k] == cls[d] and iou(boxes[k], boxes[d]) > threshold - 1e-9 for k in kept)


def test_numpy_twin_row_loop_matches_its_matrix_path(monkeypatch):
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 300, (300, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + rng.uniform(5, 60, (300, 2)).astype(np.float32)], axis=1)
    scores = rng.uniform(0, 1, 300).astype(np.float32)
    classes = rng.integers(0, 3, 300)
    matrix = batched_nms_numpy(boxes, scores, classes, 0.4)
    monkeypatch.setattr(nms_module, "_MATRIX_MAX", 10)
    assert batched_nms_numpy(boxes, scores, classes, 0.4).tolist() == matrix.tolist()
    assert batched_nms(boxes, scores, classes, 0.4).tolist() == matrix.tolist()
