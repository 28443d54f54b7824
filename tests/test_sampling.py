# ruff: noqa: E501  -- the case tables read best one case per line
"""fs.Sampler and its pure-Python twin fs.reference.Sampler, rule by rule (SPEC §3)."""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter

import numpy as np
import pytest

import framesieve as fs

IMPLS = [fs.Sampler, fs.reference.Sampler]
DET = "object-detection"

# The first three published SplitMix64 outputs for seed 0 (Vigna's splitmix64.c),
# as uniform doubles: the top 53 bits times 2**-53.
SEED0_OUTPUTS = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
SEED0_UNIFORMS = [(x >> 11) * 2.0**-53 for x in SEED0_OUTPUTS]


@pytest.fixture(params=IMPLS, ids=["rust", "reference"])
def Sampler(request):
    return request.param


def config(*strategies, enabled=True):
    return {"enabled": enabled, "sampling_strategies": list(strategies)}


def random_s(name="random", p=1.0):
    return {"name": name, "type": "random", "traffic_percentage": p}


def close_s(name="close", threshold=0.5, epsilon=0.1, p=1.0, **extra):
    return {
        "name": name,
        "type": "close_to_threshold",
        "threshold": threshold,
        "epsilon": epsilon,
        "probability": p,
        **extra,
    }


def classes_s(name="classes", selected=("cat",), p=1.0):
    return {"name": name, "type": "classes_based", "selected_class_names": list(selected), "probability": p}


def number_s(name="number", p=1.0, **extra):
    return {"name": name, "type": "detections_number_based", "probability": p, **extra}


def det(*objects):
    """A detection prediction from (confidence, class) pairs."""
    return {
        "image": {"width": 100, "height": 100},
        "predictions": [
            {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0, "confidence": c, "class": k, "class_id": 0}
            for c, k in objects
        ],
    }


def multi_class(top, confidence, others=()):
    preds = [{"class": top, "class_id": 0, "confidence": confidence}]
    preds += [{"class": k, "class_id": i + 1, "confidence": c} for i, (c, k) in enumerate(others)]
    return {"predictions": preds, "top": top, "confidence": confidence}


def multi_label(entries, predicted):
    return {
        "predictions": {k: {"confidence": c, "class_id": i} for i, (k, c) in enumerate(entries.items())},
        "predicted_classes": list(predicted),
    }


# ----------------------------------------------------------------- generator --


def test_draws_follow_published_splitmix64_and_keep_is_strict(Sampler):
    u0 = SEED0_UNIFORMS[0]
    # keep when u < p: p == u0 is not enough, the next double above is.
    at = Sampler(config(random_s("a", u0)), seed=0)
    above = Sampler(config(random_s("a", math.nextafter(u0, 1.0))), seed=0)
    assert at.evaluate({}, DET) == []
    assert above.evaluate({}, DET) == ["a"]
    # Three strategies in one call take the first three draws, in config order.
    strategies = [random_s(f"s{i}", math.nextafter(u, 1.0)) for i, u in enumerate(SEED0_UNIFORMS)]
    assert Sampler(config(*strategies), seed=0).evaluate({}, DET) == ["s0", "s1", "s2"]
    strategies = [random_s(f"s{i}", u) for i, u in enumerate(SEED0_UNIFORMS)]
    assert Sampler(config(*strategies), seed=0).evaluate({}, DET) == []


def test_one_draw_per_call_continues_the_stream(Sampler):
    s = Sampler(config(random_s("a", math.nextafter(SEED0_UNIFORMS[1], 1.0))), seed=0)
    s.evaluate({}, DET)  # takes u0
    assert s.evaluate({}, DET) == ["a"]  # u1 < p


def test_seed_is_taken_modulo_2_64(Sampler):
    cfg = config(*[random_s(f"s{i}", 0.5) for i in range(8)])

    def run(seed):
        s = Sampler(cfg, seed=seed)
        return [s.evaluate({}, DET) for _ in range(20)]

    assert run(-1) == run(2**64 - 1)
    assert run(2**64 + 5) == run(5)
    assert run(5) != run(6)


def test_unseeded_samplers_differ(Sampler):
    cfg = config(*[random_s(f"s{i}", 0.5) for i in range(16)])
    runs = [[Sampler(cfg).evaluate({}, DET) for _ in range(4)] for _ in range(2)]
    assert runs[0] != runs[1]


@pytest.mark.parametrize("seed", [1.5, "1", True])
def test_seed_must_be_an_int(Sampler, seed):
    with pytest.raises(fs.InvalidTypeError, match="seed"):
        Sampler(config(random_s()), seed=seed)


