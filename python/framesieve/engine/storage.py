"""From a prepared datapoint to a confirmed delivery: the durable outbox, the
senders, and the ticket of every datapoint this process accepted (SPEC §6).

:meth:`Storage.put` runs on a worker: it writes the datapoint to the outbox and
hands it to the senders. The senders' answers end its ticket: settled when
delivered, released when the destination already had it or rejected it for
good. Datapoints recovered from an earlier process have no ticket here.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

from framesieve.destinations.base import Delivery
from framesieve.destinations.datapoint import Datapoint
from framesieve.engine.admission import Ticket
from framesieve.engine.delivery import Deliverer
from framesieve.engine.outbox import NoRoom, Outbox
from framesieve.engine.stats import Counters

log = logging.getLogger("framesieve")


class Storage:
    """The outbox at ``path`` and its senders to ``destination``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        destination: Any,
        counters: Counters,
        *,
        quota_bytes: int,
        senders: int,
        retry_base: float,
        retry_max: float,
    ) -> None:
        self._counters = counters
        self._tickets: dict[int, Ticket] = {}  # by outbox sequence number
        self.outbox = Outbox(path, quota_bytes=quota_bytes)
        self._seqs = itertools.count(self.outbox.reserve_seq())
        self._id_prefix = os.urandom(6).hex()
        self._ids = itertools.count()
        self._deliverer = Deliverer(
            self.outbox,
            destination,
            senders=senders,
            on_delivered=self._delivered,
            on_failed=self._failed,
            retry_base=retry_base,
            retry_max=retry_max,
        )
        counters.add("recovered", n=self._deliverer.recovered)

    def next_ids(self) -> tuple[int, str]:
        """The outbox sequence number and the datapoint id of the next datapoint."""
        return next(self._seqs), f"{self._id_prefix}{next(self._ids):08x}"

    def put(self, datapoint: Datapoint, ticket: Ticket) -> None:
        """Stores ``datapoint`` and hands it to the senders; over the quota, or on a full
        disk, it is refused (counted ``dropped_outbox_full``, its ticket released).
        Another error propagates (the caller records the frame as failed)."""
        try:
            stored = self.outbox.put(datapoint)
            why = f"quota {self.outbox.quota_bytes} bytes"
        except NoRoom as e:
            stored, why = False, str(e)
        if not stored:
            ticket.release()
            self._counters.add("dropped_outbox_full")
            self._counters.add("collected", n=-1)
            log.warning("framesieve: the outbox is full (%s); a kept frame was refused", why)
            return
        self._tickets[datapoint.seq] = ticket
        self._deliverer.add(datapoint.seq, datapoint)

    def fail_unprepared(self, seq: int, ticket: Ticket, reason: str, known: dict[str, Any]) -> None:
        """A frame the workers could not turn into a datapoint: ``failed/`` with ``reason``
        and what is ``known`` of it, counted ``failed``, its ticket released. When the
        disk refuses even the reason file, it is refused like a frame the outbox has no
        room for: counted ``dropped_outbox_full`` (SPEC §6: nothing is counted ``failed``
        without a record in ``failed/``)."""
        ticket.release()
        try:
            self.outbox.fail(seq, reason, known)
        except OSError as e:
            self._counters.add("dropped_outbox_full")
            self._counters.add("collected", n=-1)
            log.error(
                "framesieve: a kept frame was refused: it failed (%s) and %s could not record it either: %s",
                reason,
                self.outbox.failed_path,
                e,
            )
            return
        self._counters.add("failed")

    def _delivered(self, seq: int, datapoint: Datapoint, result: Delivery) -> None:
        ticket = self._tickets.pop(seq, None)  # None: recovered from an earlier process
        self._counters.add("duplicates" if result.duplicate else "delivered")
        if ticket is not None:
            (ticket.release if result.duplicate else ticket.settle)()

    def _failed(self, seq: int, datapoint: Datapoint | None, reason: str) -> None:
        ticket = self._tickets.pop(seq, None)
        self._counters.add("failed")
        if ticket is not None:
            ticket.release()

    def pending(self) -> int:
        """Datapoints stored and not yet confirmed."""
        return self._deliverer.pending()

    def wait_idle(self, deadline: float | None) -> bool:
        """Waits until every stored datapoint is confirmed; ``False`` at ``deadline``."""
        return self._deliverer.wait_idle(deadline)

    def close(self) -> None:
        """Stops the senders (a request in flight finishes or times out) and unlocks the outbox."""
        self._deliverer.stop(timeout=30.0)
        self.outbox.close()
