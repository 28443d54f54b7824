"""Loading and validating the Active Learning configuration (SPEC §1).

``load_config(source, *, strict=False)`` accepts a ``dict``, a JSON ``str`` (or
``bytes``) or an ``os.PathLike`` naming a JSON file, checks every rule of the
Roboflow Active Learning schema and returns an immutable :class:`Config`. Every
violation is collected; a :class:`ConfigError` then lists all of them, each as
``"path: message"`` (``sampling_strategies[2].epsilon: must be within [0, 1], got 1.5``).

Choices where the reference is silent or lax:

- numbers may be ints or floats; an int field accepts ``3.0`` (as ``3``) but not
  ``3.5``; ``true``/``false`` are not numbers; NaN and infinities are rejected;
- an optional field given as ``null`` is absent; ``selected_class_names: []``
  selects no class, absent or ``null`` means all classes;
- an unknown strategy ``type`` is skipped with a :class:`ConfigWarning` (as the
  reference does); ``strict=True`` makes it a problem instead. An enabled
  configuration whose strategies are all skipped is an error (it could never collect);
- unknown keys (top level, batching strategy, strategies, limits) are ignored and
  dropped from ``to_dict()``; ``strict=True`` makes them problems;
- ``{"enabled": false}`` is complete; fields present in a disabled configuration
  are still validated (only the "required" rules are relaxed);
- ``batching_strategy.batches_name_prefix`` becomes a batch and folder name: it
  must not contain ``/``, ``\\``, ``..``, NUL or control characters, nor be ``.``,
  and is at most 200 bytes of UTF-8; ``target_workspace`` / ``target_project``
  are non-empty and free of ``/``, ``\\``, whitespace and control characters;
- a limit type appearing twice in one strategy is an error.

Environment, read by every ``load_config`` call:

- ``ACTIVE_LEARNING_ENABLED``: ``false``, ``0``, ``no`` or ``off`` (any case) turns
  collection off: ``cfg.enabled`` is ``False`` and ``cfg.disabled_by_env`` is
  ``True``, while ``to_dict()`` still reflects the JSON. ``true``, ``1``, ``yes``,
  ``on`` or empty change nothing; any other value is a problem.
- ``ACTIVE_LEARNING_TAGS``: comma-separated tags added to every datapoint
  (``cfg.global_tags``); whitespace around items is stripped, empty items are
  ignored, each tag must follow the tag rule (problem path
  ``ACTIVE_LEARNING_TAGS[i]``, ``i`` counting every comma-separated item).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from typing import Any

from framesieve.config.fields import (
    Fields,
    Problems,
    as_int,
    as_list,
    as_mapping,
    as_str,
    as_tag,
    describe,
    join,
)
from framesieve.config.model import (
    Config,
    SamplingStrategy,
)
from framesieve.config.rules import (
    STRATEGY_RULES,
    batching_strategy,
    check_unknown_keys,
    deduplication,
    diversity,
    sampling_strategy,
)
from framesieve.errors import ConfigError, ConfigWarning

__all__ = ["load_config", "load_sampling"]

ENV_ENABLED = "ACTIVE_LEARNING_ENABLED"
ENV_TAGS = "ACTIVE_LEARNING_TAGS"
_ENV_FALSE = frozenset({"false", "0", "no", "off"})
_ENV_TRUE = frozenset({"true", "1", "yes", "on", ""})
_KNOWN_TYPES = ", ".join(repr(t) for t in STRATEGY_RULES)
_SOURCE = "config"


def load_config(source: Any, *, strict: bool = False) -> Config:
    """Validates ``source`` (dict, JSON str/bytes, os.PathLike of a JSON file, or a
    :class:`Config`, re-validated) into a :class:`Config`.

    Raises :class:`ConfigError` listing every problem found. Unknown strategy types
    are skipped with a :class:`ConfigWarning`, or are problems when ``strict``;
    unknown keys are ignored, or are problems when ``strict``.
    """
    raw = _read_source(source)
    problems = Problems()
    skipped: list[str] = []
    config = _build(raw, strict, problems, skipped)
    if problems:
        raise ConfigError(problems.items)
    for message in skipped:
        warnings.warn(message, ConfigWarning, stacklevel=2)
    return config


def load_sampling(source: Any) -> tuple[bool, tuple[SamplingStrategy, ...]]:
    """``(enabled, strategies)``: what :class:`framesieve.Sampler` needs, validated once.

    A :class:`Config` (or anything with ``to_dict()``) gives its own; a mapping is
    checked by the rules of :func:`load_config` for ``enabled`` and
    ``sampling_strategies`` only (a sampler needs no batching; strategies of unknown
    types are skipped silently); JSON text, bytes or a path are loaded whole by
    :func:`load_config`. Raises :class:`ConfigError`.
    """
    if isinstance(source, Config):
        return source.enabled, source.sampling_strategies
    if not isinstance(source, Mapping) and hasattr(source, "to_dict"):
        source = source.to_dict()
    if not isinstance(source, Mapping):
        config = load_config(source)
        return config.enabled, config.sampling_strategies
    problems = Problems()
    fields = Fields(source, "", problems)
    enabled = fields.flag("enabled", required=True)
    # Unknown strategy types are skipped without a word, as the reference sampler does;
    # load_config warns about them, and rejects a configuration left with none.
    strategies = _sampling_strategies(fields, enabled is True, False, [], require_known=False)
    if problems:
        raise ConfigError(problems.items)
    return enabled is True, strategies


def _read_source(source: Any) -> Mapping[str, Any]:
    if isinstance(source, Config):  # re-validate (strict mode, the environment of now)
        return source.to_dict()
    if isinstance(source, Mapping):
        return source
    if isinstance(source, (bytes, bytearray)):
        try:
            return _parse(bytes(source).decode("utf-8-sig"), "")
        except UnicodeDecodeError as err:
            raise ConfigError(f"{_SOURCE}: JSON bytes are not UTF-8 ({err.reason})") from None
    if isinstance(source, str):
        hint = (
            ""
            if source.lstrip().startswith("{")
            else "; a str source is JSON text, pass a pathlib.Path to load a file"
        )
        return _parse(source, "", hint)
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        where = f" in {os.fsdecode(path)!r}"
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as err:
            raise ConfigError(
                f"{_SOURCE}: cannot read {os.fsdecode(path)!r}: {err.strerror or err}"
            ) from None
        try:
            return _parse(data.decode("utf-8-sig"), where)
        except UnicodeDecodeError as err:
            raise ConfigError(f"{_SOURCE}: file{where} is not UTF-8 ({err.reason})") from None
    raise ConfigError(
        f"{_SOURCE}: source must be a dict, a JSON string or a path (os.PathLike), "
        f"got {type(source).__name__}"
    )


def _parse(text: str, where: str, hint: str = "") -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"{_SOURCE}: invalid JSON{where} at line {err.lineno} column {err.colno}: {err.msg}{hint}"
        ) from None
    except RecursionError:
        raise ConfigError(f"{_SOURCE}: JSON{where} is nested too deeply") from None
    except ValueError as err:  # e.g. an integer literal past Python's 4300-digit limit
        raise ConfigError(f"{_SOURCE}: invalid JSON{where}: {err}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{_SOURCE}: must be a JSON object{where}, got {type(value).__name__}")
    return value


def _build(raw: Mapping[str, Any], strict: bool, problems: Problems, skipped: list[str]) -> Config:
    fields = Fields(raw, "", problems)
    enabled = fields.flag("enabled", required=True)
    # Only a config that says `enabled: true` needs the rest; a missing or broken
    # `enabled` is reported once, without a cascade of "is required".
    on = enabled is True
    persist = fields.flag("persist_predictions", required=on)
    strategies = _sampling_strategies(fields, on, strict, skipped)
    raw_batching = fields.get("batching_strategy", required=on)
    batching = (
        None
        if raw_batching is None
        else batching_strategy(raw_batching, fields.at("batching_strategy"), problems, strict)
    )
    max_image_size = _max_image_size(fields)
    jpeg = fields.integer("jpeg_compression_level", minimum=1, maximum=100)
    tags = fields.tags()
    workspace = _slug(fields, "target_workspace")
    project = _slug(fields, "target_project")
    raw_dedup = fields.get("deduplication", required=False)
    dedup = (
        None if raw_dedup is None else deduplication(raw_dedup, fields.at("deduplication"), problems, strict)
    )
    raw_diversity = fields.get("diversity", required=False)
    novelty = (
        None if raw_diversity is None else diversity(raw_diversity, fields.at("diversity"), problems, strict)
    )
    check_unknown_keys(fields, strict)
    disabled_by_env, global_tags = _environment(problems)
    effective = on and not disabled_by_env
    return Config(
        enabled=effective,
        persist_predictions=persist,
        sampling_strategies=strategies,
        batching_strategy=batching,
        max_image_size=max_image_size,
        jpeg_compression_level=95 if jpeg is None else jpeg,
        tags=tags,
        target_workspace=workspace,
        target_project=project,
        deduplication=dedup,
        diversity=novelty,
        global_tags=global_tags,
        strict=strict,
        disabled_by_env=disabled_by_env,
        _enabled_in_json=None if on == effective else on,
    )


def _sampling_strategies(
    fields: Fields, enabled: bool, strict: bool, skipped: list[str], *, require_known: bool = True
) -> tuple[SamplingStrategy, ...]:
    problems = fields.problems
    path = fields.at("sampling_strategies")
    raw = fields.get("sampling_strategies", required=enabled)
    items = None if raw is None else as_list(raw, path, problems)
    if items is None:
        return ()
    if enabled and not items:
        problems.add(path, "must not be empty when enabled")
    kept: list[SamplingStrategy] = []
    first_index: dict[str, int] = {}
    skipped_here = 0
    for i, item in enumerate(items):
        item_path = join(path, i)
        obj = as_mapping(item, item_path, problems)
        if obj is None:
            continue
        item_fields = Fields(obj, item_path, problems)
        raw_type = item_fields.get("type", required=True)
        if raw_type is None or as_str(raw_type, item_fields.at("type"), problems) is None:
            continue
        if raw_type not in STRATEGY_RULES:
            if strict:
                problems.add(
                    item_fields.at("type"),
                    f"unknown strategy type {describe(raw_type)} (strict mode; known: {_KNOWN_TYPES})",
                )
            else:
                skipped_here += 1
                name = obj.get("name")
                named = f" (name {describe(name)})" if isinstance(name, str) else ""
                skipped.append(
                    f"{item_path}: unknown strategy type {describe(raw_type)}{named} skipped "
                    f"(known: {_KNOWN_TYPES})"
                )
            continue
        strategy = sampling_strategy(raw_type, item_fields, strict)
        if isinstance(strategy.name, str):
            if strategy.name in first_index:
                problems.add(
                    item_fields.at("name"),
                    f"duplicate name {describe(strategy.name)}, also used by "
                    f"{join(path, first_index[strategy.name])}; strategy names must be unique",
                )
            else:
                first_index[strategy.name] = i
        kept.append(strategy)
    if require_known and enabled and items and skipped_here == len(items):
        problems.add(
            path,
            f"no strategy of a known type is left (all {len(items)} skipped as unknown types); "
            "an enabled configuration needs at least one",
        )
    return tuple(kept)


def _max_image_size(fields: Fields) -> tuple[int, int] | None:
    raw = fields.get("max_image_size", required=False)
    if raw is None:
        return None
    path = fields.at("max_image_size")
    items = as_list(raw, path, fields.problems)
    if items is None:
        return None
    if len(items) != 2:
        fields.problems.add(path, f"must be [height, width], got a list of {len(items)} items")
        return None
    height = as_int(items[0], join(path, 0), fields.problems, minimum=1)
    width = as_int(items[1], join(path, 1), fields.problems, minimum=1)
    return None if height is None or width is None else (height, width)


def _slug(fields: Fields, key: str) -> str | None:
    value = fields.text(key, non_empty=True)
    if value is not None and any(c in "/\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        fields.problems.add(
            fields.at(key),
            "must not contain '/', '\\', whitespace or control characters (it is part of a URL path), "
            f"got {describe(value)}",
        )
        return None
    return value


def _environment(problems: Problems) -> tuple[bool, tuple[str, ...]]:
    disabled = False
    flag = os.environ.get(ENV_ENABLED)
    if flag is not None:
        word = flag.strip().lower()
        if word in _ENV_FALSE:
            disabled = True
        elif word not in _ENV_TRUE:
            problems.add(ENV_ENABLED, f"must be true or false (or 1/0, yes/no, on/off), got {describe(flag)}")
    tags: list[str] = []
    for i, item in enumerate(os.environ.get(ENV_TAGS, "").split(",")):
        item = item.strip()
        if item and (tag := as_tag(item, join(ENV_TAGS, i), problems)) is not None:
            tags.append(tag)
    return disabled, tuple(tags)