def test_non_matching_strategies_draw_nothing(Sampler):
    cfg = config(close_s("c", selected_class_names=["cat"]), random_s("r", 0.5))
    alone = Sampler(config(random_s("r", 0.5)), seed=9)
    mixed = Sampler(cfg, seed=9)
    far = det((0.99, "cat"), (0.5, "dog"))
    for _ in range(50):
        assert mixed.evaluate(far, DET) == alone.evaluate(far, DET)


def test_probabilities_zero_and_one(Sampler):
    s = Sampler(config(random_s("never", 0.0), random_s("always", 1.0)), seed=3)
    assert all(s.evaluate({}, DET) == ["always"] for _ in range(200))


def test_keep_rate_follows_probability(Sampler):
    s = Sampler(config(random_s("r", 0.3)), seed=11)
    kept = sum(bool(s.evaluate({}, DET)) for _ in range(4000))
    assert 1000 < kept < 1400


# ------------------------------------------------------------ random / stubs --


@pytest.mark.parametrize(
    "kind", ["object-detection", "classification", "instance-segmentation", "something-new"]
)
def test_random_matches_stubs_and_any_type_and_others_do_not(Sampler, kind):
    cfg = config(random_s("r"), close_s("c", epsilon=1.0), classes_s("cb", ["cat"]), number_s("n"))
    stub = {"is_stub": True, "model_id": "p/0", "task_type": kind, "time": 0.1}
    assert Sampler(cfg, seed=1).evaluate(stub, kind) == ["r"]
    assert Sampler(cfg, seed=1).evaluate({"is_stub": 1}, kind) == ["r"]


def test_unknown_prediction_type_is_not_an_error(Sampler):
    cfg = config(random_s("r"), close_s("c", epsilon=1.0))
    s = Sampler(cfg, seed=1)
    assert s.evaluate({"whatever": 1}, "semantic-segmentation") == ["r"]
    assert s.evaluate_detections(np.zeros(3, np.float32), prediction_type="depth") == ["r"]


def test_falsy_is_stub_is_not_a_stub(Sampler):
    s = Sampler(config(close_s("c")), seed=1)
    prediction = det((0.5, "cat"))
    prediction["is_stub"] = False
    assert s.evaluate(prediction, DET) == ["c"]


def test_prediction_type_must_be_str(Sampler):
    s = Sampler(config(random_s()), seed=1)
    with pytest.raises(fs.InvalidTypeError, match="prediction_type: expected a str, got int"):
        s.evaluate({}, 3)
    with pytest.raises(fs.InvalidTypeError, match="prediction_type"):
        s.evaluate_detections(np.zeros(1), prediction_type=b"object-detection")


def test_disabled_config_never_matches(Sampler):
    s = Sampler({"enabled": False}, seed=1)
    assert s.evaluate({"predictions": "not even a list"}, DET) == []
    assert s.evaluate_detections(np.zeros(3)) == []
    with pytest.raises(fs.InvalidTypeError):
        s.evaluate([], DET)


# ------------------------------------------------------- close_to_threshold --


@pytest.mark.parametrize("kind", ["object-detection", "instance-segmentation", "keypoint-detection"])
def test_close_to_threshold_is_strict_at_both_edges(Sampler, kind):
    # 0.25 +- 0.125 are exact binary fractions: the bounds themselves are not close.
    s = Sampler(config(close_s("c", threshold=0.25, epsilon=0.125)), seed=1)
    assert s.evaluate(det((0.375, "a")), kind) == []
    assert s.evaluate(det((0.125, "a")), kind) == []
    assert s.evaluate(det((0.3749, "a")), kind) == ["c"]
    assert s.evaluate(det((0.1251, "a")), kind) == ["c"]
    assert s.evaluate(det((float("nan"), "a"), (float("inf"), "a")), kind) == []
    assert s.evaluate(det(), kind) == []


def test_ints_are_confidences_too(Sampler):
    s = Sampler(config(close_s("c", threshold=1.0, epsilon=0.5)), seed=1)
    assert s.evaluate(det((1, "a")), DET) == ["c"]
    assert s.evaluate(det((0, "a")), DET) == []


def test_minimum_objects_close_to_threshold_counts_selected_close_objects(Sampler):
    s = Sampler(
        config(close_s("c", selected_class_names=["a", "b"], minimum_objects_close_to_threshold=2)), seed=1
    )
    assert s.evaluate(det((0.5, "a")), DET) == []
    assert s.evaluate(det((0.5, "a"), (0.5, "z"), (0.9, "b")), DET) == []
    assert s.evaluate(det((0.5, "a"), (0.45, "b")), DET) == ["c"]
    assert s.evaluate(det((0.9, "a"), (0.45, "b"), (0.55, "a")), DET) == ["c"]


