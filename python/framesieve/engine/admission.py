"""Admission: what ``register()`` decides on the caller's thread once a strategy kept a
frame, and the one record of what that cost (SPEC §4.2, §4.3, §9).

In order: diversity on the frame's embedding (when configured and one is given),
near-duplicate suppression (only kept frames pay for the hash, arrays only), the
``max_batch_images`` cap, then the limit credits: a frame refused before the take
holds no credit. With Redis, the shared near-duplicate check, the batch room and
the credits are one script: one round trip per kept frame, and an admitted frame's
hash is shared at once (given back with the credit if it is not collected). An admitted frame
holds a :class:`Ticket`; its owner ends it exactly once, by :meth:`Ticket.settle`
(delivered: the credit stays spent) or :meth:`Ticket.release` (duplicate,
refused or abandoned: the credit and the batch count are given back). Frames
recovered from an earlier process have no ticket: their credits belong to that
process's windows.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from framesieve._core import RedisLimiter
from framesieve.engine.stats import Counters
from framesieve.sampling import (
    DiversityFilter,
    NearDuplicateFilter,
    Plan,
    diversity_from_config,
    filter_from_config,
    image_hash,
)

log = logging.getLogger("framesieve")

#: At most this many per-source memories, near-duplicate and diversity each (the oldest
#: source is forgotten).
MAX_SOURCES = 1024

#: How often the batch count is re-read from the destination (SPEC §4.2: at most once a minute).
RESYNC_SECONDS = 60.0


class Ticket:
    """One admitted frame's claim: its strategy's credit, its place in the batch count."""

    __slots__ = (
        "_admission",
        "_open",
        "batch",
        "collected",
        "counted",
        "credit_scope",
        "embedding",
        "frame_hash",
        "novelty",
        "shared_hash",
        "source",
        "strategy",
        "timestamp",
    )

    def __init__(
        self,
        admission: Admission,
        strategy: str,
        batch: str,
        timestamp: float,
        credit_scope: str,
        counted: bool,
        frame_hash: int | None,
        source: str | None = None,
        novelty: DiversityFilter | None = None,
        embedding: Any = None,
        shared_hash: bool = False,
    ) -> None:
        self._admission = admission
        self._open = True
        self.strategy = strategy
        self.batch = batch
        self.timestamp = timestamp
        self.credit_scope = credit_scope  # where the credit was taken ("" when none was)
        self.counted = counted  # counted in the max_batch_images counter
        self.frame_hash = frame_hash
        self.source = source  # whose near-duplicate memory it joins when collected
        self.novelty = novelty  # the diversity memory its embedding joins when collected
        self.embedding = embedding
        self.shared_hash = shared_hash  # frame_hash joined the Redis set when admitted
        self.collected = False  # handed to the workers (its hash stays remembered)

    def settle(self) -> None:
        """Delivered: the credit stays spent; the batch now counts the image itself."""
        self._admission.close(self, give_back=False)

    def release(self) -> None:
        """Not delivered after all: the credit and the batch count are given back."""
        self._admission.close(self, give_back=True)


class Admission:
    """The caller's-thread decisions after sampling, for one destination ``scope``."""

    def __init__(self, limiter: Any, scope: str, counters: Counters, destination: Any) -> None:
        self.limiter = limiter
        self.scope = scope
        self._counters = counters
        self._destination = destination
        self._lock = threading.Lock()
        self._batch_synced: dict[str, float] = {}
        self._batch_pending: dict[str, int] = {}
        self.dedup: NearDuplicateFilter | None = None  # frames given no source_id
        self._dedup_sources: dict[str, NearDuplicateFilter] = {}  # one memory per source_id
        self._dedup_shared = False
        self.diversity: DiversityFilter | None = None  # frames given no source_id
        self._diversity_sources: dict[str, DiversityFilter] = {}
        self._diversity_settings: Any = None
        self._warned_no_embedding = False

    # -- configuration -----------------------------------------------------------------

    def configure(self, plan: Plan) -> None:
        """The near-duplicate and diversity filters ``plan`` asks for; the current ones (and
        their memory of recent frames) are kept when the settings did not change."""
        self._configure_diversity(plan)
        settings = plan.config.deduplication if plan.enabled else None
        current = self.dedup
        if settings is None:
            self.dedup, self._dedup_shared = None, False
            self._dedup_sources = {}
            return
        same = current is not None and (current.max_hamming, current.window_seconds, current.max_entries) == (
            settings.max_hamming,
            settings.window_seconds,
            settings.max_entries,
        )
        self.dedup = current if same else filter_from_config(plan.config)
        if not same:
            self._dedup_sources = {}
        self._dedup_shared = settings.shared and isinstance(self.limiter, RedisLimiter)
        if settings.shared and not self._dedup_shared:
            log.warning(
                "framesieve: deduplication.shared needs a RedisLimiter; recent hashes stay in this process"
            )

    def _configure_diversity(self, plan: Plan) -> None:
        settings = plan.config.diversity if plan.enabled else None
        if settings == self._diversity_settings:
            return
        self._diversity_settings = settings
        self.diversity = None if settings is None else diversity_from_config(plan.config)
        self._diversity_sources = {}

    # -- the decision ------------------------------------------------------------------

    def admit(
        self,
        plan: Plan,
        matched: list[str],
        image: Any,
        channel_order: str,
        now: float,
        source: str | None = None,
        embedding: Any = None,
    ) -> Ticket | None:
        """A ticket for a frame ``matched`` strategies kept, or ``None`` (counted) when its
        ``embedding`` is not novel or it is a near-duplicate (among the frames of the same
        ``source``), its batch is full, or no matching strategy has credit. A bad
        ``embedding``, or a strict limiter that cannot reach Redis, raises and leaves
        nothing counted."""
        count = self._counters.add
        novelty = self.diversity
        novel = True
        if novelty is not None:
            if embedding is None:
                self._no_embedding()
                novelty = None
            else:
                if source is not None:
                    novelty = self._source_diversity(novelty, source)
                novel = novelty.check(embedding, now)  # raises on a bad embedding
        count("matched")
        if not novel:
            self._counters.add_by_source("not_novel", source)
            return None
        assert plan.namer is not None  # an enabled plan has one
        batch = plan.namer(now)
        dedup = self.dedup
        frame_hash = None
        if dedup is not None and isinstance(image, np.ndarray):
            frame_hash = image_hash(image, channel_order)
            if source is not None:
                dedup = self._source_filter(dedup, source)
            # This process's own memory first (no round trip): what it holds is in the
            # shared set too, and it is what decides when Redis cannot be reached.
            if dedup.check(frame_hash, now):
                self._counters.add_by_source("near_duplicates", source)
                return None
        shared = frame_hash is not None and self._dedup_shared
        max_batch = plan.max_batch_images
        try:
            if max_batch is not None:
                self._maybe_sync(batch)
            candidates = plan.candidates(matched)
            if candidates is None and max_batch is None and not shared:
                strategy, refused = matched[0], None  # nothing to check or take: no limiter call
            else:
                # One call decides the shared near-duplicate check, batch room and credit
                # together, all or nothing: with Redis that is one script, one round trip.
                extra: dict[str, Any] = {}
                if shared:
                    assert dedup is not None
                    extra = {
                        "frame_hash": frame_hash,
                        "dedup": (dedup.max_hamming, dedup.window_seconds, dedup.max_entries),
                        "source": source,
                    }
                strategy, refused = self.limiter.admit(
                    self.scope,
                    candidates if candidates is not None else [(matched[0], [])],
                    now,
                    batch=batch if max_batch is not None else None,
                    max_batch=max_batch,
                    **extra,
                )
        except BaseException:  # a strict limiter that cannot reach Redis: the frame is not counted
            count("matched", n=-1)
            raise
        if strategy is None:
            if refused == "near_duplicate":
                self._counters.add_by_source("near_duplicates", source)
            elif refused == "batch_full":
                count("limited", "batch_full")
            else:
                count("limited")
            return None
        credit_scope = self.scope if candidates is not None and plan.limits.get(strategy) else ""
        with self._lock:
            self._batch_pending[batch] = self._batch_pending.get(batch, 0) + 1
        return Ticket(
            self,
            strategy,
            batch,
            now,
            credit_scope,
            max_batch is not None,
            frame_hash,
            source,
            novelty,
            embedding if novelty is not None else None,
            shared,
        )

    def remember(self, ticket: Ticket) -> None:
        """The frame was collected: later look-alikes of it are near-duplicates, and frames
        whose embeddings are close to its own are not novel. (With Redis its hash joined
        the shared set when it was admitted.)"""
        ticket.collected = True
        if ticket.novelty is not None:
            ticket.novelty.add(ticket.embedding, ticket.timestamp)
            ticket.embedding = None  # remembered in the filter: the ticket need not hold it
        dedup = self.dedup
        if ticket.frame_hash is None or dedup is None:
            return
        if ticket.source is not None:
            dedup = self._source_filter(dedup, ticket.source)
        dedup.add(ticket.frame_hash, ticket.timestamp)

    def _source_filter(self, default: NearDuplicateFilter, source: str) -> NearDuplicateFilter:
        """The memory of ``source`` (made on its first frame, with the same settings)."""
        found = self._dedup_sources.get(source)
        if found is None:
            with self._lock:
                if len(self._dedup_sources) >= MAX_SOURCES:  # bounded: forget the oldest source
                    self._dedup_sources.pop(next(iter(self._dedup_sources)))
                found = self._dedup_sources.setdefault(
                    source,
                    NearDuplicateFilter(default.max_hamming, default.window_seconds, default.max_entries),
                )
        return found

    def _source_diversity(self, default: DiversityFilter, source: str) -> DiversityFilter:
        """The diversity memory of ``source`` (made on its first frame, with the same settings)."""
        found = self._diversity_sources.get(source)
        if found is None:
            with self._lock:
                if len(self._diversity_sources) >= MAX_SOURCES:  # bounded: forget the oldest source
                    self._diversity_sources.pop(next(iter(self._diversity_sources)))
                found = self._diversity_sources.setdefault(
                    source,
                    DiversityFilter(
                        default.min_cosine_distance,
                        target_share=default.target_share,
                        window_seconds=default.window_seconds,
                        max_kept=default.max_kept,
                    ),
                )
        return found

    def _no_embedding(self) -> None:
        if not self._warned_no_embedding:
            self._warned_no_embedding = True
            log.warning(
                "framesieve: diversity is configured but register() got no embedding: frames "
                "without one are not checked for novelty (pass register(..., embedding=vector))"
            )

    def close(self, ticket: Ticket, *, give_back: bool) -> None:
        """Ends ``ticket`` once (see :class:`Ticket`); a second call does nothing."""
        with self._lock:
            if not ticket._open:
                return
            ticket._open = False
            left = self._batch_pending.get(ticket.batch, 0) - 1
            if left > 0:
                self._batch_pending[ticket.batch] = left
            else:
                self._batch_pending.pop(ticket.batch, None)
        # A hash shared at admission but never collected is forgotten again.
        forget = ticket.shared_hash and not ticket.collected
        if give_back and (ticket.credit_scope or ticket.counted or forget):
            # The credit, the batch slot and the hash together: one round trip with Redis.
            extra: dict[str, Any] = {}
            if forget:
                extra = {"frame_hash": ticket.frame_hash, "source": ticket.source}
            try:
                self.limiter.release(
                    ticket.credit_scope or self.scope,
                    ticket.strategy if ticket.credit_scope else None,
                    ticket.timestamp,
                    batch=ticket.batch if ticket.counted else None,
                    **extra,
                )
            except Exception as e:
                # A strict limiter raises when Redis refuses; the frame must still end where
                # it was going (failed/, or refused and counted), so the credit stays used:
                # fewer frames than the limit, never more.
                log.warning(
                    "framesieve: the credit of a frame not delivered could not be given back "
                    "(it stays used): %s",
                    e,
                )

    # -- max_batch_images ----------------------------------------------------------------

    def _maybe_sync(self, batch: str) -> None:
        """Re-synchronises the batch count from the destination at most once a minute (in the background)."""
        now = time.monotonic()
        last = self._batch_synced.get(batch)
        if last is not None and now - last < RESYNC_SECONDS:
            return
        self._batch_synced[batch] = now
        threading.Thread(target=self._sync_quietly, args=(batch,), daemon=True).start()

    def _sync_quietly(self, batch: str) -> None:
        try:
            self.resync_batch(batch)
        except Exception as e:
            log.warning("framesieve: cannot count the images of batch %r: %s", batch, e)

    def resync_batch(self, batch: str) -> int | None:
        """Raises the count of ``batch`` to the destination's plus what is still on its way there.

        Blocking (an API call). Returns the count, or ``None`` when the destination cannot count.
        """
        counter = getattr(self._destination, "batch_image_count", None)
        remote = counter(batch) if counter is not None else None
        if remote is None:
            return None
        with self._lock:
            total = int(remote) + self._batch_pending.get(batch, 0)
        # Only ever raise the count, and by an increment rather than a write: with a shared
        # (Redis) counter, other processes' frames on their way are in it but not in
        # `remote`, and a write could erase increments made since the read (overshoot).
        current = self.limiter.counter_get(self.scope, batch)
        if total > current:
            current = self.limiter.counter_add(self.scope, batch, total - current)
        self._batch_synced[batch] = time.monotonic()
        return current
