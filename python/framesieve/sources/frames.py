"""Frame sources for `framesieve run`: video files, image folders, cameras, stream URLs.

All of them go through OpenCV: `cv2.VideoCapture` opens files, camera indexes and
RTSP/HTTP/RTMP URLs through one API, and the opencv-python-headless wheel ships
its own FFmpeg, so no system library is needed (PyAV would need a second decoder
stack for cameras). Frames come out as `Frame(image, timestamp, frame_index)` tuples:
BGR uint8 images, timestamps in UNIX seconds that go to `register(timestamp=...)`.

Timestamps: for video files, the frame's time in the video (its presentation
time, else index / fps) added to a fixed `epoch` (default: when the source was
opened), so limit windows follow video time; for cameras, streams and image
folders, the wall clock when the frame was read.

A decode thread fills a small bounded queue, so decoding the next frames overlaps
the caller's inference on the current one, and memory stays bounded when the
consumer is slower.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np

from framesieve._util.redact import redact_url as redact
from framesieve.errors import SampleNotFoundError, SourceError
from framesieve.sources.provenance import describe_source
from framesieve.sources.samples import PREFIX, sample_path

log = logging.getLogger("framesieve.sources")

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DONE = object()


class Frame(NamedTuple):
    """One decoded frame: BGR uint8 HxWx3, UNIX seconds, 0-based index in the source, and
    for a folder or an image the file it was read from (its provenance)."""

    image: np.ndarray
    timestamp: float
    frame_index: int
    path: str | None = None


class FrameSource:
    """Frames of one source, decoded ahead on a thread; iterate it once, then `close()`.

    Use `open_source()` to make one. Attributes: `kind` ("video", "folder", "image",
    "camera", "stream"), `fps` (None when unknown), `frame_count` (None when unknown),
    `epoch` (the UNIX time video time 0 maps to).
    """

    def __init__(
        self,
        source: str | int | os.PathLike[str],
        *,
        epoch: float | None = None,
        queue_size: int = 4,
        max_frames: int | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size: must be >= 1, got {queue_size}")
        if max_frames is not None and max_frames < 0:
            raise ValueError(f"max_frames: must be >= 0, got {max_frames}")
        self.epoch = time.time() if epoch is None else float(epoch)
        self.max_frames = max_frames
        self.fps: float | None = None
        self.frame_count: int | None = None
        self._capture: Any = None
        self._files: list[Path] = []
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._reference: str | int = ""
        self._open(source)
        #: provenance (see :mod:`framesieve.sources.provenance`): a short name of the source,
        #: and what ``metadata["source"]`` says (no credentials)
        self.source_id, self.description = describe_source(self._reference)

    # -- opening -----------------------------------------------------------------------------
    def _open(self, source: str | int | os.PathLike[str]) -> None:
        # Digits name a camera, unless a file or folder of that name exists.
        is_index = isinstance(source, str) and source.strip().isdigit() and not Path(source).exists()
        if isinstance(source, int) or (isinstance(source, str) and is_index):
            index = int(source)
            self.kind, self.name = "camera", f"camera {index}"
            self._reference = index
            self._open_capture(index, f"no camera at index {index} (or it is in use)")
            return
        text = os.fspath(source)
        if text.startswith(PREFIX):
            try:
                text = str(sample_path(text))
            except SampleNotFoundError as exc:
                raise SourceError(str(exc)) from None
        self._reference = text
        if _URL.match(text) and not text.lower().startswith("file://"):
            self.kind, self.name = "stream", redact(text)
            self._open_capture(text, f"cannot open stream {self.name}")
            return
        path = Path(text[7:] if text.lower().startswith("file://") else text)
        self.name = str(path)
        if path.is_dir():
            self.kind = "folder"
            self._files = sorted(
                p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
            )
            if not self._files:
                raise SourceError(
                    f"source: folder {self.name!r} holds no image ({', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            self.frame_count = len(self._files)
            return
        if not path.exists():
            raise SourceError(f"source: no such file or folder {self.name!r}")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            self.kind, self._files, self.frame_count = "image", [path], 1
            return
        self.kind = "video"
        self._open_capture(str(path), f"cannot decode {self.name!r} as a video")
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if fps > 0 else None
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = count if count > 0 else None

    def _open_capture(self, target: str | int, message: str) -> None:
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"source: {message}")
        self._capture = capture
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if fps > 0 else None

    # -- decoding (on the decode thread) -----------------------------------------------------
    def _frames(self) -> Iterator[Frame]:
        if self.kind in ("folder", "image"):
            yield from self._folder_frames()
        else:
            yield from self._capture_frames()

    def _folder_frames(self) -> Iterator[Frame]:
        index = 0
        for path in self._files:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                # One corrupt file should not end a folder run; it is named in the log.
                log.warning("skipping %s: not a decodable image", path)
                continue
            yield Frame(image, time.time(), index, str(path))
            index += 1
        if index == 0:
            raise SourceError(
                f"source: none of the {len(self._files)} files of {self.name!r} is a decodable image"
            )

    def _capture_frames(self) -> Iterator[Frame]:
        capture, index, previous = self._capture, 0, -1.0
        while True:
            ok, image = capture.read()
            if not ok or image is None:
                if index == 0 and self.kind == "video":
                    raise SourceError(f"source: cannot decode any frame of {self.name!r}")
                if self.kind != "video":
                    log.warning("%s: no more frames (end of stream or connection lost)", self.name)
                elif self.frame_count and index < self.frame_count:
                    log.warning(
                        "%s: the video ended after %d of the %d frames it announces (truncated or damaged)",
                        self.name,
                        index,
                        self.frame_count,
                    )
                return
            if self.kind == "video":
                seconds = float(capture.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
                # Containers without usable presentation times: fall back to index / fps.
                if (seconds <= previous or (seconds == 0.0 and index > 0)) and self.fps:
                    seconds = index / self.fps
                previous = seconds
                timestamp = self.epoch + seconds
            else:
                timestamp = time.time()
            yield Frame(image, timestamp, index)
            index += 1

    def _produce(self) -> None:
        try:
            for count, frame in enumerate(self._frames()):
                if self.max_frames is not None and count >= self.max_frames:
                    break
                while not self._stop.is_set():
                    try:
                        self._queue.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        finally:
            while not self._stop.is_set():
                try:
                    self._queue.put(_DONE, timeout=0.1)
                    break
                except queue.Full:
                    continue

    # -- consuming -----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise RuntimeError("a FrameSource can be iterated once")
        self._thread = threading.Thread(target=self._produce, name="framesieve-decode", daemon=True)
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    break
                yield item
            if self._error is not None:
                raise self._error
        finally:
            self.close()

    def close(self, timeout: float = 2.0) -> None:
        """Stop decoding and release the capture (idempotent)."""
        self._stop.set()
        while True:  # unblock a producer waiting on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self._capture is not None and (self._thread is None or not self._thread.is_alive()):
            self._capture.release()
            self._capture = None

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"FrameSource(kind={self.kind!r}, name={self.name!r}, fps={self.fps}, frames={self.frame_count})"
        )


def open_source(
    source: str | int | os.PathLike[str],
    *,
    epoch: float | None = None,
    queue_size: int = 4,
    max_frames: int | None = None,
) -> FrameSource:
    """Open a video file, an image folder (sorted by name), a single image, a camera
    index (int or digits), a stream URL (rtsp://, http(s)://, ...) or a sample video
    (`sample:bikes`, `sample:carphone`, see :mod:`framesieve.samples`).

    `epoch`: UNIX time that video time 0 maps to (default: now); `queue_size`: frames
    decoded ahead; `max_frames`: stop after that many. Raises `SourceError` for a
    missing path, an empty folder, a file that is not a video, an absent camera or an
    unreachable stream.
    """
    return FrameSource(source, epoch=epoch, queue_size=queue_size, max_frames=max_frames)