def test_selection_absent_null_and_empty(Sampler):
    objects = det((0.5, "anything"))
    assert Sampler(config(close_s("c")), seed=1).evaluate(objects, DET) == ["c"]
    assert Sampler(config(close_s("c", selected_class_names=None)), seed=1).evaluate(objects, DET) == ["c"]
    assert Sampler(config(close_s("c", selected_class_names=[])), seed=1).evaluate(objects, DET) == []


def test_float32_edge_differs_from_json_and_float64_agrees(Sampler):
    s = Sampler(config(close_s("c", threshold=0.5, epsilon=0.1)), seed=1)
    assert s.evaluate(det((0.6, "a")), DET) == ["c"]
    assert s.evaluate_detections(np.array([0.6], np.float64), class_name=["a"]) == ["c"]
    assert s.evaluate_detections(np.array([0.6], np.float32), class_name=["a"]) == []
    # ...and exactly what the float32 widened to double gives in JSON form.
    assert s.evaluate(det((float(np.float32(0.6)), "a")), DET) == []


# -------------------------------------------------- detections_number_based --


@pytest.mark.parametrize(
    ("more_than", "less_than", "count", "match"),
    [
        (3, None, 3, False),
        (3, None, 4, True),
        (None, 3, 2, True),
        (None, 3, 3, False),
        (1, 3, 2, True),
        (1, 3, 1, False),
        (1, 3, 3, False),
        (None, None, 0, True),
        (0, None, 0, False),
    ],
)
def test_detections_number_bounds(Sampler, more_than, less_than, count, match):
    s = Sampler(config(number_s("n", more_than=more_than, less_than=less_than)), seed=1)
    assert s.evaluate(det(*[(0.9, "a")] * count), DET) == (["n"] if match else [])


def test_detections_number_counts_selected_classes_through_half_unit_closeness(Sampler):
    s = Sampler(config(number_s("n", more_than=1, selected_class_names=["a"])), seed=1)
    assert s.evaluate(det((0.9, "a"), (0.9, "b"), (0.9, "b")), DET) == []
    assert s.evaluate(det((0.9, "a"), (-0.49, "a")), DET) == ["n"]
    # -0.5, 1.5 and NaN are outside the (0.5 +- 1.0) test the reference counts through.
    assert s.evaluate(det((0.9, "a"), (1.5, "a"), (-0.5, "a"), (float("nan"), "a")), DET) == []


def test_rules_do_not_cross_task_types(Sampler):
    s = Sampler(config(classes_s("cb", ["a"]), number_s("n")), seed=1)
    assert s.evaluate(det((0.9, "a")), DET) == ["n"]
    assert s.evaluate(multi_class("a", 0.9), "classification") == ["cb"]


# ---------------------------------------------------------- classification --


def test_multi_class_close_to_threshold_only_top_classes_both_ways(Sampler):
    prediction = multi_class("cat", 0.9, [(0.55, "dog"), (0.05, "cow")])
    top = Sampler(config(close_s("c")), seed=1)
    anyc = Sampler(config(close_s("c", only_top_classes=False)), seed=1)
    assert top.evaluate(prediction, "classification") == []
    assert anyc.evaluate(prediction, "classification") == ["c"]
    sel = Sampler(config(close_s("c", only_top_classes=False, selected_class_names=["cat", "cow"])), seed=1)
    assert sel.evaluate(prediction, "classification") == []
    close_top = multi_class("dog", 0.55, [(0.4, "cat")])
    assert top.evaluate(close_top, "classification") == ["c"]
    top_sel = Sampler(config(close_s("c", selected_class_names=["cat"])), seed=1)
    assert top_sel.evaluate(close_top, "classification") == []


def test_multi_class_classes_based(Sampler):
    s = Sampler(config(classes_s("cb", ["cat", "dog"])), seed=1)
    assert s.evaluate(multi_class("cat", 0.9), "classification") == ["cb"]
    assert s.evaluate(multi_class("cow", 0.9, [(0.9, "cat")]), "classification") == []
    assert s.evaluate(multi_class("cat", float("nan")), "classification") == []
    assert s.evaluate(multi_class("cat", 1.5), "classification") == []
    assert (
        Sampler(config(classes_s("cb", [])), seed=1).evaluate(multi_class("cat", 0.9), "classification") == []
    )


