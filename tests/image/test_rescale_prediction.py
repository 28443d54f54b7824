"""fs.rescale_prediction against hand-computed values (SPEC §4.5), and properties."""

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

import framesieve as fs
from framesieve.reference.image import output_size


def prepared(original, size) -> fs.PreparedImage:
    return fs.PreparedImage.from_sizes(b"", original, size)


# 1000x500 -> 250x200: sx = 0.25, sy = 0.4 (different per axis on purpose).
P = prepared((1000, 500), (250, 200))


def detection():
    return {
        "image": {"width": 1000, "height": 500},
        "predictions": [
            {
                "x": 100.0,
                "y": 50,
                "width": 40,
                "height": 20.0,
                "confidence": 0.9,
                "class": "car",
                "class_id": 2,
                "detection_id": "d1",
            }
        ],
    }


def test_detection_boxes_are_scaled_per_axis():
    pred = detection()
    before = copy.deepcopy(pred)
    out = fs.rescale_prediction(pred, P, "object-detection")
    assert pred == before
    assert out["image"] == {"width": 250, "height": 200}
    box = out["predictions"][0]
    assert (box["x"], box["y"], box["width"], box["height"]) == (25.0, 20.0, 10.0, 8.0)
    assert (box["confidence"], box["class"], box["class_id"], box["detection_id"]) == (
        0.9,
        "car",
        2,
        "d1",
    )


def test_instance_segmentation_points_are_scaled():
    pred = detection()
    pred["predictions"][0]["points"] = [{"x": 80, "y": 40}, {"x": 120.0, "y": 60.0}]
    out = fs.rescale_prediction(pred, P, "instance-segmentation")
    assert out["predictions"][0]["points"] == [{"x": 20.0, "y": 16.0}, {"x": 30.0, "y": 24.0}]
    assert pred["predictions"][0]["points"][0] == {"x": 80, "y": 40}


def test_keypoints_are_scaled():
    pred = detection()
    pred["predictions"][0]["keypoints"] = [
        {"x": 100, "y": 45, "confidence": 0.7, "class": "nose", "class_id": 0}
    ]
    out = fs.rescale_prediction(pred, P, "keypoint-detection")
    assert out["predictions"][0]["keypoints"] == [
        {"x": 25.0, "y": 18.0, "confidence": 0.7, "class": "nose", "class_id": 0}
    ]


@pytest.mark.parametrize(
    ("prediction", "prediction_type"),
    [
        (
            {"predictions": [{"class": "cat", "class_id": 0, "confidence": 0.8}], "top": "cat"},
            "classification",
        ),
        (
            {"predictions": {"cat": {"confidence": 0.8, "class_id": 0}}, "predicted_classes": ["cat"]},
            "classification",
        ),
        ({"is_stub": True, "model_id": "p/0", "task_type": "object-detection"}, "object-detection"),
        (detection(), "some-future-type"),
    ],
)
def test_other_types_come_back_as_an_unchanged_copy(prediction, prediction_type):
    out = fs.rescale_prediction(prediction, P, prediction_type)
    assert out == prediction
    assert out is not prediction
    if "predictions" in out:
        assert out["predictions"] is not prediction["predictions"]


def test_no_predictions_and_no_image_key():
    assert fs.rescale_prediction({"predictions": []}, P, "object-detection") == {"predictions": []}
    assert fs.rescale_prediction({}, P, "object-detection") == {}


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p["predictions"][0].update(x="12"), r"predictions\[0\]\.x: expected a number, got str"),
        (lambda p: p["predictions"][0].update(height=None), r"predictions\[0\]\.height"),
        (lambda p: p["predictions"][0].update(points=[{"x": 1, "y": True}]), r"points\[0\]\.y"),
        (lambda p: p["predictions"][0].update(keypoints="nope"), r"predictions\[0\]\.keypoints"),
        (lambda p: p.update(predictions={"a": 1}), "predictions: expected a list"),
        (lambda p: p["predictions"].append(3), r"predictions\[1\]: expected an object"),
    ],
)
def test_malformed_predictions_name_the_field(mutate, match):
    pred = detection()
    mutate(pred)
    with pytest.raises(fs.InvalidInputError, match=match):
        fs.rescale_prediction(pred, P, "object-detection")


def test_not_a_dict():
    with pytest.raises(fs.InvalidInputError, match="prediction: expected a dict"):
        fs.rescale_prediction([], P, "object-detection")  # type: ignore[arg-type]


@st.composite
def image_and_boxes(draw):
    width = draw(st.integers(1, 5000))
    height = draw(st.integers(1, 5000))
    max_size = (draw(st.integers(1, 3000)), draw(st.integers(1, 3000)))
    boxes = []
    for _ in range(draw(st.integers(0, 5))):
        x0 = draw(st.floats(0, width))
        x1 = draw(st.floats(x0, width))
        y0 = draw(st.floats(0, height))
        y1 = draw(st.floats(y0, height))
        boxes.append((x0, y0, x1, y1))
    return width, height, max_size, boxes


@given(image_and_boxes())
def test_boxes_inside_the_old_image_stay_inside_the_new_one(case):
    width, height, max_size, boxes = case
    size = output_size(width, height, max_size)
    p = prepared((width, height), size)
    pred = {
        "image": {"width": width, "height": height},
        "predictions": [
            {
                "x": (x0 + x1) / 2,
                "y": (y0 + y1) / 2,
                "width": x1 - x0,
                "height": y1 - y0,
                "points": [{"x": x0, "y": y0}, {"x": x1, "y": y1}],
            }
            for x0, y0, x1, y1 in boxes
        ],
    }
    out = fs.rescale_prediction(pred, p, "instance-segmentation")
    w, h = size
    assert out["image"] == {"width": w, "height": h}
    eps = 1e-9 * max(w, h)
    for box in out["predictions"]:
        assert -eps <= box["x"] - box["width"] / 2 and box["x"] + box["width"] / 2 <= w + eps
        assert -eps <= box["y"] - box["height"] / 2 and box["y"] + box["height"] / 2 <= h + eps
        for point in box["points"]:
            assert -eps <= point["x"] <= w + eps and -eps <= point["y"] <= h + eps
