"""Delivery of the outbox to a destination: ordered, retried, confirmed.

``senders`` threads take the oldest pending datapoint (lowest sequence number)
and hand it to the destination. A transient failure (connection refused,
timeout, 429, 5xx) puts it back in its place and pauses every sender with
exponential backoff and full jitter (``retry_base`` doubling up to
``retry_max`` seconds), forever while the process lives: the outbox keeps the
datapoints, so waiting costs nothing but disk. A permanent failure moves the
datapoint to ``failed/`` with the reason, and so does a record that cannot be
read or used (torn, foreign, another version's): it never holds up the others.
A confirmed delivery (a duplicate answer included) removes it from the outbox.

A datapoint the workers just stored is handed over in memory as well (up to
``LIVE_BYTES`` of them), so it is never read back from disk; only those
recovered from an earlier process, or beyond that budget, are loaded.
"""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from framesieve._util.redact import redact
from framesieve.destinations.base import Delivery
from framesieve.destinations.datapoint import Datapoint
from framesieve.engine.outbox import Outbox
from framesieve.errors import TransientDeliveryError

log = logging.getLogger("framesieve")

#: Bytes of stored datapoints also kept in memory for the senders (beyond: read from disk).
LIVE_BYTES = 64 << 20


class Deliverer:
    """Senders draining an :class:`Outbox` into a destination (see the module docstring)."""

    def __init__(
        self,
        outbox: Outbox,
        destination: Any,
        *,
        senders: int,
        on_delivered: Callable[[int, Datapoint, Delivery], None],
        on_failed: Callable[[int, Datapoint | None, str], None],
        retry_base: float = 0.5,
        retry_max: float = 30.0,
    ) -> None:
        self.outbox = outbox
        self.destination = destination
        self._on_delivered = on_delivered
        self._on_failed = on_failed
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.cv = threading.Condition()
        self._ready: list[int] = []  # heap of sequence numbers
        self._inflight: set[int] = set()
        self._recovered: set[int] = set()
        self._pause_until = 0.0
        self._failures = 0  # consecutive transient failures
        self._stop = False
        self._live: dict[int, Datapoint] = {}
        self._live_bytes = 0
        for seq in outbox.pending():  # left by an earlier process: first, in order
            self._recovered.add(seq)
            self._ready.append(seq)
        heapq.heapify(self._ready)
        # Counted before the senders start, which discard from the set as they deliver.
        self._recovered_at_start = len(self._recovered)
        self._threads = [
            threading.Thread(target=self._run, name=f"framesieve-send-{i}", daemon=True)
            for i in range(senders)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def recovered(self) -> int:
        """How many datapoints an earlier process left in the outbox."""
        return self._recovered_at_start

    def add(self, seq: int, datapoint: Datapoint) -> None:
        """A datapoint now stored in the outbox, to deliver (kept in memory while the budget allows)."""
        with self.cv:
            size = len(datapoint.jpeg)
            if self._live_bytes + size <= LIVE_BYTES:
                self._live[seq] = datapoint
                self._live_bytes += size
            heapq.heappush(self._ready, seq)
            self.cv.notify()

    def pending(self) -> int:
        with self.cv:
            return len(self._ready) + len(self._inflight)

    def wait_idle(self, deadline: float | None) -> bool:
        """Waits until nothing is left to deliver; ``False`` at ``deadline`` (monotonic)."""
        with self.cv:
            while self._ready or self._inflight:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.cv.wait(left if left is not None else 1.0)
        return True

    def _next(self) -> int | None:
        with self.cv:
            while True:
                if self._stop:
                    return None
                now = time.monotonic()
                if self._ready and now >= self._pause_until:
                    seq = heapq.heappop(self._ready)
                    self._inflight.add(seq)
                    return seq
                self.cv.wait(None if not self._ready else self._pause_until - now)

    def _run(self) -> None:
        while (seq := self._next()) is not None:
            try:
                self._deliver(seq)
            except Exception as e:
                # Not the destination's answer (handled in _deliver): a record or a state this
                # code cannot use. Retrying would fail the same way and hold up every sender,
                # so the record goes to failed/ with the reason; if even that fails (the disk),
                # it stays in the outbox and is retried later.
                reason = redact(f"unexpected error: {type(e).__name__}: {e}")
                try:
                    self.outbox.fail(seq, reason)
                except Exception:
                    log.exception("framesieve: cannot move datapoint %d to failed/", seq)
                    self._retry(seq, reason)
                    continue
                log.error("framesieve: datapoint %d kept in failed/: %s", seq, reason)
                self._on_failed(seq, self._live.get(seq), reason)
                self._finish(seq)

    def _retry(self, seq: int, reason: str) -> None:
        with self.cv:
            self._inflight.discard(seq)
            heapq.heappush(self._ready, seq)
            self._failures += 1
            delay = min(self.retry_max, self.retry_base * 2 ** min(self._failures - 1, 30))
            delay *= random.uniform(0.5, 1.0)
            self._pause_until = max(self._pause_until, time.monotonic() + delay)
            self.cv.notify_all()
        if self._failures in (1, 2, 4) or self._failures % 20 == 0:
            log.warning("framesieve: destination unavailable (%s); retrying in %.1f s", reason, delay)

    def _deliver(self, seq: int) -> None:
        recovered = seq in self._recovered
        datapoint = self._live.get(seq)
        if datapoint is None:
            try:
                datapoint = self.outbox.load(seq)
            except (OSError, ValueError) as e:
                self.outbox.fail(seq, f"unreadable outbox record: {e}")
                self._on_failed(seq, None, f"unreadable outbox record: {e}")
                self._finish(seq)
                return
        progress = self.outbox.state(seq)
        if recovered:
            progress["recovered"] = True
        try:
            result = self.destination.deliver(
                datapoint, progress, lambda state: self.outbox.set_state(seq, state)
            )
        except TransientDeliveryError as e:
            self._retry(seq, redact(str(e)))
            return
        except Exception as e:  # permanent: a DeliveryError, or a destination that cannot take it
            reason = redact(f"{type(e).__name__}: {e}")
            self.outbox.fail(seq, reason)
            log.error("framesieve: datapoint %s rejected for good, kept in failed/: %s", datapoint.id, reason)
            self._on_failed(seq, datapoint, reason)
            self._finish(seq)
            return
        try:
            self.outbox.remove(seq)
        except OSError as e:
            # Delivered all the same: counted so, its credit kept. The record stays, and the
            # next start sends it again, which the destination answers as a duplicate.
            log.error("framesieve: datapoint %d was delivered but its outbox record stays: %s", seq, e)
        self._on_delivered(seq, datapoint, result)
        self._finish(seq, success=True)

    def _finish(self, seq: int, success: bool = False) -> None:
        with self.cv:
            self._inflight.discard(seq)
            self._recovered.discard(seq)
            live = self._live.pop(seq, None)
            if live is not None:
                self._live_bytes -= len(live.jpeg)
            if success:
                self._failures = 0
                self._pause_until = 0.0
            self.cv.notify_all()

    def stop(self, timeout: float | None = None) -> None:
        """Stops the senders (a request in flight finishes or times out)."""
        with self.cv:
            self._stop = True
            self.cv.notify_all()
        for thread in self._threads:
            thread.join(timeout)
