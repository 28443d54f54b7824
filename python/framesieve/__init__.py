"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    MemoryLimiter,
    RedisLimiter,
    __version__,
)

__all__ = [
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "MemoryLimiter",
    "RedisLimiter",
    "__version__",
]
