"""Hypothesis: fs.Sampler (Rust) decides exactly like fs.reference.Sampler.

Random valid strategy lists x random predictions of every task type (stubs,
multi-label, unknown types, confidences exactly at threshold +- epsilon, NaN,
infinities, ints) x random seeds: both give the same names over a sequence of
evaluations, the same exceptions (type and message) for malformed
predictions, and arrays give the same names as the equivalent dicts.
"""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import framesieve as fs

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CLASSES = ["a", "b", "c", "car", "Ünïcode", ""]
UNITS = [0.0, 0.1, 0.125, 0.25, 0.3, 0.5, 0.6, 0.75, 0.9, 1.0]
DETECTION_TYPES = ["object-detection", "instance-segmentation", "keypoint-detection"]

unit = st.one_of(st.sampled_from(UNITS), st.floats(0.0, 1.0))
class_name = st.one_of(st.sampled_from(CLASSES), st.text(max_size=3))
selection = st.one_of(st.none(), st.lists(class_name, max_size=4))


def _optional(value):
    """A field that may be absent (None here: dropped), null, or set."""
    return st.one_of(st.just("absent"), st.none(), value)


@st.composite
def strategy_dicts(draw, name):
    kind = draw(
        st.sampled_from(
            ["random", "close_to_threshold", "classes_based", "detections_number_based", "unknown_kind"]
        )
    )
    d = {"name": name, "type": kind}
    fields = {}
    if kind == "random":
        fields["traffic_percentage"] = draw(unit)
    elif kind == "close_to_threshold":
        fields["threshold"] = draw(unit)
        fields["epsilon"] = draw(unit)
        fields["probability"] = draw(unit)
        fields["selected_class_names"] = draw(_optional(st.lists(class_name, max_size=4)))
        fields["minimum_objects_close_to_threshold"] = draw(_optional(st.integers(1, 4)))
        fields["only_top_classes"] = draw(_optional(st.booleans()))
    elif kind == "classes_based":
        fields["selected_class_names"] = draw(st.lists(class_name, max_size=4))
        fields["probability"] = draw(unit)
    elif kind == "detections_number_based":
        fields["probability"] = draw(unit)
        more = draw(_optional(st.integers(0, 5)))
        less = draw(_optional(st.integers(0, 8)))
        if isinstance(more, int) and isinstance(less, int) and more >= less:
            less = more + 1
        fields["more_than"], fields["less_than"] = more, less
        fields["selected_class_names"] = draw(_optional(st.lists(class_name, max_size=4)))
    else:
        fields["whatever"] = draw(st.integers())
    d.update({k: v for k, v in fields.items() if v != "absent"})
    if draw(st.booleans()):
        d["tags"] = ["t"]
        d["limits"] = [{"type": "minutely", "value": 3}]
    return d


@st.composite
def configs(draw):
    n = draw(st.integers(1, 6))
    return {
        "enabled": draw(st.sampled_from([True, True, True, True, False])),
        "sampling_strategies": [draw(strategy_dicts(f"s{i}")) for i in range(n)],
    }


def confidences(cfg):
    """Confidences that hit every threshold +- epsilon of the config exactly, plus odd values."""
    edges = [0.5 + 1.0, 0.5 - 1.0]
    for s in cfg["sampling_strategies"]:
        if s["type"] == "close_to_threshold":
            t, e = s["threshold"], s["epsilon"]
            edges += [t + e, t - e, t, math.nextafter(t + e, 0.0), math.nextafter(t - e, 1.0)]
    return st.one_of(
        st.sampled_from(edges),
        st.sampled_from(UNITS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-0.1, 1.1),
        st.integers(-1, 2),
    )


@st.composite
def predictions(draw, cfg):
    conf = confidences(cfg)
    kind = draw(st.sampled_from(["detection", "multi-class", "multi-label", "stub", "unknown"]))
    if kind == "detection":
        objects = draw(st.lists(st.tuples(conf, class_name), max_size=8))
        prediction = {
            "image": {"width": 10, "height": 10},
            "predictions": [
                {"x": 1.0, "y": 1.0, "width": 2.0, "height": 2.0, "confidence": c, "class": k, "class_id": 0}
                for c, k in objects
            ],
        }
        return prediction, draw(st.sampled_from(DETECTION_TYPES))
    if kind == "multi-class":
        classes = draw(st.lists(st.tuples(conf, class_name), min_size=1, max_size=5))
        top_conf, top = classes[0]
        prediction = {
            "predictions": [{"class": k, "class_id": i, "confidence": c} for i, (c, k) in enumerate(classes)],
            "top": top,
            "confidence": top_conf,
        }
        return prediction, "classification"
    if kind == "multi-label":
        entries = draw(st.dictionaries(class_name, conf, max_size=5))
        predicted = draw(st.lists(class_name, max_size=4))
        prediction = {
            "predictions": {k: {"confidence": c, "class_id": i} for i, (k, c) in enumerate(entries.items())},
            "predicted_classes": predicted,
        }
        return prediction, "classification"
    if kind == "stub":
        task = draw(st.sampled_from([*DETECTION_TYPES, "classification"]))
        return {"is_stub": True, "model_id": "p/0", "task_type": task, "time": 0.1}, task
    return {"predictions": "opaque"}, draw(st.sampled_from(["semantic-segmentation", "", "OCR"]))


