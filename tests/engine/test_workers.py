"""The worker pool outlives a job that raises: the jobs behind it still run, close() ends."""

from __future__ import annotations

import logging
import time

from framesieve.engine.workers import WorkerPool


def test_a_job_that_raises_does_not_stop_the_worker(caplog) -> None:
    done: list[str] = []

    def process(job: str) -> None:
        if job == "bad":
            raise RuntimeError("a bug in process")
        done.append(job)

    pool = WorkerPool(process, workers=1, queue_size=8, max_backlog=10.0)
    for job in ["a", "bad", "c"]:
        assert pool.reserve(block=True)
        pool.submit(job)
    assert pool.wait_idle(deadline=time.monotonic() + 10)
    pool.close()
    assert done == ["a", "c"]
    assert pool.busy == 0
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "a bug in process" in record.exc_text
