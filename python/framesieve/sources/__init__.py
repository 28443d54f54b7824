"""Where frames come from (the ``[models]`` extra: OpenCV decodes them): video files,
image folders, cameras, stream URLs and the sample videos, and the loop that runs a
model over them into a sink (:func:`run_stream`)."""

from framesieve.errors import SampleNotFoundError, SourceError
from framesieve.sources.frames import IMAGE_SUFFIXES, Frame, FrameSource, open_source, redact
from framesieve.sources.samples import PREFIX, SAMPLES, sample_path
from framesieve.sources.stream import StreamStats, run_stream

__all__ = [
    "IMAGE_SUFFIXES",
    "PREFIX",
    "SAMPLES",
    "Frame",
    "FrameSource",
    "SampleNotFoundError",
    "SourceError",
    "StreamStats",
    "open_source",
    "redact",
    "run_stream",
    "sample_path",
]
