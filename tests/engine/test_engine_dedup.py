"""ActiveLearning with `deduplication`: near-duplicates of collected frames are skipped
before the limit take and counted in stats()["near_duplicates"], with every destination."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data

import framesieve as fs
from support.engine_helpers import config, detection

KEY = "test-key-0123456789"
FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}
DEDUP = {"hash": "dhash", "max_hamming": 6, "window_seconds": 60}


def bgr(name: str) -> np.ndarray:
    return np.ascontiguousarray(getattr(data, name)()[..., ::-1])


def reencoded(image: np.ndarray) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def destinations(kind: str, tmp_path: Path, fake: Any) -> Any:
    if kind == "local":
        return fs.LocalDataset(tmp_path / "dataset")
    return fs.RoboflowDestination(KEY, "proj", api_url=fake.url, timeout=5.0)


def delivered_count(kind: str, tmp_path: Path, fake: Any) -> int:
    if kind == "local":
        return len(list((tmp_path / "dataset").rglob("*.jpg")))
    return len(fake.images)


@pytest.mark.parametrize("kind", ["local", "roboflow"])
def test_near_duplicates_are_skipped_with_every_destination(
    kind: str, tmp_path: Path, fake_roboflow: Any
) -> None:
    cfg = fs.load_config(config(deduplication=DEDUP))
    astronaut = bgr("astronaut")
    coffee = np.ascontiguousarray(cv2.resize(bgr("coffee"), (512, 512)))
    frames = [
        (astronaut, 0.0),  # collected
        (astronaut.copy(), 1.0),  # identical
        (reencoded(astronaut), 2.0),  # JPEG q75 round trip
        (np.ascontiguousarray(np.roll(astronaut, 3, axis=1)), 3.0),  # shifted 3 px
        (coffee, 4.0),  # another scene: collected
        # the window (60 s of video time) has passed: collected again (re-encoded, so that
        # the fake Roboflow server, which dedupes by content, takes it as a new image)
        (reencoded(astronaut), 61.5),
        (reencoded(coffee), 62.0),  # coffee was collected at 4.0, within 60 s: skipped
    ]
    destination = destinations(kind, tmp_path, fake_roboflow)
    with fs.ActiveLearning(cfg, destination, outbox=tmp_path / "outbox", seed=1, **FAST) as al:
        for image, t in frames:
            al.register(image, detection(2, 512, 512), "object-detection", timestamp=1_700_000_000.0 + t)
        assert al.flush(20)
        stats = al.stats()
    assert stats["seen"] == 7
    assert stats["near_duplicates"] == 4
    assert stats["collected"] == stats["delivered"] == 3
    assert delivered_count(kind, tmp_path, fake_roboflow) == 3


def test_limited_frames_are_not_remembered(tmp_path: Path) -> None:
    strategies = [
        {
            "name": "one",
            "type": "random",
            "traffic_percentage": 1.0,
            "limits": [{"type": "minutely", "value": 1}],
        }
    ]
    cfg = fs.load_config(config(strategies, deduplication=DEDUP))
    astronaut, camera = bgr("astronaut"), cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2BGR)
    t0 = 1_700_000_040.0  # minute windows are UTC minutes: stay inside one
    with fs.ActiveLearning(cfg, tmp_path / "ds", outbox=tmp_path / "outbox", seed=1, **FAST) as al:
        al.register(astronaut, detection(), "object-detection", timestamp=t0)
        al.register(camera, detection(), "object-detection", timestamp=t0 + 1)  # limited
        al.register(camera, detection(), "object-detection", timestamp=t0 + 2)  # limited again, not a dup
        al.register(astronaut, detection(), "object-detection", timestamp=t0 + 3)  # dup: no credit asked
        assert al.flush(20)
        stats = al.stats()
    assert stats["collected"] == 1
    assert stats["limited"] == 2
    assert stats["near_duplicates"] == 1


def test_frames_no_strategy_keeps_are_not_hashed_nor_remembered(tmp_path: Path) -> None:
    strategies = [
        {"name": "edge", "type": "close_to_threshold", "threshold": 0.5, "epsilon": 0.05, "probability": 1.0}
    ]
    cfg = fs.load_config(config(strategies, deduplication=DEDUP))
    astronaut = bgr("astronaut")
    with fs.ActiveLearning(cfg, tmp_path / "ds", outbox=tmp_path / "outbox", seed=1, **FAST) as al:
        for i in range(5):  # confident predictions: no strategy matches
            al.register(astronaut, detection(confidence=0.95), "object-detection", timestamp=1e9 + i)
        al.register(astronaut, detection(confidence=0.5), "object-detection", timestamp=1e9 + 10)
        al.register(astronaut, detection(confidence=0.5), "object-detection", timestamp=1e9 + 11)
        assert al.flush(20)
        stats = al.stats()
    assert stats["matched"] == 2
    assert stats["collected"] == 1
    assert stats["near_duplicates"] == 1


def test_without_deduplication_nothing_is_skipped(tmp_path: Path) -> None:
    cfg = fs.load_config(config())
    astronaut = bgr("astronaut")
    with fs.ActiveLearning(cfg, tmp_path / "ds", outbox=tmp_path / "outbox", seed=1, **FAST) as al:
        for i in range(3):
            al.register(astronaut, detection(), "object-detection", timestamp=1e9 + i)
        assert al.flush(20)
        stats = al.stats()
    assert stats["collected"] == 3
    assert stats["near_duplicates"] == 0


def test_config_refresh_keeps_the_memory_unless_the_settings_change(tmp_path: Path) -> None:
    astronaut = bgr("astronaut")
    with fs.ActiveLearning(
        fs.load_config(config(deduplication=DEDUP)),
        tmp_path / "ds",
        outbox=tmp_path / "outbox",
        seed=1,
        **FAST,
    ) as al:
        al.register(astronaut, detection(), "object-detection", timestamp=1e9)
        al.set_config(fs.load_config(config(deduplication=DEDUP, tags=["refreshed"])))  # same settings
        al.register(astronaut, detection(), "object-detection", timestamp=1e9 + 1)
        assert al.stats()["near_duplicates"] == 1
        al.set_config(fs.load_config(config(deduplication={**DEDUP, "max_hamming": 3})))  # new filter
        al.register(astronaut, detection(), "object-detection", timestamp=1e9 + 2)
        al.set_config(fs.load_config(config()))  # deduplication off
        al.register(astronaut, detection(), "object-detection", timestamp=1e9 + 3)
        assert al.flush(20)
        stats = al.stats()
    assert stats["near_duplicates"] == 1
    assert stats["collected"] == 3


def test_encoded_images_are_not_hashed(tmp_path: Path) -> None:
    ok, buf = cv2.imencode(".jpg", bgr("astronaut"))
    assert ok
    with fs.ActiveLearning(
        fs.load_config(config(deduplication=DEDUP)),
        tmp_path / "ds",
        outbox=tmp_path / "outbox",
        seed=1,
        **FAST,
    ) as al:
        for i in range(2):
            al.register(buf.tobytes(), detection(), "object-detection", timestamp=1e9 + i)
        assert al.flush(20)
        stats = al.stats()
    assert stats["near_duplicates"] == 0
    assert stats["collected"] == 2
