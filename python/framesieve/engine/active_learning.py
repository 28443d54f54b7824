"""``fs.ActiveLearning``: the registration pipeline (SPEC §4, §6), composed of
:mod:`~framesieve.engine.admission` (near-duplicates, batch cap, credits),
:mod:`~framesieve.engine.workers` (prepare on worker threads),
:mod:`~framesieve.engine.outbox` (durable until confirmed) and
:mod:`~framesieve.engine.delivery` (senders).

On the caller's thread, ``register()`` does only: input checks, sampling (Rust),
admission, and the hand-over of a reference to the frame. It never waits on I/O,
resize or JPEG (with a Redis limiter the take is one round trip). A frame no
strategy keeps costs a sampler call.

Overload: when the workers' backlog is full (see :mod:`~framesieve.engine.workers`),
``register()`` by default gives the credit back, counts ``dropped_overload`` and
logs a warning (at most one every 10 s) naming the parameter that makes the
caller wait (:mod:`~framesieve.engine.overload`) — the frame is refused before
anything was promised for it; with ``block=True`` (the engine's, or
``register(..., block=True)`` per call) it waits for room instead (the caller
then slows down to the workers' pace and nothing is refused).

The caller must not write into an array after passing it to ``register()``:
the workers read it later (``cv2.VideoCapture.read()`` returns a new array per
frame, which is safe; reusing one buffer is not — pass a copy then).
"""

from __future__ import annotations

import atexit
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from framesieve._core import MemoryLimiter
from framesieve._util.redact import redact
from framesieve.config import Config, load_config
from framesieve.destinations.local import LocalDataset
from framesieve.engine.admission import Admission
from framesieve.engine.checks import (
    ProjectTypeGate,
    check_extras,
    check_image_size,
    check_options,
    check_prediction,
    check_text,
)
from framesieve.engine.outbox import DEFAULT_QUOTA_BYTES
from framesieve.engine.overload import parameter_hint
from framesieve.engine.prepare import Job, prepare
from framesieve.engine.stats import Counters
from framesieve.engine.storage import Storage
from framesieve.engine.workers import WorkerPool, default_workers
from framesieve.errors import FramesieveError, InvalidTypeError
from framesieve.image import check_array, check_image
from framesieve.sampling import Plan, build_plan

log = logging.getLogger("framesieve")
_NDARRAY = np.ndarray


