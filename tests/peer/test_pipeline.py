"""inference's real InferencePipeline over a video file into framesieve's sink, with the engine's
defaults: every kept frame is delivered (none dropped for overload), and every uploaded image
says which frame of which file it is, checked against the video itself (SPEC §4.7, §7)."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
from inference.core.interfaces.stream.inference_pipeline import InferencePipeline
from PIL import Image

import framesieve as fs
from framesieve.interop import make_on_prediction
from support.engine_helpers import config
from support.sample_data import video_path

KEY = "peer-key-0123456789"


def box(frame_id: int) -> dict:
    return {
        "image": {"width": 640, "height": 272},
        "predictions": [
            {"x": 100.0 + frame_id, "y": 100.0, "width": 40.0, "height": 30.0, "confidence": 0.9}
            | {"class": "bike", "class_id": 0, "detection_id": f"d{frame_id}"}
        ],
    }


def thumbnails(frames: list[np.ndarray]) -> np.ndarray:
    """RGB 40x17 thumbnails (area average), as float: a cheap, independent frame comparison."""
    return np.stack([cv2.resize(f, (40, 17), interpolation=cv2.INTER_AREA) for f in frames]).astype(float)


def test_a_video_file_loses_no_kept_frame_and_every_upload_names_its_frame(isolated, tmp_path):
    isolated.state.api_key = KEY
    path = video_path("bikes.mp4")
    destination = fs.RoboflowDestination(KEY, "proj", api_url=isolated.url)
    engine = fs.ActiveLearning(config(), destination, model_id="proj/1", outbox=tmp_path / "outbox")
    pipeline = InferencePipeline.init_with_custom_logic(
        video_reference=str(path),
        on_video_frame=lambda frames: [box(f.frame_id) for f in frames],
        on_prediction=make_on_prediction(engine.register, sources=str(path)),
    )
    pipeline.start()
    pipeline.join()
    assert engine.flush(120)
    stats = engine.stats()
    engine.close()
    destination.close()

    assert stats["seen"] == 250
    assert stats["matched"] == stats["collected"] == stats["delivered"] == 250, stats
    assert stats["dropped_overload"] == 0 and stats["pending"] == 0

    images = isolated.images
    assert sorted(i.name for i in images) == [f"bikes-{k:06d}.jpg" for k in range(250)]
    for image in images:
        index = int(image.name[6:12])
        assert image.metadata == {
            "source": str(path),
            "frame_index": index,
            "frame_id": index + 1,
            "video_time": round(index / 25.0, 6),
        }
        assert json.loads(image.annotation)["predictions"][0]["x"] == 100.0 + index + 1  # its own prediction

    # each upload is the frame its name says: the video decoded here by OpenCV, frame by frame
    capture = cv2.VideoCapture(str(path))
    frames = []
    while (ok_frame := capture.read())[0]:
        frames.append(cv2.cvtColor(ok_frame[1], cv2.COLOR_BGR2RGB))
    capture.release()
    assert len(frames) == 250
    reference = thumbnails(frames)
    for image in images:
        with Image.open(io.BytesIO(image.jpeg)) as decoded:
            uploaded = thumbnails([np.asarray(decoded.convert("RGB"))])[0]
        errors = np.abs(reference - uploaded).mean(axis=(1, 2, 3))
        index = int(image.name[6:12])
        assert errors[index] < 2.0 and errors[index] <= errors.min() + 0.25, (
            index,
            errors[index],
            errors.min(),
        )