def test_multi_label_close_to_threshold(Sampler):
    prediction = multi_label({"cat": 0.52, "dog": 0.95}, ["dog"])
    assert Sampler(config(close_s("c")), seed=1).evaluate(prediction, "classification") == []
    anyc = Sampler(config(close_s("c", only_top_classes=False)), seed=1)
    assert anyc.evaluate(prediction, "classification") == ["c"]
    sel = Sampler(config(close_s("c", only_top_classes=False, selected_class_names=["dog"])), seed=1)
    assert sel.evaluate(prediction, "classification") == []
    predicted_close = multi_label({"cat": 0.52, "dog": 0.95}, ["cat"])
    assert Sampler(config(close_s("c")), seed=1).evaluate(predicted_close, "classification") == ["c"]


def test_multi_label_classes_based(Sampler):
    s = Sampler(config(classes_s("cb", ["cat"])), seed=1)
    assert s.evaluate(multi_label({"cat": 0.9, "dog": 0.9}, ["cat"]), "classification") == ["cb"]
    assert s.evaluate(multi_label({"cat": 0.9, "dog": 0.9}, ["dog"]), "classification") == []
    # A predicted class that is not a key of `predictions` never matches.
    assert s.evaluate(multi_label({"dog": 0.9}, ["cat"]), "classification") == []
    assert s.evaluate(multi_label({"cat": float("nan")}, ["cat"]), "classification") == []


# -------------------------------------------------------------- validation --

MALFORMED = [
    ({}, DET, fs.InvalidInputError, "prediction: missing 'predictions'"),
    ({"predictions": {}}, DET, fs.InvalidTypeError, "predictions: expected a list, got dict"),
    ({"predictions": [{"confidence": 0.5, "class": "a"}, 3]}, DET, fs.InvalidTypeError, r"predictions\[1\]: expected a dict, got int"),
    ({"predictions": [{"class": "a"}]}, DET, fs.InvalidInputError, r"predictions\[0\]: missing 'confidence'"),
    ({"predictions": [{"confidence": True, "class": "a"}]}, DET, fs.InvalidTypeError, r"predictions\[0\].confidence: expected a number, got bool"),
    ({"predictions": [{"confidence": "0.5", "class": "a"}]}, DET, fs.InvalidTypeError, r"predictions\[0\].confidence: expected a number, got str"),
    ({"predictions": [{"confidence": 10**400, "class": "a"}]}, DET, fs.InvalidInputError, r"predictions\[0\].confidence: int too large"),
    ({"predictions": [{"confidence": 0.5}]}, DET, fs.InvalidInputError, r"predictions\[0\]: missing 'class'"),
    ({"predictions": [{"confidence": 0.5, "class": 1}]}, DET, fs.InvalidTypeError, r"predictions\[0\].class: expected a str, got int"),
    ({"top": 1, "confidence": 0.5, "predictions": []}, "classification", fs.InvalidTypeError, "top: expected a str, got int"),
    ({"top": "a", "predictions": []}, "classification", fs.InvalidInputError, "prediction: missing 'confidence'"),
    ({"top": "a", "confidence": None, "predictions": []}, "classification", fs.InvalidTypeError, "confidence: expected a number, got NoneType"),
    ({"top": "a", "confidence": 0.5, "predictions": [{"confidence": 0.5}]}, "classification", fs.InvalidInputError, r"predictions\[0\]: missing 'class'"),
    ({"predictions": [], "predicted_classes": []}, "classification", fs.InvalidTypeError, "predictions: expected a dict, got list"),
    ({"predictions": {1: {"confidence": 0.5}}, "predicted_classes": []}, "classification", fs.InvalidTypeError, "predictions: expected str keys, got int"),
    ({"predictions": {"a": 0.5}, "predicted_classes": []}, "classification", fs.InvalidTypeError, r"predictions\['a'\]: expected a dict, got float"),
    ({"predictions": {"a": {}}, "predicted_classes": []}, "classification", fs.InvalidInputError, r"predictions\['a'\]: missing 'confidence'"),
    ({"predictions": {"a": {"confidence": [1]}}, "predicted_classes": []}, "classification", fs.InvalidTypeError, r"predictions\['a'\].confidence: expected a number, got list"),
    ({"predictions": {"a": {"confidence": 0.5}}}, "classification", fs.InvalidInputError, "prediction: missing 'predicted_classes'"),
    ({"predictions": {"a": {"confidence": 0.5}}, "predicted_classes": "a"}, "classification", fs.InvalidTypeError, "predicted_classes: expected a list, got str"),
    ({"predictions": {"a": {"confidence": 0.5}}, "predicted_classes": [None]}, "classification", fs.InvalidTypeError, r"predicted_classes\[0\]: expected a str, got NoneType"),
]  # fmt: skip


