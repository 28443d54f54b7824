"""RoboflowDestination against the fake Roboflow API on loopback (SPEC §5)."""

from __future__ import annotations

import json
import logging
import traceback

import pytest

from framesieve import PermanentDeliveryError, RoboflowDestination, TransientDeliveryError
from support.engine_helpers import datapoint, jpeg

KEY = "test-key-0123456789"


@pytest.fixture
def dest(fake_roboflow):
    with RoboflowDestination(KEY, "proj", api_url=fake_roboflow.url, timeout=2.0) as destination:
        yield destination


def test_workspace_type_and_config(fake_roboflow, dest):
    assert dest.workspace == "ws"
    assert dest.project_type() == "object-detection"
    assert dest.get_config() == {"enabled": False}
    config = {"enabled": True, "persist_predictions": False}
    dest.set_config(config)
    assert fake_roboflow.state.configs["proj"] == config
    assert dest.get_config() == config
    fake_roboflow.state.wrap_config = True
    assert dest.get_config() == config
    (workspace_call,) = fake_roboflow.requests("")[:1]
    assert workspace_call.path == "/" and workspace_call.query["api_key"] == [KEY]


def test_url_from_the_environment(fake_roboflow, monkeypatch):
    monkeypatch.setenv("ROBOFLOW_API_URL", fake_roboflow.url + "/")
    with RoboflowDestination(KEY, "proj") as destination:
        assert destination.api_url == fake_roboflow.url
        assert destination.workspace == "ws"


def test_upload_protocol_fields(fake_roboflow, dest):
    dp = datapoint(1, tags=["t1", "t:2"], inference_id="inf-9", metadata={"camera": "n", "x": 1.5})
    result = dest.deliver(dp, {}, lambda state: None)
    assert not result.duplicate and result.image_id == "img-1"
    (image,) = fake_roboflow.images
    assert image.name == "dp0001.jpg" and image.batch == "al_2024_01_01"
    assert image.tags == ["t1", "t:2"] and image.inference_id == "inf-9"
    assert image.metadata == {"camera": "n", "x": 1.5}
    assert image.jpeg == dp.jpeg and image.content_type == "image/jpeg"
    assert image.annotation == dp.annotation and image.annotation_name == "dp0001.json"
    assert image.annotation_prediction == "true"


def test_duplicate_and_reannotation(fake_roboflow, dest):
    saved = []
    dest.deliver(datapoint(1), {}, saved.append)
    assert saved == [{"image_id": "img-1", "duplicate": False}]
    again = dest.deliver(datapoint(1, id="other"), {}, saved.append)
    assert again.duplicate and again.image_id == "img-1"
    # a re-delivery of the same datapoint after a crash: duplicate upload, 409 annotation, all fine
    recovered = dest.deliver(datapoint(1), {"recovered": True}, saved.append)
    assert recovered.duplicate
    assert len(fake_roboflow.images) == 1
    assert [r.status for r in fake_roboflow.requests("/annotate/")] == [200, 409]
    # saved progress skips the upload entirely
    before = len(fake_roboflow.requests("/upload"))
    dest.deliver(datapoint(1), {"image_id": "img-1", "recovered": True}, saved.append)
    assert len(fake_roboflow.requests("/upload")) == before


def test_stub_without_annotation_uploads_only_the_image(fake_roboflow, dest):
    dest.deliver(datapoint(1, annotation=None, annotation_ext=None), {}, lambda s: None)
    assert fake_roboflow.requests("/annotate/") == []
    assert fake_roboflow.images[0].annotation is None


@pytest.mark.parametrize("status", [400, 403, 404])
def test_permanent_statuses(fake_roboflow, dest, status):
    fake_roboflow.fail_next(1, status)
    with pytest.raises(PermanentDeliveryError, match=f"HTTP {status}"):
        dest.deliver(datapoint(1), {}, lambda s: None)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transient_statuses(fake_roboflow, dest, status):
    fake_roboflow.fail_next(1, status)
    with pytest.raises(TransientDeliveryError, match=f"HTTP {status}"):
        dest.deliver(datapoint(1), {}, lambda s: None)


def test_rejection_is_permanent(fake_roboflow, dest):
    fake_roboflow.reject_next(1)
    with pytest.raises(PermanentDeliveryError, match="rejected"):
        dest.deliver(datapoint(1), {}, lambda s: None)


def test_connection_refused_and_timeout_are_transient(fake_roboflow):
    with RoboflowDestination(KEY, "proj", api_url=fake_roboflow.url, timeout=0.3) as destination:
        fake_roboflow.latency = 1.0
        with pytest.raises(TransientDeliveryError, match="timed out"):
            destination.upload_image(jpeg(1), "a.jpg", "b", [])
        fake_roboflow.latency = 0.0
        fake_roboflow.stop()
        with pytest.raises(TransientDeliveryError, match="ConnectError"):
            destination.upload_image(jpeg(1), "a.jpg", "b", [])


def test_batch_count_includes_labeling_jobs(fake_roboflow, dest):
    fake_roboflow.state.extra_batch_images["b1"] = 5
    fake_roboflow.state.jobs = [
        {"sourceBatch": "batch-b1", "numImages": 3},
        {"sourceBatch": "batch-b2", "numImages": 7},
    ]
    assert dest.batch_image_count("b1") == 8
    assert dest.batch_image_count("nope") == 0
    dest.deliver(datapoint(1, batch="b1"), {}, lambda s: None)
    assert dest.batch_image_count("b1") == 9


def test_the_key_never_leaks(fake_roboflow, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-key-42"
    destination = RoboflowDestination(wrong, "proj", api_url=fake_roboflow.url, timeout=0.3)
    texts = [repr(destination), str(destination.key)]
    for action in (
        lambda: destination.workspace,
        lambda: destination.upload_image(jpeg(1), "a.jpg", "b", []),
    ):
        with pytest.raises(PermanentDeliveryError) as info:
            action()
        texts += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
    assert "401" in texts[2] and "refused" in texts[2]
    fake_roboflow.stop()
    destination._workspace = "ws"
    for action in (destination.project_type, lambda: destination.upload_image(jpeg(1), "a.jpg", "b", [])):
        with pytest.raises(TransientDeliveryError) as info:
            action()
        texts += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
    destination.close()
    texts += [record.getMessage() for record in caplog.records]
    assert any("api_key=***" in t for t in texts)  # httpx logged the request, masked
    for text in texts:
        assert wrong not in text


def test_bad_arguments():
    with pytest.raises(ValueError, match="api_key"):
        RoboflowDestination("", "proj")
    with pytest.raises(ValueError, match="project"):
        RoboflowDestination(KEY, "a/b")


def test_fake_server_refuses_a_wrong_key_and_bad_multipart(fake_roboflow):
    import httpx

    answer = httpx.post(f"{fake_roboflow.url}/dataset/proj/upload", params={"api_key": "x"}, content=b"")
    assert answer.status_code == 401
    answer = httpx.post(
        f"{fake_roboflow.url}/dataset/proj/upload",
        params={"api_key": KEY},
        content=b"zz",
        headers={"Content-Type": "text/plain"},
    )
    assert answer.status_code == 400 and "multipart" in json.loads(answer.text)["error"]
