"""``fs.ActiveLearning``: the registration pipeline (SPEC §4, §6).

On the caller's thread, ``register()`` does only: input checks, sampling (Rust),
the ``max_batch_images`` check, the limit take, and the enqueue of a reference to
the frame. It never waits on I/O, resize or JPEG (with a Redis limiter the take
is one round trip). A frame no strategy keeps costs a sampler call.

Worker threads (one per core) prepare the image (GIL released), rescale the
prediction, tag, and write the datapoint atomically into the durable outbox;
sender threads deliver the outbox in order (see :mod:`framesieve.delivery`).

Overload: the in-memory queue holds at most ``queue_size`` frames, and at most
what the workers can write to the outbox within ``max_backlog`` seconds (0.25 s,
from a running average of the time a frame takes them): frames waiting in memory
are what a hard kill loses, and SPEC §6 allows only the last 0.5 s. When the
queue is full, ``register()`` by default gives the credit back, counts
``dropped_overload`` and logs a warning (at most one every 10 s) — the frame is
refused before anything was promised for it; with ``block=True`` it waits for
room instead (the caller then slows down to the workers' pace and nothing is
refused).

The caller must not write into an array after passing it to ``register()``:
the workers read it later (``cv2.VideoCapture.read()`` returns a new array per
frame, which is safe; reusing one buffer is not — pass a copy then).
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    MemoryLimiter,
    RedisLimiter,
)
from framesieve.datapoint import Datapoint
from framesieve.dedup import NearDuplicateFilter, filter_from_config, image_hash
from framesieve.delivery import Deliverer
from framesieve.destinations.base import Delivery
from framesieve.destinations.local import LocalDataset
from framesieve.inputs import check_image
from framesieve.outbox import DEFAULT_QUOTA_BYTES, Outbox
from framesieve.plan import Plan, build_plan
from framesieve.worker import CLASSIFICATION, Job, default_workers, prepare

log = logging.getLogger("framesieve")
_NDARRAY = np.ndarray
_U8 = np.dtype(np.uint8)

_COUNTERS = (
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
_STOP = object()


#: a worker's time per kept frame assumed before the first one is measured (a 1080p frame on a slow core)
INITIAL_FRAME_SECONDS = 0.01


def default_outbox(destination_key: str) -> Path:
    """``$XDG_CACHE_HOME`` (or ``~/.cache``) ``/framesieve/outbox/<destination key>``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "framesieve" / "outbox" / destination_key


def _dedup_filter(config: Any, current: NearDuplicateFilter | None) -> NearDuplicateFilter | None:
    """The filter ``config.deduplication`` asks for; ``current`` (and its memory of
    recently collected frames) is kept when a new config leaves the settings as they were."""
    settings = getattr(config, "deduplication", None) if getattr(config, "enabled", False) else None
    if settings is None:
        return None
    if current is not None and (current.max_hamming, current.window_seconds, current.max_entries) == (
        settings.max_hamming,
        settings.window_seconds,
        settings.max_entries,
    ):
        return current
    return filter_from_config(config)


def _load(config: Any) -> Any:
    from framesieve.config import Config, load_config

    return config if isinstance(config, Config) else load_config(config)