@pytest.mark.parametrize(("prediction", "kind", "error", "message"), MALFORMED)
def test_malformed_predictions_name_the_field(Sampler, prediction, kind, error, message):
    s = Sampler(config(random_s("r", 0.5), close_s("c")), seed=1)
    with pytest.raises(error, match=f"^{message}"):
        s.evaluate(prediction, kind)


def test_errors_are_raised_before_any_draw(Sampler):
    cfg = config(random_s("r", 0.5), close_s("c", p=0.5))
    bad = det((0.5, "a"), (0.5, "a"))
    bad["predictions"][1]["confidence"] = "high"
    s, fresh = Sampler(cfg, seed=5), Sampler(cfg, seed=5)
    for _ in range(3):
        with pytest.raises(fs.InvalidTypeError, match=r"predictions\[1\]"):
            s.evaluate(bad, DET)
    good = det((0.5, "a"))
    assert [s.evaluate(good, DET) for _ in range(20)] == [fresh.evaluate(good, DET) for _ in range(20)]


def test_structure_is_read_only_when_a_non_random_strategy_applies(Sampler):
    s = Sampler(config(random_s("r"), classes_s("cb", ["a"])), seed=1)
    assert s.evaluate({"predictions": "garbage"}, DET) == ["r"]
    with pytest.raises(fs.InvalidTypeError):
        s.evaluate({"top": "a", "confidence": "x", "predictions": []}, "classification")


def test_prediction_must_be_a_dict(Sampler):
    s = Sampler(config(random_s()), seed=1)
    with pytest.raises(fs.InvalidTypeError, match="prediction: expected a dict, got list"):
        s.evaluate([], DET)


# ------------------------------------------------------------------ config --


class _Loaded:
    def __init__(self, data):
        self._data = data

    def to_dict(self):
        return self._data


def test_accepts_objects_with_to_dict_and_skips_unknown_types(Sampler):
    cfg = config(random_s("r"), {"name": "x", "type": "from_the_future", "whatever": 1})
    if Sampler is fs.Sampler:
        # framesieve.config's rules read the dict: an unknown type is skipped with a warning.
        with pytest.warns(
            fs.ConfigWarning,
            match=r"^sampling_strategies\[1\]: unknown strategy type 'from_the_future' \(name 'x'\) skipped",
        ):
            s = Sampler(_Loaded(cfg), seed=1)
        # The Rust core only ever gets known types; given another it names it.
        unknown = type("FromTheFuture", (), {"name": "x", "type": "from_the_future"})()
        with pytest.raises(
            fs.InvalidInputError, match=r"^strategies\[0\]\.type: unknown strategy type \"from_the_future\""
        ):
            fs._core.Sampler([unknown], seed=1)
    else:
        s = Sampler(_Loaded(cfg), seed=1)
    assert s.strategy_names == ["r"]
    assert s.evaluate({}, DET) == ["r"]


# Per bad strategy: the reference's own error (type, message), and the one problem that
# framesieve.config's rules report for fs.Sampler (a ConfigError naming the field's path).
CONFIG_ERRORS = [
    ({"name": "r", "type": "random"}, fs.InvalidInputError, r"sampling_strategies\[0\].traffic_percentage: missing", r"sampling_strategies\[0\]\.traffic_percentage: is required"),
    (random_s("r", 1.5), fs.InvalidInputError, r"sampling_strategies\[0\].traffic_percentage: must be within \[0, 1\]", r"sampling_strategies\[0\]\.traffic_percentage: must be within \[0, 1\], got 1\.5"),
    (random_s("r", "0.5"), fs.InvalidTypeError, r"sampling_strategies\[0\].traffic_percentage: expected a number", r"sampling_strategies\[0\]\.traffic_percentage: must be a number, got '0\.5' \(str\)"),
    (close_s("c", epsilon=-0.1), fs.InvalidInputError, r"sampling_strategies\[0\].epsilon", r"sampling_strategies\[0\]\.epsilon: must be within \[0, 1\], got -0\.1"),
    (close_s("c", threshold=None), fs.InvalidInputError, r"sampling_strategies\[0\].threshold: missing", r"sampling_strategies\[0\]\.threshold: is required"),
    (close_s("c", minimum_objects_close_to_threshold=0), fs.InvalidInputError, "minimum_objects_close_to_threshold: must be >= 1", r"sampling_strategies\[0\]\.minimum_objects_close_to_threshold: must be a positive integer, got 0"),
    (close_s("c", minimum_objects_close_to_threshold=1.5), fs.InvalidInputError, "minimum_objects_close_to_threshold: must be an int", r"sampling_strategies\[0\]\.minimum_objects_close_to_threshold: must be an integer, got 1\.5"),
    (close_s("c", only_top_classes=1), fs.InvalidTypeError, "only_top_classes: expected a bool", r"sampling_strategies\[0\]\.only_top_classes: must be true or false, got 1"),
    (close_s("c", selected_class_names="cat"), fs.InvalidTypeError, "selected_class_names: expected a list of str", r"sampling_strategies\[0\]\.selected_class_names: must be a list, got 'cat' \(str\)"),
    (close_s("c", selected_class_names=["cat", 2]), fs.InvalidTypeError, r"selected_class_names\[1\]: expected a str", r"sampling_strategies\[0\]\.selected_class_names\[1\]: must be a string, got 2"),
    ({"name": "cb", "type": "classes_based", "probability": 1.0}, fs.InvalidInputError, "selected_class_names: missing", r"sampling_strategies\[0\]\.selected_class_names: is required"),
    (number_s("n", more_than=3, less_than=3), fs.InvalidInputError, "more_than", r"sampling_strategies\[0\]\.more_than: must be less than less_than \(3\), got 3"),
    (number_s("n", less_than=-1), fs.InvalidInputError, "less_than: must be >= 0", r"sampling_strategies\[0\]\.less_than: must be >= 0, got -1"),
    ({"type": "random", "traffic_percentage": 0.5}, fs.InvalidInputError, r"sampling_strategies\[0\].name: missing", r"sampling_strategies\[0\]\.name: is required"),
    (random_s("", 0.5), fs.InvalidInputError, "name: must not be empty", r"sampling_strategies\[0\]\.name: must be a non-empty string"),
    ({"name": "r", "traffic_percentage": 0.5}, fs.InvalidInputError, r"sampling_strategies\[0\].type: missing", r"sampling_strategies\[0\]\.type: is required"),
    ("random", fs.InvalidTypeError, r"sampling_strategies\[0\]: expected a dict", r"sampling_strategies\[0\]: must be an object, got 'random' \(str\)"),
]  # fmt: skip


