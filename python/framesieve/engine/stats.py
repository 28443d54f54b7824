"""The engine's counters (``ActiveLearning.stats()``)."""

from __future__ import annotations

import itertools
import threading

#: Every counter ``stats()`` reports besides ``pending`` (derived when read).
COUNTERS = (
    "seen",
    "matched",
    "limited",
    "batch_full",
    "collected",
    "delivered",
    "duplicates",
    "failed",
    "dropped_overload",
    "dropped_outbox_full",
    "recovered",
    "near_duplicates",
)


class Counters:
    """Thread-safe counters; ``seen`` is counted without a lock (it runs on every frame)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._near_by_source: dict[str, int] = {}
        self._seen = itertools.count()
        #: counts one offered frame: ``next`` of an ``itertools.count`` is atomic under the GIL
        self.see = self._seen.__next__

    def add(self, *names: str, n: int = 1) -> None:
        with self._lock:
            for name in names:
                self._counts[name] += n

    def add_near_duplicate(self, source: str | None) -> None:
        """One more near-duplicate of ``source`` (frames without a source_id count as "")."""
        key = "" if source is None else source
        with self._lock:
            self._near_by_source[key] = self._near_by_source.get(key, 0) + 1

    def near_duplicates_by_source(self) -> dict[str, int]:
        with self._lock:
            return dict(self._near_by_source)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            out = dict(self._counts)
        out["seen"] = int(repr(self._seen)[6:-1])  # itertools.count(N): the next value, read via repr
        return out
