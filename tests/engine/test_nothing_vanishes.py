"""SPEC §6: every register() that returns ends delivered, pending, refused with a count, or
in failed/ with a reason; what the worker would choke on is this call's exception."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framesieve as fs
from support.accounting import assert_accounted, delivered_lines, failed_records
from support.engine_helpers import config, detection, frame

KEEP_ALL = config()


def _engine(tmp_path, cfg=None, **kw):
    dataset = fs.LocalDataset(tmp_path / "ds")
    return fs.ActiveLearning(
        fs.load_config(cfg or KEEP_ALL), dataset, outbox=tmp_path / "ob", block=True, **kw
    )


def _with(**changes):
    out = detection(2)
    out["predictions"][0].update(changes)
    return out


class _Opaque:
    pass


# Each returned normally on 0.2.0 and was then dropped on the worker (logged, counted
# `failed`, nothing in failed/).
BAD_CALLS = {
    "x not a number": {"prediction": _with(x="abc")},
    "x beyond a float": {"prediction": _with(x=10**400)},
    "NaN width": {"prediction": _with(width=math.nan)},
    "infinite y": {"prediction": _with(y=math.inf)},
    "points not a list": {"prediction": _with(points=5)},
    "point x a str": {"prediction": _with(points=[{"x": "1", "y": 2}])},
    "surrogate class name": {"prediction": _with(**{"class": "car\udc80"})},
    "a set in the prediction": {"prediction": _with(extra={1, 2})},
    "bytes in the prediction": {"prediction": _with(extra=b"raw")},
    "an object in the prediction": {"prediction": _with(extra=_Opaque())},
    "deep nesting": {
        "prediction": _with(extra=__import__("functools").reduce(lambda a, _: [a], range(5000), []))
    },
    "metadata set": {"metadata": {"k": {1}}},
    "metadata bytes": {"metadata": {"k": b"v"}},
    "metadata object": {"metadata": {"k": _Opaque()}},
    "metadata surrogate value": {"metadata": {"k": "v\ud800"}},
    "metadata surrogate key": {"metadata": {"k\ud800": "v"}},
    "metadata huge int": {"metadata": {"k": 10**5000}},
    "image_name surrogate": {"image_name": "cam\udfff"},
    "inference_id surrogate": {"inference_id": "id\ud801"},
    "timestamp 1e300": {"timestamp": 1e300},
    "timestamp 2**63": {"timestamp": 2**63},
    "array box NaN": {
        "prediction": {
            "xyxy": np.array([[0, 0, np.nan, 4]], np.float32),
            "confidence": np.array([0.9], np.float32),
            "class_id": np.array([0]),
        }
    },
    "array class name surrogate": {
        "prediction": {
            "xyxy": np.array([[0, 0, 4, 4]], np.float32),
            "confidence": np.array([0.9], np.float32),
            "class_name": np.array(["a\udc00"], dtype=object),
        }
    },
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_what_the_worker_cannot_use_is_refused_on_the_callers_thread(tmp_path, case):
    call = {"prediction": detection(2), **BAD_CALLS[case]}
    prediction = call.pop("prediction")
    with _engine(tmp_path, class_names=["car", "person"]) as al:
        with pytest.raises(fs.FramesieveError):
            al.register(frame(seed=1), prediction, "object-detection", **call)
        al.register(frame(seed=2), detection(2), "object-detection")  # the engine goes on
    stats = al.stats()
    assert stats["collected"] == 1 and stats["delivered"] == 1 and stats["failed"] == 0
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


def test_an_image_wider_than_jpeg_allows_needs_max_image_size(tmp_path):
    wide = np.zeros((2, 65_501, 3), np.uint8)
    with _engine(tmp_path) as al, pytest.raises(fs.InvalidInputError, match="max_image_size"):
        al.register(wide, detection(0), "object-detection")
    with _engine(tmp_path, cfg=config(max_image_size=[64, 640])) as al:
        al.register(wide, detection(0), "object-detection")
    assert al.stats()["delivered"] == 1
    assert_accounted(al.stats(), tmp_path / "ob", tmp_path / "ds")


def test_a_frame_the_worker_cannot_prepare_is_a_failed_record_with_its_reason(tmp_path):
    with _engine(tmp_path) as al:
        al.register(b"\xff\xd8 not really a jpeg", detection(2), "object-detection", image_name="cam-7")
        al.register(frame(seed=3), detection(2), "object-detection")
    stats = al.stats()
    assert stats["failed"] == 1 and stats["delivered"] == 1
    (record,) = failed_records(tmp_path / "ob")
    assert "decode" in record["reason"].lower() or "image" in record["reason"].lower()
    assert record["datapoint"]["image_name"] == "cam-7"
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


def test_nan_never_reaches_an_annotation(tmp_path):
    with _engine(tmp_path) as al:
        with pytest.raises(fs.InvalidInputError):
            al.register(frame(seed=4), _with(confidence=math.nan), "object-detection")
        al.register(frame(seed=5), detection(3), "object-detection")
    for path in (tmp_path / "ds").rglob("*.json"):
        text = path.read_text()
        assert "NaN" not in text and "Infinity" not in text


# -- the property: arbitrary malformed input, all of it accounted for --------------------------

_junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=6)
    | st.binary(max_size=4)
    | st.builds(set),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
_number_or_junk = st.one_of(st.floats(0, 60), _junk)
_objects = st.lists(
    st.fixed_dictionaries(
        {
            "x": _number_or_junk,
            "y": _number_or_junk,
            "width": _number_or_junk,
            "height": _number_or_junk,
            "confidence": st.floats(0, 1),
            "class": st.one_of(st.sampled_from(["car", "person"]), st.text(max_size=5)),
        },
        optional={"points": _junk, "extra": _junk},
    ),
    max_size=4,
)
_calls = st.lists(
    st.fixed_dictionaries(
        {"objects": _objects},
        optional={
            "metadata": st.one_of(_junk, st.dictionaries(st.text(max_size=4), _junk, max_size=2)),
            "image_name": st.one_of(_junk, st.text(max_size=8)),
            "inference_id": st.one_of(_junk, st.text(max_size=8)),
            "timestamp": st.one_of(st.floats(allow_nan=True), st.integers(-(2**70), 2**70)),
            "image": st.one_of(st.binary(max_size=16), st.just(None)),
        },
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=_calls)
def test_every_returned_register_is_accounted_for(tmp_path_factory, calls):
    root = tmp_path_factory.mktemp("vanish")
    returned = 0
    with _engine(root) as al:
        for i, call in enumerate(calls):
            call = dict(call)
            prediction = {"image": {"width": 64, "height": 48}, "predictions": call.pop("objects")}
            image = call.pop("image", None)
            try:
                al.register(frame(seed=i) if image is None else image, prediction, "object-detection", **call)
            except fs.FramesieveError:
                continue
            returned += 1
    stats = al.stats()
    assert stats["pending"] == 0  # a local dataset takes everything
    assert stats["matched"] == returned  # keep-everything, block=True: nothing refused
    assert stats["collected"] == returned
    assert stats["delivered"] + stats["failed"] == returned
    assert delivered_lines(root / "ds") == stats["delivered"]
    assert_accounted(stats, root / "ob", root / "ds")
    # a failed one is only an image that does not decode: everything else was checked up front
    for record in failed_records(root / "ob"):
        assert "datapoint" in record


@pytest.mark.parametrize(
    "option",
    [
        {"senders": 0},
        {"senders": -1},
        {"workers": -3},
        {"workers": 0},
        {"max_backlog": math.inf},
        {"max_backlog": math.nan},
        {"retry_base": -1},
        {"close_timeout": math.nan},
        {"queue_size": 2.5},
        {"model_id": 5},
        {"class_names": ["car\udc80"]},
    ],
    ids=repr,
)
def test_options_that_cannot_work_are_refused_at_construction(tmp_path, option):
    with pytest.raises(fs.FramesieveError, match=next(iter(option))):
        _engine(tmp_path, **option)
