"""Where frames come from (the ``[models]`` extra: OpenCV decodes them): video files,
image folders, cameras, stream URLs and the sample videos, the loop that runs a
model over them into a sink (:func:`run_stream`), and the provenance of a frame
(:mod:`~framesieve.sources.provenance`).

The OpenCV-backed names are imported on first use, so that the provenance helpers
(which the InferencePipeline sink uses) import without OpenCV.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from framesieve.errors import SampleNotFoundError, SourceError
from framesieve.sources.provenance import Provenance, describe_source, frame_provenance
from framesieve.sources.samples import PREFIX, SAMPLES, sample_path

if TYPE_CHECKING:
    from framesieve.sources.frames import IMAGE_SUFFIXES, Frame, FrameSource, open_source, redact
    from framesieve.sources.stream import StreamStats, run_stream

_LAZY = {
    "IMAGE_SUFFIXES": "framesieve.sources.frames",
    "Frame": "framesieve.sources.frames",
    "FrameSource": "framesieve.sources.frames",
    "open_source": "framesieve.sources.frames",
    "redact": "framesieve.sources.frames",
    "StreamStats": "framesieve.sources.stream",
    "run_stream": "framesieve.sources.stream",
}

__all__ = [
    "IMAGE_SUFFIXES",
    "PREFIX",
    "SAMPLES",
    "Frame",
    "FrameSource",
    "Provenance",
    "SampleNotFoundError",
    "SourceError",
    "StreamStats",
    "describe_source",
    "frame_provenance",
    "open_source",
    "redact",
    "run_stream",
    "sample_path",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'framesieve.sources' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
