"""inference's own server path: its ActiveLearningManager, with its ActiveLearningMiddleware bound
to framesieve's, registering its own pydantic requests and responses against the fake Roboflow
API over loopback (SPEC §5, §7)."""

from __future__ import annotations

import base64
import io
import json
import pickle
from collections import Counter

import numpy as np
import pytest
from inference.core.cache.memory import MemoryCache
from inference.core.entities.requests.inference import (
    InferenceRequestImage,
    InstanceSegmentationInferenceRequest,
    ObjectDetectionInferenceRequest,
)
from inference.core.entities.responses.inference import (
    InferenceResponseImage,
    InstanceSegmentationInferenceResponse,
    InstanceSegmentationPrediction,
    ObjectDetectionInferenceResponse,
    ObjectDetectionPrediction,
)
from inference.core.managers import active_learning as manager_module
from inference.core.managers.active_learning import ActiveLearningManager
from inference.core.models.stubs import InstanceSegmentationModelStub, ObjectDetectionModelStub
from inference.core.registries.base import ModelRegistry
from PIL import Image

import framesieve as fs
from framesieve.engine import middleware as fs_middleware
from support.engine_helpers import config

# inference's manager dumps responses with pydantic's `.dict()`, deprecated in pydantic 2 (a
# warning in production, an error under this suite's filterwarnings = error)
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")

KEY = "peer-key-0123456789"
H, W = 48, 64


