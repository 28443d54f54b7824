"""`register(..., block=)` per call, and the overload warning naming the parameter the user sets."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np

import framesieve as fs
from framesieve.interop import make_on_prediction
from support.engine_helpers import config

FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 1}
BIG = np.zeros((1500, 2000, 3), dtype=np.uint8)  # a few ms of resize + JPEG each: the queue of 1 fills


@dataclass
class VideoFrame:  # the attribute names of inference's VideoFrame
    image: np.ndarray
    frame_id: int
    frame_timestamp: dt.datetime
    fps: float | None = 25.0
    source_id: int | None = 0
    comes_from_video_file: bool | None = None


def engine(tmp_path, name: str, **options):
    return fs.ActiveLearning(
        fs.load_config(config()),
        tmp_path / name,
        outbox=tmp_path / f"{name}-ob",
        queue_size=1,
        **FAST,
        **options,
    )


def overload_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "queue is full" in r.getMessage()]


def test_per_call_block_overrides_the_engines_setting(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")
    with engine(tmp_path, "a") as al:  # the engine drops by default; the call waits
        for _ in range(15):
            al.register(BIG.copy(), {"predictions": []}, "object-detection", block=True)
        assert al.flush(60)
        assert al.stats()["delivered"] == 15 and al.stats()["dropped_overload"] == 0
    with engine(tmp_path, "b", block=True) as al:  # the engine waits; the call drops
        for _ in range(30):
            al.register(BIG.copy(), {"predictions": []}, "object-detection", block=False)
        assert al.flush(60)
        stats = al.stats()
    assert stats["dropped_overload"] > 0 and stats["delivered"] + stats["dropped_overload"] == 30
    (message,) = overload_warnings(caplog)
    assert message.endswith("to wait instead, pass register(..., block=True)")


def test_a_direct_call_is_told_both_places(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")
    with engine(tmp_path, "c") as al:
        for _ in range(30):
            al.register(BIG.copy(), {"predictions": []}, "object-detection")
        assert al.flush(60)
        assert al.stats()["dropped_overload"] > 0
    (message,) = overload_warnings(caplog)
    assert message.endswith("pass ActiveLearning(..., block=True) or register(..., block=True)")


def test_the_pipeline_sink_waits_for_files_and_names_its_own_parameter_for_streams(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")
    when = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    with engine(tmp_path, "d") as al:
        sink = make_on_prediction(al.register)
        for i in range(15):
            sink({"predictions": []}, VideoFrame(BIG.copy(), i + 1, when, comes_from_video_file=True))
        assert al.flush(60)
        assert al.stats()["delivered"] == 15 and al.stats()["dropped_overload"] == 0
        assert not overload_warnings(caplog)
        for i in range(30):
            sink({"predictions": []}, VideoFrame(BIG.copy(), i + 1, when, comes_from_video_file=False))
        assert al.flush(60)
        assert al.stats()["dropped_overload"] > 0
    (message,) = overload_warnings(caplog)
    assert message.endswith("to wait instead, pass make_on_prediction(..., block=True)")


def test_the_sink_passes_block_as_the_frame_says_or_as_told():
    calls = []

    def register(image, prediction, prediction_type, *, timestamp=None, block=None):
        calls.append(block)

    when = dt.datetime.now()
    frames = [
        VideoFrame(np.zeros((4, 4, 3), np.uint8), 1, when, comes_from_video_file=v)
        for v in (True, False, None)
    ]
    for frame in frames:
        make_on_prediction(register)({"predictions": []}, frame)
    assert calls == [True, False, None]  # None: the engine's own setting
    calls.clear()
    for frame in frames:
        make_on_prediction(register, block=True)({"predictions": []}, frame)
        make_on_prediction(register, block=False)({"predictions": []}, frame)
    assert calls == [True, False] * 3