def config_problem(call, problem):
    """``call()`` raises a ConfigError whose one problem matches ``problem`` from its start."""
    with pytest.raises(fs.ConfigError) as info:
        call()
    assert len(info.value.problems) == 1, info.value.problems
    assert re.match(problem, info.value.problems[0]), info.value.problems


@pytest.mark.parametrize(("strategy", "error", "message", "problem"), CONFIG_ERRORS)
def test_config_errors_name_the_field(Sampler, strategy, error, message, problem):
    if Sampler is fs.Sampler:
        config_problem(lambda: Sampler(config(strategy), seed=1), problem)
    else:
        with pytest.raises(error, match=message):
            Sampler(config(strategy), seed=1)


def test_integral_floats_are_ints(Sampler):
    s = Sampler(config(number_s("n", more_than=1.0)), seed=1)
    assert s.evaluate(det((0.9, "a"), (0.9, "a")), DET) == ["n"]


def test_duplicate_names_and_top_level_errors(Sampler):
    if Sampler is fs.Sampler:
        duplicate = (
            r"sampling_strategies\[1\]\.name: duplicate name 'a', also used by sampling_strategies\[0\]"
        )
        config_problem(lambda: Sampler(config(random_s("a"), close_s("a")), seed=1), duplicate)
        config_problem(lambda: Sampler({"sampling_strategies": []}, seed=1), "enabled: is required")
        config_problem(
            lambda: Sampler({"enabled": "yes"}, seed=1), "enabled: must be true or false, got 'yes'"
        )
        config_problem(lambda: Sampler({"enabled": True}, seed=1), "sampling_strategies: is required")
        config_problem(lambda: Sampler([random_s()], seed=1), "config: source must be a dict")
        return
    with pytest.raises(fs.InvalidInputError, match="duplicate name"):
        Sampler(config(random_s("a"), close_s("a")), seed=1)
    with pytest.raises(fs.InvalidInputError, match="enabled: missing"):
        Sampler({"sampling_strategies": []}, seed=1)
    with pytest.raises(fs.InvalidTypeError, match="enabled: expected a bool"):
        Sampler({"enabled": "yes"}, seed=1)
    with pytest.raises(fs.InvalidInputError, match="sampling_strategies: missing"):
        Sampler({"enabled": True}, seed=1)
    with pytest.raises(fs.InvalidTypeError, match="config"):
        Sampler([random_s()], seed=1)


# ------------------------------------------------------------------ arrays --

FOUR = config(
    random_s("r", 0.5),
    close_s("vehicles", selected_class_names=["car", "truck"]),
    number_s("crowded", more_than=3),
    close_s("people", selected_class_names=["person", "bike"], epsilon=0.2),
)
NAMES = ["car", "truck", "person", "bike", "dog"]


