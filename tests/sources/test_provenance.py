"""Provenance (SPEC §4.7): every frame the CLI, the stream runner or the pipeline sink feeds says
where it came from, and the upload is named after it."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

import framesieve as fs
from framesieve.destinations.datapoint import upload_name
from framesieve.models import load_model
from framesieve.sources import describe_source, frame_provenance, open_source, run_stream
from support.engine_helpers import config, frame
from support.sample_data import video_path

KEY = "test-key-0123456789"


@pytest.mark.parametrize(
    ("reference", "source_id", "shown"),
    [
        ("/videos/cam 1/Front Door.mp4", "Front_Door", "/videos/cam 1/Front Door.mp4"),
        (0, "camera0", "camera 0"),
        ("3", "camera3", "camera 3"),
        (
            "rtsp://admin:s3cret@10.1.2.3:554/live/ch1?token=abc",
            "10.1.2.3_554_live_ch1",
            "rtsp://10.1.2.3:554/live/ch1",
        ),
        ("http://cams.example/mjpeg", "cams.example_mjpeg", "http://cams.example/mjpeg"),
        ("file:///data/clip.mkv", "clip", "/data/clip.mkv"),
    ],
)
def test_sources_are_named_without_credentials(reference, source_id, shown):
    assert describe_source(reference) == (source_id, shown)


def test_frame_provenance():
    origin = frame_provenance("bikes", "/v/bikes.mp4", 41, video_time=1.64)
    assert origin.image_name == "bikes-000041" and origin.source_id == "bikes"
    assert origin.metadata == {"source": "/v/bikes.mp4", "frame_index": 41, "video_time": 1.64}
    image = frame_provenance("shots", "/d/shots", 2, file="/d/shots/img_0003.png")
    assert image.image_name == "img_0003"
    assert image.metadata == {"source": "/d/shots/img_0003.png", "frame_index": 2}


@pytest.mark.parametrize(
    ("image_name", "expected"),
    [
        (None, "dp1.jpg"),
        ("bikes-000041", "bikes-000041.jpg"),
        ("a/b\\c/cam.JPG", "cam.jpg"),  # last component, no doubled .jpg
        ("bad\x00\x1fname\n", "badname.jpg"),
        ("..", "dp1.jpg"),
        ("é" * 150, "é" * 98 + ".jpg"),  # cut on a character boundary: at most 200 bytes
    ],
)
def test_upload_names(image_name, expected):
    name = upload_name(image_name, "dp1")
    assert name == expected and len(name.encode()) <= 200


def test_run_stream_fills_provenance_and_the_upload_is_named_after_it(fake_roboflow, tmp_path):
    path = video_path("carphone_pristine.mp4")
    source = open_source(path, epoch=1_000_000.0, max_frames=6)
    destination = fs.RoboflowDestination(KEY, "proj", api_url=fake_roboflow.url)
    with fs.ActiveLearning(config(), destination, model_id="proj/0", outbox=tmp_path / "ob") as al:
        run_stream(source, load_model("proj/0"), al.register)
        assert al.flush(20)
    destination.close()
    images = sorted(fake_roboflow.images, key=lambda i: i.name)
    assert [i.name for i in images] == [f"carphone_pristine-{k:06d}.jpg" for k in range(6)]
    for k, image in enumerate(images):
        assert image.metadata == {
            "source": str(path),
            "frame_index": k,
            "video_time": pytest.approx(k * 1001 / 30000, abs=1e-3),
        }


def test_run_stream_takes_the_users_names_and_only_what_the_sink_accepts(tmp_path):
    images = tmp_path / "shots"
    images.mkdir()
    for k in range(3):
        cv2.imwrite(str(images / f"shot_{k}.png"), frame(20, 30, k))
    seen, named = [], []

    def plain_sink(image, prediction, prediction_type, *, timestamp):  # takes no provenance, no block
        seen.append(timestamp)

    def full_sink(image, prediction, prediction_type, **options):
        named.append(options)

    run_stream(open_source(images), load_model("p/0"), plain_sink)
    assert len(seen) == 3
    run_stream(open_source(images), load_model("p/0"), full_sink, metadata=lambda f: {"shot": f.frame_index})
    assert [o["image_name"] for o in named] == ["shot_0", "shot_1", "shot_2"]
    assert [o["metadata"] for o in named] == [{"shot": 0}, {"shot": 1}, {"shot": 2}]
    assert {o["block"] for o in named} == {True}  # a folder waits for the engine


def test_the_cli_dataset_traces_every_image_to_its_frame(tmp_path):
    cfg = tmp_path / "all.json"
    cfg.write_text(json.dumps(config()))
    args = ["run", "--source", "sample:bikes", "--config", str(cfg), "--max-frames", "20", "--outbox", "ob"]
    done = subprocess.run(
        [sys.executable, "-m", "framesieve.cli", *args, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "collected" / "manifest.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert sorted(e["image_name"] for e in entries) == [f"bikes-{k:06d}" for k in range(20)]
    capture = cv2.VideoCapture(str(video_path("bikes.mp4")))
    frames = [capture.read()[1] for _ in range(20)]
    capture.release()
    for entry in entries:
        index = entry["metadata"]["frame_index"]
        assert entry["image_name"] == f"bikes-{index:06d}"
        assert entry["metadata"]["source"] == str(video_path("bikes.mp4"))
        assert entry["metadata"]["video_time"] == pytest.approx(index / 25.0, abs=1e-3)
        stored = cv2.imread(str(tmp_path / "collected" / entry["image"]))
        errors = [np.abs(stored.astype(float) - f).mean() for f in frames]
        assert int(np.argmin(errors)) == index or errors[index] <= min(errors) + 0.25
