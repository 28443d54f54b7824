"""YOLO decoding on real onnxruntime sessions of graphs built with onnx.helper.

The graphs output fixed tensors in model-input pixels (640x640); the expected
frame coordinates below are worked out by hand from the letterbox geometry.
"""

from __future__ import annotations

import numpy as np
import pytest

from framesieve import InvalidInputError, InvalidTypeError
from framesieve.models import YoloDetector, load_model, resolve_providers
from support.onnx_graphs import constant_output_model

NAMES = "{0: 'person', 1: 'car', 2: 'dog'}"  # as Ultralytics writes it: str(dict)

# (cx, cy, w, h, score, class) in 640x640 model-input pixels
BOXES = [
    (320.0, 320.0, 100.0, 50.0, 0.90, 0),  # kept
    (322.0, 321.0, 100.0, 50.0, 0.80, 0),  # same class, IoU ~0.93 with the first: suppressed
    (322.0, 321.0, 100.0, 50.0, 0.70, 1),  # same place, other class: kept
    (100.0, 400.0, 40.0, 20.0, 0.60, 2),  # alone: kept
    (500.0, 200.0, 30.0, 30.0, 0.10, 1),  # below conf 0.25: dropped
]


def v8_output(boxes=BOXES, nc=3, anchors=8) -> np.ndarray:
    out = np.zeros((1, 4 + nc, anchors), np.float32)
    for a, (cx, cy, w, h, score, cls) in enumerate(boxes):
        out[0, :4, a] = (cx, cy, w, h)
        out[0, 4 + cls, a] = score
    return out


def v5_output(boxes=BOXES, nc=3, anchors=8) -> np.ndarray:
    out = np.zeros((1, anchors, 5 + nc), np.float32)
    for a, (cx, cy, w, h, score, cls) in enumerate(boxes):
        out[0, a, :4] = (cx, cy, w, h)
        out[0, a, 4] = 0.95  # objectness
        out[0, a, 5 + cls] = score / 0.95  # so that objectness x class score = score
    return out


@pytest.fixture(scope="module")
def v8_model() -> YoloDetector:
    return YoloDetector(constant_output_model(v8_output(), metadata={"names": NAMES}), providers="cpu")


def by_class(det):
    return {
        name: (float(c), [float(v) for v in box])
        for name, c, box in zip(det.class_name, det.confidence, det.xyxy, strict=True)
    }


def test_v8_layout_is_sniffed_and_names_come_from_metadata(v8_model):
    assert v8_model.layout == "v8"
    assert v8_model.names == ["person", "car", "dog"]
    assert v8_model.provider == "CPUExecutionProvider"
    assert v8_model.task_type == "object-detection"


def test_v8_boxes_decoded_nms_applied_and_mapped_to_a_1280x720_frame(v8_model):
    # 1280x720 into 640x640: scale 0.5, resized to 640x360, padded 140 px above and below.
    det = v8_model.predict_arrays(np.zeros((720, 1280, 3), np.uint8))
    assert det.xyxy.dtype == np.float32 and det.confidence.dtype == np.float32
    assert sorted(det.class_name) == ["car", "dog", "person"]
    found = by_class(det)
    # person: model box (270, 295)-(370, 345) -> x / 0.5, (y - 140) / 0.5
    assert found["person"][0] == pytest.approx(0.90)
    assert found["person"][1] == pytest.approx([540, 310, 740, 410])
    # car at (272, 296)-(372, 346)
    assert found["car"][0] == pytest.approx(0.70)
    assert found["car"][1] == pytest.approx([544, 312, 744, 412])
    # dog at (80, 390)-(120, 410)
    assert found["dog"][1] == pytest.approx([160, 500, 240, 540])
    assert list(det.class_id[np.argsort(det.class_name)]) == [1, 2, 0]


def test_boxes_are_clipped_to_the_frame(v8_model):
    # 640x100 frame: scale 1, padded 270 above: the dog box (y 390..410) lands at y 120..140,
    # below the frame: nothing of it is left once clipped, so it is dropped. The person box
    # (y 295..345) is at 25..75; with a 40-px-high frame (pad 300) it is clipped to 0..40.
    det = by_class(v8_model.predict_arrays(np.zeros((100, 640, 3), np.uint8)))
    assert sorted(det) == ["car", "person"]
    assert det["person"][1] == pytest.approx([270, 25, 370, 75])
    det = by_class(v8_model.predict_arrays(np.zeros((40, 640, 3), np.uint8)))
    assert det["person"][1] == pytest.approx([270, 0, 370, 40])


def test_predict_returns_roboflow_json(v8_model):
    result = v8_model.predict(np.zeros((720, 1280, 3), np.uint8))
    assert result["image"] == {"width": 1280, "height": 720}
    person = next(p for p in result["predictions"] if p["class"] == "person")
    # centre/size in frame pixels: box (540, 310)-(740, 410)
    assert (person["x"], person["y"], person["width"], person["height"]) == pytest.approx(
        (640, 360, 200, 100)
    )
    assert person["class_id"] == 0
    assert person["confidence"] == pytest.approx(0.9)
    ids = [p["detection_id"] for p in result["predictions"]]
    assert len(set(ids)) == len(ids) == 3


