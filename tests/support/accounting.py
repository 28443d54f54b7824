"""SPEC §6's accounting, checked from outside the engine: what the counters say against
what is on disk (the destination's manifest, the outbox, its failed/ folder)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def failed_records(outbox: Path) -> list[dict[str, Any]]:
    """The reason files of ``failed/``, oldest first."""
    return [json.loads(p.read_text()) for p in sorted((outbox / "failed").glob("*.reason.json"))]


def delivered_lines(dataset: Path) -> int:
    manifest = dataset / "manifest.jsonl"
    return len(manifest.read_text().splitlines()) if manifest.exists() else 0


def assert_accounted(stats: dict[str, int], outbox: Path, dataset: Path | None = None) -> None:
    """The identities ``ActiveLearning.stats()`` documents, after ``close()``:

    matched   = not_novel + near_duplicates + limited + dropped_overload + dropped_outbox_full
                + collected
    collected + recovered = delivered + duplicates + failed + pending

    and the disk agrees: ``failed`` reason files, ``pending`` records in the outbox, and
    (for a fresh local dataset) ``delivered`` manifest lines.
    """
    refused = sum(
        stats[k]
        for k in ("not_novel", "near_duplicates", "limited", "dropped_overload", "dropped_outbox_full")
    )
    assert stats["matched"] == refused + stats["collected"], stats
    ended = stats["delivered"] + stats["duplicates"] + stats["failed"] + stats["pending"]
    assert stats["collected"] + stats["recovered"] == ended, stats
    assert len(failed_records(outbox)) == stats["failed"], stats
    assert len(list(outbox.glob("*.dp"))) == stats["pending"], stats
    tmp = outbox / "tmp"
    assert not tmp.exists() or not list(tmp.iterdir()), "partial files left in tmp/"
    if dataset is not None:
        assert delivered_lines(dataset) == stats["delivered"], stats
