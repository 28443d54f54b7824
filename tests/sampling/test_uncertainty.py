"""The uncertainty measures: hand-computed values, scipy.stats.entropy, Rust == reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from framesieve import _core
from framesieve.reference import uncertainty as ref

MEASURES = ["entropy", "margin", "least_confidence"]


def both(measure: str, p: list[float]) -> float | None:
    ours = _core.uncertainty(measure, p)
    theirs = ref.uncertainty(measure, p)
    assert ours == theirs or (
        ours is not None and theirs is not None and math.isnan(ours) and math.isnan(theirs)
    )
    return ours


@pytest.mark.parametrize(
    ("measure", "p", "expected"),
    [
        # H(0.5, 0.3, 0.2) = 0.5 ln 2 + 0.3 ln(10/3) + 0.2 ln 5 = 1.0296530 nats; / ln 3 = 1.0986123
        ("entropy", [0.5, 0.3, 0.2], 1.0296530140645737 / 1.0986122886681098),
        ("margin", [0.5, 0.3, 0.2], 0.8),  # 1 - (0.5 - 0.3)
        ("least_confidence", [0.5, 0.3, 0.2], 0.75),  # (1 - 0.5) * 3 / 2
        ("entropy", [0.25, 0.25, 0.25, 0.25], 1.0),
        ("margin", [0.25, 0.25, 0.25, 0.25], 1.0),
        ("least_confidence", [0.25, 0.25, 0.25, 0.25], 1.0),
        ("entropy", [0.0, 1.0, 0.0], 0.0),
        ("margin", [0.0, 1.0, 0.0], 0.0),
        ("least_confidence", [0.0, 1.0, 0.0], 0.0),
        ("margin", [5.0, 3.0, 2.0], 0.8),  # divided by the sum first
        ("least_confidence", [0.6, 0.4], 0.8),  # (1 - 0.6) * 2
        ("margin", [0.1, 0.45, 0.45], 1.0),  # a tie at the top
        ("entropy", [0.9], 0.4689955935892812),  # one value = (c, 1 - c): -(.9 ln .9 + .1 ln .1) / ln 2
    ],
)
def test_hand_computed(measure: str, p: list[float], expected: float) -> None:
    assert both(measure, p) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("measure", "c", "expected"),
    [
        ("entropy", 0.5, 1.0),
        ("entropy", 0.9, 0.4689955935892812),
        ("entropy", 1.0, 0.0),
        ("entropy", 0.0, 0.0),
        ("margin", 0.9, 0.2),  # 1 - |0.9 - 0.1|
        ("margin", 0.5, 1.0),
        ("least_confidence", 0.9, 0.2),  # (1 - 0.9) * 2
        ("least_confidence", 0.3, 0.6),  # (1 - 0.7) * 2
    ],
)
def test_single_confidence_hand_computed(measure: str, c: float, expected: float) -> None:
    assert _core.confidence_uncertainty(measure, c) == pytest.approx(expected, abs=1e-12)
    assert _core.confidence_uncertainty(measure, c) == ref.confidence_uncertainty(measure, c)
    assert _core.confidence_uncertainty(measure, c) == _core.uncertainty(
        measure, [c, 1.0 - c]
    ) or math.isclose(
        _core.confidence_uncertainty(measure, c), _core.uncertainty(measure, [c, 1.0 - c]), abs_tol=1e-12
    )


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize(
    "p", [[], [0.0, 0.0], [0.5, math.nan], [0.5, -0.1, 0.6], [math.inf, 1.0], [1.5], [-0.5], [math.nan]]
)
def test_undefined_inputs_have_no_uncertainty(measure: str, p: list[float]) -> None:
    assert both(measure, p) is None


def test_bad_measure_is_an_error() -> None:
    with pytest.raises(ValueError, match="measure: must be one of 'entropy', 'margin', 'least_confidence'"):
        _core.uncertainty("variance", [0.5, 0.5])
    with pytest.raises(ValueError, match="measure: must be one of"):
        ref.uncertainty("variance", [0.5, 0.5])


probabilities = st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=400, deadline=None)
@given(probabilities)
def test_entropy_equals_scipy(p: list[float]) -> None:
    u = _core.uncertainty("entropy", p)
    if sum(p) == 0:
        assert u is None
        return
    expected = scipy.stats.entropy(np.asarray(p)) / math.log(len(p))
    assert u == pytest.approx(min(max(expected, 0.0), 1.0), abs=1e-12)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(MEASURES),
    st.lists(
        st.one_of(st.floats(0, 1), st.floats(allow_nan=True, allow_infinity=True), st.just(0.0)),
        max_size=30,
    ),
)
def test_rust_equals_reference_bit_for_bit(measure: str, p: list[float]) -> None:
    u = both(measure, p)
    if u is not None:
        assert 0.0 <= u <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MEASURES), st.floats(allow_nan=True))
def test_single_confidence_rust_equals_reference(measure: str, c: float) -> None:
    assert _core.confidence_uncertainty(measure, c) == ref.confidence_uncertainty(measure, c)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MEASURES), probabilities)
def test_measures_are_extreme_only_at_certainty_and_uniformity(measure: str, p: list[float]) -> None:
    u = _core.uncertainty(measure, p)
    if u is None:
        return
    if sorted(p)[-2] == 0.0:  # one class holds everything: certain
        assert u == 0.0
    elif sorted(p)[-2] / sum(p) > 1e-6:  # a second class holds a real share
        assert u > 0.0
    assert _core.uncertainty(measure, [1.0] * len(p)) == pytest.approx(1.0, abs=1e-12)


def test_aggregate_reference() -> None:
    assert ref.aggregate("max", [0.2, 0.7, 0.1]) == 0.7
    assert ref.aggregate("mean", [0.2, 0.7, 0.3]) == pytest.approx(0.4)
    assert ref.aggregate("mean", []) is None
    assert ref.in_range(0.5, 0.5, 0.5)
    assert not ref.in_range(0.49, 0.5, 1.0)
