"""ActiveLearning end to end: real sampler, limiter, JPEG, fake Roboflow API on loopback."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from PIL import Image

import framesieve as fs
from support.engine_helpers import config, detection, frame

KEY = "test-key-0123456789"
FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}


def _engine(fake, tmp_path, cfg, **kw):
    destination = fs.RoboflowDestination(KEY, "proj", api_url=fake.url, timeout=5.0)
    options = {**FAST, "outbox": tmp_path / "outbox", "seed": 1, **kw}
    return fs.ActiveLearning(fs.load_config(cfg), destination, **options)


def _size(jpeg: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(jpeg)) as img:
        return img.size


def test_protocol_fields_tags_and_per_axis_rescale(fake_roboflow, tmp_path, monkeypatch):
    monkeypatch.setenv("ACTIVE_LEARNING_TAGS", "site-a,line:2")
    cfg = config(
        [{"name": "all", "type": "random", "traffic_percentage": 1.0, "tags": ["strat"]}],
        tags=["cfg"],
        max_image_size=[24, 40],
        jpeg_compression_level=80,
    )
    prediction = detection(3, width=65, height=48)
    prediction["predictions"][0]["points"] = [{"x": 10.0, "y": 20.0}]
    with _engine(fake_roboflow, tmp_path, cfg, model_id="proj/7") as al:
        al.register(
            frame(48, 65, 1),
            prediction,
            "object-detection",
            image_name="cam.jpg",
            metadata={"camera": "north", "n": 2, "ok": True},
            inference_id="inf-1",
            timestamp=1_700_000_000.0,
        )
        assert al.flush(20)
        stats = al.stats()
    (image,) = fake_roboflow.images
    assert image.name.endswith(".jpg") and image.annotation_name == image.name[:-4] + ".json"
    assert image.batch == "al"
    assert image.tags == ["site-a", "line:2", "cfg", "strat", "proj-7"]
    assert image.inference_id == "inf-1"
    assert image.metadata == {"camera": "north", "n": 2, "ok": True}
    width, height = _size(image.jpeg)
    assert (width, height) == (32, 24)  # 65x48 into [24, 40]: (int(24 * 65/48), 24)
    sx, sy = width / 65, height / 48
    assert sx != sy
    annotation = json.loads(image.annotation)
    assert annotation["image"] == {"width": 32, "height": 24}
    for got, want in zip(annotation["predictions"], prediction["predictions"], strict=True):
        assert got["x"] == pytest.approx(want["x"] * sx) and got["width"] == pytest.approx(want["width"] * sx)
        assert got["y"] == pytest.approx(want["y"] * sy) and got["height"] == pytest.approx(
            want["height"] * sy
        )
        assert got["class"] == want["class"] and got["confidence"] == want["confidence"]
    assert annotation["predictions"][0]["points"][0] == {
        "x": pytest.approx(10 * sx),
        "y": pytest.approx(20 * sy),
    }
    assert prediction["predictions"][0]["x"] == 10.0  # the caller's dict is untouched
    assert image.annotation_prediction == "true"
    assert stats["seen"] == stats["matched"] == stats["collected"] == stats["delivered"] == 1
    assert stats["pending"] == 0 and stats["failed"] == 0


@pytest.mark.parametrize(
    ("interval", "expected"),
    [("never", "al"), ("daily", "al_2024_02_29"), ("weekly", "al_2024_02_26"), ("monthly", "al_2024_02_01")],
)
def test_batch_names_follow_the_timestamp(fake_roboflow, tmp_path, interval, expected):
    cfg = config(batching_strategy={"batches_name_prefix": "al", "recreation_interval": interval})
    ts = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.timezone.utc).timestamp()
    with _engine(fake_roboflow, tmp_path, cfg) as al:
        al.register(frame(seed=2), detection(), "object-detection", timestamp=ts)
        assert al.flush(20)
    assert [i.batch for i in fake_roboflow.images] == [expected]


def test_strategy_limits_use_the_timestamp_windows(fake_roboflow, tmp_path):
    cfg = config(
        [
            {
                "name": "few",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "minutely", "value": 2}],
            },
        ]
    )
    t0 = 1_700_000_040.0  # a minute boundary
    with _engine(fake_roboflow, tmp_path, cfg) as al:
        for i in range(5):
            al.register(frame(seed=10 + i), detection(), "object-detection", timestamp=t0 + i)
        al.register(frame(seed=20), detection(), "object-detection", timestamp=t0 + 60)  # next minute
        assert al.flush(20)
        stats = al.stats()
    assert stats["limited"] == 3 and stats["delivered"] == 3
    assert len(fake_roboflow.images) == 3


def test_duplicate_gives_the_credit_back(fake_roboflow, tmp_path):
    cfg = config(
        [
            {
                "name": "two",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "hourly", "value": 2}],
            }
        ]
    )
    same = frame(seed=3)
    with _engine(fake_roboflow, tmp_path, cfg) as al:
        for image in (same, same, frame(seed=4), frame(seed=5)):
            al.register(image, detection(), "object-detection", timestamp=1e9)
            assert al.flush(20)  # one at a time: the duplicate answer comes before the next frame
        stats = al.stats()
    # credits: same (1), same again (2, duplicate: given back -> 1), seed 4 (2), seed 5: none left
    assert stats["duplicates"] == 1 and stats["delivered"] == 2 and stats["limited"] == 1
    assert len(fake_roboflow.images) == 2


def test_max_batch_images_counted_locally_and_resynced(fake_roboflow, tmp_path):
    cfg = config(
        batching_strategy={"batches_name_prefix": "b", "recreation_interval": "never", "max_batch_images": 3}
    )
    with _engine(fake_roboflow, tmp_path, cfg) as al:
        for i in range(6):
            al.register(frame(seed=30 + i), detection(), "object-detection")
        assert al.flush(20)
        stats = al.stats()
    assert stats["delivered"] == 3 and stats["batch_full"] == 3
    # another process: the batch already holds 3 images on the server, plus 1 in a labeling job
    fake_roboflow.state.extra_batch_images["c"] = 1
    fake_roboflow.state.jobs = [{"sourceBatch": "batch-c", "numImages": 1}]
    cfg["batching_strategy"] = {
        "batches_name_prefix": "c",
        "recreation_interval": "never",
        "max_batch_images": 3,
    }
    with _engine(fake_roboflow, tmp_path / "2", cfg) as al:
        assert al.resync_batch("c") == 2
        for i in range(4):
            al.register(frame(seed=40 + i), detection(), "object-detection")
        assert al.flush(20)
        assert al.stats()["delivered"] == 1
    assert len(fake_roboflow.requests("/batches")) <= 3  # not asked per frame


def test_stub_is_uploaded_without_annotation(fake_roboflow, tmp_path):
    stub = {"is_stub": True, "model_id": "proj/0", "task_type": "object-detection", "time": 0.01}
    with _engine(fake_roboflow, tmp_path, config(), model_id="proj/0") as al:
        al.register(frame(seed=6), stub, "object-detection")
        assert al.flush(20)
    (image,) = fake_roboflow.images
    assert image.annotation is None and fake_roboflow.requests("/annotate/") == []


def test_classification_annotation_is_the_top_class_as_txt(fake_roboflow, tmp_path):
    prediction = {
        "predictions": [{"class": "cat", "class_id": 0, "confidence": 0.7}],
        "top": "cat",
        "confidence": 0.7,
    }
    with _engine(fake_roboflow, tmp_path, config()) as al:
        al.register(frame(seed=7), prediction, "classification")
        assert al.flush(20)
    (image,) = fake_roboflow.images
    assert image.annotation == "cat" and image.annotation_name.endswith(".txt")


def test_array_detections_to_a_local_dataset(tmp_path):
    cfg = config(
        [
            {
                "name": "near",
                "type": "close_to_threshold",
                "threshold": 0.5,
                "epsilon": 0.2,
                "probability": 1.0,
            }
        ],
        max_image_size=[24, 32],
    )
    arrays = {
        "xyxy": np.array([[4, 8, 20, 16], [30, 2, 40, 10]], dtype=np.float32),
        "confidence": np.array([0.55, 0.9], dtype=np.float32),
        "class_id": np.array([1, 0]),
    }
    far = {**arrays, "confidence": np.array([0.95, 0.9], dtype=np.float32)}
    with fs.ActiveLearning(
        fs.load_config(cfg), tmp_path / "ds", outbox=tmp_path / "ob", class_names=["car", "dog"], **FAST
    ) as al:
        al.register(frame(48, 64, seed=8), far, "object-detection")
        al.register(frame(48, 64, seed=8), arrays, "object-detection", image_name="../../x.jpg")
        assert al.flush(20)
        assert al.stats()["seen"] == 2 and al.stats()["matched"] == 1
    (entry,) = fs.LocalDataset(tmp_path / "ds").manifest()
    assert entry["strategy"] == "near" and entry["image_name"] == "x.jpg"
    assert entry["original_size"] == [64, 48] and entry["size"] == [32, 24]
    annotation = json.loads((tmp_path / "ds" / entry["annotation"]).read_text())
    first = annotation["predictions"][0]
    assert first["class"] == "dog" and first["class_id"] == 1
    assert (first["x"], first["y"], first["width"], first["height"]) == pytest.approx((6.0, 6.0, 8.0, 4.0))


def test_disabled_by_environment_collects_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTIVE_LEARNING_ENABLED", "false")
    with fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", **FAST) as al:
        for i in range(10):
            al.register(frame(seed=i), detection(), "object-detection")
        assert al.flush(5)
        assert al.stats()["collected"] == 0
    assert not (tmp_path / "ds" / "manifest.jsonl").exists()


def test_overload_refuses_and_returns_credit_unless_block(tmp_path, caplog):
    big = np.zeros((1500, 2000, 3), dtype=np.uint8)
    cfg = config(
        [
            {
                "name": "lim",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "hourly", "value": 1000}],
            }
        ]
    )
    limiter = fs.MemoryLimiter()
    with fs.ActiveLearning(
        fs.load_config(cfg), tmp_path / "ds", outbox=tmp_path / "ob", limiter=limiter, queue_size=1, **FAST
    ) as al:
        for _ in range(40):
            al.register(big.copy(), {"predictions": []}, "object-detection", timestamp=1e9)
        assert al.flush(60)
        stats = al.stats()
    assert stats["dropped_overload"] > 0
    warnings = [r for r in caplog.records if "queue is full" in r.getMessage()]
    assert len(warnings) == 1  # rate-limited: one per 10 s
    assert stats["delivered"] + stats["dropped_overload"] == 40 == stats["matched"]
    assert stats["collected"] == stats["delivered"]
    # every refused frame gave its credit back: exactly `delivered` credits are used
    assert limiter.take("x", [("probe", [])], 1e9) == "probe"  # the limiter is alive
    scope = fs.LocalDataset(tmp_path / "ds").key
    left = 0
    while limiter.take(scope, [("lim", [("hourly", 1000)])], 1e9) is not None:
        left += 1
    assert left == 1000 - stats["delivered"]

    with fs.ActiveLearning(
        fs.load_config(cfg), tmp_path / "ds2", outbox=tmp_path / "ob2", queue_size=1, block=True, **FAST
    ) as al:
        for _ in range(10):
            al.register(big.copy(), {"predictions": []}, "object-detection")
        assert al.flush(60)
        assert al.stats()["delivered"] == 10 and al.stats()["dropped_overload"] == 0


def test_bad_input_raises_on_the_callers_thread(tmp_path):
    with fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", **FAST) as al:
        good = frame()
        cases = [
            (
                lambda: al.register(good.astype(np.float32), detection(), "object-detection"),
                TypeError,
                "uint8",
            ),
            (
                lambda: al.register(np.zeros((0, 4, 3), np.uint8), detection(), "object-detection"),
                ValueError,
                "empty",
            ),
            (
                lambda: al.register(np.zeros((4, 4, 2), np.uint8), detection(), "object-detection"),
                ValueError,
                "channels",
            ),
            (lambda: al.register(object(), detection(), "object-detection"), TypeError, "image"),
            (lambda: al.register(good, detection(), 3), TypeError, "prediction_type"),
            (lambda: al.register(good, [1, 2], "object-detection"), TypeError, "prediction"),
            (
                lambda: al.register(good, detection(), "object-detection", metadata={"a": {"b": 1}}),
                TypeError,
                r"metadata\['a'\]",
            ),
            (
                lambda: al.register(good, detection(), "object-detection", timestamp=float("nan")),
                ValueError,
                "timestamp",
            ),
            (
                lambda: al.register(good, detection(), "object-detection", image_name=5),
                TypeError,
                "image_name",
            ),
            (
                lambda: al.register(
                    good, {"xyxy": np.zeros((3, 4)), "confidence": np.ones(2, np.float32)}, "object-detection"
                ),
                ValueError,
                "xyxy",
            ),
        ]
        for call, error, pattern in cases:
            with pytest.raises(error, match=pattern):
                call()
        assert al.flush(10)
        assert al.stats()["collected"] == 0


class _Detections:
    """Shaped like supervision.Detections (attributes, class names in ``data``)."""

    def __init__(self):
        self.xyxy = np.array([[0, 0, 10, 20]], dtype=np.float32)
        self.confidence = np.array([0.5], dtype=np.float32)
        self.class_id = np.array([3])
        self.data = {"class_name": np.array(["bus"])}


def test_detections_objects_stats_keys_and_closed_engine(tmp_path):
    al = fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", **FAST)
    al.register(frame(seed=1), _Detections(), "object-detection")
    assert al.flush(20)
    al.close()
    al.close()  # idempotent
    required = {"seen", "matched", "limited", "collected", "delivered", "duplicates", "failed", "pending"}
    assert required | {"dropped_overload", "dropped_outbox_full"} <= set(al.stats())
    with pytest.raises(fs.FramesieveError, match="closed"):
        al.register(frame(), detection(), "object-detection")
    (entry,) = fs.LocalDataset(tmp_path / "ds").manifest()
    annotation = json.loads((tmp_path / "ds" / entry["annotation"]).read_text())
    assert annotation["predictions"][0]["class"] == "bus" and annotation["predictions"][0]["class_id"] == 3
    assert annotation["predictions"][0]["height"] == 20.0


@pytest.mark.parametrize(("max_backlog", "drops"), [(0.05, True), (60.0, False)])
def test_the_queue_holds_at_most_max_backlog_seconds_of_work(tmp_path, max_backlog, drops):
    # What waits in memory is what a hard kill loses (SPEC §6: only the last 0.5 s), so
    # the queue is bounded by the workers' measured pace, well below queue_size here.
    big = np.random.default_rng(1).integers(0, 255, (1500, 2000, 3), dtype=np.uint8)
    cfg = config([{"name": "all", "type": "random", "traffic_percentage": 1.0}])
    with fs.ActiveLearning(
        fs.load_config(cfg),
        tmp_path / "ds",
        outbox=tmp_path / "ob",
        queue_size=256,
        max_backlog=max_backlog,
        **{**FAST, "workers": 1},
    ) as al:
        for _ in range(30):
            al.register(big.copy(), {"predictions": []}, "object-detection")
        assert al.flush(60)
        stats = al.stats()
    assert (stats["dropped_overload"] > 0) is drops
    assert stats["delivered"] + stats["dropped_overload"] == 30 == stats["matched"]
    assert len(fs.LocalDataset(tmp_path / "ds").manifest()) == stats["delivered"]


@pytest.mark.parametrize("bad", [0, -1.0, "1", True, float("nan")])
def test_max_backlog_must_be_positive_seconds(tmp_path, bad):
    with pytest.raises(fs.InvalidInputError, match="max_backlog"):
        fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", max_backlog=bad)
