"""The source -> model -> sink loop on a real video with the real CenterFace model."""

from __future__ import annotations

import numpy as np
import pytest

from framesieve.models import CenterFace, load_model
from framesieve.sources import open_source, run_stream
from support.sample_data import video_path


@pytest.mark.parametrize("batch_size", [1, 4])
def test_every_frame_reaches_the_sink_with_video_time(batch_size):
    calls = []

    def sink(image, prediction, prediction_type, *, timestamp):
        calls.append((image.shape, prediction, prediction_type, timestamp))

    epoch = 1_000_000.0
    source = open_source(video_path("carphone_pristine.mp4"), epoch=epoch, max_frames=10)
    stats = run_stream(source, CenterFace(providers="cpu"), sink, batch_size=batch_size)
    assert stats.frames == 10 and not stats.interrupted and stats.fps > 0
    assert [c[0] for c in calls] == [(144, 176, 3)] * 10
    assert {c[2] for c in calls} == {"object-detection"}
    assert [len(c[1]["predictions"]) for c in calls] == [1] * 10
    np.testing.assert_allclose([c[3] - epoch for c in calls], np.arange(10) * 1001 / 30000, atol=1e-3)


def test_ctrl_c_stops_cleanly_and_releases_the_decoder():
    seen = []

    def sink(image, prediction, prediction_type, *, timestamp):
        seen.append(prediction)
        if len(seen) == 3:
            raise KeyboardInterrupt

    source = open_source(video_path("bikes.mp4"))
    stats = run_stream(source, load_model("bikes/0"), sink)
    assert stats.interrupted and len(seen) == 3 and stats.frames == 2
    assert all(p["is_stub"] for p in seen)
    assert source._thread is not None and not source._thread.is_alive()
