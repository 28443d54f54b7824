"""The engine's worker threads and the bound on what waits for them (SPEC §6).

Frames waiting in memory are what a hard kill loses, and SPEC §6 allows only
the last 0.5 s: the pool holds at most ``queue_size`` jobs, and at most what the
workers can finish within ``max_backlog`` seconds (a running average of their
time per job). :meth:`WorkerPool.reserve` takes a place before a job is handed
over, waiting for room when asked to.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from framesieve.errors import FramesieveError

#: a worker's time per job assumed before the first one is measured (a 1080p frame on a slow core)
INITIAL_JOB_SECONDS = 0.01
_STOP = object()
log = logging.getLogger("framesieve")


class PoolClosed(FramesieveError):
    """A place was asked for after :meth:`WorkerPool.close` began."""


def default_workers() -> int:
    """Worker threads: one per core this process may use (at least 1, at most 16)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(16, cores))


class WorkerPool:
    """``workers`` threads running ``process(job)`` on the jobs handed to :meth:`submit`."""

    def __init__(
        self, process: Callable[[Any], None], *, workers: int, queue_size: int, max_backlog: float
    ) -> None:
        self._process = process
        self._queue: queue.Queue[Any] = queue.Queue()
        self._queue_size = queue_size
        self._max_backlog = float(max_backlog)
        self._job_seconds = INITIAL_JOB_SECONDS
        self.cv = threading.Condition()
        self.busy = 0  # jobs reserved or queued, not yet done
        self._closed = False
        self._threads = [
            threading.Thread(target=self._run, name=f"framesieve-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def backlog_limit(self) -> int:
        """How many jobs may wait: ``queue_size``, and no more than ``max_backlog`` s of work."""
        by_time = int(self._max_backlog * len(self._threads) / max(self._job_seconds, 1e-6))
        return max(1, min(self._queue_size, by_time))

    def reserve(self, block: bool) -> bool:
        """Takes a place for one job; ``False`` when full and not ``block``.
        :class:`PoolClosed` once :meth:`close` began (also while waiting for room)."""
        with self.cv:
            while not self._closed and self.busy >= self.backlog_limit:
                if not block:
                    return False
                self.cv.wait(0.5)
            if self._closed:
                raise PoolClosed("ActiveLearning.register: the engine is closed")
            self.busy += 1
            return True

    def submit(self, job: Any) -> None:
        """Hands over a job for a place :meth:`reserve` took (never waits)."""
        self._queue.put(job)

    def _run(self) -> None:
        while (job := self._queue.get()) is not _STOP:
            start = time.perf_counter()
            try:
                self._process(job)
            except Exception:
                # `process` ends every frame itself (failed/ with a reason); should a bug
                # escape it, the thread lives on for the jobs behind, and close() still ends.
                log.exception("framesieve: a worker's job raised; the worker goes on")
            finally:
                took = time.perf_counter() - start
                with self.cv:
                    self.busy -= 1
                    self._job_seconds += 0.2 * (took - self._job_seconds)
                    self.cv.notify_all()

    def wait_idle(self, deadline: float | None) -> bool:
        """Waits until no job is waiting or running; ``False`` at ``deadline`` (monotonic)."""
        with self.cv:
            while self.busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.cv.wait(left if left is not None else 1.0)
        return True

    def close(self) -> None:
        """Refuses new places, finishes every job that has one (a place taken just before
        is still handed over and done), then stops the threads."""
        with self.cv:
            self._closed = True
            self.cv.notify_all()
            while self.busy:
                self.cv.wait(1.0)
        for _ in self._threads:
            self._queue.put(_STOP)
        for thread in self._threads:
            thread.join()