def outcome(call):
    try:
        return ("ok", call())
    except (ValueError, TypeError) as err:
        assert isinstance(err, fs.FramesieveError), repr(err)
        return (type(err).__name__, str(err))


seeds = st.integers(-(2**70), 2**70)


@SETTINGS
@given(data=st.data(), cfg=configs(), seed=seeds)
def test_rust_decides_like_the_reference(data, cfg, seed):
    rust, ref = fs.Sampler(cfg, seed=seed), fs.reference.Sampler(cfg, seed=seed)
    assert rust.strategy_names == ref.strategy_names
    for _ in range(data.draw(st.integers(1, 6))):
        prediction, kind = data.draw(predictions(cfg))
        for _ in range(data.draw(st.integers(1, 3))):
            assert outcome(lambda p=prediction, k=kind: rust.evaluate(p, k)) == outcome(
                lambda p=prediction, k=kind: ref.evaluate(p, k)
            )


BAD_VALUES = [None, "0.5", True, [], {}, 1.5, 10**400, "x", 3, float("nan")]


@st.composite
def malformed(draw, cfg):
    """A valid prediction with one field removed or replaced by a value of another type."""
    prediction, kind = draw(predictions(cfg))
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append((*path, k))
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append((*path, i))
                walk(v, (*path, i))

    walk(prediction, ())
    assume(paths)
    path = draw(st.sampled_from(paths))
    parent = prediction
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(st.sampled_from(BAD_VALUES))
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([[], "x", None])), kind
    return prediction, kind


@SETTINGS
@given(data=st.data(), cfg=configs(), seed=seeds)
def test_malformed_predictions_fail_alike(data, cfg, seed):
    rust, ref = fs.Sampler(cfg, seed=seed), fs.reference.Sampler(cfg, seed=seed)
    for _ in range(4):
        prediction, kind = data.draw(malformed(cfg))
        if data.draw(st.integers(0, 9)) == 0:
            kind = data.draw(st.sampled_from([None, 1, b"object-detection"]))
        assert outcome(lambda p=prediction, k=kind: rust.evaluate(p, k)) == outcome(
            lambda p=prediction, k=kind: ref.evaluate(p, k)
        )


@SETTINGS
@given(data=st.data(), cfg=configs(), seed=seeds)
def test_float64_arrays_decide_like_dicts(data, cfg, seed):
    by_dict = fs.Sampler(cfg, seed=seed)
    by_names = fs.Sampler(cfg, seed=seed)
    by_ids = fs.Sampler(cfg, seed=seed, class_names=CLASSES)
    by_ref = fs.reference.Sampler(cfg, seed=seed)
    conf = confidences(cfg).filter(lambda c: isinstance(c, float))
    for _ in range(data.draw(st.integers(1, 4))):
        objects = data.draw(st.lists(st.tuples(conf, st.integers(0, len(CLASSES) - 1)), max_size=10))
        kind = data.draw(st.sampled_from(DETECTION_TYPES))
        values = np.array([c for c, _ in objects], dtype=np.float64)
        ids = np.array([k for _, k in objects], dtype=np.int64)
        names = [CLASSES[k] for k in ids]
        prediction = {
            "predictions": [{"confidence": c, "class": n} for (c, _), n in zip(objects, names, strict=True)]
        }
        expected = by_dict.evaluate(prediction, kind)
        assert by_names.evaluate_detections(values, class_name=names, prediction_type=kind) == expected
        assert by_ids.evaluate_detections(values, class_id=ids, prediction_type=kind) == expected
        assert by_ref.evaluate_detections(values, class_name=names, prediction_type=kind) == expected


@SETTINGS
@given(data=st.data(), cfg=configs(), seed=seeds)
def test_float32_arrays_agree_with_the_reference(data, cfg, seed):
    rust = fs.Sampler(cfg, seed=seed, class_names=CLASSES)
    ref = fs.reference.Sampler(cfg, seed=seed, class_names=CLASSES)
    for _ in range(3):
        values = data.draw(st.lists(confidences(cfg).filter(lambda c: isinstance(c, float)), max_size=10))
        with np.errstate(over="ignore"):  # huge doubles become float32 infinities
            values = np.array(values, dtype=np.float64).astype(np.float32)
        ids = np.array(data.draw(st.lists(st.integers(0, 5), min_size=len(values), max_size=len(values))))
        names = np.array([CLASSES[k] for k in ids], dtype="U8")
        kwargs = data.draw(st.sampled_from([{"class_id": ids}, {"class_name": names}, {}]))
        assert outcome(lambda v=values, kw=kwargs: rust.evaluate_detections(v, **kw)) == outcome(
            lambda v=values, kw=kwargs: ref.evaluate_detections(v, **kw)
        )


