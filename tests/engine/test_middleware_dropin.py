"""The drop-in middlewares as Roboflow inference calls them (SPEC §7): batches checked before
anything is registered, inference ids, inference's request-image types, several middlewares
in one process, and the `cache` argument. tests/peer/ runs the same against inference itself."""

from __future__ import annotations

import base64
import io
import logging
import os
import pickle
import subprocess
import sys

import pytest
from PIL import Image

import framesieve as fs
from framesieve.config import remote as remote_config
from framesieve.engine import caches
from framesieve.engine import middleware as middleware_module
from support.engine_helpers import config, detection, frame

KEY = "test-key-0123456789"
FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path, fake_roboflow):
    remote_config.clear_cache()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ROBOFLOW_API_URL", fake_roboflow.url)
    fake_roboflow.state.configs["proj"] = config()
    yield
    remote_config.clear_cache()
    assert middleware_module._engines == {}  # every test lets go of what it made


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame(40, 50, seed)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_register_batch_checks_everything_before_registering_anything(fake_roboflow):
    with fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST) as middleware:
        with pytest.raises(ValueError, match="3 inference_inputs but 2 predictions"):
            middleware.register_batch([frame(seed=1), frame(seed=2), frame(seed=3)], [detection()] * 2, "x")
        with pytest.raises(TypeError, match=r"inference_inputs\[1\]"):
            middleware.register_batch(
                [frame(seed=1), 7, frame(seed=3)], [detection()] * 3, "object-detection"
            )
        with pytest.raises(TypeError, match=r"predictions\[2\]"):
            middleware.register_batch([frame(seed=1)] * 3, [detection(), detection(), 5], "object-detection")
        assert middleware.flush(10)
        assert middleware.stats()["seen"] == 0
    assert fake_roboflow.images == []


def test_inference_id_reaches_the_upload(fake_roboflow):
    with fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST) as middleware:
        middleware.register_batch(
            [frame(seed=1), frame(seed=2)], [detection(), detection()], "object-detection", False, "request-7"
        )
        middleware.register(frame(seed=3), detection() | {"inference_id": "own-id"}, "object-detection")
        middleware.register(frame(seed=4), detection(), "object-detection", inference_id=12)
        assert middleware.flush(20)
    assert sorted(i.inference_id for i in fake_roboflow.images) == ["12", "own-id", "request-7", "request-7"]


def test_inference_request_image_types(fake_roboflow, tmp_path):
    path = tmp_path / "f.png"
    path.write_bytes(png(5))
    inputs = [
        {"type": "base64", "value": base64.b64encode(png(1)).decode()},
        {"type": "numpy", "value": pickle.dumps(frame(40, 50, 2))},  # the client's pickled array
        {"type": "numpy", "value": base64.b64encode(pickle.dumps(frame(40, 50, 3))).decode()},
        {"type": "numpy_object", "value": frame(40, 50, 4)},
        {"type": "file", "value": str(path)},
        {"type": "multipart", "value": png(6)},
    ]
    with fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST) as middleware:
        middleware.register_batch(inputs, [detection()] * len(inputs), "object-detection")
        with pytest.raises(ValueError, match="no network access"):
            middleware.register(
                {"type": "url", "value": "https://example.com/a.jpg"}, detection(), "object-detection"
            )
        assert middleware.flush(20)
        assert middleware.stats()["delivered"] == len(inputs)
    for image in fake_roboflow.images:
        with Image.open(io.BytesIO(image.jpeg)) as decoded:
            assert decoded.size == (50, 40)


def test_a_pickle_that_is_not_an_array_is_never_run(fake_roboflow, tmp_path):
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    with fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST) as middleware:
        middleware.register(
            {"type": "numpy", "value": pickle.dumps(Exploit())}, detection(), "object-detection"
        )
        assert middleware.flush(20)
        assert middleware.stats()["failed"] == 1
    assert not marker.exists() and fake_roboflow.images == []


def test_init_from_config_none_collects_nothing_as_in_the_reference(fake_roboflow):
    with fs.ActiveLearningMiddleware.init_from_config(
        KEY, "proj", "proj/1", None, None, **FAST
    ) as middleware:
        middleware.register(frame(seed=1), detection(), "object-detection")
        assert middleware.flush(10)
    assert fake_roboflow.images == []


def test_models_of_one_project_side_by_side_and_one_engine_per_model(fake_roboflow):
    one = fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST)
    two = fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", "proj/2", None, **FAST)
    again = fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST)
    assert one.engine is again.engine and one.engine is not two.engine
    assert one.engine.outbox.path != two.engine.outbox.path
    for i, middleware in enumerate((one, two, again)):
        middleware.register(frame(seed=10 + i), detection(), "object-detection")
    one.stop_registration_thread()  # `again` still holds the shared engine
    again.register(frame(seed=20), detection(), "object-detection")
    for middleware in (two, again):
        assert middleware.flush(20)
        middleware.stop_registration_thread()
    assert sorted(tuple(i.tags) for i in fake_roboflow.images) == [("proj-1",)] * 3 + [("proj-2",)]
    with pytest.raises(fs.FramesieveError, match="closed"):
        again.register(frame(seed=21), detection(), "object-detection")


def test_a_second_process_on_the_same_outbox_is_refused(tmp_path):
    with fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST) as middleware:
        folder = middleware.engine.outbox.path
        child = "import sys, framesieve as fs\nfrom framesieve.engine.outbox import Outbox\n"
        child += "try:\n    Outbox(sys.argv[1])\nexcept fs.OutboxLockedError as e:\n    print('locked', e)\n"
        done = subprocess.run(
            [sys.executable, "-c", child, str(folder)], capture_output=True, text=True, timeout=60
        )
    assert done.stdout.startswith("locked") and "in use by another process" in done.stdout, done.stderr


def test_cache_none_shares_one_limiter_in_the_process(fake_roboflow):
    fake_roboflow.state.configs["proj"] = config(
        [
            {
                "name": "one",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "daily", "value": 1}],
            }
        ]
    )
    first = fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/1", None, **FAST)
    second = fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/2", None, **FAST)
    for i, middleware in enumerate((first, second)):
        middleware.register(frame(seed=30 + i), detection(), "object-detection", inference_id=str(i))
        assert middleware.flush(20)
        middleware.close()
    assert len(fake_roboflow.images) == 1  # one daily credit for the project, across both models


def test_an_unknown_cache_warns_once_and_limits_stay_in_the_process(caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")

    class SomeCache:
        pass

    limiters = [caches.limiter_for(SomeCache()) for _ in range(3)]
    assert all(isinstance(limiter, fs.MemoryLimiter) for limiter in limiters)
    notes = [r.getMessage() for r in caplog.records if "SomeCache" in r.getMessage()]
    assert len(notes) == 1 and "limits are kept in this process" in notes[0]
    shared = SomeCache()
    assert caches.limiter_for(shared) is caches.limiter_for(shared)


def test_a_redis_url_cache_puts_the_limits_in_redis(fake_roboflow, redis_server):
    fake_roboflow.state.configs["proj"] = config(
        [
            {
                "name": "one",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "daily", "value": 5}],
            }
        ]
    )
    with fs.ActiveLearningMiddleware.init(KEY, "proj", "proj/1", redis_server.url, **FAST) as middleware:
        middleware.register(frame(seed=40), detection(), "object-detection")
        assert middleware.flush(20)
    with redis_server.client() as client:
        keys = client.command("KEYS", "framesieve:*:one:day:*")
    assert len(keys) == 1
