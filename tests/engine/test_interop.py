"""supervision.Detections-shaped objects and the InferencePipeline sink, without either package.

`SvDetections` / `VideoFrame` below stand in for the third-party types, with the same
attribute names (supervision's `Detections`, inference's `VideoFrame`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from framesieve import InvalidInputError, InvalidTypeError
from framesieve.interop import (
    as_prediction_dict,
    detections_from_supervision,
    make_on_prediction,
    supervision_to_roboflow,
)


@dataclass
class SvDetections:
    xyxy: Any
    confidence: Any = None
    class_id: Any = None
    data: dict = field(default_factory=dict)


@dataclass
class VideoFrame:
    image: np.ndarray
    frame_id: int
    frame_timestamp: dt.datetime


def sample() -> SvDetections:
    return SvDetections(
        xyxy=np.array([[10, 20, 50, 80], [100, 100, 110, 130]], np.float32),
        confidence=np.array([0.9, 0.4], np.float32),
        class_id=np.array([2, 0]),
        data={"class_name": np.array(["dog", "person"])},
    )


def test_arrays_from_a_supervision_detections():
    det = detections_from_supervision(sample())
    assert det.xyxy.dtype == np.float32 and det.xyxy.shape == (2, 4)
    assert det.class_name == ["dog", "person"]
    assert det.class_id.tolist() == [2, 0]
    np.testing.assert_allclose(det.confidence, [0.9, 0.4])
    bare = detections_from_supervision(SvDetections(xyxy=[[0, 0, 1, 1]]))
    assert bare.class_name == ["0"] and bare.confidence.tolist() == [1.0]


def test_roboflow_json_from_a_supervision_detections():
    result = supervision_to_roboflow(sample(), (640, 480))
    assert result["image"] == {"width": 640, "height": 480}
    dog, person = result["predictions"]
    assert (dog["x"], dog["y"], dog["width"], dog["height"]) == (30.0, 50.0, 40.0, 60.0)
    assert (dog["class"], dog["class_id"]) == ("dog", 2)
    assert dog["confidence"] == pytest.approx(0.9)
    assert (person["x"], person["y"], person["width"], person["height"]) == (105.0, 115.0, 10.0, 30.0)
    assert dog["detection_id"] != person["detection_id"]


def test_bad_detections_are_named():
    with pytest.raises(InvalidInputError, match=r"xyxy: expected shape \[N, 4\]"):
        detections_from_supervision(SvDetections(xyxy=np.zeros((2, 3))))
    with pytest.raises(InvalidInputError, match=r"confidence: expected shape \[2\]"):
        detections_from_supervision(SvDetections(xyxy=np.zeros((2, 4)), confidence=np.zeros(3)))
    with pytest.raises(InvalidInputError, match="class_id: expected integers"):
        detections_from_supervision(SvDetections(xyxy=np.zeros((1, 4)), class_id=np.array([0.5])))
    with pytest.raises(InvalidInputError, match="class_name"):
        detections_from_supervision(SvDetections(xyxy=np.zeros((1, 4)), data={"class_name": ["a", "b"]}))
    with pytest.raises(InvalidTypeError, match="xyxy"):
        detections_from_supervision({"predictions": []})


def test_as_prediction_dict_passes_dicts_through():
    prediction = {"predictions": [], "image": {"width": 1, "height": 1}}
    assert as_prediction_dict(prediction) is prediction
    frame = np.zeros((480, 640, 3), np.uint8)
    assert as_prediction_dict(sample(), frame)["image"] == {"width": 640, "height": 480}
    with pytest.raises(InvalidInputError, match="needs the frame"):
        as_prediction_dict(sample())


def test_on_prediction_sink_registers_each_frame_with_its_time():
    calls = []

    def register(image, prediction, prediction_type, *, timestamp=None):
        calls.append((image, prediction, prediction_type, timestamp))

    sink = make_on_prediction(register)
    when = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    frame = VideoFrame(np.zeros((480, 640, 3), np.uint8), 7, when)
    prediction = {"image": {"width": 640, "height": 480}, "predictions": []}
    sink(prediction, frame)
    image, got, kind, timestamp = calls[0]
    assert image is frame.image and got is prediction and kind == "object-detection"
    assert timestamp == when.timestamp() == 1777636800.0
    sink(sample(), frame)
    assert [p["class"] for p in calls[1][1]["predictions"]] == ["dog", "person"]


def test_on_prediction_sink_with_several_sources():
    calls = []
    sink = make_on_prediction(
        lambda image, prediction, kind, *, timestamp: calls.append(prediction), "classification"
    )
    when = dt.datetime.now()
    frames = [
        VideoFrame(np.zeros((4, 4, 3), np.uint8), 1, when),
        None,
        VideoFrame(np.zeros((4, 4, 3), np.uint8), 1, when),
    ]
    sink([{"top": "a"}, None, {"top": "b"}], frames)
    assert calls == [{"top": "a"}, {"top": "b"}]
    with pytest.raises(InvalidInputError, match="same length"):
        sink([{"top": "a"}], frames)


def test_on_prediction_sink_fills_provenance_unless_given():
    calls = []

    def register(image, prediction, prediction_type, **options):
        calls.append(options)

    when = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    frame = VideoFrame(np.zeros((4, 4, 3), np.uint8), 8, when)
    make_on_prediction(register)({"predictions": []}, frame)
    make_on_prediction(register, sources=["/v/left.mp4", "rtsp://u:p@cam/x"])({"predictions": []}, frame)
    make_on_prediction(register, image_name=lambda f: f"mine-{f.frame_id}", metadata={"site": "n"})(
        {"predictions": []}, frame
    )
    assert [c["image_name"] for c in calls] == ["source0-000007", "left-000007", "mine-8"]
    assert calls[0]["metadata"] == {"source": "video_reference[0]", "frame_index": 7, "frame_id": 8}
    assert calls[1]["metadata"]["source"] == "/v/left.mp4"
    assert calls[2]["metadata"] == {"site": "n"}
