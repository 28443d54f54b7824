"""Batch names from the batching strategy and a UNIX timestamp (SPEC §4.1).

UTC throughout (**fix**: the reference names batches in local time but counts
limits in UTC): ``prefix`` for ``never``, else ``prefix_YYYY_MM_DD`` of the
day (``daily``), of the week's Monday (``weekly``) or of the month's 1st
(``monthly``).
"""

from __future__ import annotations

import datetime as _dt

_DAY = 86400
_EPOCH = _dt.date(1970, 1, 1)


def batch_name(prefix: str, recreation_interval: str, timestamp: float) -> str:
    """The batch a datapoint taken at ``timestamp`` (UNIX seconds) belongs to."""
    if recreation_interval == "never":
        return prefix
    day = _EPOCH + _dt.timedelta(days=int(timestamp // _DAY))
    if recreation_interval == "weekly":
        day -= _dt.timedelta(days=day.weekday())
    elif recreation_interval == "monthly":
        day = day.replace(day=1)
    elif recreation_interval != "daily":
        raise ValueError(f"batching_strategy.recreation_interval: unknown value {recreation_interval!r}")
    return f"{prefix}_{day.year:04d}_{day.month:02d}_{day.day:02d}"


class BatchNamer:
    """:func:`batch_name` for one strategy, memoised per UTC day (the caller's hot path)."""

    __slots__ = ("_cache_day", "_cache_name", "interval", "prefix")

    def __init__(self, prefix: str, recreation_interval: str) -> None:
        self.prefix = prefix
        self.interval = recreation_interval
        self._cache_day = -(2**63)
        self._cache_name = batch_name(prefix, recreation_interval, 0.0)

    def __call__(self, timestamp: float) -> str:
        if self.interval == "never":
            return self.prefix
        day = int(timestamp // _DAY)
        if day != self._cache_day:
            # Two attributes written without a lock: a racing reader may compute the
            # name again, never read a name of another day with this day's number,
            # because the name is written before the day.
            name = batch_name(self.prefix, self.interval, timestamp)
            self._cache_name = name
            self._cache_day = day
            return name
        return self._cache_name
