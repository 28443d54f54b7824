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

from framesieve._util.calls import accepted_keywords
from framesieve.engine.overload import (
    current_waiting_parameter,
    reset_waiting_parameter,
    set_waiting_parameter,
)
from framesieve.models.base import Model
from framesieve.sources.frames import Frame, FrameSource
from framesieve.sources.provenance import describe_source, frame_provenance

#: sources whose frames wait for the engine by default: nothing is gained by dropping a file's frames
FILE_KINDS = frozenset({"video", "folder", "image"})

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
    block: bool | None = None,
    image_name: Callable[[Frame], str] | None = None,
    metadata: Callable[[Frame], dict[str, Any]] | None = None,
) -> StreamStats:
    """Run `model` on every frame of `source` and pass each to `sink`.

    `sink(image, prediction, prediction_type, timestamp=..., image_name=..., metadata=...,
    block=...)` — the signature of `ActiveLearning.register`; keywords the sink does not
    take are left out — gets the frame, the model's Roboflow JSON, the model's task type,
    the frame's timestamp (video time for files) and its provenance
    (:mod:`framesieve.sources.provenance`; `image_name` / `metadata`, callables of the
    frame, replace it). `block`: `None` waits for the engine with files, folders and
    images (a kept frame is never dropped) and drops-and-counts with cameras and streams
    (a live source must not stall); `True` / `False` force it.

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
    takes = accepted_keywords(sink, ("timestamp", "image_name", "metadata", "block", "source_id"))
    kind = getattr(source, "kind", None)
    wait = block if block is not None else (None if kind is None else kind in FILE_KINDS)
    if hasattr(source, "source_id"):
        source_id, shown = source.source_id, source.description
    else:
        source_id, shown = describe_source(str(getattr(source, "name", "source")))
    epoch = getattr(source, "epoch", None)

    def options(frame: Frame) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "timestamp" in takes:
            out["timestamp"] = frame.timestamp
        if "image_name" in takes or "metadata" in takes:
            video_time = frame.timestamp - epoch if kind == "video" and epoch is not None else None
            index = frame.frame_index
            origin = frame_provenance(source_id, shown, index, video_time=video_time, file=frame.path)
            if "image_name" in takes:
                out["image_name"] = origin.image_name if image_name is None else image_name(frame)
            if "metadata" in takes:
                out["metadata"] = origin.metadata if metadata is None else metadata(frame)
        if "block" in takes:
            out["block"] = wait
        if "source_id" in takes:  # each source its own near-duplicate memory
            out["source_id"] = source_id
        return out

    def deliver(frames: list[Frame]) -> None:
        predictions = model.predict_batch([f.image for f in frames])
        for frame, prediction in zip(frames, predictions, strict=True):
            sink(frame.image, prediction, model.task_type, **options(frame))
            if on_frame is not None:
                on_frame(frame, prediction)
            stats.frames += 1

    # the overload warning names the parameter of whoever drives this loop (the CLI names its own)
    token = set_waiting_parameter(current_waiting_parameter() or "run_stream(..., block=True)")
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
        reset_waiting_parameter(token)
        source.close()
        stats.seconds = time.perf_counter() - start
    return stats
