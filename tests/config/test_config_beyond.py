"""load_config: the `uncertainty` strategy type and the top-level `deduplication` object."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framesieve as fs
from framesieve.config import Deduplication, UncertaintyStrategy

BASE: dict[str, Any] = {
    "enabled": True,
    "persist_predictions": True,
    "sampling_strategies": [
        {"name": "unsure", "type": "uncertainty", "measure": "entropy", "min": 0.6, "probability": 0.5},
    ],
    "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "daily"},
    "deduplication": {"hash": "dhash", "max_hamming": 6, "window_seconds": 60},
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED", raising=False)
    monkeypatch.delenv("ACTIVE_LEARNING_TAGS", raising=False)


def with_strategy(**fields: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(BASE)
    strategy = {"name": "u", "type": "uncertainty", "measure": "margin", "probability": 1.0}
    strategy.update(fields)
    cfg["sampling_strategies"] = [{k: v for k, v in strategy.items() if v is not DELETE}]
    return cfg


def with_dedup(value: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(BASE)
    cfg["deduplication"] = value
    return cfg


DELETE = object()


def problems_of(source: Any, *, strict: bool = False) -> list[str]:
    with pytest.raises(fs.ConfigError) as info:
        fs.load_config(source, strict=strict)
    return info.value.problems


# --- uncertainty ----------------------------------------------------------------------------


def test_uncertainty_defaults_and_normalised_form() -> None:
    cfg = fs.load_config(BASE)
    (strategy,) = cfg.sampling_strategies
    assert isinstance(strategy, UncertaintyStrategy)
    assert (strategy.measure, strategy.min, strategy.max, strategy.aggregate) == ("entropy", 0.6, 1.0, "max")
    assert strategy.selected_class_names is None
    assert cfg.to_dict()["sampling_strategies"] == [
        {
            "name": "unsure",
            "type": "uncertainty",
            "measure": "entropy",
            "min": 0.6,
            "max": 1.0,
            "probability": 0.5,
            "aggregate": "max",
        }
    ]


def test_uncertainty_all_fields() -> None:
    cfg = fs.load_config(
        with_strategy(
            measure="least_confidence",
            min=0,
            max=1,
            probability=1,
            aggregate="mean",
            selected_class_names=["car", "bike"],
            tags=["unsure"],
            limits=[{"type": "minutely", "value": 5}],
        )
    )
    (s,) = cfg.sampling_strategies
    assert s.min == 0.0 and isinstance(s.min, float)
    assert s.max == 1.0 and isinstance(s.max, float)
    assert s.aggregate == "mean"
    assert s.selected_class_names == ("car", "bike")
    assert s.tags == ("unsure",)
    out = cfg.to_dict()["sampling_strategies"][0]
    assert out["selected_class_names"] == ["car", "bike"]
    assert out["limits"] == [{"type": "minutely", "value": 5}]


def test_uncertainty_min_equal_to_max_is_allowed() -> None:
    (s,) = fs.load_config(with_strategy(min=0.3, max=0.3)).sampling_strategies
    assert s.min == s.max == 0.3


def test_uncertainty_empty_selection_and_null_optionals() -> None:
    (s,) = fs.load_config(
        with_strategy(selected_class_names=[], min=None, aggregate=None)
    ).sampling_strategies
    assert s.selected_class_names == ()
    assert s.min == 0.0 and s.aggregate == "max"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"measure": DELETE}, "sampling_strategies[0].measure: is required"),
        (
            {"measure": "variance"},
            "sampling_strategies[0].measure: must be one of 'entropy', 'margin', 'least_confidence', "
            "got 'variance' (str)",
        ),
        ({"probability": DELETE}, "sampling_strategies[0].probability: is required"),
        ({"probability": 1.5}, "sampling_strategies[0].probability: must be within [0, 1], got 1.5"),
        ({"min": -0.1}, "sampling_strategies[0].min: must be within [0, 1], got -0.1"),
        ({"max": 2}, "sampling_strategies[0].max: must be within [0, 1], got 2"),
        ({"max": "1"}, "sampling_strategies[0].max: must be a number, got '1' (str)"),
        ({"min": True}, "sampling_strategies[0].min: must be a number, got True (bool)"),
        (
            {"min": 0.8, "max": 0.2},
            "sampling_strategies[0].min: must be at most max (0.2), got 0.8: no uncertainty would match",
        ),
        (
            {"aggregate": "median"},
            "sampling_strategies[0].aggregate: must be one of 'max', 'mean', got 'median' (str)",
        ),
        (
            {"selected_class_names": "car"},
            "sampling_strategies[0].selected_class_names: must be a list, got 'car' (str)",
        ),
        (
            {"selected_class_names": ["car", 3]},
            "sampling_strategies[0].selected_class_names[1]: must be a string, got 3",
        ),
        ({"min": float("nan")}, "sampling_strategies[0].min: must be a finite number, got nan"),
    ],
)
def test_uncertainty_rules(fields: dict[str, Any], problem: str) -> None:
    assert problems_of(with_strategy(**fields)) == [problem]


def test_uncertainty_faults_are_all_reported() -> None:
    got = problems_of(with_strategy(measure="x", min=3, aggregate=1, probability=None))
    assert [p.split(":")[0] for p in got] == [
        "sampling_strategies[0].measure",
        "sampling_strategies[0].min",
        "sampling_strategies[0].probability",
        "sampling_strategies[0].aggregate",
    ]


def test_uncertainty_unknown_key_is_a_problem_only_in_strict_mode() -> None:
    cfg = with_strategy(temperature=2.0)
    assert "temperature" not in fs.load_config(cfg).to_dict()["sampling_strategies"][0]
    assert problems_of(cfg, strict=True) == ["sampling_strategies[0].temperature: unknown key (strict mode)"]


def test_uncertainty_is_a_known_type_in_strict_mode() -> None:
    assert fs.load_config(BASE, strict=True).sampling_strategies[0].type == "uncertainty"


# --- deduplication --------------------------------------------------------------------------


def test_deduplication_is_read_and_normalised() -> None:
    cfg = fs.load_config(BASE)
    assert cfg.deduplication == Deduplication(
        max_hamming=6, window_seconds=60.0, hash="dhash", max_entries=4096
    )
    assert isinstance(cfg.deduplication.window_seconds, float)
    assert cfg.to_dict()["deduplication"] == {
        "hash": "dhash",
        "max_hamming": 6,
        "window_seconds": 60.0,
        "max_entries": 4096,
    }
    assert "deduplication=(dhash, max_hamming=6, window=60.0)" in repr(cfg)


def test_deduplication_absent_or_null_is_off() -> None:
    cfg = copy.deepcopy(BASE)
    del cfg["deduplication"]
    assert fs.load_config(cfg).deduplication is None
    assert "deduplication" not in fs.load_config(cfg).to_dict()
    assert fs.load_config(with_dedup(None)).deduplication is None


def test_deduplication_optional_fields() -> None:
    d = fs.load_config(
        with_dedup({"max_hamming": 0.0, "window_seconds": 0.5, "max_entries": 10.0})
    ).deduplication
    assert d == Deduplication(max_hamming=0, window_seconds=0.5, hash="dhash", max_entries=10)
    assert isinstance(d.max_hamming, int) and isinstance(d.max_entries, int)
    d = fs.load_config(with_dedup({"max_hamming": 64, "window_seconds": 1, "hash": None})).deduplication
    assert d.hash == "dhash" and d.max_hamming == 64


def test_deduplication_window_alone_is_the_default_method() -> None:
    d = fs.load_config(with_dedup({"window_seconds": 30})).deduplication
    assert d == Deduplication(window_seconds=30.0, max_hamming=12, hash="dhash", max_entries=4096)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([1], "deduplication: must be an object, got [1] (list)"),
        ({"max_hamming": 6}, "deduplication.window_seconds: is required"),
        (
            {"max_hamming": 65, "window_seconds": 60},
            "deduplication.max_hamming: must be within [0, 64], got 65",
        ),
        (
            {"max_hamming": -1, "window_seconds": 60},
            "deduplication.max_hamming: must be within [0, 64], got -1",
        ),
        (
            {"max_hamming": 2.5, "window_seconds": 60},
            "deduplication.max_hamming: must be an integer, got 2.5",
        ),
        ({"max_hamming": 6, "window_seconds": 0}, "deduplication.window_seconds: must be > 0, got 0"),
        ({"max_hamming": 6, "window_seconds": -3.0}, "deduplication.window_seconds: must be > 0, got -3.0"),
        (
            {"max_hamming": 6, "window_seconds": "60"},
            "deduplication.window_seconds: must be a number, got '60' (str)",
        ),
        (
            {"max_hamming": 6, "window_seconds": float("inf")},
            "deduplication.window_seconds: must be a finite number, got inf",
        ),
        (
            {"max_hamming": 6, "window_seconds": 60, "hash": "phash"},
            "deduplication.hash: must be one of 'dhash', got 'phash' (str)",
        ),
        (
            {"max_hamming": 6, "window_seconds": 60, "max_entries": 0},
            "deduplication.max_entries: must be within [1, 1000000], got 0",
        ),
        (
            {"max_hamming": 6, "window_seconds": 60, "max_entries": 10**7},
            "deduplication.max_entries: must be within [1, 1000000], got 10000000",
        ),
    ],
)
def test_deduplication_rules(value: Any, problem: str) -> None:
    assert problems_of(with_dedup(value)) == [problem]


def test_deduplication_faults_are_all_reported_with_other_problems() -> None:
    cfg = with_dedup({"max_hamming": 99, "window_seconds": -1, "max_entries": "many"})
    cfg["jpeg_compression_level"] = 0
    got = [p.split(":")[0] for p in problems_of(cfg)]
    assert got == [
        "jpeg_compression_level",
        "deduplication.max_hamming",
        "deduplication.window_seconds",
        "deduplication.max_entries",
    ]


def test_deduplication_unknown_key_strict() -> None:
    cfg = with_dedup({"max_hamming": 6, "window_seconds": 60, "phash_bits": 64})
    assert fs.load_config(cfg).to_dict()["deduplication"] == {
        "hash": "dhash",
        "max_hamming": 6,
        "window_seconds": 60.0,
        "max_entries": 4096,
    }
    assert problems_of(cfg, strict=True) == ["deduplication.phash_bits: unknown key (strict mode)"]


def test_deduplication_in_a_disabled_config_is_still_validated() -> None:
    assert fs.load_config({"enabled": False, "deduplication": {"max_hamming": 6, "window_seconds": 5}})
    assert problems_of({"enabled": False, "deduplication": {"max_hamming": 6, "window_seconds": 0}}) == [
        "deduplication.window_seconds: must be > 0, got 0"
    ]


# --- round trip (hypothesis) ------------------------------------------------------------------

fractions = st.one_of(st.floats(0, 1, allow_nan=False), st.sampled_from([0, 1]))
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def uncertainty_strategy(draw: st.DrawFn, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "type": "uncertainty",
        "measure": draw(st.sampled_from(["entropy", "margin", "least_confidence"])),
        "probability": draw(fractions),
    }
    bounds = sorted(draw(st.lists(fractions, min_size=2, max_size=2)))
    if draw(st.booleans()):
        out["min"] = bounds[0]
    if draw(st.booleans()):
        out["max"] = bounds[1]
    if draw(st.booleans()):
        out["aggregate"] = draw(st.sampled_from(["max", "mean"]))
    if draw(st.booleans()):
        out["selected_class_names"] = draw(st.lists(st.text(max_size=8), max_size=3))
    return out


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    cfg: dict[str, Any] = {
        "enabled": True,
        "persist_predictions": draw(st.booleans()),
        "sampling_strategies": [draw(uncertainty_strategy(f"s{i}")) for i in range(count)],
        "batching_strategy": {"batches_name_prefix": "p", "recreation_interval": "never"},
    }
    if draw(st.booleans()):
        dedup: dict[str, Any] = {
            "max_hamming": draw(st.integers(0, 64)),
            "window_seconds": draw(st.one_of(st.floats(1e-6, 1e9, allow_nan=False), st.integers(1, 10**6))),
        }
        if draw(st.booleans()):
            dedup["hash"] = "dhash"
        if draw(st.booleans()):
            dedup["max_entries"] = draw(st.integers(1, 10**6))
        cfg["deduplication"] = dedup
    return cfg


@SETTINGS
@given(configs())
def test_round_trip(raw: dict[str, Any]) -> None:
    cfg = fs.load_config(raw, strict=True)
    out = cfg.to_dict()
    assert fs.load_config(out).to_dict() == out
    assert fs.load_config(json.dumps(out)).to_dict() == out
    assert fs.load_config(cfg, strict=True) == cfg
    for given_, kept in zip(raw["sampling_strategies"], cfg.sampling_strategies, strict=True):
        assert kept.measure == given_["measure"]
        assert kept.min == float(given_.get("min", 0.0))
        assert kept.max == float(given_.get("max", 1.0))
        assert kept.min <= kept.max
    if "deduplication" in raw:
        assert cfg.deduplication is not None
        assert cfg.deduplication.max_hamming == raw["deduplication"]["max_hamming"]
        assert cfg.deduplication.window_seconds == float(raw["deduplication"]["window_seconds"])
    else:
        assert cfg.deduplication is None


def test_cli_summary_mentions_deduplication(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from framesieve.cli import main

    path = tmp_path / "c.json"
    path.write_text(json.dumps(BASE))
    assert main(["config", "validate", str(path)]) in (0, None)
    out = capsys.readouterr().out
    assert "  - unsure: uncertainty" in out
    assert "deduplication: dhash, near-duplicate within 6 bits of a frame collected in the last 60 s" in out
    assert "method: 64-bit dHash of a 9x8 gray thumbnail, each pixel the mean luma of its cell" in out
    assert "the default is 12 bits" in out
