"""The validated, immutable configuration objects (SPEC §1).

Built only by :func:`framesieve.load_config`; every ``to_dict()`` returns the normalised
JSON form (defaults filled in, ``null``/absent optionals omitted), whose key names are
the ones of the Roboflow Active Learning configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

LimitType = Literal["minutely", "hourly", "daily"]
RecreationInterval = Literal["never", "daily", "weekly", "monthly"]

LIMIT_TYPES: tuple[str, ...] = ("minutely", "hourly", "daily")
UNCERTAINTY_MEASURES: tuple[str, ...] = ("entropy", "margin", "least_confidence")
UNCERTAINTY_AGGREGATES: tuple[str, ...] = ("max", "mean")
DEDUP_HASHES: tuple[str, ...] = ("dhash",)
RECREATION_INTERVALS: tuple[str, ...] = ("never", "daily", "weekly", "monthly")


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``value`` datapoints per UTC ``type`` window (minutely, hourly or daily)."""

    type: LimitType
    value: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True, slots=True)
class BatchingStrategy:
    """How collected images are grouped into labeling batches."""

    batches_name_prefix: str
    recreation_interval: RecreationInterval
    max_batch_images: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "batches_name_prefix": self.batches_name_prefix,
            "recreation_interval": self.recreation_interval,
        }
        if self.max_batch_images is not None:
            out["max_batch_images"] = self.max_batch_images
        return out


def _class_names(names: tuple[str, ...] | None) -> dict[str, Any]:
    # () selects no class and must survive the round trip; None (all classes) is omitted.
    return {} if names is None else {"selected_class_names": list(names)}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Strategy:
    """Fields every sampling strategy has."""

    type: ClassVar[str]

    name: str
    tags: tuple[str, ...] = ()
    limits: tuple[Limit, ...] = ()

    def _fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The SPEC §1 JSON form, the input of :class:`framesieve.Sampler`."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        out.update(self._fields())
        if self.tags:
            out["tags"] = list(self.tags)
        if self.limits:
            out["limits"] = [limit.to_dict() for limit in self.limits]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class RandomStrategy(_Strategy):
    """Keeps any prediction (stubs included) with probability ``traffic_percentage``."""

    type: ClassVar[str] = "random"

    traffic_percentage: float

    def _fields(self) -> dict[str, Any]:
        return {"traffic_percentage": self.traffic_percentage}


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseToThresholdStrategy(_Strategy):
    """Matches confidences with ``abs(confidence - threshold) < epsilon``."""

    type: ClassVar[str] = "close_to_threshold"

    threshold: float
    epsilon: float
    probability: float
    selected_class_names: tuple[str, ...] | None = None
    minimum_objects_close_to_threshold: int = 1
    only_top_classes: bool = True

    def _fields(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "epsilon": self.epsilon,
            "probability": self.probability,
            **_class_names(self.selected_class_names),
            "minimum_objects_close_to_threshold": self.minimum_objects_close_to_threshold,
            "only_top_classes": self.only_top_classes,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassesBasedStrategy(_Strategy):
    """Matches classifications whose predicted class is among ``selected_class_names``."""

    type: ClassVar[str] = "classes_based"

    selected_class_names: tuple[str, ...]
    probability: float

    def _fields(self) -> dict[str, Any]:
        return {"selected_class_names": list(self.selected_class_names), "probability": self.probability}


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectionsNumberBasedStrategy(_Strategy):
    """Matches when the number of selected objects is in (``more_than``, ``less_than``)."""

    type: ClassVar[str] = "detections_number_based"

    probability: float
    more_than: int | None = None
    less_than: int | None = None
    selected_class_names: tuple[str, ...] | None = None

    def _fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"probability": self.probability}
        if self.more_than is not None:
            out["more_than"] = self.more_than
        if self.less_than is not None:
            out["less_than"] = self.less_than
        out.update(_class_names(self.selected_class_names))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class UncertaintyStrategy(_Strategy):
    """Matches when the model's uncertainty, normalised to [0, 1], is within [``min``, ``max``].

    ``measure``: ``entropy`` (H(p) / ln C), ``margin`` (1 - (p1 - p2)) or
    ``least_confidence`` ((1 - p1) * C / (C - 1)) of the class probabilities; a
    single confidence c counts as the two classes (c, 1 - c). Detections:
    per object, then ``aggregate`` (``max`` or ``mean``) over the selected objects.
    """

    type: ClassVar[str] = "uncertainty"

    measure: str
    min: float = 0.0
    max: float = 1.0
    probability: float
    aggregate: str = "max"
    selected_class_names: tuple[str, ...] | None = None

    def _fields(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "min": self.min,
            "max": self.max,
            "probability": self.probability,
            "aggregate": self.aggregate,
            **_class_names(self.selected_class_names),
        }


#: One kept sampling strategy, of any known type.
SamplingStrategy = (
    RandomStrategy
    | CloseToThresholdStrategy
    | ClassesBasedStrategy
    | DetectionsNumberBasedStrategy
    | UncertaintyStrategy
)


