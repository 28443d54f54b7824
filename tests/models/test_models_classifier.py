"""The generic ONNX classifier on a real onnxruntime session.

The test graph's three scores are the mean R, G and B of its input (RGB, /255),
so a frame's colour decides the class and the expected numbers follow from it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from framesieve import InvalidInputError
from framesieve.models import OnnxClassifier, load_model
from support.onnx_graphs import channel_mean_classifier

RED_BGR = np.zeros((48, 80, 3), np.uint8)
RED_BGR[..., 2] = 255  # OpenCV frames are BGR: channel 2 is red


def softmax(x):
    e = [math.exp(v) for v in x]
    return [v / sum(e) for v in e]


def test_multi_class_from_logits_with_labels_from_metadata():
    model = OnnxClassifier(channel_mean_classifier(metadata={"names": "{0: 'red', 1: 'green', 2: 'blue'}"}))
    purple = np.zeros((48, 80, 3), np.uint8)
    purple[..., 2], purple[..., 0] = 255, 128  # BGR
    result = model.predict(purple)
    # scores (1, 0, 128/255) sum to more than 1: logits, softmaxed
    expected = softmax([1.0, 0.0, 128 / 255])
    assert result["top"] == "red"
    assert result["confidence"] == pytest.approx(expected[0], rel=1e-5)
    assert [p["class"] for p in result["predictions"]] == ["red", "blue", "green"]
    assert [p["class_id"] for p in result["predictions"]] == [0, 2, 1]
    assert [p["confidence"] for p in result["predictions"]] == pytest.approx(
        [expected[0], expected[2], expected[1]], rel=1e-5
    )
    assert result["image"] == {"width": 80, "height": 48}
    assert model.task_type == "classification"


def test_probabilities_are_used_as_they_are():
    # a grey frame of value 85 scores (1/3, 1/3, 1/3): in [0, 1] and summing to 1
    grey = np.full((10, 10, 3), 85, np.uint8)
    model = OnnxClassifier(channel_mean_classifier(), labels=["r", "g", "b"])
    arrays = model.predict_arrays(grey)
    np.testing.assert_allclose(arrays.confidence, [85 / 255] * 3, rtol=1e-5)
    forced = OnnxClassifier(channel_mean_classifier(), labels=["r", "g", "b"], scores="logits")
    np.testing.assert_allclose(forced.predict_arrays(grey).confidence, [1 / 3] * 3, rtol=1e-5)


def test_labels_file_and_multi_label(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("red\n\ngreen\nblue\n")
    model = OnnxClassifier(channel_mean_classifier(), labels_file=labels, multi_label=True, threshold=0.5)
    yellow = np.zeros((8, 8, 3), np.uint8)
    yellow[..., 1:] = 255  # green + red
    result = model.predict(yellow)
    # multi-label: values in [0, 1] are probabilities, each class judged alone
    assert result["predictions"] == {
        "red": {"confidence": pytest.approx(1.0), "class_id": 0},
        "green": {"confidence": pytest.approx(1.0), "class_id": 1},
        "blue": {"confidence": pytest.approx(0.0), "class_id": 2},
    }
    assert sorted(result["predicted_classes"]) == ["green", "red"]


def test_batches_keep_frame_order():
    model = OnnxClassifier(channel_mean_classifier(), labels=["red", "green", "blue"])
    frames = []
    for channel in (0, 1, 2):  # BGR: blue, green, red
        frame = np.zeros((20, 30, 3), np.uint8)
        frame[..., channel] = 255
        frames.append(frame)
    assert [r["top"] for r in model.predict_batch(frames)] == ["blue", "green", "red"]


def test_label_count_must_match_the_model(tmp_path):
    with pytest.raises(InvalidInputError, match="3 classes, got 2 labels"):
        OnnxClassifier(channel_mean_classifier(), labels=["a", "b"])
    with pytest.raises(InvalidInputError, match="labels_file"):
        OnnxClassifier(channel_mean_classifier(), labels_file=tmp_path / "missing.txt")
    with pytest.raises(InvalidInputError, match="scores"):
        OnnxClassifier(channel_mean_classifier(), scores="maybe")


def test_load_model_sniffs_a_classifier(tmp_path):
    path = tmp_path / "colours.onnx"
    path.write_bytes(channel_mean_classifier(metadata={"labels": '["red", "green", "blue"]'}))
    model = load_model(str(path))
    assert isinstance(model, OnnxClassifier)
    assert model.labels == ["red", "green", "blue"]
    assert model.predict(RED_BGR)["top"] == "red"
