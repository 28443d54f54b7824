"""The drop-in middlewares and configuration distribution, against the fake Roboflow API."""

from __future__ import annotations

import base64
import io
import logging
import time

import pytest
from PIL import Image

import framesieve as fs
from framesieve.config import remote as remote_config
from support.engine_helpers import config, detection, frame
from support.fake_roboflow import FakeRoboflow

KEY = "test-key-0123456789"
FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}


@pytest.fixture(autouse=True)
def _fresh_cache():
    remote_config.clear_cache()
    yield
    remote_config.clear_cache()


def _encoded(seed: int, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame(40, 50, seed)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_inputs_of_every_kind(fake_roboflow, tmp_path):
    fake_roboflow.state.configs["proj"] = config()
    path = tmp_path / "frame.png"
    path.write_bytes(_encoded(5, "PNG"))
    middleware = fs.ActiveLearningMiddleware.init(
        KEY, "proj", "proj/3", None, api_url=fake_roboflow.url, outbox=tmp_path / "ob", **FAST
    )
    with middleware:
        middleware.register(frame(40, 50, 1), detection(), "object-detection")
        middleware.register(_encoded(2, "JPEG"), detection(), "object-detection")
        middleware.register(_encoded(3, "PNG"), detection(), "object-detection")
        middleware.register(base64.b64encode(_encoded(4, "JPEG")).decode(), detection(), "object-detection")
        middleware.register(str(path), detection(), "object-detection")
        middleware.register({"type": "numpy", "value": frame(40, 50, 6)}, detection(), "object-detection")
        middleware.register_batch(
            [frame(40, 50, 7), frame(40, 50, 8)], [detection(), detection()], "object-detection"
        )
        assert middleware.flush(20)
        assert middleware.stats()["delivered"] == 8
    images = fake_roboflow.images
    assert len(images) == 8
    assert all(i.tags == ["proj-3"] for i in images)
    with Image.open(io.BytesIO(images[1].jpeg)) as decoded:
        assert decoded.size == (50, 40)


def test_bad_inputs_raise_on_the_callers_thread(fake_roboflow, tmp_path):
    middleware = fs.ActiveLearningMiddleware.init_from_config(
        KEY, "proj", "proj/3", None, config(), api_url=fake_roboflow.url, outbox=tmp_path / "ob", **FAST
    )
    with middleware:
        with pytest.raises(TypeError, match="image"):
            middleware.register(12, detection(), "object-detection")
        with pytest.raises(ValueError, match="network"):
            middleware.register({"type": "url", "value": "http://x"}, detection(), "object-detection")
        with pytest.raises(ValueError, match="empty"):
            middleware.register(b"", detection(), "object-detection")
        # undecodable bytes are only found on the worker: counted as failed, credit back
        middleware.register(b"not an image", detection(), "object-detection")
        assert middleware.flush(10)
        assert middleware.stats()["failed"] == 1


def test_threading_middleware_never_drops(fake_roboflow, tmp_path):
    fake_roboflow.latency = 0.02
    middleware = fs.ThreadingActiveLearningMiddleware.init_from_config(
        KEY,
        "proj",
        "proj/3",
        None,
        config(),
        api_url=fake_roboflow.url,
        outbox=tmp_path / "ob",
        queue_size=2,
        **FAST,
    )
    middleware.start_registration_thread()
    for i in range(30):
        middleware.register(frame(40, 50, 100 + i), detection(), "object-detection")
    middleware.stop_registration_thread()
    assert len(fake_roboflow.images) == 30
    assert middleware.stats()["dropped_overload"] == 0


def test_null_middleware_does_nothing():
    null = fs.NullActiveLearningMiddleware.init("k", "p", "p/1", None)
    assert not isinstance(null, fs.ActiveLearningMiddleware)  # as in the reference
    with null:
        null.register(object(), None, "object-detection")
        null.register_batch([1], [2], "x")
    assert null.stats() == {}


def test_configuration_is_fetched_cached_and_refreshed(fake_roboflow, tmp_path):
    fake_roboflow.state.configs["proj"] = config(tags=["v1"])
    with fs.ActiveLearning.from_roboflow(
        KEY, "proj", "proj/1", api_url=fake_roboflow.url, outbox=tmp_path / "ob", config_ttl=0.3, **FAST
    ) as al:
        assert al.config.tags == ("v1",)
        fake_roboflow.state.configs["proj"] = config(tags=["v2"])
        deadline = time.monotonic() + 10
        while al.config.tags != ("v2",) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert al.config.tags == ("v2",)
        al.register(frame(seed=1), detection(), "object-detection")
        assert al.flush(20)
    assert fake_roboflow.images[0].tags == ["v2", "proj-1"]
    calls = len(fake_roboflow.requests("/active_learning"))
    with fs.ActiveLearning.from_roboflow(
        KEY, "proj", "proj/1", api_url=fake_roboflow.url, outbox=tmp_path / "ob2", **FAST
    ) as al:
        assert al.config.tags == ("v2",)
    assert len(fake_roboflow.requests("/active_learning")) == calls  # served from the 15-minute cache


def test_classification_project_refuses_detections(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")
    with FakeRoboflow(projects={"cls": "classification"}) as fake:
        fake.state.configs["cls"] = config()
        with fs.ActiveLearning.from_roboflow(
            KEY,
            "cls",
            "det/1",
            api_url=fake.url,
            outbox=tmp_path / "ob",
            model_type="object-detection",
            **FAST,
        ) as al:
            al.register(frame(seed=1), detection(), "object-detection")
            assert al.flush(5) and al.stats()["collected"] == 0
        with fs.ActiveLearning.from_roboflow(
            KEY, "cls", "det/1", api_url=fake.url, outbox=tmp_path / "ob2", **FAST
        ) as al:
            al.register(frame(seed=2), detection(), "object-detection")
            al.register(frame(seed=3), {"top": "cat", "confidence": 0.9, "predictions": []}, "classification")
            assert al.flush(20)
            assert al.stats()["delivered"] == 1
        assert [i.annotation for i in fake.images] == ["cat"]
    assert any("disabled" in r.getMessage() for r in caplog.records)
    assert any("cannot go to a classification project" in r.getMessage() for r in caplog.records)


def test_cache_argument_accepts_a_limiter(fake_roboflow, tmp_path):
    limiter = fs.MemoryLimiter()
    cfg = config(
        [
            {
                "name": "one",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "daily", "value": 1}],
            }
        ]
    )
    for i, outbox in enumerate(("a", "b")):  # two middlewares sharing one limiter: one credit in all
        middleware = fs.ActiveLearningMiddleware.init_from_config(
            KEY,
            "proj",
            "proj/1",
            cache=limiter,
            config=cfg,
            api_url=fake_roboflow.url,
            outbox=tmp_path / outbox,
            **FAST,
        )
        with middleware:
            middleware.register(frame(seed=50 + i), detection(), "object-detection")
    assert len(fake_roboflow.images) == 1


def test_target_project_redirects_the_uploads(tmp_path):
    with FakeRoboflow(projects={"proj": "object-detection", "other": "object-detection"}) as fake:
        fake.state.configs["proj"] = config(target_project="other")
        with fs.ActiveLearning.from_roboflow(
            KEY, "proj", "proj/1", api_url=fake.url, outbox=tmp_path / "ob", **FAST
        ) as al:
            al.register(frame(seed=9), detection(), "object-detection")
            assert al.flush(20)
        assert [i.project for i in fake.images] == ["other"]