def default_outbox(destination_key: str) -> Path:
    """``$XDG_CACHE_HOME`` (or ``~/.cache``) ``/framesieve/outbox/<destination key>``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "framesieve" / "outbox" / destination_key


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
    ``close()`` tries to deliver, 10 s), ``project_type`` (the destination project's
    type: predictions of the other family, classification or not, are refused with a warning).
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
        project_type: str | None = None,
    ) -> None:
        if isinstance(destination, str | os.PathLike):
            destination = LocalDataset(destination)
        check_options(
            destination,
            channel_order,
            queue_size=queue_size,
            max_backlog=max_backlog,
            workers=workers,
            senders=senders,
            retry_base=retry_base,
            retry_max=retry_max,
            close_timeout=close_timeout,
            model_id=model_id,
        )
        if class_names is not None:
            for name in class_names:
                check_text(str(name), "class_names")
        self.destination = destination
        self.model_id = model_id
        self.close_timeout = close_timeout
        self._seed = seed
        self._class_names = list(class_names) if class_names is not None else None
        self._channel_order = channel_order
        self._block = block
        self._closed = False
        self._close_interrupted = False
        self._attached: list[Any] = []  # closed by close(): see attach()
        self._counters = Counters()
        self._see = self._counters.see
        self._admission = Admission(limiter or MemoryLimiter(), destination.key, self._counters, destination)
        self._project: ProjectTypeGate | None = None
        self._plan: Plan
        self.set_config(config, project_type=project_type)
        self._last_overload_warning = 0.0
        self._storage = Storage(
            outbox if outbox is not None else default_outbox(destination.key),
            destination,
            self._counters,
            quota_bytes=outbox_quota,
            senders=senders,
            retry_base=retry_base,
            retry_max=retry_max,
        )
        self.outbox = self._storage.outbox
        self._pool = WorkerPool(
            self._store, workers=workers or default_workers(), queue_size=queue_size, max_backlog=max_backlog
        )
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
        block: bool | None = None,
        source_id: str | None = None,
        embedding: Any = None,
    ) -> None:
        """Offers one frame and its prediction; returns at once (see the module docstring).

        ``image``: uint8 array (HxW, HxWx3 in ``channel_order``, HxWx4), or encoded
        JPEG/PNG bytes, a base64 str or a file path (decoded on a worker, only when
        kept). ``prediction``: a Roboflow prediction dict, or array detections (a
        dict with ``xyxy``, ``confidence`` and ``class_id`` or ``class_name``, or a
        ``supervision.Detections``). ``timestamp`` (UNIX seconds, e.g. video time)
        drives the limit windows and the batch name. ``block``: wait for room when the
        workers' queue is full (``True``) or refuse the frame, counted (``False``);
        ``None``: the engine's own ``block``. ``source_id``: the camera or stream the
        frame comes from; each source has its own near-duplicate memory (``deduplication``),
        so one camera's frames never suppress another's. ``embedding``: a 1-D float vector
        of the frame (from any model) for ``diversity``: a frame some strategy kept is
        refused (``not_novel``) when it is within the threshold of a frame collected from
        its source; ignored when ``diversity`` is off, and a frame without one is not
        checked. Bad input raises here.
        """
        plan = self._plan
        if not plan.enabled:
            return
        if self._closed:
            raise FramesieveError("ActiveLearning.register: the engine is closed")
        self._see()
        if type(image) is _NDARRAY:
            check_array(image)
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
            check_extras(image_name, metadata, inference_id, timestamp)
        if self._project is not None and not self._project.accepts(prediction_type):
            return
        if type(prediction) is not dict:
            matched = plan.evaluate_arrays(prediction, prediction_type)
        elif "xyxy" in prediction:  # the common array form, evaluated without a detour
            get = prediction.get
            class_name = get("class_name")
            if class_name is not None:
                matched = plan.sampler.evaluate_detections(
                    get("confidence"), class_name=class_name, prediction_type=prediction_type
                )
            elif (confidence := get("confidence")) is not None:
                matched = plan.sampler.evaluate_detections(
                    confidence, class_id=get("class_id"), prediction_type=prediction_type
                )
            else:
                matched = plan.evaluate_arrays(prediction, prediction_type)  # raises, naming the key
        else:
            matched = plan.sampler.evaluate(prediction, prediction_type)
        if not matched:
            return
        # What the worker needs, checked here: a problem is this call's exception (SPEC §6).
        check_prediction(prediction, prediction_type)
        if type(image) is _NDARRAY:
            check_image_size(image.shape, plan.max_size)
        if source_id is not None and type(source_id) is not str:
            raise InvalidTypeError(f"source_id: expected a str or None, got {type(source_id).__name__}")
        now = time.time() if timestamp is None else float(timestamp)
        ticket = self._admission.admit(plan, matched, image, self._channel_order, now, source_id, embedding)
        if ticket is None:
            return
        try:
            room = self._pool.reserve(self._block if block is None else block)
        except BaseException:  # PoolClosed (close() began meanwhile), or Ctrl-C while waiting
            # with block=True: refused with the exception, its credit back, not counted
            ticket.release()
            self._counters.add("matched", n=-1)
            raise
        if not room:
            ticket.release()
            self._overloaded(block)
            return
        self._counters.add("collected")
        job = Job(
            plan=plan,
            ticket=ticket,
            image=image,
            prediction=prediction,
            prediction_type=prediction_type,
            image_name=image_name,
            metadata=metadata,
            inference_id=None if inference_id is None else str(inference_id),
            auto_orient=auto_orient,
        )
        # Remembered before the workers can settle or release it: a collected frame's
        # hash stays remembered whatever its delivery.
        try:
            self._admission.remember(ticket)
        finally:  # the place is taken: the job must reach the workers whatever happens
            self._pool.submit(job)

    def _overloaded(self, block: bool | None) -> None:
        self._counters.add("dropped_overload")
        now = time.monotonic()
        if now - self._last_overload_warning > 10.0:
            self._last_overload_warning = now
            log.warning(
                "framesieve: the queue is full (%d frames, at most the workers' time within max_backlog): "
                "kept frames are refused and counted in stats()['dropped_overload']; to wait instead, "
                "pass %s",
                self._pool.busy,
                parameter_hint(block),
            )

    def _store(self, job: Job) -> None:
        """On a worker: the datapoint, into the outbox. A frame that cannot be prepared or
        stored (undecodable bytes, an I/O error) goes to ``failed/`` with the reason."""
        seq, datapoint_id = self._storage.next_ids()
        try:
            datapoint = prepare(job, seq, datapoint_id, self.model_id, self._channel_order, self._class_names)
            self._storage.put(datapoint, job.ticket)
        except Exception as e:
            reason = redact(f"{type(e).__name__}: {e}")
            log.error("framesieve: a kept frame could not be prepared or stored: %s", reason)
            self._storage.fail_unprepared(seq, job.ticket, reason, job.known(datapoint_id))

    # -- configuration ---------------------------------------------------------------------

    def set_config(self, config: Any, *, project_type: str | None = None) -> None:
        """Switches to another configuration without a restart (frames in flight keep theirs).

        ``project_type``: the destination project's type, when known (see the class docstring).
        """
        loaded = config if isinstance(config, Config) else load_config(config)
        plan = build_plan(loaded, seed=self._seed, class_names=self._class_names)
        self._admission.configure(plan)
        self._project = None if project_type is None else ProjectTypeGate(project_type)
        self._plan = plan

    @property
    def config(self) -> Any:
        """The configuration in use."""
        return self._plan.config

    def resync_batch(self, batch: str) -> int | None:
        """Raises the ``max_batch_images`` count of ``batch`` to the destination's plus what is
        on its way there (an API call; the engine does it in the background once a minute)."""
        return self._admission.resync_batch(batch)

    def attach(self, resource: Any) -> None:
        """Something ``close()`` closes too, after the engine (e.g. a configuration refresher)."""
        self._attached.append(resource)

    # -- lifecycle -------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until everything accepted so far is delivered (or failed for good).

        Returns ``True`` then, ``False`` when ``timeout`` seconds passed first
        (the rest stays in the outbox and keeps being retried).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        return self._pool.wait_idle(deadline) and self._storage.wait_idle(deadline)

    def close(self, timeout: float | None = None) -> None:
        """Writes every queued frame to the outbox, delivers what it can within
        ``timeout`` (default ``close_timeout``), and stops; the rest stays in the
        outbox for the next start. Idempotent."""
        if self._closed and not self._close_interrupted:
            return
        self._closed, self._close_interrupted = True, False
        atexit.unregister(self.close)
        try:
            self._pool.close()
            self.flush(self.close_timeout if timeout is None else timeout)
        except BaseException:
            # Interrupted (a second Ctrl-C): frames still queued must reach the outbox,
            # so the next close(), or the one at exit, goes on from here.
            self._close_interrupted = True
            atexit.register(self.close)
            raise
        self._storage.close()
        for resource in self._attached:
            resource.close()

    def __enter__(self) -> ActiveLearning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def near_duplicates_by_source(self) -> dict[str, int]:
        """``stats()["near_duplicates"]`` per ``source_id`` given to ``register()`` (frames
        without one under ``""``); sources with none yet are absent."""
        return self._counters.near_duplicates_by_source()

    def not_novel_by_source(self) -> dict[str, int]:
        """``stats()["not_novel"]`` per ``source_id`` (``""``: frames without one)."""
        return self._counters.by_source("not_novel")

    def stats(self) -> dict[str, int]:
        """Counters since start: ``seen`` (frames offered), ``matched`` (kept by a strategy),
        ``limited`` (no credit, or batch full: ``batch_full``), ``collected`` (accepted),
        ``delivered``, ``duplicates``, ``failed`` (permanently, see ``failed/``), ``pending``
        (accepted or recovered, not yet confirmed), ``dropped_overload``,
        ``dropped_outbox_full``, ``recovered`` (found in the outbox at start),
        ``near_duplicates`` (matched, but skipped by ``deduplication``), ``not_novel``
        (matched, but refused by ``diversity``).

        Nothing vanishes (SPEC §6): once ``close()`` returned (or ``flush()`` returned
        ``True``), ``matched == not_novel + near_duplicates + limited + dropped_overload +
        dropped_outbox_full + collected`` (``limited`` includes ``batch_full``) and
        ``collected + recovered == delivered + duplicates + failed + pending``, with a
        ``failed/`` reason file for every ``failed`` and an outbox record per ``pending``."""
        out = self._counters.snapshot()
        out["pending"] = self._pool.busy + self._storage.pending()
        return out

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("enabled" if self._plan.enabled else "disabled")
        return f"ActiveLearning({self.destination!r}, {state}, outbox={str(self.outbox.path)!r})"

    @classmethod
    def from_roboflow(
        cls, api_key: str, project: str, model_id: str | None = None, **kwargs: Any
    ) -> ActiveLearning:
        """An engine fed by the project's own configuration (see :mod:`framesieve.config.remote`)."""
        from framesieve.config.remote import from_roboflow

        return from_roboflow(cls, api_key, project, model_id, **kwargs)
