"""load_config: the top-level `diversity` object (novelty on embeddings), and what
`config validate` says about it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import framesieve as fs
from framesieve.cli import main
from framesieve.config import Diversity

BASE: dict[str, Any] = {
    "enabled": True,
    "persist_predictions": True,
    "sampling_strategies": [{"name": "all", "type": "random", "traffic_percentage": 1.0}],
    "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "never"},
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED", raising=False)
    monkeypatch.delenv("ACTIVE_LEARNING_TAGS", raising=False)


def with_diversity(value: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(BASE)
    cfg["diversity"] = value
    return cfg


def problems_of(source: Any, *, strict: bool = False) -> list[str]:
    with pytest.raises(fs.ConfigError) as info:
        fs.load_config(source, strict=strict)
    return info.value.problems


def test_fixed_distance_is_read_and_normalised() -> None:
    cfg = fs.load_config(with_diversity({"min_cosine_distance": 0.15}))
    assert cfg.diversity == Diversity(min_cosine_distance=0.15, max_kept=1024)
    assert cfg.to_dict()["diversity"] == {"min_cosine_distance": 0.15, "max_kept": 1024}
    assert fs.load_config(cfg.to_dict()).to_dict() == cfg.to_dict()
    assert "diversity={'min_cosine_distance': 0.15, 'max_kept': 1024}" in repr(cfg)


def test_target_share_with_window_and_bound() -> None:
    cfg = fs.load_config(with_diversity({"target_share": 1, "window_seconds": 30, "max_kept": 16.0}))
    d = cfg.diversity
    assert d == Diversity(target_share=1.0, window_seconds=30.0, max_kept=16)
    assert isinstance(d.target_share, float) and isinstance(d.window_seconds, float)
    assert isinstance(d.max_kept, int)
    assert cfg.to_dict()["diversity"] == {"target_share": 1.0, "window_seconds": 30.0, "max_kept": 16}


def test_absent_or_null_is_off() -> None:
    assert fs.load_config(BASE).diversity is None
    assert "diversity" not in fs.load_config(BASE).to_dict()
    assert fs.load_config(with_diversity(None)).diversity is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([0.1], "diversity: must be an object, got [0.1] (list)"),
        (
            {},
            "diversity.min_cosine_distance: is required, or target_share instead "
            "(a cosine distance in [0, 2), or a share of frames in (0, 1])",
        ),
        (
            {"min_cosine_distance": 0.1, "target_share": 0.5},
            "diversity.target_share: cannot be combined with min_cosine_distance: "
            "give a fixed distance or a target share, not both",
        ),
        ({"min_cosine_distance": 2}, "diversity.min_cosine_distance: must be within [0, 2), got 2"),
        ({"min_cosine_distance": -0.1}, "diversity.min_cosine_distance: must be within [0, 2), got -0.1"),
        (
            {"min_cosine_distance": "0.1"},
            "diversity.min_cosine_distance: must be a number, got '0.1' (str)",
        ),
        (
            {"min_cosine_distance": True},
            "diversity.min_cosine_distance: must be a number, got True (bool)",
        ),
        ({"target_share": 0}, "diversity.target_share: must be within (0, 1], got 0"),
        ({"target_share": 1.5}, "diversity.target_share: must be within (0, 1], got 1.5"),
        (
            {"target_share": float("nan")},
            "diversity.target_share: must be a finite number, got nan",
        ),
        (
            {"min_cosine_distance": 0.1, "window_seconds": 0},
            "diversity.window_seconds: must be > 0, got 0",
        ),
        (
            {"min_cosine_distance": 0.1, "max_kept": 0},
            "diversity.max_kept: must be within [1, 65536], got 0",
        ),
        (
            {"min_cosine_distance": 0.1, "max_kept": 2.5},
            "diversity.max_kept: must be an integer, got 2.5",
        ),
    ],
)
def test_rules_name_the_field(value: Any, problem: str) -> None:
    assert problems_of(with_diversity(value)) == [problem]


def test_every_fault_is_reported_with_the_others() -> None:
    cfg = with_diversity({"target_share": 3, "window_seconds": -1, "max_kept": "many"})
    cfg["jpeg_compression_level"] = 0
    assert [p.split(":")[0] for p in problems_of(cfg)] == [
        "jpeg_compression_level",
        "diversity.target_share",
        "diversity.window_seconds",
        "diversity.max_kept",
    ]


def test_unknown_key_strict_and_disabled_config_validated() -> None:
    cfg = with_diversity({"min_cosine_distance": 0.1, "metric": "l2"})
    assert fs.load_config(cfg).to_dict()["diversity"] == {"min_cosine_distance": 0.1, "max_kept": 1024}
    assert problems_of(cfg, strict=True) == ["diversity.metric: unknown key (strict mode)"]
    assert fs.load_config({"enabled": False, "diversity": {"target_share": 0.5}})
    assert problems_of({"enabled": False, "diversity": {"target_share": 5}}) == [
        "diversity.target_share: must be within (0, 1], got 5"
    ]


def test_config_validate_explains_diversity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(with_diversity({"min_cosine_distance": 0.2, "window_seconds": 60})))
    assert main(["config", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "diversity: a frame is kept only when its embedding's cosine distance to every frame kept "
        "in the last 60 s exceeds 0.2"
    ) in out
    assert "at most 1024 embeddings per source_id" in out
    assert "stats: not_novel" in out
    path.write_text(json.dumps(with_diversity({"target_share": 0.25})))
    assert main(["config", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "about 25% of the frames checked are kept (cosine distance to every frame kept so far)" in out
