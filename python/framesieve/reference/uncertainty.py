"""Pure-Python reference of the uncertainty measures (``rust/sampling/uncertainty.rs``).

For a probability vector ``p`` over ``C >= 2`` classes, first divided by its sum
(as ``scipy.stats.entropy`` does), with ``p1 >= p2`` its two largest values:

- ``entropy``          = ``H(p) / ln C`` with ``H(p) = -sum p_i ln p_i`` (``0 ln 0 = 0``);
- ``margin``           = ``1 - (p1 - p2)``;
- ``least_confidence`` = ``(1 - p1) * C / (C - 1)``.

A single confidence ``c`` in [0, 1] is the two classes ``(c, 1 - c)`` (a vector of
one value too). Each measure is 0 for a certain prediction, 1 for a uniform one,
clamped to [0, 1]. An empty vector, a NaN / infinite / negative value, or a zero
sum gives ``None`` (no uncertainty: the strategy does not match). Same order of
operations as the Rust core, so both compute the same doubles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

MEASURES = ("entropy", "margin", "least_confidence")
AGGREGATES = ("max", "mean")


def _clamp01(u: float) -> float:
    return min(max(u, 0.0), 1.0)


def _check(measure: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"measure: must be one of 'entropy', 'margin', 'least_confidence', got {measure!r}")


def confidence_uncertainty(measure: str, c: float) -> float | None:
    """Uncertainty of one confidence ``c`` as the two classes ``(c, 1 - c)``."""
    _check(measure)
    if not 0.0 <= c <= 1.0:
        return None
    d = 1.0 - c
    if measure == "entropy":
        h = 0.0
        if c > 0.0:
            h -= c * math.log(c)
        if d > 0.0:
            h -= d * math.log(d)
        u = h / math.log(2.0)
    elif measure == "margin":
        u = 1.0 - abs(c - d)
    else:
        u = (1.0 - max(c, d)) * 2.0
    return _clamp01(u)


def _top_two(p: Sequence[float]) -> tuple[float, float]:
    p1 = p2 = -math.inf
    for x in p:
        if x > p1:
            p1, p2 = x, p1
        elif x > p2:
            p2 = x
    return p1, p2


def uncertainty(measure: str, p: Sequence[float]) -> float | None:
    """Uncertainty in [0, 1] of the probability vector ``p`` (see the module docstring)."""
    _check(measure)
    values = [float(x) for x in p]
    if not values:
        return None
    if len(values) == 1:
        return confidence_uncertainty(measure, values[0])
    total = 0.0
    for x in values:
        if not (math.isfinite(x) and x >= 0.0):
            return None
        total += x
    if not (total > 0.0 and math.isfinite(total)):
        return None
    classes = float(len(values))
    if measure == "entropy":
        h = 0.0
        for x in values:
            q = x / total
            if q > 0.0:
                h -= q * math.log(q)
        u = h / math.log(classes)
    elif measure == "margin":
        p1, p2 = _top_two(values)
        u = 1.0 - (p1 / total - p2 / total)
    else:
        p1, _ = _top_two(values)
        u = (1.0 - p1 / total) * classes / (classes - 1.0)
    return _clamp01(u)


def aggregate(how: str, values: Iterable[float]) -> float | None:
    """``max`` or ``mean`` of per-object (per-class) uncertainties; ``None`` when empty."""
    if how not in AGGREGATES:
        raise ValueError(f"aggregate: must be one of 'max', 'mean', got {how!r}")
    count = 0
    acc = 0.0
    for u in values:
        if how == "max":
            acc = u if count == 0 else max(acc, u)
        else:
            acc += u
        count += 1
    if count == 0:
        return None
    return acc if how == "max" else _clamp01(acc / count)


def of_confidences(measure: str, how: str, confidences: Iterable[float]) -> float | None:
    """Aggregated two-class uncertainty of single confidences; undefined ones are left out."""
    values = (confidence_uncertainty(measure, c) for c in confidences)
    return aggregate(how, (u for u in values if u is not None))


def in_range(u: float, low: float, high: float) -> bool:
    """``low <= u <= high``, inclusive."""
    return low <= u <= high
