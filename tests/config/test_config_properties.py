"""Hypothesis properties of load_config: valid configs round-trip, single faults are pinned
to their path, and arbitrary JSON never escapes as anything but ConfigError."""

from __future__ import annotations

import copy
import json
import math
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framesieve as fs
from framesieve.config.fields import TAG_PATTERN

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED", raising=False)
    monkeypatch.delenv("ACTIVE_LEARNING_TAGS", raising=False)


# --- generators of valid configurations ---------------------------------------------------------

tags = st.from_regex(TAG_PATTERN, fullmatch=True)
# 1 and 1.0 alike: an int, or a float, for a [0, 1] field
fractions = st.one_of(st.floats(0, 1, allow_nan=False), st.sampled_from([0, 1]))
names_ = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
class_names = st.lists(st.text(max_size=10), max_size=4)
unknown_values = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2))


def as_int_or_float(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | float]:
    """An int field may be written as the int or as an integral float."""
    return values.flatmap(lambda v: st.sampled_from([v, float(v)]))


@st.composite
def optional(draw: st.DrawFn, out: dict[str, Any], key: str, values: st.SearchStrategy[Any]) -> None:
    """Absent, null, or a value."""
    choice = draw(st.integers(0, 2))
    if choice == 1:
        out[key] = None
    elif choice == 2:
        out[key] = draw(values)


@st.composite
def limits(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = draw(st.lists(st.sampled_from(["minutely", "hourly", "daily"]), unique=True, max_size=3))
    return [{"type": k, "value": draw(as_int_or_float(st.integers(0, 10**6)))} for k in kinds]


@st.composite
def strategy(draw: st.DrawFn, name: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["random", "close_to_threshold", "classes_based", "detections_number_based"]))
    out: dict[str, Any] = {"name": name, "type": kind}
    if kind == "random":
        out["traffic_percentage"] = draw(fractions)
    elif kind == "close_to_threshold":
        out.update(threshold=draw(fractions), epsilon=draw(fractions), probability=draw(fractions))
        draw(optional(out, "selected_class_names", class_names))
        draw(optional(out, "minimum_objects_close_to_threshold", as_int_or_float(st.integers(1, 50))))
        draw(optional(out, "only_top_classes", st.booleans()))
    elif kind == "classes_based":
        out.update(selected_class_names=draw(class_names), probability=draw(fractions))
    else:
        out["probability"] = draw(fractions)
        bounds = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2, unique=True)))
        if draw(st.booleans()):
            out["more_than"] = draw(as_int_or_float(st.just(bounds[0])))
        if draw(st.booleans()):
            out["less_than"] = draw(as_int_or_float(st.just(bounds[1])))
        draw(optional(out, "selected_class_names", class_names))
    draw(optional(out, "tags", st.lists(tags, max_size=3)))
    draw(optional(out, "limits", limits()))
    if draw(st.booleans()):
        out["x_future_" + draw(st.text("abc", max_size=3))] = draw(unknown_values)
    return out


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(names_, min_size=1, max_size=5, unique=True))
    batching: dict[str, Any] = {
        "batches_name_prefix": draw(st.from_regex(r"[A-Za-z0-9_ -]{1,30}", fullmatch=True).filter(str.strip)),
        "recreation_interval": draw(st.sampled_from(["never", "daily", "weekly", "monthly"])),
    }
    draw(optional(batching, "max_batch_images", as_int_or_float(st.integers(1, 10**6))))
    out: dict[str, Any] = {
        "enabled": draw(st.booleans()),
        "persist_predictions": draw(st.booleans()),
        "sampling_strategies": [draw(strategy(n)) for n in names],
        "batching_strategy": batching,
    }
    size = st.lists(as_int_or_float(st.integers(1, 10_000)), min_size=2, max_size=2)
    draw(optional(out, "max_image_size", size))
    draw(optional(out, "jpeg_compression_level", as_int_or_float(st.integers(1, 100))))
    draw(optional(out, "tags", st.lists(tags, max_size=3)))
    draw(optional(out, "target_workspace", st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)))
    draw(optional(out, "target_project", st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)))
    return out


def load_quietly(source: Any, **kwargs: Any) -> fs.Config:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fs.ConfigWarning)
        return fs.load_config(source, **kwargs)


FLOAT_FIELDS = {"traffic_percentage", "threshold", "epsilon", "probability"}
INT_FIELDS = {"minimum_objects_close_to_threshold", "more_than", "less_than", "value"}


def check_field_types(strategies: list[dict[str, Any]]) -> None:
    for s in strategies:
        for key, value in s.items():
            if key in FLOAT_FIELDS:
                assert type(value) is float and 0.0 <= value <= 1.0
            elif key in INT_FIELDS:
                assert type(value) is int
        for limit in s.get("limits", []):
            assert type(limit["value"]) is int


