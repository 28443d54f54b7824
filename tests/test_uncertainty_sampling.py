"""The `uncertainty` strategy in fs.Sampler (Rust) and fs.reference.Sampler: hand-checked
decisions per prediction type, and hypothesis properties Rust == reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import framesieve as fs
from test_sampling_properties import (
    CLASSES,
    DETECTION_TYPES,
    keeps_a_strategy,
    outcome,
    predictions,
    seeds,
    strategy_dicts,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# fs.Sampler reads a config dict with framesieve.config's rules, which skip the generated
# unknown strategy types with a ConfigWarning (the reference skips them silently).
pytestmark = pytest.mark.filterwarnings("ignore::framesieve.ConfigWarning")


def cfg(**fields: Any) -> dict[str, Any]:
    strategy = {"name": "u", "type": "uncertainty", "probability": 1.0, **fields}
    return {"enabled": True, "sampling_strategies": [strategy]}


def both(config: dict[str, Any], prediction: dict[str, Any], kind: str) -> list[str]:
    got = fs.Sampler(config, seed=3).evaluate(prediction, kind)
    assert got == fs.reference.Sampler(config, seed=3).evaluate(prediction, kind)
    return got


def detections(*objects: tuple[float, str]) -> dict[str, Any]:
    return {"predictions": [{"confidence": c, "class": k} for c, k in objects]}


def test_detections_max_and_mean() -> None:
    # margins: 0.9 -> 0.2, 0.55 -> 0.9; max 0.9, mean 0.55
    pred = detections((0.9, "car"), (0.55, "person"))
    assert both(cfg(measure="margin", min=0.8), pred, "object-detection") == ["u"]
    assert both(cfg(measure="margin", min=0.8, aggregate="mean"), pred, "object-detection") == []
    assert both(cfg(measure="margin", min=0.5, max=0.6, aggregate="mean"), pred, "instance-segmentation") == [
        "u"
    ]
    # a selection leaves out the unsure person
    assert (
        both(cfg(measure="margin", min=0.8, selected_class_names=["car"]), pred, "keypoint-detection") == []
    )
    # no object (or none selected): no match, even with min = 0
    assert both(cfg(measure="entropy"), detections(), "object-detection") == []
    assert both(cfg(measure="entropy", selected_class_names=[]), pred, "object-detection") == []
    # NaN / out-of-range confidences are left out
    assert (
        both(
            cfg(measure="least_confidence", min=0.5),
            detections((float("nan"), "a"), (1.7, "a")),
            "object-detection",
        )
        == []
    )
    assert both(
        cfg(measure="least_confidence", max=0.25),
        detections((float("nan"), "a"), (0.9, "a")),
        "object-detection",
    ) == ["u"]


def test_multi_class_uses_the_probability_vector() -> None:
    # (0.5, 0.3, 0.2): entropy 0.937, margin 0.8, least confidence 0.75
    pred = {
        "predictions": [
            {"class": "cat", "class_id": 0, "confidence": 0.5},
            {"class": "dog", "class_id": 1, "confidence": 0.3},
            {"class": "cow", "class_id": 2, "confidence": 0.2},
        ],
        "top": "cat",
        "confidence": 0.5,
    }
    assert both(cfg(measure="entropy", min=0.93, max=0.94), pred, "classification") == ["u"]
    assert both(cfg(measure="margin", min=0.8, max=0.8), pred, "classification") == ["u"]  # inclusive
    assert both(cfg(measure="least_confidence", min=0.76), pred, "classification") == []
    assert both(cfg(measure="margin", selected_class_names=["cat"]), pred, "classification") == ["u"]
    assert both(cfg(measure="margin", selected_class_names=["dog"]), pred, "classification") == []


def test_multi_label_per_class_binary() -> None:
    pred = {
        "predictions": {
            "cat": {"confidence": 0.95, "class_id": 0},
            "dog": {"confidence": 0.5, "class_id": 1},
        },
        "predicted_classes": ["cat"],
    }
    # entropies: cat 0.286, dog 1.0
    assert both(cfg(measure="entropy", min=0.99), pred, "classification") == ["u"]
    assert both(cfg(measure="entropy", min=0.99, selected_class_names=["cat"]), pred, "classification") == []
    assert both(cfg(measure="entropy", min=0.6, max=0.7, aggregate="mean"), pred, "classification") == ["u"]


def test_stubs_and_unknown_types_never_match() -> None:
    stub = {"is_stub": True, "model_id": "p/0", "task_type": "object-detection", "time": 0.1}
    assert both(cfg(measure="margin"), stub, "object-detection") == []
    assert both(cfg(measure="margin"), {"predictions": []}, "semantic-segmentation") == []


def test_arrays_decide_like_dicts() -> None:
    config = cfg(measure="margin", min=0.5, selected_class_names=["b"])
    values = np.array([0.95, 0.6, 0.3], dtype=np.float64)
    names = ["a", "b", "a"]
    expected = both(config, detections(*zip(values.tolist(), names, strict=True)), "object-detection")
    assert expected == ["u"]
    assert fs.Sampler(config, seed=1).evaluate_detections(values, class_name=names) == expected
    ids = np.array([0, 1, 0])
    assert (
        fs.Sampler(config, seed=1, class_names=CLASSES).evaluate_detections(values, class_id=ids) == expected
    )


def test_probability_draws_one_uniform_per_matched_strategy() -> None:
    config = {
        "enabled": True,
        "sampling_strategies": [
            {"name": "u", "type": "uncertainty", "measure": "margin", "probability": 0.5},
            {"name": "r", "type": "random", "traffic_percentage": 0.5},
        ],
    }
    rust, ref = fs.Sampler(config, seed=11), fs.reference.Sampler(config, seed=11)
    pred = detections((0.6, "a"))
    got = [rust.evaluate(pred, "object-detection") for _ in range(200)]
    assert got == [ref.evaluate(pred, "object-detection") for _ in range(200)]
    assert 40 < sum("u" in g for g in got) < 160


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({}, "sampling_strategies[0].measure"),
        ({"measure": "variance"}, "sampling_strategies[0].measure"),
        ({"measure": 3}, "sampling_strategies[0].measure"),
        ({"measure": "margin", "min": 1.5}, "sampling_strategies[0].min"),
        ({"measure": "margin", "min": 0.7, "max": 0.2}, "sampling_strategies[0].min"),
        ({"measure": "margin", "aggregate": "median"}, "sampling_strategies[0].aggregate"),
        ({"measure": "margin", "probability": None}, "sampling_strategies[0].probability"),
    ],
)
def test_bad_strategies_fail_alike(fields: dict[str, Any], path: str) -> None:
    config = cfg(**fields)
    want = outcome(lambda: fs.reference.Sampler(config, seed=1).strategy_names)
    assert want[0] != "ok" and want[1].startswith(path + ":")
    # fs.Sampler: framesieve.config's rules name the same field.
    with pytest.raises(fs.ConfigError) as info:
        fs.Sampler(config, seed=1)
    assert [p.split(":")[0] for p in info.value.problems] == [path]


# --- hypothesis: Rust == reference --------------------------------------------------------------

unit = st.one_of(st.sampled_from([0.0, 0.2, 0.25, 0.5, 0.75, 0.8, 1.0]), st.floats(0.0, 1.0))


@st.composite
def uncertainty_dicts(draw: st.DrawFn, name: str) -> dict[str, Any]:
    low, high = sorted([draw(unit), draw(unit)])
    d: dict[str, Any] = {
        "name": name,
        "type": "uncertainty",
        "measure": draw(st.sampled_from(["entropy", "margin", "least_confidence"])),
        "probability": draw(unit),
    }
    for key, value in (("min", low), ("max", high)):
        if draw(st.booleans()):
            d[key] = value
    if draw(st.booleans()):
        d["aggregate"] = draw(st.sampled_from(["max", "mean"]))
    if draw(st.booleans()):
        d["selected_class_names"] = draw(st.lists(st.sampled_from(CLASSES), max_size=3))
    return d


@st.composite
def mixed_configs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 5))
    strategies = [
        draw(st.one_of(uncertainty_dicts(f"s{i}"), uncertainty_dicts(f"s{i}"), strategy_dicts(f"s{i}")))
        for i in range(n)
    ]
    config = {"enabled": True, "sampling_strategies": strategies}
    assume(keeps_a_strategy(config))
    return config


@SETTINGS
@given(data=st.data(), config=mixed_configs(), seed=seeds)
def test_rust_decides_like_the_reference(data: st.DataObject, config: dict[str, Any], seed: int) -> None:
    rust, ref = fs.Sampler(config, seed=seed), fs.reference.Sampler(config, seed=seed)
    assert rust.strategy_names == ref.strategy_names
    for _ in range(data.draw(st.integers(1, 6))):
        prediction, kind = data.draw(predictions(config))
        assert outcome(lambda p=prediction, k=kind: rust.evaluate(p, k)) == outcome(
            lambda p=prediction, k=kind: ref.evaluate(p, k)
        )


@SETTINGS
@given(data=st.data(), config=mixed_configs(), seed=seeds)
def test_arrays_decide_like_the_reference(data: st.DataObject, config: dict[str, Any], seed: int) -> None:
    rust = fs.Sampler(config, seed=seed, class_names=CLASSES)
    ref = fs.reference.Sampler(config, seed=seed, class_names=CLASSES)
    for _ in range(3):
        values = np.array(data.draw(st.lists(st.floats(-0.1, 1.1), max_size=10)), dtype=np.float64)
        ids = np.array(
            data.draw(st.lists(st.integers(0, 5), min_size=len(values), max_size=len(values))), dtype=np.int64
        )
        kind = data.draw(st.sampled_from(DETECTION_TYPES))
        assert rust.evaluate_detections(
            values, class_id=ids, prediction_type=kind
        ) == ref.evaluate_detections(values, class_id=ids, prediction_type=kind)


def test_a_loaded_config_builds_both_samplers() -> None:
    config = fs.load_config(
        {
            "enabled": True,
            "persist_predictions": False,
            "sampling_strategies": [
                {"name": "u", "type": "uncertainty", "measure": "margin", "probability": 1}
            ],
            "batching_strategy": {"batches_name_prefix": "p", "recreation_interval": "never"},
        },
        strict=True,
    )
    pred = detections((0.5, "a"))
    assert fs.Sampler(config, seed=1).evaluate(pred, "object-detection") == ["u"]
    assert fs.reference.Sampler(config, seed=1).evaluate(pred, "object-detection") == ["u"]
