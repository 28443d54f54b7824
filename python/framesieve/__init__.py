"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve import reference as reference
from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    __version__,
)
from framesieve.sampler import Sampler

__all__ = [
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "Sampler",
    "__version__",
]