# --- properties ----------------------------------------------------------------------------------


@SETTINGS
@given(valid_configs())
def test_valid_configs_round_trip_through_every_source(raw: dict[str, Any]) -> None:
    cfg = fs.load_config(raw)
    out = cfg.to_dict()
    text = json.dumps(out, allow_nan=False)  # plain JSON, no NaN
    assert fs.load_config(out).to_dict() == out
    assert fs.load_config(text) == cfg
    assert fs.load_config(json.dumps(raw)) == cfg
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(text, encoding="utf-8")
        assert fs.load_config(path) == cfg
    assert fs.load_config(text.encode("utf-8")) == cfg
    assert [s["name"] for s in out["sampling_strategies"]] == [s["name"] for s in raw["sampling_strategies"]]
    check_field_types(out["sampling_strategies"])
    assert type(out["jpeg_compression_level"]) is int
    assert all(type(v) is int for v in out.get("max_image_size", []))


@SETTINGS
@given(valid_configs())
def test_valid_configs_pass_strict_once_unknown_keys_are_dropped(raw: dict[str, Any]) -> None:
    out = fs.load_config(raw).to_dict()
    assert fs.load_config(out, strict=True).to_dict() == out


@SETTINGS
@given(valid_configs(), st.data())
def test_one_fault_gives_exactly_one_problem_at_its_path(raw: dict[str, Any], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(raw["sampling_strategies"]) - 1))
    item = raw["sampling_strategies"][index]
    field = {
        "random": "traffic_percentage",
        "close_to_threshold": data.draw(st.sampled_from(["threshold", "epsilon", "probability"])),
        "classes_based": "probability",
        "detections_number_based": "probability",
    }[item["type"]]
    bad = data.draw(
        st.one_of(
            st.floats(allow_nan=True).filter(lambda f: not 0 <= f <= 1),
            st.integers().filter(lambda i: not 0 <= i <= 1),
            st.booleans(),
            st.text(max_size=3),
        )
    )
    broken = copy.deepcopy(raw)
    broken["sampling_strategies"][index][field] = bad
    with pytest.raises(fs.ConfigError) as info:
        fs.load_config(broken)
    assert len(info.value.problems) == 1
    path, _, message = info.value.problems[0].partition(": ")
    assert path == f"sampling_strategies[{index}].{field}"
    if isinstance(bad, float) and not math.isfinite(bad):
        assert message.startswith("must be a finite number")
    elif isinstance(bad, (bool, str)):
        assert message.startswith("must be a number")
    else:
        assert message == f"must be within [0, 1], got {bad!r}"


@SETTINGS
@given(valid_configs(), st.data())
def test_duplicate_names_are_reported_with_both_indices(raw: dict[str, Any], data: st.DataObject) -> None:
    strategies = raw["sampling_strategies"]
    first = data.draw(st.integers(0, len(strategies) - 1))
    copy_of_first = copy.deepcopy(strategies[first])
    at = data.draw(st.integers(first + 1, len(strategies)))
    broken = copy.deepcopy(raw)
    broken["sampling_strategies"].insert(at, copy_of_first)
    with pytest.raises(fs.ConfigError) as info:
        fs.load_config(broken)
    assert info.value.problems == [
        f"sampling_strategies[{at}].name: duplicate name {copy_of_first['name']!r}, also used by "
        f"sampling_strategies[{first}]; strategy names must be unique"
    ]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**53 + 1, -(2**64), 10**400])
    | st.floats()
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def mutated_configs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid config with one node somewhere replaced by an arbitrary JSON value."""
    raw = draw(valid_configs())
    node: Any = raw
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return raw
        key = draw(st.sampled_from(keys))
        if isinstance(node[key], (dict, list)) and draw(st.booleans()):
            node = node[key]
            continue
        node[key] = draw(json_values)
        return raw


@SETTINGS
@given(st.one_of(json_values, mutated_configs()), st.booleans())
def test_arbitrary_input_gives_a_config_or_a_config_error(raw: Any, strict: bool) -> None:
    try:
        cfg = load_quietly(raw, strict=strict)
    except fs.ConfigError as err:
        assert err.problems
        assert all(isinstance(p, str) and ": " in p for p in err.problems)
        return
    out = cfg.to_dict()
    json.dumps(out, allow_nan=False)
    assert load_quietly(out).to_dict() == out


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_config_or_a_config_error(text: str) -> None:
    try:
        load_quietly(text)
    except fs.ConfigError as err:
        assert err.problems
