"""Helpers shared by the engine tests: frames, JPEGs, datapoints, configs, child processes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from framesieve.destinations.datapoint import Datapoint


def frame(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """A distinct BGR frame per seed (distinct JPEGs: the fake server dedupes by content)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def jpeg(seed: int = 0, size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame(size[1], size[0], seed)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def datapoint(seq: int = 1, **overrides: Any) -> Datapoint:
    fields: dict[str, Any] = {
        "seq": seq,
        "id": f"dp{seq:04d}",
        "batch": "al_2024_01_01",
        "strategy": "s1",
        "tags": ["a", "b"],
        "jpeg": jpeg(seq),
        "prediction_type": "object-detection",
        "timestamp": 1704067200.0,
        "original_size": (64, 48),
        "size": (32, 24),
        "annotation": '{"image": {"width": 32, "height": 24}, "predictions": []}',
        "annotation_ext": "json",
    }
    fields.update(overrides)
    return Datapoint(**fields)


def config(strategies: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    """An enabled config; a single always-matching random strategy unless told otherwise."""
    out: dict[str, Any] = {
        "enabled": True,
        "persist_predictions": True,
        "sampling_strategies": strategies or [{"name": "all", "type": "random", "traffic_percentage": 1.0}],
        "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "never"},
    }
    out.update(top)
    return out


def detection(n: int = 2, width: int = 64, height: int = 48, confidence: float = 0.5) -> dict[str, Any]:
    preds = [
        {
            "x": 10.0 + 5 * i,
            "y": 12.0 + 3 * i,
            "width": 8.0,
            "height": 6.0,
            "confidence": confidence,
            "class": "car" if i % 2 == 0 else "person",
            "class_id": i % 2,
            "detection_id": f"d{i}",
        }
        for i in range(n)
    ]
    return {"image": {"width": width, "height": height}, "predictions": preds}


def run_engine_child(script: str, tmp_path: Path, timeout: float = 120) -> tuple[list[str], str]:
    """Runs ``script`` (``python -c``) with argv ``dataset outbox tests_dir`` (``tmp_path/ds``,
    ``tmp_path/ob``, the folder holding ``support``); its stdout lines and stderr."""
    tests_dir = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "ds"), str(tmp_path / "ob"), tests_dir],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return out.stdout.strip().splitlines(), out.stderr
