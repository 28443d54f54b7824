"""ActiveLearning with `diversity`: register(..., embedding=...) refuses a frame whose
embedding is within the threshold of a frame collected from the same source, before the
limit take, counted `not_novel`; sources never suppress each other; diversity off keeps
every frame; the accounting identity holds with the new count."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framesieve as fs
from support.accounting import assert_accounted
from support.engine_helpers import config, frame

DISTANCE = 0.3
DIVERSITY = {"min_cosine_distance": DISTANCE}
DIM = 16
CENTRES = np.random.default_rng(42).normal(size=(5, DIM))


def embedding(scene: int, noise: int) -> np.ndarray:
    """Frames of one of 5 scenes: its centre plus a little noise (distances ~0.01-0.1
    within a scene, ~1 between scenes)."""
    return CENTRES[scene] + np.random.default_rng(noise).normal(size=DIM) * 0.15


def kept_names(root: Path) -> list[str]:
    manifest = root / "manifest.jsonl"
    if not manifest.exists():
        return []
    return sorted(json.loads(line)["image_name"] for line in manifest.read_text().splitlines() if line)


def offer(
    tmp_path: Path, frames: list[tuple[str | None, np.ndarray, float, str]], diversity: Any, **top: Any
) -> tuple[list[str], dict[str, int], dict[str, int]]:
    cfg = fs.load_config(config(diversity=diversity, **top))
    outbox = tmp_path / "outbox"
    with fs.ActiveLearning(cfg, fs.LocalDataset(tmp_path / "ds"), outbox=outbox, seed=0) as al:
        for i, (source, vector, t, name) in enumerate(frames):
            al.register(
                frame(seed=i),
                {"predictions": []},
                "object-detection",
                image_name=name,
                timestamp=t,
                source_id=source,
                embedding=vector,
                block=True,  # overload must not confound the counts
            )
        assert al.flush(30)
        by_source = al.not_novel_by_source()
    stats = al.stats()
    assert_accounted(stats, outbox, tmp_path / "ds")
    return kept_names(tmp_path / "ds"), stats, by_source


def test_close_embeddings_are_refused_per_source(tmp_path: Path) -> None:
    frames = [
        ("cam0", embedding(0, 0), 0.0, "cam0-0"),
        ("cam1", embedding(0, 1), 0.0, "cam1-0"),  # same scene, other camera: kept
        ("cam0", embedding(0, 2), 1.0, "cam0-1"),  # cam0 has it: not novel
        ("cam0", embedding(1, 3), 2.0, "cam0-2"),  # a new scene: kept
        ("cam1", embedding(0, 4), 3.0, "cam1-3"),  # not novel for cam1
        (None, embedding(0, 5), 4.0, "none-4"),  # no source: a memory of its own
        (None, embedding(0, 6), 5.0, "none-5"),
    ]
    names, stats, by_source = offer(tmp_path, frames, DIVERSITY)
    assert names == ["cam0-0", "cam0-2", "cam1-0", "none-4"]
    assert stats["not_novel"] == 3 and stats["matched"] == 7 and stats["collected"] == 4
    assert by_source == {"cam0": 1, "cam1": 1, "": 1}


def test_refused_frames_take_no_credit_and_limited_ones_are_not_remembered(tmp_path: Path) -> None:
    strategies = [
        {
            "name": "one",
            "type": "random",
            "traffic_percentage": 1.0,
            "limits": [{"type": "minutely", "value": 2}],
        }
    ]
    t0 = 1_700_000_040.0  # one UTC minute
    frames = [
        ("c", embedding(0, 0), t0, "a"),  # collected (credit 1 of 2)
        ("c", embedding(0, 1), t0 + 1, "b"),  # not novel: no credit taken
        ("c", embedding(1, 2), t0 + 2, "c"),  # collected (credit 2 of 2)
        ("c", embedding(2, 3), t0 + 3, "d"),  # novel, but limited: not remembered
        ("c", embedding(2, 4), t0 + 4, "e"),  # so scene 2 is still novel: limited again
    ]
    names, stats, _ = offer(tmp_path, frames, DIVERSITY, sampling_strategies=strategies)
    assert names == ["a", "c"]
    assert stats["not_novel"] == 1 and stats["limited"] == 2


def test_target_share_through_the_engine(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    frames = [("cam", rng.normal(size=DIM), float(i), f"f{i:04d}") for i in range(400)]
    names, stats, _ = offer(tmp_path, frames, {"target_share": 0.25})
    assert abs(len(names) / 400 - 0.25) < 0.05
    assert stats["not_novel"] == 400 - len(names)


def test_bad_embeddings_raise_and_count_nothing(tmp_path: Path) -> None:
    cfg = fs.load_config(config(diversity=DIVERSITY))
    with fs.ActiveLearning(cfg, tmp_path / "ds", outbox=tmp_path / "ob", block=True) as al:
        al.register(frame(), {"predictions": []}, "object-detection", embedding=np.ones(8), source_id="s")
        for bad, error, message in [
            (np.ones(4), fs.InvalidInputError, "embedding: expected 8 values"),
            (np.zeros(8), fs.InvalidInputError, "embedding: has zero norm"),
            (np.full(8, np.nan), fs.InvalidInputError, "embedding: every value must be finite"),
            ([1.0, np.inf] * 4, fs.InvalidInputError, "embedding: every value must be finite, got inf"),
            ("vector", fs.InvalidTypeError, "embedding: expected"),
        ]:
            with pytest.raises(error, match=message):
                al.register(frame(), {"predictions": []}, "object-detection", embedding=bad, source_id="s")
        # Another source has its own dimension.
        al.register(frame(), {"predictions": []}, "object-detection", embedding=np.ones(4), source_id="t")
        assert al.flush(20)
    stats = al.stats()
    assert stats["matched"] == 2 and stats["collected"] == 2
    assert_accounted(stats, tmp_path / "ob")


def test_frames_without_an_embedding_are_not_checked_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = fs.load_config(config(diversity=DIVERSITY))
    with (
        caplog.at_level(logging.WARNING, logger="framesieve"),
        fs.ActiveLearning(cfg, tmp_path / "ds", outbox=tmp_path / "ob", block=True) as al,
    ):
        for i in range(3):
            al.register(frame(seed=i), {"predictions": []}, "object-detection")
        assert al.flush(20)
    assert al.stats()["collected"] == 3 and al.stats()["not_novel"] == 0
    warned = [r for r in caplog.records if "got no embedding" in r.getMessage()]
    assert len(warned) == 1


def test_embedding_is_ignored_without_diversity(tmp_path: Path) -> None:
    with fs.ActiveLearning(
        fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", block=True
    ) as al:
        for i in range(3):
            al.register(frame(seed=i), {"predictions": []}, "object-detection", embedding="not checked")
        assert al.flush(20)
    assert al.stats()["collected"] == 3


def test_config_refresh_keeps_the_memory_unless_the_settings_change(tmp_path: Path) -> None:
    cfg = fs.load_config(config(diversity=DIVERSITY))
    with fs.ActiveLearning(cfg, tmp_path / "ds", outbox=tmp_path / "ob", block=True) as al:
        al.register(frame(), {"predictions": []}, "object-detection", embedding=embedding(0, 0))
        al.set_config(fs.load_config(config(diversity=DIVERSITY, tags=["refreshed"])))
        al.register(frame(), {"predictions": []}, "object-detection", embedding=embedding(0, 1))
        assert al.stats()["not_novel"] == 1
        al.set_config(fs.load_config(config(diversity={"min_cosine_distance": 0.25})))
        al.register(frame(), {"predictions": []}, "object-detection", embedding=embedding(0, 2))
        assert al.stats()["not_novel"] == 1  # a new memory: collected
        assert al.flush(20)


frame_lists = st.lists(
    st.tuples(st.sampled_from(["cam0", "cam1", "cam2"]), st.integers(0, 4), st.integers(0, 50)),
    min_size=1,
    max_size=14,
)


def cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(1.0 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame_lists)
def test_per_source_properties(tmp_path_factory: pytest.TempPathFactory, offered: list) -> None:
    frames = [(src, embedding(s, n), float(i), f"{src}-{i:03d}") for i, (src, s, n) in enumerate(offered)]
    names, _, _ = offer(tmp_path_factory.mktemp("on"), frames, DIVERSITY)
    kept = {f[3]: f for f in frames if f[3] in names}
    # No two kept frames of one source closer than the threshold (numpy decides).
    for x in kept:
        for y in kept:
            if x < y and kept[x][0] == kept[y][0]:
                assert cosine_distance(kept[x][1], kept[y][1]) > DISTANCE - 1e-5
    # Different sources never suppress each other: each source alone keeps the same frames.
    for src in {f[0] for f in frames}:
        alone, _, _ = offer(tmp_path_factory.mktemp(src), [f for f in frames if f[0] == src], DIVERSITY)
        assert alone == [n for n in names if n.startswith(src + "-")]
    # Diversity off keeps every frame.
    names_off, stats_off, _ = offer(tmp_path_factory.mktemp("off"), frames, None)
    assert names_off == sorted(f[3] for f in frames) and stats_off["not_novel"] == 0