def _arrays_cases():
    rng = np.random.default_rng(7)
    for n in (0, 1, 4, 9, 40):
        conf = rng.choice([0.35, 0.45, 0.5, 0.6, 0.75, 0.95, np.nan], n)
        ids = rng.integers(0, len(NAMES), n)
        yield conf, ids


@pytest.mark.parametrize("case", list(_arrays_cases()), ids=lambda c: f"n{len(c[0])}")
def test_arrays_give_the_dict_decisions(Sampler, case):
    conf, ids = case
    names = [NAMES[i] for i in ids]
    prediction = det(*zip(conf.tolist(), names, strict=True))
    expected = [s.evaluate(prediction, DET) for s in [Sampler(FOUR, seed=2)] for _ in range(10)]
    variants = [
        dict(class_name=names),
        dict(class_name=np.array(names, dtype="U6")),
        dict(class_name=np.array(names, dtype=object)),
        dict(class_name=np.array(names, dtype=">U6")),
        dict(class_id=ids),
        dict(class_id=ids.astype(np.uint8)),
        dict(class_id=ids.astype(np.int32), class_names=NAMES),
    ]
    for kwargs in variants:
        s = Sampler(FOUR, seed=2, class_names=NAMES)
        got = [s.evaluate_detections(conf.astype(np.float64), **kwargs) for _ in range(10)]
        assert got == expected, kwargs


def test_arrays_are_read_through_strides(Sampler):
    s = Sampler(
        config(close_s("c", selected_class_names=["a"], minimum_objects_close_to_threshold=2)), seed=1
    )
    conf = np.array([0.5, 0.9, 0.5, 0.9, 0.5, 0.9])
    names = np.array(["a", "b"] * 3)
    assert s.evaluate_detections(conf[::2], class_name=names[::2]) == ["c"]
    assert s.evaluate_detections(conf[1::2], class_name=names[1::2]) == []
    assert s.evaluate_detections(conf[::-2], class_name=names[::-2]) == []
    ids = (np.arange(12) % 2)[::4]
    assert s.evaluate_detections(conf[::2].astype(np.float32), class_id=ids, class_names=["a", "b"]) == ["c"]


def test_call_class_names_win_over_constructor(Sampler):
    s = Sampler(config(close_s("c", selected_class_names=["cat"])), seed=1, class_names=["dog", "cat"])
    conf = np.array([0.5])
    assert s.evaluate_detections(conf, class_id=np.array([1])) == ["c"]
    assert s.evaluate_detections(conf, class_id=np.array([1]), class_names=["cat", "dog"]) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(confidence=[0.5]), fs.InvalidTypeError, "confidence: expected a 1-D float32 or float64 numpy array, got list"),
        (dict(confidence=np.zeros((2, 2))), fs.InvalidInputError, "confidence: expected a 1-D array, got 2 dimensions"),
        (dict(confidence=np.zeros(2, np.float16)), fs.InvalidTypeError, "confidence: .* got dtype float16"),
        (dict(confidence=np.zeros(2, ">f8")), fs.InvalidTypeError, "confidence: .* got dtype"),
        (dict(class_name=["a"], class_id=np.zeros(2, int)), fs.InvalidInputError, "not both"),
        (dict(class_name=["a"]), fs.InvalidInputError, "class_name: length 1 differs from confidence's length 2"),
        (dict(class_name=["a", 2]), fs.InvalidTypeError, r"class_name\[1\]: expected a str, got int"),
        (dict(class_name=("a", "b")), fs.InvalidTypeError, "class_name: expected a list of str or a 1-D numpy array"),
        (dict(class_name=np.zeros(2)), fs.InvalidTypeError, "class_name: expected str elements"),
        (dict(class_name=np.array([["a", "b"]])), fs.InvalidInputError, "class_name: expected a 1-D array"),
        (dict(class_name=np.array(["a", 1], dtype=object)), fs.InvalidTypeError, r"class_name\[1\]: expected a str"),
        (dict(class_id=np.zeros(2, np.float32)), fs.InvalidTypeError, "class_id: expected a 1-D integer numpy array, got dtype float32"),
        (dict(class_id=np.zeros(2, bool)), fs.InvalidTypeError, "class_id: .* got dtype bool"),
        (dict(class_id=[0, 1]), fs.InvalidTypeError, "class_id: expected a 1-D integer numpy array, got list"),
        (dict(class_id=np.zeros(3, int)), fs.InvalidInputError, "class_id: length 3 differs"),
        (dict(class_id=np.array([0, 1])), fs.InvalidInputError, "class_id needs class_names"),
        (dict(class_id=np.array([0, 2]), class_names=["a", "b"]), fs.InvalidInputError, r"class_id\[1\]: id 2 is out of range for 2 class_names"),
        (dict(class_id=np.array([-1, 0]), class_names=["a", "b"]), fs.InvalidInputError, r"class_id\[0\]: id -1 is out of range"),
        (dict(class_id=np.array([0, 1]), class_names=("a", "b")), fs.InvalidTypeError, "class_names: expected a list of str"),
        (dict(class_id=np.array([0, 1]), class_names=["a", 1]), fs.InvalidTypeError, r"class_names\[1\]: expected a str"),
        (dict(), fs.InvalidInputError, "class_name or class_id is required"),
        (dict(class_name=["a", "b"], prediction_type="classification"), fs.InvalidInputError, "prediction_type: classification has no array form"),
    ],
)  # fmt: skip
def test_array_errors(Sampler, kwargs, error, message):
    s = Sampler(config(close_s("c", selected_class_names=["a"])), seed=1)
    kwargs = {"confidence": np.array([0.5, 0.6]), **kwargs}
    with pytest.raises(error, match=message):
        s.evaluate_detections(kwargs.pop("confidence"), **kwargs)


