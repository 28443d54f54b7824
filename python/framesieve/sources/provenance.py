"""Where a frame came from, so that a labeled image can be traced back (SPEC §4.7).

Whoever feeds frames without an explicit ``image_name`` (``framesieve run``,
:func:`framesieve.sources.run_stream`, :func:`framesieve.interop.make_on_prediction`)
asks :func:`frame_provenance` for the frame's ``image_name``, ``metadata`` and
source id, from the source and the frame index, and passes them to ``register()``:

- ``image_name``: ``<source id>-<frame index, 6 digits>`` (``bikes-000042``), or the
  file stem of an image read from a folder (the file *is* the frame);
- ``metadata``: ``source`` (the path, the stream URL without credentials or query, or
  ``camera <n>``), ``frame_index`` (0-based position in the source) and, for video
  files, ``video_time`` (seconds into the video);
- ``source_id``: a short name for the source (file stem, ``camera0``, the stream's
  host and path), the same for every frame of it.

Only the standard library is used: the InferencePipeline sink imports this without OpenCV.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath
from typing import Any, NamedTuple
from urllib.parse import urlsplit

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Provenance(NamedTuple):
    """What ``register()`` is given for one frame: ``image_name``, ``metadata``, and the
    source id (the same for every frame of a source). A tuple: it is made for every frame."""

    image_name: str
    metadata: dict[str, Any]
    source_id: str


def _slug(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_.") or "source"


def describe_source(reference: str | int | os.PathLike[str]) -> tuple[str, str]:
    """``(source id, source)`` of a video path, image folder, camera index or stream URL.

    The source is what ``metadata["source"]`` says (never a password or a query
    string, which may hold a token); the source id is a short path-safe name.
    """
    if isinstance(reference, bool):
        raise TypeError(f"source: expected a path, URL or camera index, got {reference!r}")
    if isinstance(reference, int):
        return f"camera{reference}", f"camera {reference}"
    text = os.fspath(reference)
    if text.strip().isdigit():
        return f"camera{int(text)}", f"camera {int(text)}"
    if _URL.match(text) and not text.lower().startswith("file://"):
        parts = urlsplit(text)
        host = parts.hostname or ""
        where = f"{host}:{parts.port}" if parts.port else host
        shown = f"{parts.scheme}://{where}{parts.path}"
        return _slug(f"{where}{parts.path}"), shown
    path = PurePath(text[7:] if text.lower().startswith("file://") else text)
    return _slug(path.stem or path.name), str(path)


def frame_provenance(
    source_id: str,
    source: str,
    frame_index: int,
    *,
    video_time: float | None = None,
    file: str | os.PathLike[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Provenance:
    """The provenance of frame ``frame_index`` (0-based) of a source.

    ``file``: the image file the frame was read from (folders: the name is its stem,
    and it is the ``source``). ``video_time``: seconds into a video file. ``extra``:
    more metadata of the caller's (e.g. the pipeline's own frame id).
    """
    metadata: dict[str, Any] = {"source": source, "frame_index": frame_index}
    if file is not None:
        path = PurePath(os.fspath(file))
        name = _slug(path.stem or path.name)
        metadata["source"] = str(path)
    else:
        name = f"{source_id}-{frame_index:06d}"
    if video_time is not None:
        metadata["video_time"] = round(video_time, 6)  # microseconds: no float noise in the JSON
    if extra:
        metadata.update(extra)
    return Provenance(name, metadata, source_id)
