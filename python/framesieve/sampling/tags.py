"""The tags of a datapoint (SPEC §4.6)."""

from __future__ import annotations

from collections.abc import Iterable


def datapoint_tags(
    global_tags: Iterable[str],
    config_tags: Iterable[str],
    strategy_tags: Iterable[str],
    model_id: str | None,
    persist_predictions: bool,
) -> list[str]:
    """``ACTIVE_LEARNING_TAGS`` + config ``tags`` + the chosen strategy's ``tags`` + (when
    persisting predictions) the model id with ``/`` replaced by ``-``.

    A tag repeated by several sources is kept once, at its first position (the
    destination stores a set anyway).
    """
    out: list[str] = []
    seen: set[str] = set()
    extra = [model_id.replace("/", "-")] if persist_predictions and model_id else []
    for group in (global_tags, config_tags, strategy_tags, extra):
        for tag in group:
            if tag not in seen:
                seen.add(tag)
                out.append(tag)
    return out
