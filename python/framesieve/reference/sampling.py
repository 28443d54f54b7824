"""Pure-Python twin of `framesieve.Sampler` (SPEC §3): same API, same
decisions with the same seed, same exceptions and messages for bad predictions
(configurations are validated once, by :func:`framesieve.config.load_sampling`).

Written for clarity, not speed; tests and benchmarks compare the Rust core
against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from framesieve._core import InvalidInputError, InvalidTypeError
from framesieve.config.load import load_sampling
from framesieve.predictions import CLASSIFICATION, DETECTION_TYPES
from framesieve.reference import uncertainty as _uncertainty
from framesieve.reference.rng import SplitMix64

_MISSING = object()


def is_close(confidence: float, threshold: float, epsilon: float) -> bool:
    """SPEC §3: strict, in double precision; NaN is never close."""
    return abs(confidence - threshold) < epsilon


def _type_name(value: Any) -> str:
    return type(value).__name__


def _expected(path: str, what: str, got: Any) -> InvalidTypeError:
    return InvalidTypeError(f"{path}: expected {what}, got {_type_name(got)}")


def _number(value: Any, path: str) -> float:
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(int(value))
        except OverflowError:
            raise InvalidInputError(f"{path}: int too large to convert to float") from None
    raise _expected(path, "a number", value)


def _required(mapping: dict, key: str, owner: str) -> Any:
    value = dict.get(mapping, key, _MISSING)
    if value is _MISSING:
        raise InvalidInputError(f"{owner}: missing '{key}'")
    return value


# ------------------------------------------------------------------ config --


class _Strategy:
    """One validated strategy (a :mod:`framesieve.config` object), in the shape the rules use."""

    def __init__(self, spec: Any) -> None:
        self.kind = spec.type
        self.name = spec.name
        selected = getattr(spec, "selected_class_names", None)
        self.selected: frozenset[str] | None = None if selected is None else frozenset(selected)
        self.probability = spec.traffic_percentage if self.kind == "random" else spec.probability
        if self.kind == "close_to_threshold":
            self.threshold, self.epsilon = spec.threshold, spec.epsilon
            self.minimum_objects = spec.minimum_objects_close_to_threshold
            self.only_top_classes = spec.only_top_classes
        elif self.kind == "detections_number_based":
            self.more_than, self.less_than = spec.more_than, spec.less_than
        elif self.kind == "uncertainty":
            self.measure, self.aggregate = spec.measure, spec.aggregate
            self.min, self.max = spec.min, spec.max

    def selects(self, class_name: str) -> bool:
        return self.selected is None or class_name in self.selected

    def applies_to(self, task: str) -> bool:
        """Task families: "detection", "classification", "other" (stubs, unknown types)."""
        if self.kind == "random":
            return True
        if self.kind == "close_to_threshold":
            return task != "other"
        if self.kind == "classes_based":
            return task == "classification"
        if self.kind == "uncertainty":
            return task != "other"
        return task == "detection"

    # -- rules (SPEC §3) --

    def matches_detections(self, objects: list[tuple[float, str]]) -> bool:
        if self.kind == "random":
            return True
        if self.kind == "close_to_threshold":
            count = sum(
                1 for c, k in objects if self.selects(k) and is_close(c, self.threshold, self.epsilon)
            )
            return count >= self.minimum_objects
        if self.kind == "detections_number_based":
            count = sum(1 for c, k in objects if self.selects(k) and is_close(c, 0.5, 1.0))
            if self.more_than is not None and not count > self.more_than:
                return False
            return self.less_than is None or count < self.less_than
        if self.kind == "uncertainty":
            u = _uncertainty.of_confidences(
                self.measure, self.aggregate, (c for c, k in objects if self.selects(k))
            )
            return u is not None and _uncertainty.in_range(u, self.min, self.max)
        return False

    def matches_multi_class(self, top: str, top_confidence: float, classes: list[tuple[float, str]]) -> bool:
        if self.kind == "random":
            return True
        if self.kind == "close_to_threshold":
            if self.only_top_classes:
                return self.selects(top) and is_close(top_confidence, self.threshold, self.epsilon)
            return any(self.selects(k) and is_close(c, self.threshold, self.epsilon) for c, k in classes)
        if self.kind == "classes_based":
            return self.selects(top) and is_close(top_confidence, 0.5, 1.0)
        if self.kind == "uncertainty":
            if not self.selects(top):
                return False
            u = _uncertainty.uncertainty(self.measure, [c for c, _ in classes])
            return u is not None and _uncertainty.in_range(u, self.min, self.max)
        return False

    def matches_multi_label(self, labels: list[tuple[float, str, bool]]) -> bool:
        if self.kind == "random":
            return True
        if self.kind == "close_to_threshold":
            return any(
                (predicted or not self.only_top_classes)
                and self.selects(k)
                and is_close(c, self.threshold, self.epsilon)
                for c, k, predicted in labels
            )
        if self.kind == "classes_based":
            return any(predicted and self.selects(k) and is_close(c, 0.5, 1.0) for c, k, predicted in labels)
        if self.kind == "uncertainty":
            u = _uncertainty.of_confidences(
                self.measure, self.aggregate, (c for c, k, _ in labels if self.selects(k))
            )
            return u is not None and _uncertainty.in_range(u, self.min, self.max)
        return False


def _parse_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    raise _expected("seed", "an int or None", seed)


def _class_names(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _expected("class_names", "a list of str", value)
    for j, item in enumerate(value):
        if not isinstance(item, str):
            raise _expected(f"class_names[{j}]", "a str", item)
    return value


def _task(prediction_type: str) -> str:
    if prediction_type in DETECTION_TYPES:
        return "detection"
    if prediction_type == CLASSIFICATION:
        return "classification"
    return "other"


# ------------------------------------------------------------- prediction --


def _detection_objects(prediction: dict) -> list[tuple[float, str]]:
    predictions = _required(prediction, "predictions", "prediction")
    if not isinstance(predictions, list):
        raise _expected("predictions", "a list", predictions)
    objects = []
    for i, item in enumerate(predictions):
        if not isinstance(item, dict):
            raise _expected(f"predictions[{i}]", "a dict", item)
        confidence = _number(
            _required(item, "confidence", f"predictions[{i}]"), f"predictions[{i}].confidence"
        )
        class_name = _required(item, "class", f"predictions[{i}]")
        if not isinstance(class_name, str):
            raise _expected(f"predictions[{i}].class", "a str", class_name)
        objects.append((confidence, class_name))
    return objects


def _multi_class(prediction: dict) -> tuple[str, float, list[tuple[float, str]]]:
    top = _required(prediction, "top", "prediction")
    if not isinstance(top, str):
        raise _expected("top", "a str", top)
    top_confidence = _number(_required(prediction, "confidence", "prediction"), "confidence")
    return top, top_confidence, _detection_objects(prediction)


def _multi_label(prediction: dict) -> list[tuple[float, str, bool]]:
    predictions = _required(prediction, "predictions", "prediction")
    if not isinstance(predictions, dict):
        raise _expected("predictions", "a dict", predictions)
    entries = []
    for key, value in dict.items(predictions):
        if not isinstance(key, str):
            raise _expected("predictions", "str keys", key)
        at = f"predictions[{key!r}]"
        if not isinstance(value, dict):
            raise _expected(at, "a dict", value)
        confidence = _number(_required(value, "confidence", at), f"{at}.confidence")
        entries.append((confidence, key))
    predicted = _required(prediction, "predicted_classes", "prediction")
    if not isinstance(predicted, list):
        raise _expected("predicted_classes", "a list", predicted)
    for j, item in enumerate(predicted):
        if not isinstance(item, str):
            raise _expected(f"predicted_classes[{j}]", "a str", item)
    names = set(predicted)
    return [(c, k, k in names) for c, k in entries]


# ------------------------------------------------------------------ arrays --


def _ndarray_type() -> Any:
    import numpy as np  # only needed to read arrays

    return np.ndarray


def _confidence_values(confidence: Any) -> list[float]:
    what = "a 1-D float32 or float64 numpy array"
    if not isinstance(confidence, _ndarray_type()):
        raise _expected("confidence", what, confidence)
    if confidence.ndim != 1:
        raise InvalidInputError(f"confidence: expected a 1-D array, got {confidence.ndim} dimensions")
    dtype = confidence.dtype
    if not (dtype.kind == "f" and dtype.itemsize in (4, 8) and dtype.isnative):
        raise InvalidTypeError(f"confidence: expected {what}, got dtype {dtype}")
    # float32 -> Python float is the exact widening to double.
    return confidence.tolist()


def _check_len(name: str, length: int, n: int) -> None:
    if length != n:
        raise InvalidInputError(f"{name}: length {length} differs from confidence's length {n}")


def _class_name_values(value: Any, n: int) -> list[str]:
    what = "a list of str or a 1-D numpy array of str"
    if isinstance(value, list):
        _check_len("class_name", len(value), n)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise _expected(f"class_name[{i}]", "a str", item)
        return value
    if not isinstance(value, _ndarray_type()):
        raise _expected("class_name", what, value)
    if value.ndim != 1:
        raise InvalidInputError(f"class_name: expected a 1-D array, got {value.ndim} dimensions")
    if value.dtype.kind not in ("U", "O"):
        raise InvalidTypeError(
            f"class_name: expected str elements (dtype U or object), got dtype {value.dtype}"
        )
    _check_len("class_name", len(value), n)
    items = value.tolist()
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _expected(f"class_name[{i}]", "a str", item)
    return items


def _class_id_values(value: Any, n: int) -> list[int]:
    what = "a 1-D integer numpy array"
    if not isinstance(value, _ndarray_type()):
        raise _expected("class_id", what, value)
    if value.ndim != 1:
        raise InvalidInputError(f"class_id: expected a 1-D array, got {value.ndim} dimensions")
    if value.dtype.kind not in ("i", "u") or not value.dtype.isnative:
        raise InvalidTypeError(f"class_id: expected {what}, got dtype {value.dtype}")
    _check_len("class_id", len(value), n)
    return value.tolist()


# ---------------------------------------------------------------- sampler --


class Sampler:
    """The pure-Python twin of :class:`framesieve.Sampler` (same arguments)."""

    def __init__(
        self,
        config: Any,
        seed: int | None = None,
        *,
        class_names: Sequence[str] | None = None,
    ) -> None:
        enabled, specs = load_sampling(config)
        if class_names is not None and not isinstance(class_names, list):
            class_names = list(class_names)
        self._enabled = enabled
        self._strategies = [_Strategy(spec) for spec in specs] if enabled else []
        self._rng = SplitMix64(_parse_seed(seed))
        self._class_names = _class_names(class_names)

    @property
    def strategy_names(self) -> list[str]:
        return [s.name for s in self._strategies]

    def __repr__(self) -> str:
        return f"Sampler(strategies={self.strategy_names!r})"

    def _needs_structure(self, task: str) -> bool:
        return any(s.kind != "random" and s.applies_to(task) for s in self._strategies)

    def _needs_classes(self, task: str) -> bool:
        return any(
            s.kind != "random" and s.applies_to(task) and s.selected is not None for s in self._strategies
        )

    def _keep(self, matched: list[_Strategy]) -> list[str]:
        draws = self._rng.reserve(len(matched)) if matched else []
        return [s.name for s, u in zip(matched, draws, strict=True) if u < s.probability]

    def evaluate(self, prediction: dict, prediction_type: str) -> list[str]:
        """Names of the strategies that keep this prediction, in config order."""
        if not isinstance(prediction, dict):
            raise _expected("prediction", "a dict", prediction)
        if not isinstance(prediction_type, str):
            raise _expected("prediction_type", "a str", prediction_type)
        task = _task(prediction_type)
        stub = dict.get(prediction, "is_stub", _MISSING)
        if stub is not _MISSING and stub:
            task = "other"
        strategies = self._strategies
        if not self._needs_structure(task):
            matched = [s for s in strategies if s.kind == "random"]
        elif task == "detection":
            objects = _detection_objects(prediction)
            matched = [s for s in strategies if s.matches_detections(objects)]
        elif dict.__contains__(prediction, "top"):
            top, top_confidence, classes = _multi_class(prediction)
            matched = [s for s in strategies if s.matches_multi_class(top, top_confidence, classes)]
        else:
            labels = _multi_label(prediction)
            matched = [s for s in strategies if s.matches_multi_label(labels)]
        return self._keep(matched)

    def evaluate_detections(
        self,
        confidence: Any,
        *,
        class_name: Any = None,
        class_id: Any = None,
        prediction_type: str = "object-detection",
        class_names: Sequence[str] | None = None,
    ) -> list[str]:
        """Names of the strategies that keep these detections, given as arrays."""
        if prediction_type is None:
            prediction_type = "object-detection"
        if not isinstance(prediction_type, str):
            raise _expected("prediction_type", "a str", prediction_type)
        if prediction_type == CLASSIFICATION:
            raise InvalidInputError("prediction_type: classification has no array form, use evaluate()")
        task = _task(prediction_type)
        values = _confidence_values(confidence)
        n = len(values)
        if class_name is not None and class_id is not None:
            raise InvalidInputError("give class_name or class_id, not both")
        call_names = _class_names(class_names)
        needs_classes = self._needs_classes(task)
        names: list[str] | None = None
        if class_name is not None:
            names = _class_name_values(class_name, n)
        elif class_id is not None:
            ids = _class_id_values(class_id, n)
            lookup = call_names if call_names is not None else self._class_names
            if lookup is not None:
                for i, k in enumerate(ids):
                    if not 0 <= k < len(lookup):
                        raise InvalidInputError(
                            f"class_id[{i}]: id {k} is out of range for {len(lookup)} class_names"
                        )
                names = [lookup[k] for k in ids]
            elif needs_classes:
                raise InvalidInputError(
                    "class_id needs class_names (given to Sampler() or to this call): "
                    "a strategy selects classes by name"
                )
        elif needs_classes:
            raise InvalidInputError("class_name or class_id is required: a strategy selects classes")
        if not self._needs_structure(task):
            return self._keep([s for s in self._strategies if s.kind == "random"])
        # Without class information no applying strategy selects classes (checked above).
        objects = list(zip(values, names if names is not None else [""] * n, strict=True))
        return self._keep([s for s in self._strategies if s.matches_detections(objects)])
