"""load_config / ConfigError / Config: every rule of SPEC §1, one failing config per rule."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import pytest

import framesieve as fs
from framesieve.config.model import (
    ClassesBasedStrategy,
    CloseToThresholdStrategy,
    DetectionsNumberBasedStrategy,
    Limit,
    RandomStrategy,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config.json"

BASE: dict[str, Any] = {
    "enabled": True,
    "persist_predictions": True,
    "sampling_strategies": [
        {"name": "rand", "type": "random", "traffic_percentage": 0.1},
        {"name": "ctt", "type": "close_to_threshold", "threshold": 0.5, "epsilon": 0.1, "probability": 0.5},
        {"name": "cls", "type": "classes_based", "selected_class_names": ["cat"], "probability": 1.0},
        {
            "name": "num",
            "type": "detections_number_based",
            "probability": 0.5,
            "more_than": 1,
            "less_than": 5,
        },
    ],
    "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "daily"},
}

DELETE = object()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED", raising=False)
    monkeypatch.delenv("ACTIVE_LEARNING_TAGS", raising=False)


def changed(*edits: tuple[tuple[str | int, ...], Any]) -> dict[str, Any]:
    """A copy of BASE with each (key path, value) set, or deleted when value is DELETE."""
    cfg = copy.deepcopy(BASE)
    for keys, value in edits:
        target: Any = cfg
        for key in keys[:-1]:
            target = target[key]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return cfg


def problems_of(source: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(fs.ConfigError) as info:
        fs.load_config(source, **kwargs)
    return info.value.problems


S = "sampling_strategies"
B = "batching_strategy"
DAILY = {"type": "daily", "value": 1}

# (edit key path, value, expected problem path, expected message fragment)
RULES: list[tuple[tuple[str | int, ...], Any, str, str]] = [
    # top level
    (("enabled",), DELETE, "enabled", "is required"),
    (("enabled",), None, "enabled", "is required"),
    (("enabled",), "yes", "enabled", "must be true or false, got 'yes' (str)"),
    (("enabled",), 1, "enabled", "must be true or false, got 1"),
    (("persist_predictions",), DELETE, "persist_predictions", "is required"),
    (("persist_predictions",), "true", "persist_predictions", "must be true or false"),
    ((S,), DELETE, S, "is required"),
    ((S,), [], S, "must not be empty when enabled"),
    ((S,), {"name": "x"}, S, "must be a list"),
    ((S, 0), "random", f"{S}[0]", "must be an object, got 'random' (str)"),
    ((B,), DELETE, B, "is required"),
    ((B,), ["al"], B, "must be an object"),
    (("max_image_size",), [0, 10], "max_image_size[0]", "must be a positive integer, got 0"),
    (("max_image_size",), [10, -3], "max_image_size[1]", "must be a positive integer, got -3"),
    (("max_image_size",), [10, 2.5], "max_image_size[1]", "must be an integer, got 2.5"),
    (("max_image_size",), [10], "max_image_size", "must be [height, width], got a list of 1 items"),
    (("max_image_size",), [1, 2, 3], "max_image_size", "must be [height, width], got a list of 3 items"),
    (("max_image_size",), "640x480", "max_image_size", "must be a list"),
    (("jpeg_compression_level",), 0, "jpeg_compression_level", "must be within [1, 100], got 0"),
    (("jpeg_compression_level",), 101, "jpeg_compression_level", "must be within [1, 100], got 101"),
    (("jpeg_compression_level",), 95.5, "jpeg_compression_level", "must be an integer, got 95.5"),
    (("jpeg_compression_level",), True, "jpeg_compression_level", "must be a number, got True (bool)"),
    (("jpeg_compression_level",), "95", "jpeg_compression_level", "must be a number, got '95' (str)"),
    (("tags",), "production", "tags", "must be a list"),
    (("tags",), ["ok", "bad tag"], "tags[1]", "must be 1-64 characters of a-z A-Z 0-9 and -_:/.[]<>{}@"),
    (("tags",), [""], "tags[0]", "must be 1-64 characters"),
    (("tags",), ["x" * 65], "tags[0]", "must be 1-64 characters"),
    (("tags",), ["ok\n"], "tags[0]", "must be 1-64 characters"),
    (("tags",), ["é"], "tags[0]", "must be 1-64 characters"),
    (("tags",), [3], "tags[0]", "must be a string, got 3"),
    (("target_workspace",), "", "target_workspace", "must be a non-empty string"),
    (("target_workspace",), "a/b", "target_workspace", "must not contain '/'"),
    (("target_project",), "my project", "target_project", "must not contain '/', '\\', whitespace"),
    (("target_project",), 3, "target_project", "must be a string"),
    # batching strategy
    ((B, "batches_name_prefix"), DELETE, f"{B}.batches_name_prefix", "is required"),
    ((B, "batches_name_prefix"), "", f"{B}.batches_name_prefix", "must be a non-empty string"),
    ((B, "batches_name_prefix"), "   ", f"{B}.batches_name_prefix", "must be a non-empty string"),
    ((B, "batches_name_prefix"), 7, f"{B}.batches_name_prefix", "must be a string, got 7"),
    ((B, "batches_name_prefix"), "a/b", f"{B}.batches_name_prefix", "must not contain '/' or '\\'"),
    ((B, "batches_name_prefix"), "a\\b", f"{B}.batches_name_prefix", "must not contain '/' or '\\'"),
    ((B, "batches_name_prefix"), "a\x00b", f"{B}.batches_name_prefix", "must not contain NUL"),
    ((B, "batches_name_prefix"), "a\nb", f"{B}.batches_name_prefix", "control characters"),
    ((B, "batches_name_prefix"), "..", f"{B}.batches_name_prefix", "must not be '.' or contain '..'"),
    ((B, "batches_name_prefix"), "x..y", f"{B}.batches_name_prefix", "contain '..'"),
    ((B, "batches_name_prefix"), ".", f"{B}.batches_name_prefix", "must not be '.'"),
    ((B, "batches_name_prefix"), "x" * 201, f"{B}.batches_name_prefix", "at most 200 bytes"),
    ((B, "recreation_interval"), DELETE, f"{B}.recreation_interval", "is required"),
    (
        (B, "recreation_interval"),
        "hourly",
        f"{B}.recreation_interval",
        "must be one of 'never', 'daily', 'weekly', 'monthly', got 'hourly'",
    ),
    ((B, "recreation_interval"), "Daily", f"{B}.recreation_interval", "must be one of"),
    ((B, "max_batch_images"), 0, f"{B}.max_batch_images", "must be a positive integer, got 0"),
    ((B, "max_batch_images"), 1.5, f"{B}.max_batch_images", "must be an integer, got 1.5"),
    # every strategy: name, type, tags, limits
    ((S, 0, "name"), DELETE, f"{S}[0].name", "is required"),
    ((S, 0, "name"), "", f"{S}[0].name", "must be a non-empty string"),
    ((S, 0, "name"), 5, f"{S}[0].name", "must be a string, got 5"),
    ((S, 1, "name"), "rand", f"{S}[1].name", "duplicate name 'rand', also used by sampling_strategies[0]"),
    ((S, 0, "type"), DELETE, f"{S}[0].type", "is required"),
    ((S, 0, "type"), 3, f"{S}[0].type", "must be a string, got 3"),
    ((S, 2, "tags"), ["fine", "not fine"], f"{S}[2].tags[1]", "must be 1-64 characters"),
    ((S, 2, "tags"), "fine", f"{S}[2].tags", "must be a list"),
    ((S, 0, "limits"), {"daily": 1}, f"{S}[0].limits", "must be a list"),
    ((S, 0, "limits"), [5], f"{S}[0].limits[0]", "must be an object, got 5"),
    ((S, 0, "limits"), [{"value": 1}], f"{S}[0].limits[0].type", "is required"),
    ((S, 0, "limits"), [{"type": "daily"}], f"{S}[0].limits[0].value", "is required"),
    (
        (S, 0, "limits"),
        [{"type": "weekly", "value": 1}],
        f"{S}[0].limits[0].type",
        "must be one of 'minutely', 'hourly', 'daily', got 'weekly'",
    ),
    ((S, 0, "limits"), [{"type": "daily", "value": -1}], f"{S}[0].limits[0].value", "must be >= 0, got -1"),
    ((S, 0, "limits"), [{"type": "daily", "value": 1.5}], f"{S}[0].limits[0].value", "must be an integer"),
    ((S, 0, "limits"), [{"type": "daily", "value": True}], f"{S}[0].limits[0].value", "must be a number"),
    (
        (S, 0, "limits"),
        [DAILY, {"type": "hourly", "value": 5}, DAILY],
        f"{S}[0].limits[2].type",
        "duplicate limit type 'daily' (also sampling_strategies[0].limits[0]); "
        "each limit type may appear once per strategy",
    ),
    # random
    ((S, 0, "traffic_percentage"), DELETE, f"{S}[0].traffic_percentage", "is required"),
    ((S, 0, "traffic_percentage"), 1.5, f"{S}[0].traffic_percentage", "must be within [0, 1], got 1.5"),
    ((S, 0, "traffic_percentage"), -0.1, f"{S}[0].traffic_percentage", "must be within [0, 1], got -0.1"),
    ((S, 0, "traffic_percentage"), 2, f"{S}[0].traffic_percentage", "must be within [0, 1], got 2"),
    ((S, 0, "traffic_percentage"), "0.5", f"{S}[0].traffic_percentage", "must be a number, got '0.5'"),
    ((S, 0, "traffic_percentage"), True, f"{S}[0].traffic_percentage", "must be a number, got True (bool)"),
    ((S, 0, "traffic_percentage"), math.nan, f"{S}[0].traffic_percentage", "must be a finite number"),
    ((S, 0, "traffic_percentage"), math.inf, f"{S}[0].traffic_percentage", "must be a finite number"),
    ((S, 0, "traffic_percentage"), [0.5], f"{S}[0].traffic_percentage", "must be a number"),
    ((S, 0, "traffic_percentage"), 10**400, f"{S}[0].traffic_percentage", "got an integer of 1329 bits"),
    (
        (S, 0, "limits"),
        [{"type": "daily", "value": 2**53 + 1}],
        f"{S}[0].limits[0].value",
        "must be at most 2**53 = 9007199254740992, got 9007199254740993",
    ),
    (
        (S, 0, "limits"),
        [{"type": "daily", "value": 1e300}],
        f"{S}[0].limits[0].value",
        "must be at most 2**53",
    ),
    # close_to_threshold
    ((S, 1, "threshold"), DELETE, f"{S}[1].threshold", "is required"),
    ((S, 1, "threshold"), 1.01, f"{S}[1].threshold", "must be within [0, 1], got 1.01"),
    ((S, 1, "epsilon"), DELETE, f"{S}[1].epsilon", "is required"),
    ((S, 1, "epsilon"), 1.5, f"{S}[1].epsilon", "must be within [0, 1], got 1.5"),
    ((S, 1, "probability"), DELETE, f"{S}[1].probability", "is required"),
    ((S, 1, "probability"), -1, f"{S}[1].probability", "must be within [0, 1], got -1"),
    ((S, 1, "selected_class_names"), "cat", f"{S}[1].selected_class_names", "must be a list"),
    ((S, 1, "selected_class_names"), ["cat", 1], f"{S}[1].selected_class_names[1]", "must be a string"),
    (
        (S, 1, "minimum_objects_close_to_threshold"),
        0,
        f"{S}[1].minimum_objects_close_to_threshold",
        "must be a positive integer, got 0",
    ),
    (
        (S, 1, "minimum_objects_close_to_threshold"),
        1.5,
        f"{S}[1].minimum_objects_close_to_threshold",
        "must be an integer, got 1.5",
    ),
    ((S, 1, "only_top_classes"), "yes", f"{S}[1].only_top_classes", "must be true or false"),
    ((S, 1, "only_top_classes"), 1, f"{S}[1].only_top_classes", "must be true or false"),
    # classes_based
    ((S, 2, "selected_class_names"), DELETE, f"{S}[2].selected_class_names", "is required"),
    ((S, 2, "selected_class_names"), None, f"{S}[2].selected_class_names", "is required"),
    ((S, 2, "probability"), DELETE, f"{S}[2].probability", "is required"),
    ((S, 2, "probability"), math.inf, f"{S}[2].probability", "must be a finite number, got inf"),
    # detections_number_based
    ((S, 3, "probability"), DELETE, f"{S}[3].probability", "is required"),
    ((S, 3, "more_than"), -1, f"{S}[3].more_than", "must be >= 0, got -1"),
    ((S, 3, "less_than"), 2.5, f"{S}[3].less_than", "must be an integer, got 2.5"),
    ((S, 3, "less_than"), 1, f"{S}[3].more_than", "must be less than less_than (1), got 1"),
    ((S, 3, "more_than"), 9, f"{S}[3].more_than", "must be less than less_than (5), got 9"),
    ((S, 3, "selected_class_names"), [None], f"{S}[3].selected_class_names[0]", "must be a string"),
]


@pytest.mark.parametrize(
    ("keys", "value", "path", "fragment"), RULES, ids=[f"{r[2]}={r[1]!r:.20}" for r in RULES]
)
def test_each_rule_reports_its_path_and_message(
    keys: tuple[str | int, ...], value: Any, path: str, fragment: str
) -> None:
    problems = problems_of(changed((keys, value)))
    assert len(problems) == 1, problems
    got_path, _, message = problems[0].partition(": ")
    assert got_path == path
    assert fragment in message


def test_spec_example_message_is_exact() -> None:
    problems = problems_of(changed(((S, 1, "epsilon"), 1.5)))
    assert problems == ["sampling_strategies[1].epsilon: must be within [0, 1], got 1.5"]


def test_several_faults_are_all_reported_in_order() -> None:
    cfg = changed(
        (("persist_predictions",), "no"),
        ((S, 0, "traffic_percentage"), 3),
        ((S, 1, "epsilon"), 1.5),
        ((S, 1, "threshold"), DELETE),
        ((S, 3, "name"), "cls"),
        ((B, "recreation_interval"), "yearly"),
        (("jpeg_compression_level",), 0),
        (("tags",), ["a b"]),
    )
    problems = problems_of(cfg)
    paths = [p.partition(": ")[0] for p in problems]
    assert paths == [
        "persist_predictions",
        f"{S}[0].traffic_percentage",
        f"{S}[1].threshold",
        f"{S}[1].epsilon",
        f"{S}[3].name",
        f"{B}.recreation_interval",
        "jpeg_compression_level",
        "tags[0]",
    ]
    assert "also used by sampling_strategies[2]" in problems[4]


def test_config_error_is_a_value_error_listing_every_problem() -> None:
    with pytest.raises(fs.ConfigError) as info:
        fs.load_config(changed(((S, 0, "traffic_percentage"), 3), ((S, 1, "epsilon"), 2)))
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, fs.FramesieveError)
    text = str(err)
    assert text.startswith("invalid configuration (2 problems):")
    for problem in err.problems:
        assert problem in text
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == err.problems
    assert str(again) == text
    single = fs.ConfigError("x: broken")
    assert single.problems == ["x: broken"]
    assert str(single) == "invalid configuration (1 problem):\n  x: broken"


def test_missing_enabled_is_reported_once_without_cascade() -> None:
    assert problems_of({}) == ["enabled: is required"]
    assert problems_of({"enabled": "on", "tags": ["a b"]}) == [
        "enabled: must be true or false, got 'on' (str)",
        "tags[0]: must be 1-64 characters of a-z A-Z 0-9 and -_:/.[]<>{}@, got 'a b'",
    ]


# --- numbers, nulls, defaults, normalisation -------------------------------------------------


def test_ints_and_floats_are_alike_and_normalised_to_the_field_type() -> None:
    cfg = fs.load_config(
        changed(
            ((S, 0, "traffic_percentage"), 1),
            ((S, 0, "limits"), [{"type": "minutely", "value": 10.0}]),
            ((S, 1, "threshold"), 0),
            ((S, 1, "minimum_objects_close_to_threshold"), 2.0),
            ((S, 3, "more_than"), 1.0),
            ((S, 3, "less_than"), 5.0),
            (("max_image_size",), [480.0, 640]),
            (("jpeg_compression_level",), 80.0),
            ((B, "max_batch_images"), 100.0),
        )
    )
    out = cfg.to_dict()
    strategies = out[S]
    assert strategies[0]["traffic_percentage"] == 1.0
    assert type(strategies[0]["traffic_percentage"]) is float
    assert strategies[0]["limits"] == [{"type": "minutely", "value": 10}]
    assert type(strategies[0]["limits"][0]["value"]) is int
    assert type(strategies[1]["threshold"]) is float
    assert strategies[1]["minimum_objects_close_to_threshold"] == 2
    assert type(strategies[1]["minimum_objects_close_to_threshold"]) is int
    assert (strategies[3]["more_than"], strategies[3]["less_than"]) == (1, 5)
    assert all(type(strategies[3][k]) is int for k in ("more_than", "less_than"))
    assert out["max_image_size"] == [480, 640]
    assert all(type(v) is int for v in out["max_image_size"])
    assert cfg.max_image_size == (480, 640)
    assert out["jpeg_compression_level"] == 80
    assert type(out["jpeg_compression_level"]) is int
    assert out[B]["max_batch_images"] == 100
    assert type(out[B]["max_batch_images"]) is int


def test_null_optional_fields_are_absent() -> None:
    with_nulls = changed(
        ((S, 0, "tags"), None),
        ((S, 0, "limits"), None),
        ((S, 1, "selected_class_names"), None),
        ((S, 1, "minimum_objects_close_to_threshold"), None),
        ((S, 1, "only_top_classes"), None),
        ((S, 3, "more_than"), None),
        ((S, 3, "less_than"), None),
        ((B, "max_batch_images"), None),
        (("max_image_size",), None),
        (("jpeg_compression_level",), None),
        (("tags",), None),
        (("target_workspace",), None),
        (("target_project",), None),
    )
    without = changed(((S, 3, "more_than"), DELETE), ((S, 3, "less_than"), DELETE))
    assert fs.load_config(with_nulls) == fs.load_config(without)
    assert fs.load_config(with_nulls).to_dict() == fs.load_config(without).to_dict()


def test_defaults_are_filled_in() -> None:
    cfg = fs.load_config(BASE)
    ctt = cfg.sampling_strategies[1]
    assert isinstance(ctt, CloseToThresholdStrategy)
    assert ctt.minimum_objects_close_to_threshold == 1
    assert ctt.only_top_classes is True
    assert ctt.selected_class_names is None
    assert cfg.jpeg_compression_level == 95
    out = cfg.to_dict()
    assert out["jpeg_compression_level"] == 95
    assert out[S][1]["minimum_objects_close_to_threshold"] == 1
    assert out[S][1]["only_top_classes"] is True
    assert "selected_class_names" not in out[S][1]
    assert "max_image_size" not in out
    assert "max_batch_images" not in out[B]


def test_empty_selected_class_names_selects_nothing_and_survives_round_trip() -> None:
    cfg = fs.load_config(changed(((S, 1, "selected_class_names"), []), ((S, 3, "selected_class_names"), [])))
    assert cfg.sampling_strategies[1].selected_class_names == ()  # type: ignore[union-attr]
    out = cfg.to_dict()
    assert out[S][1]["selected_class_names"] == []
    assert out[S][3]["selected_class_names"] == []
    assert fs.load_config(out).to_dict() == out


def test_to_dict_uses_the_sampler_key_names() -> None:
    full = changed(
        ((S, 0, "tags"), ["t1"]),
        ((S, 0, "limits"), [DAILY]),
        ((S, 1, "selected_class_names"), ["a"]),
        ((S, 3, "selected_class_names"), ["b"]),
    )
    out = fs.load_config(full).to_dict()[S]
    assert set(out[0]) == {"name", "type", "traffic_percentage", "tags", "limits"}
    assert set(out[1]) == {
        "name",
        "type",
        "threshold",
        "epsilon",
        "probability",
        "selected_class_names",
        "minimum_objects_close_to_threshold",
        "only_top_classes",
    }
    assert set(out[2]) == {"name", "type", "selected_class_names", "probability"}
    assert set(out[3]) == {"name", "type", "probability", "more_than", "less_than", "selected_class_names"}
    assert [s["type"] for s in out] == [
        "random",
        "close_to_threshold",
        "classes_based",
        "detections_number_based",
    ]


def test_typed_strategy_objects() -> None:
    cfg = fs.load_config(changed(((S, 0, "limits"), [DAILY, {"type": "minutely", "value": 0}])))
    rand, ctt, cls, num = cfg.sampling_strategies
    assert isinstance(rand, RandomStrategy) and rand.traffic_percentage == 0.1
    assert rand.limits == (Limit("daily", 1), Limit("minutely", 0))
    assert isinstance(ctt, CloseToThresholdStrategy) and (ctt.threshold, ctt.epsilon) == (0.5, 0.1)
    assert isinstance(cls, ClassesBasedStrategy) and cls.selected_class_names == ("cat",)
    assert isinstance(num, DetectionsNumberBasedStrategy) and (num.more_than, num.less_than) == (1, 5)
    assert cfg.strategy("cls") is cls
    with pytest.raises(KeyError):
        cfg.strategy("nope")
    assert cfg.batching_strategy == fs.config.BatchingStrategy("al", "daily")


def test_more_than_or_less_than_alone_is_fine() -> None:
    cfg = fs.load_config(changed(((S, 3, "less_than"), DELETE), ((S, 3, "more_than"), 0)))
    assert cfg.sampling_strategies[3].to_dict()["more_than"] == 0
    cfg = fs.load_config(changed(((S, 3, "more_than"), DELETE), ((S, 3, "less_than"), 0)))
    assert "more_than" not in cfg.sampling_strategies[3].to_dict()


def test_tags_at_the_edges_of_the_rule() -> None:
    edge = ["a", "x" * 64, "-_:/.[]<>{}@", "Az09"]
    cfg = fs.load_config(changed((("tags",), edge), ((S, 0, "tags"), edge)))
    assert cfg.tags == tuple(edge)
    assert cfg.sampling_strategies[0].tags == tuple(edge)


def test_batches_name_prefix_accepts_ordinary_names() -> None:
    for prefix in ("al_batch", "my batch", "a.b", "camera-1", "été"):
        cfg = fs.load_config(changed(((B, "batches_name_prefix"), prefix)))
        assert cfg.batching_strategy is not None
        assert cfg.batching_strategy.batches_name_prefix == prefix


# --- enabled: false ------------------------------------------------------------------------------


def test_disabled_config_is_complete() -> None:
    cfg = fs.load_config({"enabled": False})
    assert cfg.enabled is False
    assert cfg.sampling_strategies == ()
    assert cfg.batching_strategy is None
    assert cfg.persist_predictions is None
    assert cfg.to_dict() == {"enabled": False, "jpeg_compression_level": 95}
    assert fs.load_config(cfg.to_dict()) == cfg


def test_disabled_config_still_validates_what_it_has() -> None:
    assert fs.load_config({"enabled": False, "sampling_strategies": []}).enabled is False
    disabled = changed((("enabled",), False), ((S, 1, "epsilon"), 7))
    assert problems_of(disabled) == [f"{S}[1].epsilon: must be within [0, 1], got 7"]
    cfg = fs.load_config(changed((("enabled",), False)))
    assert cfg.enabled is False
    assert len(cfg.sampling_strategies) == 4
    assert cfg.to_dict()["enabled"] is False


# --- unknown strategy types and keys ------------------------------------------------------------


def test_unknown_strategy_type_is_skipped_with_a_warning() -> None:
    raw = changed(((S, 1), {"name": "future", "type": "embedding_based", "anything": [1, 2]}))
    with pytest.warns(
        fs.ConfigWarning, match=r"sampling_strategies\[1\]: unknown strategy type 'embedding_based'"
    ) as rec:
        cfg = fs.load_config(raw)
    assert len(rec) == 1
    assert "name 'future'" in str(rec[0].message)
    assert rec[0].filename == __file__  # points at the caller of load_config
    assert [s.name for s in cfg.sampling_strategies] == ["rand", "cls", "num"]
    assert [s["name"] for s in cfg.to_dict()[S]] == ["rand", "cls", "num"]
    assert issubclass(fs.ConfigWarning, UserWarning)


def test_unknown_strategy_type_is_a_problem_in_strict_mode() -> None:
    raw = changed(((S, 1), {"name": "future", "type": "embedding_based"}))
    problems = problems_of(raw, strict=True)
    assert len(problems) == 1
    assert problems[0].startswith(f"{S}[1].type: unknown strategy type 'embedding_based' (strict mode")


def test_skipped_strategy_does_not_count_for_name_uniqueness() -> None:
    raw = changed(((S, 1), {"name": "rand", "type": "embedding_based"}))
    with pytest.warns(fs.ConfigWarning):
        cfg = fs.load_config(raw)
    assert [s.name for s in cfg.sampling_strategies].count("rand") == 1


def test_enabled_config_needs_one_known_strategy() -> None:
    raw = changed(((S,), [{"name": "a", "type": "new_1"}, {"name": "b", "type": "new_2"}]))
    problems = problems_of(raw)
    assert problems == [
        f"{S}: no strategy of a known type is left (all 2 skipped as unknown types); "
        "an enabled configuration needs at least one"
    ]


def test_no_warning_when_the_config_is_invalid_anyway() -> None:
    raw = changed(((S, 1), {"name": "x", "type": "new"}), ((S, 0, "traffic_percentage"), 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problems = problems_of(raw)
    assert problems == [f"{S}[0].traffic_percentage: must be within [0, 1], got 9"]


def test_unknown_keys_are_ignored_and_dropped() -> None:
    raw = changed(
        (("future_top",), 1),
        ((S, 0, "future_field"), "x"),
        ((S, 0, "limits"), [{"type": "daily", "value": 1, "note": "n"}]),
        ((B, "future_batching"), True),
    )
    cfg = fs.load_config(raw)
    out = cfg.to_dict()
    assert "future_top" not in out
    assert "future_field" not in out[S][0]
    assert out[S][0]["limits"] == [DAILY]
    assert "future_batching" not in out[B]
    assert cfg == fs.load_config(changed(((S, 0, "limits"), [DAILY])))


def test_unknown_keys_are_problems_in_strict_mode() -> None:
    raw = changed(
        (("future_top",), 1),
        ((S, 0, "future_field"), "x"),
        ((S, 0, "limits"), [{"type": "daily", "value": 1, "note": "n"}]),
        ((B, "future_batching"), True),
    )
    assert problems_of(raw, strict=True) == [
        f"{S}[0].limits[0].note: unknown key (strict mode)",
        f"{S}[0].future_field: unknown key (strict mode)",
        f"{B}.future_batching: unknown key (strict mode)",
        "future_top: unknown key (strict mode)",
    ]
    assert fs.load_config(BASE, strict=True).strict is True


# --- sources -------------------------------------------------------------------------------------


def test_every_source_kind_gives_the_same_config(tmp_path: Path) -> None:
    path = tmp_path / "al.json"
    path.write_text(json.dumps(BASE))

    class PathLike:
        def __fspath__(self) -> str:
            return str(path)

    from_dict = fs.load_config(BASE)
    assert fs.load_config(json.dumps(BASE)) == from_dict
    assert fs.load_config(json.dumps(BASE).encode()) == from_dict
    assert fs.load_config(path) == from_dict
    assert fs.load_config(PathLike()) == from_dict


def test_dict_source_is_not_modified() -> None:
    raw = changed(((S, 0, "unknown"), 1))
    snapshot = copy.deepcopy(raw)
    fs.load_config(raw)
    assert raw == snapshot


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ('{"enabled": true,', "config: invalid JSON at line 1 column 18: Expecting property name"),
        ("[1, 2]", "config: must be a JSON object, got list"),
        ("examples/config.json", "a str source is JSON text, pass a pathlib.Path to load a file"),
        (b"\xff\xfe", "config: JSON bytes are not UTF-8"),
        (42, "config: source must be a dict, a JSON string or a path (os.PathLike), got int"),
        (None, "got NoneType"),
        (["enabled", True], "got list"),
        ("[" * 100_000, "config: JSON is nested too deeply"),
        ('{"enabled": ' + "1" * 5000 + "}", "config: invalid JSON: Exceeds the limit"),
    ],
)
def test_bad_sources_raise_config_error(source: Any, fragment: str) -> None:
    problems = problems_of(source)
    assert len(problems) == 1
    assert fragment in problems[0]


def test_unreadable_files_raise_config_error(tmp_path: Path) -> None:
    missing = problems_of(tmp_path / "missing.json")
    assert missing == [f"config: cannot read {str(tmp_path / 'missing.json')!r}: No such file or directory"]
    assert "cannot read" in problems_of(tmp_path)[0]  # a directory
    broken = tmp_path / "broken.json"
    broken.write_text('{"enabled": tru}')
    assert problems_of(broken)[0].startswith(f"config: invalid JSON in {str(broken)!r} at line 1")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"enabled": false, "tags": ["\xe9"]}')
    assert "is not UTF-8" in problems_of(latin)[0]


def test_nan_written_in_json_is_rejected_with_its_path() -> None:
    text = json.dumps(BASE).replace('"traffic_percentage": 0.1', '"traffic_percentage": NaN')
    assert problems_of(text) == [f"{S}[0].traffic_percentage: must be a finite number, got nan"]


def test_example_config_validates_and_round_trips() -> None:
    cfg = fs.load_config(EXAMPLE)
    assert cfg.enabled
    assert [s.name for s in cfg.sampling_strategies] == ["default_strategy", "hard_examples"]
    out = cfg.to_dict()
    assert fs.load_config(out).to_dict() == out
    assert fs.load_config(EXAMPLE, strict=True) == dataclasses.replace(cfg, strict=True)


# --- the Config object ---------------------------------------------------------------------------


def test_config_is_immutable_and_hashable() -> None:
    cfg = fs.load_config(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.enabled = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.sampling_strategies[0].name = "other"  # type: ignore[misc]
    assert isinstance(cfg.sampling_strategies, tuple)
    assert isinstance(cfg.tags, tuple)
    assert hash(cfg) == hash(fs.load_config(BASE))
    mutated = cfg.to_dict()
    mutated[S].clear()
    assert len(cfg.to_dict()[S]) == 4


def test_repr_is_compact_and_informative() -> None:
    text = repr(fs.load_config(EXAMPLE))
    assert text.startswith("Config(enabled=True, persist_predictions=True")
    assert "'default_strategy': random" in text
    assert "'hard_examples': close_to_threshold" in text
    assert "('al_batch', daily)" in text
    assert "max_image_size=(1200, 1200)" in text


# --- environment ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["false", "False", "FALSE", "0", "no", "off", " Off "])
def test_active_learning_enabled_false_turns_collection_off(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_ENABLED", value)
    cfg = fs.load_config(BASE)
    assert cfg.enabled is False
    assert cfg.disabled_by_env is True
    assert cfg.to_dict()["enabled"] is True
    assert "disabled_by_env=True" in repr(cfg)


@pytest.mark.parametrize("value", ["true", "1", "yes", "ON", ""])
def test_active_learning_enabled_other_words_change_nothing(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_ENABLED", value)
    cfg = fs.load_config(BASE)
    assert cfg.enabled is True
    assert cfg.disabled_by_env is False


def test_active_learning_enabled_garbage_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_ENABLED", "flase")
    assert problems_of(BASE) == [
        "ACTIVE_LEARNING_ENABLED: must be true or false (or 1/0, yes/no, on/off), got 'flase'"
    ]


def test_active_learning_enabled_is_read_at_each_load(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fs.load_config(BASE).enabled is True
    monkeypatch.setenv("ACTIVE_LEARNING_ENABLED", "false")
    assert fs.load_config(BASE).enabled is False
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED")
    assert fs.load_config(BASE).enabled is True


def test_active_learning_tags_become_global_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_TAGS", " site-a, ,camera:1,, ")
    cfg = fs.load_config(BASE)
    assert cfg.global_tags == ("site-a", "camera:1")
    assert "tags" not in cfg.to_dict()  # the environment is not part of the JSON
    assert fs.load_config({"enabled": False}).global_tags == ("site-a", "camera:1")


def test_active_learning_tags_follow_the_tag_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_TAGS", "ok,,bad tag," + "x" * 65)
    assert problems_of(BASE) == [
        "ACTIVE_LEARNING_TAGS[2]: must be 1-64 characters of a-z A-Z 0-9 and -_:/.[]<>{}@, got 'bad tag'",
        "ACTIVE_LEARNING_TAGS[3]: must be 1-64 characters of a-z A-Z 0-9 and -_:/.[]<>{}@, got "
        + repr("x" * 40)
        + "... (65 characters)",
    ]


def test_environment_problems_come_with_config_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_TAGS", "a b")
    problems = problems_of(changed(((S, 0, "traffic_percentage"), 5)))
    assert [p.partition(":")[0] for p in problems] == [
        f"{S}[0].traffic_percentage",
        "ACTIVE_LEARNING_TAGS[0]",
    ]


def test_environment_is_not_touched() -> None:
    before = dict(os.environ)
    fs.load_config(BASE)
    assert dict(os.environ) == before


def test_config_built_directly_equals_the_loaded_one() -> None:
    from framesieve.config import BatchingStrategy

    direct = fs.Config(
        enabled=True,
        persist_predictions=False,
        sampling_strategies=(RandomStrategy(name="r", traffic_percentage=0.5),),
        batching_strategy=BatchingStrategy("p", "never"),
    )
    assert direct.to_dict()["enabled"] is True
    assert fs.load_config(direct.to_dict()) == direct


def test_env_disabled_config_reloads_as_enabled_without_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_LEARNING_ENABLED", "off")
    off = fs.load_config(BASE)
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED")
    on = fs.load_config(off.to_dict())
    assert on.enabled is True
    assert on != off
    assert on.to_dict() == off.to_dict()


def test_non_string_keys_are_unknown_keys() -> None:
    raw: dict[Any, Any] = changed()
    raw[1] = "x"
    assert fs.load_config(raw).to_dict() == fs.load_config(BASE).to_dict()
    assert problems_of(raw, strict=True) == ["1: unknown key (strict mode)"]


def test_a_config_is_a_valid_source(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = fs.load_config(BASE)
    assert fs.load_config(cfg) == cfg
    assert fs.load_config(cfg, strict=True) == dataclasses.replace(cfg, strict=True)
    monkeypatch.setenv("ACTIVE_LEARNING_TAGS", "later")
    assert fs.load_config(cfg).global_tags == ("later",)
