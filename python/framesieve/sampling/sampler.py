"""`framesieve.Sampler`: which sampling strategies keep a frame (SPEC §3), in Rust.

Arrays (`evaluate_detections`): ``confidence`` is a 1-D float32 or float64 numpy
array (any strides, read in place). float32 values are widened exactly to
double before the closeness test ``abs(confidence - threshold) < epsilon``, so
at the edges a float32 array can decide differently from the same numbers
written in JSON: ``float32(0.6)`` is ``0.60000002384...``, not close to
``0.5 ± 0.1``, while the JSON ``0.6`` is. Pass float64 arrays to get the JSON
decisions. Classes come as ``class_name`` (a list of str or a 1-D numpy array
of dtype ``U`` or object) or ``class_id`` (a 1-D integer array) mapped to names
through ``class_names`` (given to ``Sampler(...)`` once, or to the call, which
wins); not both. ``class_id`` without ``class_names`` is an error only when a
strategy selects classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from framesieve import _core
from framesieve.config.load import load_sampling


class Sampler:
    """Decides, frame by frame, which sampling strategies keep a prediction.

    ``config`` is a loaded :class:`framesieve.Config`, or what
    :func:`framesieve.config.load_sampling` validates: a dict with ``enabled`` and
    ``sampling_strategies``, JSON text, bytes or a path (a :class:`framesieve.ConfigError`
    lists every problem); a disabled config never matches. ``seed`` (an int, taken
    modulo 2**64) makes the decisions reproducible and identical to
    :class:`framesieve.reference.Sampler` with the same seed; ``None`` seeds
    from the OS. Thread-safe and lock-free: each call takes its draws from the
    shared SplitMix64 stream in one atomic step.

    ``evaluate(prediction, prediction_type)`` takes a Roboflow prediction dict
    and returns the names of the strategies that keep it, in config order.
    ``evaluate_detections(confidence, *, class_name=None, class_id=None,
    prediction_type="object-detection", class_names=None)`` does the same for
    detections given as arrays (see the module docstring).
    """

    __slots__ = ("_core", "evaluate", "evaluate_detections")

    def __init__(
        self,
        config: Any,
        seed: int | None = None,
        *,
        class_names: Sequence[str] | None = None,
    ) -> None:
        enabled, strategies = load_sampling(config)
        if class_names is not None and not isinstance(class_names, list):
            class_names = list(class_names)
        self._core = _core.Sampler(list(strategies) if enabled else [], seed, class_names=class_names)
        # The core's bound methods themselves: a call pays no Python frame.
        self.evaluate = self._core.evaluate
        self.evaluate_detections = self._core.evaluate_detections

    @property
    def strategy_names(self) -> list[str]:
        """Names of the strategies in use (known types), in config order."""
        return self._core.strategy_names

    def __repr__(self) -> str:
        return f"Sampler(strategies={self.strategy_names!r})"
