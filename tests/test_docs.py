"""Every fenced Python example of README.md runs as it stands, so the docs cannot rot.

Each block runs in a fresh namespace holding the names the README announces
(frames, predictions, a configuration, a Roboflow API on loopback, a Redis), from
a folder that holds ``examples/``, ``frame.jpg`` and ``video.mp4``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import framesieve as fs
from support.engine_helpers import detection, frame
from support.sample_data import video_path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[int, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_the_readme_has_python_examples() -> None:
    assert len(blocks()) >= 5


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_roboflow: Any, redis_server: Any) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    cv2.imwrite(str(tmp_path / "frame.jpg"), frame(240, 320, seed=1))
    shutil.copy(video_path("carphone_pristine.mp4"), tmp_path / "video.mp4")
    fake_roboflow.state.projects["my-project"] = "object-detection"
    fake_roboflow.state.configs["my-project"] = fs.load_config(ROOT / "examples" / "config.json").to_dict()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # outboxes stay in the test's folder
    monkeypatch.setenv("ROBOFLOW_API_URL", fake_roboflow.url)
    return tmp_path


def names(fake_roboflow: Any, redis_server: Any) -> dict[str, Any]:
    prediction = detection(3, width=320, height=240, confidence=0.6)
    images = [frame(240, 320, seed=i) for i in range(3)]
    return {
        "frame": images[0],
        "frame_bgr": images[0],
        "f1": images[1],
        "f2": images[2],
        "prediction": prediction,
        "roboflow_prediction_dict": prediction,
        "stream": [(image, prediction) for image in images],
        "config_dict": fs.load_config(ROOT / "examples" / "config.json").to_dict(),
        "cfg": fs.load_config(ROOT / "examples" / "config.json"),
        "conf_f32": np.array([0.4, 0.6], np.float32),
        "conf_f64": np.array([0.4, 0.6], np.float64),
        "ids": np.array([0, 2], np.int64),
        "now": 1_700_000_000.0,
        "video_t": 1_700_000_060.0,
        "api_key": fake_roboflow.state.api_key,
        "redis_url": redis_server.url,
    }


@pytest.mark.parametrize(("line", "code"), blocks(), ids=[f"README.md:{line}" for line, _ in blocks()])
def test_readme_example_runs(
    line: int, code: str, folder: Path, fake_roboflow: Any, redis_server: Any
) -> None:
    namespace = names(fake_roboflow, redis_server)
    exec(compile(code, f"README.md:{line}", "exec"), namespace)
    for value in namespace.values():  # engines the example left open
        if isinstance(value, fs.ActiveLearning):
            value.close(timeout=5)
    assert os.getcwd() == str(folder)