def test_class_info_is_optional_when_no_strategy_selects_classes(Sampler):
    s = Sampler(config(number_s("n", more_than=1), close_s("c")), seed=1)
    conf = np.array([0.5, 0.5], np.float32)
    assert s.evaluate_detections(conf) == ["n", "c"]
    assert s.evaluate_detections(conf, class_id=np.array([7, 9])) == ["n", "c"]


def test_large_arrays(Sampler):
    n = 10_000
    conf = np.full(n, 0.9, np.float32)
    conf[123] = 0.5
    names = ["b"] * n
    names[123] = "a"
    s = Sampler(config(close_s("c", selected_class_names=["a"]), number_s("n", less_than=n)), seed=1)
    assert s.evaluate_detections(conf, class_name=np.array(names)) == ["c"]
    assert s.evaluate_detections(conf[:-1], class_name=names[:-1]) == ["c", "n"]


# ---------------------------------------------------------- thread safety --


def _big_arrays():
    # Long enough for the Rust side to release the GIL while evaluating.
    conf = np.full(5000, 0.9, np.float32)
    conf[::7] = 0.5
    return conf, np.arange(5000) % 3


@pytest.mark.parametrize("impl", IMPLS, ids=["rust", "reference"])
@pytest.mark.parametrize("form", ["dict", "arrays"])
def test_threads_share_one_stream(impl, form):
    cfg = config(
        *[random_s(f"s{i}", p) for i, p in enumerate([0.5, 0.3, 0.8, 0.1])],
        close_s("c", p=0.5, selected_class_names=["a"]),
    )
    conf, ids = _big_arrays()
    if form == "dict":
        calls = 2000

        prediction = det((0.5, "a"), (0.9, "b"))

        def call(s):
            return s.evaluate(prediction, DET)
    else:
        calls = 200 if impl is fs.Sampler else 10

        def call(s):
            return s.evaluate_detections(conf, class_id=ids)

    threads = 8
    serial = impl(cfg, seed=77, class_names=["a", "b", "c"])
    expected = Counter(tuple(call(serial)) for _ in range(calls * threads))
    shared = impl(cfg, seed=77, class_names=["a", "b", "c"])
    results: list[list[tuple[str, ...]]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads)

    def work(out):
        start.wait()
        for _ in range(calls):
            out.append(tuple(call(shared)))

    workers = [threading.Thread(target=work, args=(results[t],)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert Counter(r for out in results for r in out) == expected
    # The stream goes on exactly where the serial one would.
    assert call(shared) == call(serial)


def test_rust_sampler_reads_json_text_and_files_through_load_config(tmp_path):
    full = {
        "enabled": True,
        "persist_predictions": True,
        "sampling_strategies": [close_s(p=0.5), random_s(p=0.3)],
        "batching_strategy": {"batches_name_prefix": "b", "recreation_interval": "never"},
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(full))
    frames = [det((0.45, "cat")), det((0.9, "dog")), {"is_stub": True}] * 20
    decisions = [
        [s.evaluate(p, DET) for p in frames]
        for s in (fs.Sampler(full, seed=5), fs.Sampler(json.dumps(full), seed=5), fs.Sampler(path, seed=5))
    ]
    assert decisions[0] == decisions[1] == decisions[2]
    assert any(decisions[0]) and not all(decisions[0])
    full["sampling_strategies"][0]["epsilon"] = 1.5
    with pytest.raises(fs.ConfigError, match=r"sampling_strategies\[0\]\.epsilon"):
        fs.Sampler(json.dumps(full))
