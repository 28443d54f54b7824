"""The loop `framesieve run` drives: frames from a source, through a model, into a sink.

Three stages overlap: the source decodes ahead on its own thread (bounded queue),
the model runs on the calling thread, and the sink — normally
`ActiveLearning.register`, which never blocks on I/O — hands kept frames to the
engine's own workers. Ctrl-C (KeyboardInterrupt) stops the loop between frames and
releases the decoder; flushing the engine (with a timeout) is then the caller's
job, so the rest stays in the outbox.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from framesieve.models.base import Model
from framesieve.sources.frames import Frame, FrameSource

log = logging.getLogger("framesieve.stream")


@dataclass
class StreamStats:
    """What a run did: frames read, seconds spent, and whether Ctrl-C ended it."""

    frames: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def fps(self) -> float:
        """Frames per second over the whole run."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def run_stream(
    source: FrameSource,
    model: Model,
    sink: Callable[..., Any],
    *,
    batch_size: int = 1,
    on_frame: Callable[[Frame, dict[str, Any]], None] | None = None,
    stop: threading.Event | None = None,
) -> StreamStats:
    """Run `model` on every frame of `source` and pass each to `sink`.

    `sink(image, prediction, prediction_type, timestamp=...)` — the signature of
    `ActiveLearning.register` — gets the frame, the model's Roboflow JSON, the
    model's task type and the frame's timestamp (video time for files).
    `batch_size` > 1 groups frames into one model run. `on_frame` (optional) sees
    each frame and prediction, e.g. for progress output. KeyboardInterrupt ends the
    run cleanly (`interrupted=True`); so does `stop` (optional) once set — the CLI
    sets it from its SIGINT/SIGTERM handler, so a signal never lands in the middle
    of a `register()`. The source is closed in every case.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size: must be >= 1, got {batch_size}")
    stats = StreamStats()
    start = time.perf_counter()
    pending: list[Frame] = []

    def deliver(frames: list[Frame]) -> None:
        predictions = model.predict_batch([f.image for f in frames])
        for frame, prediction in zip(frames, predictions, strict=True):
            sink(frame.image, prediction, model.task_type, timestamp=frame.timestamp)
            if on_frame is not None:
                on_frame(frame, prediction)
            stats.frames += 1

    try:
        for frame in source:
            if stop is not None and stop.is_set():
                stats.interrupted = True
                break
            pending.append(frame)
            if len(pending) >= batch_size:
                batch, pending = pending, []
                deliver(batch)
        if pending and not stats.interrupted:
            deliver(pending)
    except KeyboardInterrupt:
        stats.interrupted = True
        log.warning("interrupted after %d frames", stats.frames)
    finally:
        source.close()
        stats.seconds = time.perf_counter() - start
    return stats