def frame(height: int, width: int, seed: int) -> np.ndarray:
    """A BGR frame of 16x16 patches of colour, distinct per seed (JPEG keeps it close, unlike noise)."""
    rng = np.random.default_rng(seed)
    patches = rng.integers(0, 256, size=(height // 16, width // 16, 3), dtype=np.uint8)
    return np.ascontiguousarray(patches.repeat(16, axis=0).repeat(16, axis=1))


def jpeg_b64(seed: int) -> str:
    buffer = io.BytesIO()
    Image.fromarray(frame(H, W, seed)[:, :, ::-1]).save(buffer, format="JPEG", quality=95)
    return base64.b64encode(buffer.getvalue()).decode()


def detection_response(i: int) -> ObjectDetectionInferenceResponse:
    return ObjectDetectionInferenceResponse(
        image=InferenceResponseImage(width=W, height=H),
        predictions=[
            ObjectDetectionPrediction(
                **{"x": 20.0 + i, "y": 16.0, "width": 10.0, "height": 8.0, "confidence": 0.75},
                **{"class": "car", "class_id": 0},
            )
        ],
        inference_id=f"response-{i}",
        time=0.01,
    )


@pytest.fixture
def manager(isolated, monkeypatch, tmp_path):
    """inference's manager as its server builds it, with framesieve as its middleware class.

    The manager loads models through Roboflow's API; here its table of loaded models is
    filled with inference's own stub models, of which the manager reads only `task_type`.
    """
    monkeypatch.setattr(manager_module, "ActiveLearningMiddleware", fs.ActiveLearningMiddleware)
    isolated.state.api_key = KEY
    isolated.state.projects["proj"] = "object-detection"
    isolated.state.configs["proj"] = config()
    built = ActiveLearningManager(model_registry=ModelRegistry({}), cache=MemoryCache())
    built._models["proj/1"] = ObjectDetectionModelStub(model_id="proj/1", api_key=KEY)
    built._models["proj/2"] = InstanceSegmentationModelStub(model_id="proj/2", api_key=KEY)
    yield built
    for middleware in built._middlewares.values():
        middleware.close()


def test_every_request_is_uploaded_with_its_inference_id_and_annotated(manager, isolated, inference_log):
    requests = []
    for i in range(3):
        images = [
            InferenceRequestImage(type="base64", value=jpeg_b64(10 * i)),
            InferenceRequestImage(type="numpy", value=pickle.dumps(frame(H, W, 10 * i + 1))),
            InferenceRequestImage(type="numpy_object", value=frame(H, W, 10 * i + 2)),
        ]
        request = ObjectDetectionInferenceRequest(api_key=KEY, model_id="proj/1", image=images)
        responses = [detection_response(3 * i + k) for k in range(3)]
        manager.register(prediction=responses, model_id="proj/1", request=request)
        requests.append(request)
    # one request with a single image and a single response (not lists), as the server sends them
    single = ObjectDetectionInferenceRequest(
        api_key=KEY, model_id="proj/1", image=InferenceRequestImage(type="base64", value=jpeg_b64(99))
    )
    manager.register(prediction=detection_response(99), model_id="proj/1", request=single)
    requests.append(single)

    engine = manager._middlewares["proj/1->proj"].engine
    assert engine.flush(30)
    assert not [m for m in inference_log.messages() if "Active Learning" in m], inference_log.messages()
    images = isolated.images
    assert len(images) == 10 and engine.stats()["delivered"] == 10
    assert Counter(i.inference_id for i in images) == {
        r.id: 3 if isinstance(r.image, list) else 1 for r in requests
    }
    # each upload is the pixels of one of the inputs, in the right channel order (base64 JPEGs
    # are RGB, numpy inputs BGR): closest to its own frame, far from the channel-swapped one
    sources = [frame(H, W, s) for s in (*range(0, 30), 99)]
    for image in images:
        with Image.open(io.BytesIO(image.jpeg)) as decoded:
            rgb = np.asarray(decoded.convert("RGB"), dtype=np.float64)
        errors = [np.abs(rgb - f[:, :, ::-1]).mean() for f in sources]
        swapped = [np.abs(rgb - f).mean() for f in sources]
        best = int(np.argmin(errors))
        assert errors[best] < 0.25 * swapped[best], (errors[best], swapped[best])
    for image in images:
        assert image.tags == ["proj-1"]
        with Image.open(io.BytesIO(image.jpeg)) as decoded:
            assert decoded.size == (W, H)
        annotation = json.loads(image.annotation)
        assert image.annotation_name.endswith(".json") and image.annotation_prediction == "true"
        (box,) = annotation["predictions"]
        assert box["class"] == "car" and box["confidence"] == 0.75  # the `class` alias, as dumped
        assert annotation["image"] == {"width": W, "height": H}


def test_two_models_of_one_project_work_side_by_side(manager, isolated, inference_log):
    """inference keys middlewares `model->dataset`: proj/1 and proj/2 both feed `proj`; the
    segmentation response is on a reduced mask grid that the manager projects to the image."""
    detection = ObjectDetectionInferenceRequest(
        api_key=KEY, model_id="proj/1", image=InferenceRequestImage(type="base64", value=jpeg_b64(1))
    )
    manager.register(prediction=detection_response(1), model_id="proj/1", request=detection)
    grid = InstanceSegmentationInferenceResponse(
        image=InferenceResponseImage(width=W // 4, height=H // 4),
        original_image=InferenceResponseImage(width=W, height=H),
        mask_metadata={"width": W // 4, "height": H // 4, "scale_x": 4.0, "scale_y": 4.0},
        predictions=[
            InstanceSegmentationPrediction(
                **{"x": 5.0, "y": 4.0, "width": 4.0, "height": 2.0, "confidence": 0.6},
                **{"class": "person", "class_id": 1},
                points=[{"x": 3.0, "y": 3.0}, {"x": 7.0, "y": 3.0}, {"x": 5.0, "y": 5.0}],
            )
        ],
    )
    segmentation = InstanceSegmentationInferenceRequest(
        api_key=KEY, model_id="proj/2", image=InferenceRequestImage(type="base64", value=jpeg_b64(2))
    )
    manager.register(prediction=grid, model_id="proj/2", request=segmentation)
    assert set(manager._middlewares) == {"proj/1->proj", "proj/2->proj"}
    for middleware in manager._middlewares.values():
        assert middleware.flush(30)
    assert not inference_log.messages(), inference_log.messages()
    by_tag = {tuple(i.tags): i for i in isolated.images}
    assert set(by_tag) == {("proj-1",), ("proj-2",)}
    polygon = json.loads(by_tag[("proj-2",)].annotation)
    assert polygon["image"] == {"width": W, "height": H}
    (obj,) = polygon["predictions"]
    assert [(p["x"], p["y"]) for p in obj["points"]] == [(12.0, 12.0), (28.0, 12.0), (20.0, 20.0)]
    assert (obj["x"], obj["y"], obj["width"], obj["height"]) == (20.0, 16.0, 16.0, 8.0)


def test_a_second_middleware_of_the_same_model_and_dataset_shares_the_engine(isolated):
    isolated.state.api_key = KEY
    isolated.state.configs["proj"] = config()
    one = fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", "proj/1", MemoryCache())
    two = fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", "proj/1", MemoryCache())
    assert one.engine is two.engine
    one.stop_registration_thread()
    two.register(frame(H, W, 5), detection_response(5).model_dump(by_alias=True), "object-detection")
    assert two.flush(30) and len(isolated.images) == 1
    two.stop_registration_thread()
    assert fs_middleware._engines == {}