def test_batch_maps_each_frame_with_its_own_letterbox(v8_model):
    frames = [
        np.zeros((720, 1280, 3), np.uint8),
        np.zeros((640, 640, 3), np.uint8),
        np.zeros((320, 160, 3), np.uint8),
    ]
    results = v8_model.predict_batch(frames)
    assert [r["image"] for r in results] == [
        {"width": 1280, "height": 720},
        {"width": 640, "height": 640},
        {"width": 160, "height": 320},
    ]
    people = [next(p for p in r["predictions"] if p["class"] == "person") for r in results]
    # 640x640: identity; 160x320: scale 2 (to 320x640), padded 160 left -> x (320-160)/2 = 80, y 160,
    # w 50, h 25
    assert (people[0]["x"], people[0]["y"]) == pytest.approx((640, 360))
    assert (people[1]["x"], people[1]["y"], people[1]["width"]) == pytest.approx((320, 320, 100))
    assert (people[2]["x"], people[2]["y"], people[2]["width"], people[2]["height"]) == pytest.approx(
        (80, 160, 50, 25)
    )


@pytest.mark.parametrize("batch", [1, 2])
def test_fixed_batch_models_run_in_groups_of_their_size(batch):
    model = YoloDetector(constant_output_model(v8_output(), batch=batch), providers="cpu")
    assert model.fixed_batch == batch and model.batchable == (batch > 1)
    sizes = [(640, 640), (720, 1280), (320, 160)]
    results = model.predict_batch([np.zeros((h, w, 3), np.uint8) for h, w in sizes])
    # in the 160-wide frame (padded 160 px left) the dog box (x 80..120) falls in the padding
    assert [len(r["predictions"]) for r in results] == [3, 3, 2]
    assert [(r["image"]["height"], r["image"]["width"]) for r in results] == sizes
    # no names in the metadata: class ids as names
    assert sorted(p["class"] for p in results[0]["predictions"]) == ["0", "1", "2"]


def test_v5_layout_multiplies_objectness_and_class_score():
    model = YoloDetector(constant_output_model(v5_output(), metadata={"names": NAMES}), providers="cpu")
    assert model.layout == "v5"
    det = model.predict_arrays(np.zeros((640, 640, 3), np.uint8))
    found = by_class(det)
    assert sorted(found) == ["car", "dog", "person"]
    assert found["person"][0] == pytest.approx(0.9)
    assert found["car"][0] == pytest.approx(0.7)
    assert found["dog"][0] == pytest.approx(0.6)
    assert found["dog"][1] == pytest.approx([80, 390, 120, 410])


def test_conf_and_iou_thresholds_are_honoured():
    blob = constant_output_model(v8_output(), metadata={"names": NAMES})
    strict = YoloDetector(blob, conf=0.75, providers="cpu").predict_arrays(np.zeros((640, 640, 3), np.uint8))
    assert strict.class_name == ["person"]
    loose = YoloDetector(blob, iou=0.99, providers="cpu").predict_arrays(np.zeros((640, 640, 3), np.uint8))
    assert sorted(loose.class_name) == ["car", "dog", "person", "person"]


def test_names_metadata_is_parsed_as_a_literal_never_evaluated(tmp_path):
    marker = tmp_path / "evaluated"
    hostile = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    with pytest.raises(InvalidInputError, match="names"):
        YoloDetector(constant_output_model(v8_output(), metadata={"names": "{" + hostile + ": 'x'}"}))
    assert not marker.exists()


def test_load_model_sniffs_yolo_files(tmp_path):
    v8 = tmp_path / "det8.onnx"
    v8.write_bytes(constant_output_model(v8_output(), metadata={"names": NAMES}))
    v5 = tmp_path / "det5.onnx"
    v5.write_bytes(constant_output_model(v5_output(), metadata={"names": NAMES}))
    m8, m5 = load_model(str(v8)), load_model(v5)
    assert isinstance(m8, YoloDetector) and m8.layout == "v8" and m8.model_id == "det8"
    assert isinstance(m5, YoloDetector) and m5.layout == "v5"


def test_load_model_errors_are_clear(tmp_path):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf at all" * 10)
    with pytest.raises(InvalidInputError, match=r"garbage\.onnx"):
        load_model(garbage)
    with pytest.raises(InvalidInputError, match="no such file"):
        load_model(tmp_path / "missing.onnx")
    with pytest.raises(InvalidInputError, match="Roboflow-hosted"):
        load_model("my-project/3")


def test_bad_frames_are_rejected_with_the_index(v8_model):
    with pytest.raises(InvalidTypeError, match="uint8"):
        v8_model.predict(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(InvalidInputError, match=r"frames\[1\].*shape"):
        v8_model.predict_batch([np.zeros((10, 10, 3), np.uint8), np.zeros((10, 10, 5), np.uint8)])
    with pytest.raises(InvalidInputError, match="empty"):
        v8_model.predict(np.zeros((0, 10, 3), np.uint8))


def test_cuda_provider_is_used_when_available_else_refused_clearly():
    import onnxruntime

    blob = constant_output_model(v8_output(), metadata={"names": NAMES})
    frame = np.zeros((720, 1280, 3), np.uint8)
    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        assert resolve_providers(None)[0] == "CUDAExecutionProvider"
        gpu = YoloDetector(blob, providers="cuda")
        assert gpu.provider == "CUDAExecutionProvider"
        cpu = YoloDetector(blob, providers="cpu")
        a, b = gpu.predict_arrays(frame), cpu.predict_arrays(frame)
        assert a.class_name == b.class_name
        np.testing.assert_allclose(a.xyxy, b.xyxy, atol=1e-3)
    else:
        assert resolve_providers(None) == ["CPUExecutionProvider"]
        with pytest.raises(InvalidInputError, match="onnxruntime-gpu"):
            YoloDetector(blob, providers="cuda")