@dataclass(frozen=True, slots=True)
class Deduplication:
    """Near-duplicate suppression: skip a frame whose ``hash`` is within ``max_hamming``
    bits of a frame collected at most ``window_seconds`` before (``max_entries`` hashes kept).
    ``shared``: with a :class:`framesieve.RedisLimiter`, the recent hashes live in Redis,
    so every process feeding the same destination suppresses the others' near-duplicates."""

    window_seconds: float
    max_hamming: int = 12
    hash: str = "dhash"
    max_entries: int = 4096
    shared: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hash": self.hash,
            "max_hamming": self.max_hamming,
            "window_seconds": self.window_seconds,
            "max_entries": self.max_entries,
        }
        if self.shared:
            out["shared"] = True
        return out


@dataclass(frozen=True, slots=True)
class Diversity:
    """Diversity selection on embeddings (``register(..., embedding=...)``): keep a frame
    only when its cosine distance to every frame kept from its source within
    ``window_seconds`` (``None``: no time limit) exceeds ``min_cosine_distance``, or a
    threshold adapted so that ``target_share`` of the frames checked is kept. Exactly one
    of the two is set; at most ``max_kept`` embeddings are remembered per source."""

    min_cosine_distance: float | None = None
    target_share: float | None = None
    window_seconds: float | None = None
    max_kept: int = 1024

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.min_cosine_distance is not None:
            out["min_cosine_distance"] = self.min_cosine_distance
        if self.target_share is not None:
            out["target_share"] = self.target_share
        if self.window_seconds is not None:
            out["window_seconds"] = self.window_seconds
        out["max_kept"] = self.max_kept
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A validated Active Learning configuration; build it with :func:`framesieve.load_config`.

    ``enabled`` is the effective switch: ``False`` when the JSON says so or when
    ``ACTIVE_LEARNING_ENABLED`` turns collection off (``disabled_by_env``). ``to_dict()``
    reflects the JSON, not the environment. ``persist_predictions`` and
    ``batching_strategy`` are ``None`` only in a disabled configuration that omits them.
    """

    enabled: bool
    persist_predictions: bool | None = None
    sampling_strategies: tuple[SamplingStrategy, ...] = ()
    batching_strategy: BatchingStrategy | None = None
    max_image_size: tuple[int, int] | None = None
    jpeg_compression_level: int = 95
    tags: tuple[str, ...] = ()
    target_workspace: str | None = None
    target_project: str | None = None
    deduplication: Deduplication | None = None
    diversity: Diversity | None = None
    global_tags: tuple[str, ...] = ()
    strict: bool = False
    disabled_by_env: bool = False
    # `enabled` as written in the JSON (None: same as `enabled`), for to_dict().
    _enabled_in_json: bool | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The normalised JSON; ``load_config(cfg.to_dict()).to_dict() == cfg.to_dict()``."""
        enabled = self.enabled if self._enabled_in_json is None else self._enabled_in_json
        out: dict[str, Any] = {"enabled": enabled}
        if self.persist_predictions is not None:
            out["persist_predictions"] = self.persist_predictions
        if self.sampling_strategies:
            out["sampling_strategies"] = [s.to_dict() for s in self.sampling_strategies]
        if self.batching_strategy is not None:
            out["batching_strategy"] = self.batching_strategy.to_dict()
        if self.max_image_size is not None:
            out["max_image_size"] = list(self.max_image_size)
        out["jpeg_compression_level"] = self.jpeg_compression_level
        if self.tags:
            out["tags"] = list(self.tags)
        if self.target_workspace is not None:
            out["target_workspace"] = self.target_workspace
        if self.target_project is not None:
            out["target_project"] = self.target_project
        if self.deduplication is not None:
            out["deduplication"] = self.deduplication.to_dict()
        if self.diversity is not None:
            out["diversity"] = self.diversity.to_dict()
        return out

    def strategy(self, name: str) -> SamplingStrategy:
        """The kept strategy called ``name`` (``KeyError`` when there is none)."""
        for strategy in self.sampling_strategies:
            if strategy.name == name:
                return strategy
        raise KeyError(name)

    def __repr__(self) -> str:
        parts = [f"enabled={self.enabled}"]
        if self.disabled_by_env:
            parts.append("disabled_by_env=True")
        if self.persist_predictions is not None:
            parts.append(f"persist_predictions={self.persist_predictions}")
        strategies = ", ".join(f"{s.name!r}: {s.type}" for s in self.sampling_strategies)
        parts.append(f"sampling_strategies={{{strategies}}}")
        if self.batching_strategy is not None:
            b = self.batching_strategy
            parts.append(f"batching_strategy=({b.batches_name_prefix!r}, {b.recreation_interval})")
        if self.max_image_size is not None:
            parts.append(f"max_image_size={self.max_image_size}")
        parts.append(f"jpeg_compression_level={self.jpeg_compression_level}")
        for name in ("tags", "global_tags"):
            if getattr(self, name):
                parts.append(f"{name}={getattr(self, name)}")
        for name in ("target_workspace", "target_project"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)!r}")
        if self.deduplication is not None:
            d = self.deduplication
            parts.append(f"deduplication=({d.hash}, max_hamming={d.max_hamming}, window={d.window_seconds})")
        if self.diversity is not None:
            parts.append(f"diversity={self.diversity.to_dict()}")
        if self.strict:
            parts.append("strict=True")
        return f"Config({', '.join(parts)})"
