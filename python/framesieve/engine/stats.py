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
    "not_novel",
)


class Counters:
    """Thread-safe counters; ``seen`` is counted without a lock (it runs on every frame)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._by_source: dict[str, dict[str, int]] = {"near_duplicates": {}, "not_novel": {}}
        self._seen = itertools.count()
        #: counts one offered frame: ``next`` of an ``itertools.count`` is atomic under the GIL
        self.see = self._seen.__next__

    def add(self, *names: str, n: int = 1) -> None:
        with self._lock:
            for name in names:
                self._counts[name] += n

    def add_by_source(self, name: str, source: str | None) -> None:
        """One more ``name`` (``near_duplicates`` or ``not_novel``) of ``source``, on top of
        the total (frames without a source_id count as "")."""
        key = "" if source is None else source
        with self._lock:
            self._counts[name] += 1
            counts = self._by_source[name]
            counts[key] = counts.get(key, 0) + 1

    def by_source(self, name: str) -> dict[str, int]:
        with self._lock:
            return dict(self._by_source[name])

    def add_near_duplicate(self, source: str | None) -> None:
        self.add_by_source("near_duplicates", source)

    def near_duplicates_by_source(self) -> dict[str, int]:
        return self.by_source("near_duplicates")

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            out = dict(self._counts)
        out["seen"] = int(repr(self._seen)[6:-1])  # itertools.count(N): the next value, read via repr
        return out