odd_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-1, 2),
    st.text(max_size=2),
    st.lists(st.integers(), max_size=1),
)


@SETTINGS
@given(
    strategies=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "type",
                    "traffic_percentage",
                    "threshold",
                    "epsilon",
                    "probability",
                    "selected_class_names",
                    "minimum_objects_close_to_threshold",
                    "only_top_classes",
                    "more_than",
                    "less_than",
                ]
            ),
            odd_value,
        ).map(lambda d: {**d, "type": d.get("type") if "type" in d else "random"}),
        max_size=3,
    ),
    enabled=st.one_of(st.booleans(), odd_value),
)
def test_bad_configs_fail_alike(strategies, enabled):
    cfg = {"enabled": enabled, "sampling_strategies": strategies}
    got = outcome(lambda: fs.Sampler(cfg, seed=1).strategy_names)
    want = outcome(lambda: fs.reference.Sampler(cfg, seed=1).strategy_names)
    # Same outcome, and the same field named (the messages may print numbers differently).
    assert got[0] == want[0]
    if got[0] == "ok":
        assert got == want
    else:
        assert got[1].split(":")[0] == want[1].split(":")[0], (got, want)


# Element names numpy stores in `U` items: trailing NULs are stripped on the
# way in, inner ones kept; non-BMP characters and lone surrogates are one
# UCS-4 code unit each.
item_name = st.one_of(
    st.sampled_from(CLASSES),
    st.text(alphabet=st.sampled_from(["a", "b", "c", "r", "\0", "Ü", "\U0001f600", "\ud800"]), max_size=4),
)


@st.composite
def str_arrays(draw, names):
    """`names` as a numpy array of str: `U` of some width and byte order, or object; maybe strided."""
    form = draw(st.sampled_from(["U", "object"]))
    if form == "object":
        base = np.array(names + names, dtype=object)
    else:
        width = max([len(n) for n in names] + [1]) + draw(st.integers(0, 3))
        order = draw(st.sampled_from(["<", ">", "="]))
        base = np.array(names + names, dtype=f"{order}U{width}")
    # The same names again at stride 2 (a non-contiguous view) or contiguous.
    if draw(st.booleans()):
        strided = np.empty(2 * len(names), dtype=base.dtype)
        strided[::2] = names
        strided[1::2] = draw(st.lists(item_name, min_size=len(names), max_size=len(names)))
        return strided[::2]
    return base[: len(names)]


@SETTINGS
@given(data=st.data(), cfg=configs(), seed=seeds)
def test_str_arrays_decide_like_lists_in_the_reference(data, cfg, seed):
    rust = fs.Sampler(cfg, seed=seed)
    ref = fs.reference.Sampler(cfg, seed=seed)
    conf = confidences(cfg).filter(lambda c: isinstance(c, float))
    for _ in range(3):
        names = data.draw(st.lists(item_name, max_size=10))
        drawn = data.draw(st.lists(conf, min_size=len(names), max_size=len(names)))
        values = np.array(drawn, dtype=np.float64)
        array = data.draw(str_arrays(names))
        # What numpy holds (trailing NULs gone), as a list of str for the reference.
        held = [str(x) for x in array.tolist()]
        kind = data.draw(st.sampled_from(DETECTION_TYPES))
        got = outcome(
            lambda v=values, a=array, k=kind: rust.evaluate_detections(v, class_name=a, prediction_type=k)
        )
        want = outcome(
            lambda v=values, h=held, k=kind: ref.evaluate_detections(v, class_name=h, prediction_type=k)
        )
        assert got == want


@st.composite
def shuffled_detections(draw, cfg):
    """A detection prediction whose objects differ in key order, extra keys,
    deleted entries and key identity (JSON-decoded keys are not interned)."""
    conf = confidences(cfg).filter(lambda c: isinstance(c, float))
    objects = []
    for c, k in draw(st.lists(st.tuples(conf, class_name), max_size=8)):
        fields = [("confidence", c), ("class", k)] + [(f"x{j}", j) for j in range(draw(st.integers(0, 6)))]
        order = draw(st.permutations(fields))
        obj = dict(order)
        if draw(st.booleans()):  # a hole in the entries before the keys
            obj = {"gone": 0, **obj}
            del obj["gone"]
        if draw(st.booleans()):
            obj = json.loads(json.dumps(obj))
        objects.append(obj)
    return {"predictions": objects}


@SETTINGS
@given(data=st.data(), cfg=configs(), seed=seeds)
def test_dicts_of_any_layout_decide_like_the_reference(data, cfg, seed):
    rust, ref = fs.Sampler(cfg, seed=seed), fs.reference.Sampler(cfg, seed=seed)
    for _ in range(3):
        prediction = data.draw(shuffled_detections(cfg))
        kind = data.draw(st.sampled_from(DETECTION_TYPES))
        got = outcome(lambda p=prediction, k=kind: rust.evaluate(p, k))
        assert got == outcome(lambda p=prediction, k=kind: ref.evaluate(p, k))