class ActiveLearning:
    """Collects the frames the configuration keeps and delivers them to ``destination``.

    ``config``: a :class:`framesieve.Config` (or what :func:`framesieve.load_config`
    takes). ``destination``: :class:`framesieve.LocalDataset`,
    :class:`framesieve.RoboflowDestination`, or a folder path (a local dataset).
    ``limiter``: :class:`framesieve.MemoryLimiter` (default) or
    :class:`framesieve.RedisLimiter`. ``outbox``: the durable outbox folder
    (default :func:`default_outbox`). ``seed``: the sampler's seed.

    Options beyond the API: ``class_names`` (class id → name for array
    predictions), ``queue_size`` (256), ``max_backlog`` (0.25 s), ``block``
    (False: see the module docstring), ``workers`` (cores), ``senders`` (4 concurrent deliveries),
    ``outbox_quota`` (bytes, 1 GiB), ``channel_order`` of arrays (``"bgr"``),
    ``retry_base`` / ``retry_max`` (backoff seconds), ``close_timeout`` (how long
    ``close()`` tries to deliver, 10 s).
    """

    def __init__(
        self,
        config: Any,
        destination: Any,
        *,
        limiter: Any = None,
        model_id: str | None = None,
        outbox: str | os.PathLike[str] | None = None,
        seed: int | None = None,
        class_names: Any = None,
        queue_size: int = 256,
        max_backlog: float = 0.25,
        block: bool = False,
        workers: int | None = None,
        senders: int = 4,
        outbox_quota: int = DEFAULT_QUOTA_BYTES,
        channel_order: str = "bgr",
        retry_base: float = 0.5,
        retry_max: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        if isinstance(destination, str | os.PathLike):
            destination = LocalDataset(destination)
        if not hasattr(destination, "deliver") or not hasattr(destination, "key"):
            raise InvalidTypeError(
                "destination: expected a LocalDataset, RoboflowDestination or folder, "
                f"got {type(destination).__name__}"
            )
        if channel_order not in ("bgr", "rgb"):
            raise InvalidInputError(f"channel_order: expected 'bgr' or 'rgb', got {channel_order!r}")
        if not isinstance(queue_size, int) or queue_size < 1:
            raise InvalidInputError(f"queue_size: expected a positive int, got {queue_size!r}")
        if isinstance(max_backlog, bool) or not isinstance(max_backlog, int | float) or not max_backlog > 0:
            raise InvalidInputError(f"max_backlog: expected seconds > 0, got {max_backlog!r}")
        if limiter is None:
            limiter = MemoryLimiter()
        self.destination = destination
        self.model_id = model_id
        self._limiter = limiter
        self._seed = seed
        self._class_names = list(class_names) if class_names is not None else None
        self._channel_order = channel_order
        self._block = block
        self.close_timeout = close_timeout
        self._scope = destination.key
        self._plan: Plan = build_plan(_load(config), seed=seed, class_names=self._class_names)
        self._dedup: NearDuplicateFilter | None = _dedup_filter(self._plan.config, None)
        self._dedup_shared = self._shares_hashes()
        self._project_type: str | None = None
        self._type_ok: dict[str, bool] = {}
        self._owned: list[Any] = []  # things close() closes (made by from_roboflow)

        self._lock = threading.Lock()
        self._counts = dict.fromkeys(_COUNTERS, 0)
        self._seen = itertools.count()
        self._last_overload_warning = 0.0
        self._batch_synced: dict[str, float] = {}
        self._batch_pending: dict[str, int] = {}
        self._id_prefix = os.urandom(6).hex()
        self._ids = itertools.count()

        self.outbox = Outbox(
            outbox if outbox is not None else default_outbox(self._scope), quota_bytes=outbox_quota
        )
        self._seqs = itertools.count(self.outbox.reserve_seq())
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._preparing = 0  # jobs accepted, not yet in the outbox
        self._max_backlog = float(max_backlog)
        self._frame_seconds = INITIAL_FRAME_SECONDS  # running average of a worker's time per frame
        self._closed = False
        self._deliverer = Deliverer(
            self.outbox,
            destination,
            senders=senders,
            on_delivered=self._delivered,
            on_failed=self._failed,
            retry_base=retry_base,
            retry_max=retry_max,
        )
        self._counts["recovered"] = self._deliverer.recovered
        self._workers = [
            threading.Thread(target=self._work, name=f"framesieve-worker-{i}", daemon=True)
            for i in range(workers or default_workers())
        ]
        self._queue_limit = queue_size
        for thread in self._workers:
            thread.start()
        atexit.register(self.close)

    # -- caller's thread ----------------------------------------------------------------

    def register(
        self,
        image: Any,
        prediction: Any,
        prediction_type: str,
        *,
        image_name: str | None = None,
        metadata: dict[str, Any] | None = None,
        inference_id: str | None = None,
        timestamp: float | None = None,
        auto_orient: bool = True,
    ) -> None:
        """Offers one frame and its prediction; returns at once (see the module docstring).

        ``image``: uint8 array (HxW, HxWx3 in ``channel_order``, HxWx4), or encoded
        JPEG/PNG bytes, a base64 str or a file path (decoded on a worker, only when
        kept). ``prediction``: a Roboflow prediction dict, or array detections (a
        dict with ``xyxy``, ``confidence`` and ``class_id`` or ``class_name``, or a
        ``supervision.Detections``). ``timestamp`` (UNIX seconds, e.g. video time)
        drives the limit windows and the batch name. Bad input raises here.
        """
        plan = self._plan
        if not plan.enabled:
            return
        if self._closed:
            raise FramesieveError("ActiveLearning.register: the engine is closed")
        next(self._seen)
        # The common case (a contiguous-or-not HxWx3 uint8 array) is checked inline: this
        # runs on every frame of the caller's stream; anything else takes the full check.
        if type(image) is _NDARRAY and image.dtype is _U8:
            shape = image.shape
            if len(shape) != 3 or shape[2] != 3 or not shape[0] or not shape[1]:
                check_image(image)
        else:
            check_image(image)
        if type(prediction_type) is not str:
            raise InvalidTypeError(f"prediction_type: expected a str, got {type(prediction_type).__name__}")
        if (
            image_name is not None
            or metadata is not None
            or inference_id is not None
            or timestamp is not None
        ):
            _check_extras(image_name, metadata, inference_id, timestamp)
        if self._project_type is not None and not self._compatible(prediction_type):
            return

        if type(prediction) is dict:
            if "xyxy" in prediction:
                get = prediction.get
                class_name = get("class_name")
                if class_name is not None:
                    matched = plan.sampler.evaluate_detections(
                        get("confidence"), class_name=class_name, prediction_type=prediction_type
                    )
                else:
                    matched = plan.sampler.evaluate_detections(
                        get("confidence"), class_id=get("class_id"), prediction_type=prediction_type
                    )
            else:
                matched = plan.sampler.evaluate(prediction, prediction_type)
        else:
            matched = self._evaluate_arrays(plan, prediction, prediction_type)
        if not matched:
            return
        self._accept(
            plan,
            matched,
            image,
            prediction,
            prediction_type,
            image_name,
            metadata,
            inference_id,
            timestamp,
            auto_orient,
        )

    def _evaluate_arrays(self, plan: Plan, prediction: Any, prediction_type: str) -> list[str]:
        if type(prediction) is dict:
            get = prediction.get
            confidence, class_id, class_name = get("confidence"), get("class_id"), get("class_name")
        elif hasattr(prediction, "confidence") and hasattr(prediction, "xyxy"):
            confidence, class_id = prediction.confidence, prediction.class_id
            data = getattr(prediction, "data", None)
            class_name = data.get("class_name") if isinstance(data, dict) else None
        else:
            raise InvalidTypeError(
                "prediction: expected a Roboflow prediction dict or array detections "
                f"(xyxy, confidence, class_id/class_name), got {type(prediction).__name__}"
            )
        if confidence is None:
            raise InvalidInputError("prediction['confidence']: missing (array detections need it)")
        if class_name is not None:
            return plan.sampler.evaluate_detections(
                confidence, class_name=class_name, prediction_type=prediction_type
            )
        return plan.sampler.evaluate_detections(
            confidence, class_id=class_id, prediction_type=prediction_type
        )

    def _accept(
        self,
        plan: Plan,
        matched: list[str],
        image: Any,
        prediction: Any,
        prediction_type: str,
        image_name: str | None,
        metadata: dict[str, Any] | None,
        inference_id: Any,
        timestamp: float | None,
        auto_orient: bool,
    ) -> None:
        if type(prediction) is not dict or "xyxy" in prediction:
            _check_xyxy(prediction)
        now = time.time() if timestamp is None else float(timestamp)
        assert plan.namer is not None  # an enabled plan has one
        batch = plan.namer(now)
        scope = self._scope
        max_batch = plan.max_batch_images
        with self._lock:
            self._counts["matched"] += 1
        # Near-duplicate suppression, before any credit is taken: only frames some
        # strategy kept pay for the hash (arrays only; encoded images are not hashed).
        dedup = self._dedup
        frame_hash = None
        if dedup is not None and isinstance(image, _NDARRAY):
            frame_hash = image_hash(image, self._channel_order)
            if self._near_duplicate(dedup, frame_hash, now):
                self._count("near_duplicates")
                return
        if max_batch is not None:
            self._maybe_sync(batch)
            if self._limiter.counter_get(scope, batch) >= max_batch:
                self._count("limited", "batch_full")
                return
        candidates = plan.candidates(matched)
        if candidates is None:
            strategy, credit_scope = matched[0], ""
        else:
            strategy = self._limiter.take(scope, candidates, now)
            if strategy is None:
                self._count("limited")
                return
            credit_scope = scope if plan.limits.get(strategy) else ""
        if max_batch is not None and self._limiter.counter_add(scope, batch, 1) > max_batch:
            self._limiter.counter_add(scope, batch, -1)
            if credit_scope:
                self._limiter.give_back(credit_scope, strategy, now)
            self._count("limited", "batch_full")
            return
        job = Job(
            plan=plan,
            image=image,
            prediction=prediction,
            prediction_type=prediction_type,
            strategy=strategy,
            batch=batch,
            timestamp=now,
            image_name=image_name,
            metadata=metadata,
            inference_id=None if inference_id is None else str(inference_id),
            credit_scope=credit_scope,
            counted=max_batch is not None,
            auto_orient=auto_orient,
        )
        with self._lock:
            self._batch_pending[batch] = self._batch_pending.get(batch, 0) + 1
        try:
            self._admit()
            with self._lock:
                self._counts["collected"] += 1
            self._queue.put(job)  # never waits: _admit() reserved the room
            if frame_hash is not None and dedup is not None:
                dedup.add(frame_hash, now)  # collected: later look-alikes are near-duplicates
                if self._dedup_shared:
                    self._limiter.remember_hash(
                        scope, frame_hash, dedup.window_seconds, dedup.max_entries, now
                    )
        except queue.Full:
            self._undo(job)
            with self._lock:
                self._counts["dropped_overload"] += 1
                warn = time.monotonic() - self._last_overload_warning > 10.0
                if warn:
                    self._last_overload_warning = time.monotonic()
            if warn:
                log.warning(
                    "framesieve: the queue is full (%d frames, at most %.2f s of the workers' time): kept "
                    "frames are refused and counted in stats()['dropped_overload']; use block=True to wait",
                    self._preparing,
                    self._max_backlog,
                )

    def _backlog_limit(self) -> int:
        """How many frames may wait: ``queue_size``, and no more than ``max_backlog`` s of work."""
        by_time = int(self._max_backlog * len(self._workers) / max(self._frame_seconds, 1e-6))
        return max(1, min(self._queue_limit, by_time))

    def _admit(self) -> None:
        """Reserves a place for one job, waiting with ``block=True``; raises ``queue.Full`` otherwise."""
        with self._deliverer.cv:
            while self._preparing >= self._backlog_limit():
                if not self._block or self._closed:
                    raise queue.Full
                self._deliverer.cv.wait(0.5)
            self._preparing += 1

    def _near_duplicate(self, dedup: NearDuplicateFilter, frame_hash: int, now: float) -> bool:
        """Within ``max_hamming`` bits of a frame collected in the window: by any process
        (shared through Redis, one round trip) or, when not shared or Redis is down, by this one."""
        if self._dedup_shared:
            found = self._limiter.near_duplicate(
                self._scope, frame_hash, dedup.max_hamming, dedup.window_seconds, now
            )
            if found is not None:
                return bool(found)
        return dedup.check(frame_hash, now)

    def _count(self, *names: str) -> None:
        with self._lock:
            for name in names:
                self._counts[name] += 1

    def _undo(self, job: Job | Datapoint) -> None:
        """Gives back the limit credit and the batch count of a datapoint that will not be delivered."""
        scope = job.credit_scope if isinstance(job, Job) else job.limit_scope
        if scope:
            self._limiter.give_back(scope, job.strategy, job.timestamp)
        if job.counted:
            self._limiter.counter_add(self._scope, job.batch, -1)
        with self._lock:
            left = self._batch_pending.get(job.batch, 0) - 1
            if left > 0:
                self._batch_pending[job.batch] = left
            else:
                self._batch_pending.pop(job.batch, None)

    # -- workers ---------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            start = time.perf_counter()
            try:
                self._prepare_and_store(job)
            except Exception as e:  # a frame that cannot be prepared (undecodable bytes, ...)
                log.error("framesieve: dropping a kept frame that cannot be prepared: %s", e)
                self._undo(job)
                self._count("failed")
            finally:
                took = time.perf_counter() - start
                with self._deliverer.cv:
                    self._preparing -= 1
                    self._frame_seconds += 0.2 * (took - self._frame_seconds)
                    self._deliverer.cv.notify_all()

    def _prepare_and_store(self, job: Job) -> None:
        job.seq = next(self._seqs)
        datapoint_id = f"{self._id_prefix}{next(self._ids):08x}"
        datapoint = prepare(job, datapoint_id, self.model_id, self._channel_order, self._class_names)
        if not self.outbox.put(datapoint):
            self._undo(job)
            with self._lock:
                self._counts["dropped_outbox_full"] += 1
                self._counts["collected"] -= 1
            log.warning(
                "framesieve: the outbox is full (quota %d bytes); a kept frame was refused",
                self.outbox.quota_bytes,
            )
            return
        self._deliverer.add(job.seq)

    # -- delivery callbacks (sender threads) -----------------------------------------------

    def _delivered(self, datapoint: Datapoint, result: Delivery, recovered: bool) -> None:
        if result.duplicate:
            self._count("duplicates")
            if not recovered:  # the credit belongs to this process's windows
                self._undo(datapoint)
                return
        else:
            self._count("delivered")
        if not recovered:
            with self._lock:
                left = self._batch_pending.get(datapoint.batch, 0) - 1
                if left > 0:
                    self._batch_pending[datapoint.batch] = left
                else:
                    self._batch_pending.pop(datapoint.batch, None)

    def _failed(self, datapoint: Datapoint | None, seq: int, reason: str, recovered: bool) -> None:
        self._count("failed")
        if datapoint is not None and not recovered:
            self._undo(datapoint)

    # -- max_batch_images --------------------------------------------------------------

    def _maybe_sync(self, batch: str) -> None:
        """Re-synchronises the batch count from the destination at most once a minute (in the background)."""
        now = time.monotonic()
        last = self._batch_synced.get(batch)
        if last is not None and now - last < 60.0:
            return
        self._batch_synced[batch] = now
        threading.Thread(target=self._sync_quietly, args=(batch,), daemon=True).start()

    def _sync_quietly(self, batch: str) -> None:
        try:
            self.resync_batch(batch)
        except Exception as e:
            log.warning("framesieve: cannot count the images of batch %r: %s", batch, e)

    def resync_batch(self, batch: str) -> int | None:
        """Raises the count of ``batch`` to the destination's plus what is still on its way here.

        Blocking (an API call); the engine calls it in the background at most once a
        minute per batch. Returns the count, or ``None`` when the destination cannot count.
        """
        counter = getattr(self.destination, "batch_image_count", None)
        remote = counter(batch) if counter is not None else None
        if remote is None:
            return None
        with self._lock:
            total = int(remote) + self._batch_pending.get(batch, 0)
        # Only ever raise the count, and by an increment rather than a write: with a shared
        # (Redis) counter, other processes' frames on their way are in it but not in
        # `remote`, and a write could erase increments made since the read (overshoot).
        current = self._limiter.counter_get(self._scope, batch)
        if total > current:
            current = self._limiter.counter_add(self._scope, batch, total - current)
        self._batch_synced[batch] = time.monotonic()
        return current

    # -- configuration ---------------------------------------------------------------------

    def _compatible(self, prediction_type: str) -> bool:
        ok = self._type_ok.get(prediction_type)
        if ok is None:
            project = self._project_type or ""
            ok = (CLASSIFICATION in prediction_type) == (CLASSIFICATION in project)
            self._type_ok[prediction_type] = ok
            if not ok:
                log.warning(
                    "framesieve: %s predictions cannot go to a %s project; they are not collected",
                    prediction_type,
                    project,
                )
        return ok

    def _apply_remote(self, config: Any, project_type: str | None) -> None:
        model_type = getattr(self, "_model_type", None)
        if project_type and model_type and (CLASSIFICATION in model_type) != (CLASSIFICATION in project_type):
            config = {"enabled": False}
        self._project_type = project_type
        self._type_ok = {}
        self.set_config(config)

    def set_config(self, config: Any) -> None:
        """Switches to another configuration without a restart (frames in flight keep theirs)."""
        self._plan = build_plan(_load(config), seed=self._seed, class_names=self._class_names)
        self._dedup = _dedup_filter(self._plan.config, self._dedup)
        self._dedup_shared = self._shares_hashes()

    def _shares_hashes(self) -> bool:
        """Whether recent frame hashes go through Redis (``deduplication.shared``)."""
        settings = getattr(self._plan.config, "deduplication", None)
        if self._dedup is None or settings is None or not settings.shared:
            return False
        if isinstance(self._limiter, RedisLimiter):
            return True
        log.warning(
            "framesieve: deduplication.shared needs a RedisLimiter; recent hashes stay in this process"
        )
        return False

    @property
    def config(self) -> Any:
        """The configuration in use."""
        return self._plan.config

    # -- lifecycle -------------------------------------------------------------------------

    def _idle(self) -> bool:
        return self._preparing == 0 and self._deliverer.idle()

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until everything accepted so far is delivered (or failed for good).

        Returns ``True`` then, ``False`` when ``timeout`` seconds passed first
        (the rest stays in the outbox and keeps being retried).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._deliverer.cv:
            while not self._idle():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._deliverer.cv.wait(left if left is not None else 1.0)
        return True

    def close(self, timeout: float | None = None) -> None:
        """Writes every queued frame to the outbox, delivers what it can within
        ``timeout`` (default ``close_timeout``), and stops; the rest stays in the
        outbox for the next start. Idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        for _ in self._workers:
            self._queue.put(_STOP)
        for thread in self._workers:
            thread.join()
        self.flush(self.close_timeout if timeout is None else timeout)
        self._deliverer.stop(timeout=30.0)
        for owned in self._owned:
            owned.close()
        self.outbox.close()

    def __enter__(self) -> ActiveLearning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict[str, int]:
        """Counters since start: ``seen`` (frames offered), ``matched`` (kept by a strategy),
        ``limited`` (no credit, or batch full: ``batch_full``), ``collected`` (accepted),
        ``delivered``, ``duplicates``, ``failed`` (permanently, see ``failed/``), ``pending``
        (accepted or recovered, not yet confirmed), ``dropped_overload``,
        ``dropped_outbox_full``, ``recovered`` (found in the outbox at start),
        ``near_duplicates`` (matched, but skipped by ``deduplication``)."""
        with self._lock:
            out = dict(self._counts)
        out["seen"] = int(repr(self._seen)[6:-1])  # itertools.count: atomic increments, read via repr
        out["pending"] = self._preparing + self._deliverer.pending()
        return out

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("enabled" if self._plan.enabled else "disabled")
        return f"ActiveLearning({self.destination!r}, {state}, outbox={str(self.outbox.path)!r})"

    @classmethod
    def from_roboflow(
        cls, api_key: str, project: str, model_id: str | None = None, **kwargs: Any
    ) -> ActiveLearning:
        """An engine fed by the project's own configuration (see :mod:`framesieve.remote_config`)."""
        from framesieve.remote_config import from_roboflow

        return from_roboflow(cls, api_key, project, model_id, **kwargs)


def _check_extras(image_name: Any, metadata: Any, inference_id: Any, timestamp: Any) -> None:
    if image_name is not None and type(image_name) is not str:
        raise InvalidTypeError(f"image_name: expected a str, got {type(image_name).__name__}")
    if inference_id is not None and not isinstance(inference_id, str | int):
        raise InvalidTypeError(f"inference_id: expected a str, got {type(inference_id).__name__}")
    if metadata is not None:
        _check_metadata(metadata)
    if timestamp is not None and (
        isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or not math.isfinite(timestamp)
    ):
        raise InvalidInputError(f"timestamp: expected finite UNIX seconds, got {timestamp!r}")


def _check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise InvalidTypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise InvalidTypeError(f"metadata: keys must be str, got {key!r}")
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise InvalidTypeError(f"metadata[{key!r}]: expected a str, number or bool, got {value!r}")


def _check_xyxy(prediction: Any) -> None:
    xyxy = prediction.get("xyxy") if type(prediction) is dict else getattr(prediction, "xyxy", None)
    confidence = prediction.get("confidence") if type(prediction) is dict else prediction.confidence
    try:
        boxes = np.asarray(xyxy, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidTypeError("prediction['xyxy']: expected a float array of shape [N, 4]") from None
    n = len(np.asarray(confidence).reshape(-1))
    if boxes.shape != (n, 4) and not (n == 0 and boxes.size == 0):
        raise InvalidInputError(f"prediction['xyxy']: expected shape [{n}, 4], got {list(boxes.shape)}")
