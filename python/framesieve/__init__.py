"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve import reference as reference
from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    MemoryLimiter,
    RedisLimiter,
    __version__,
)
from framesieve.config import Config, ConfigError, ConfigWarning, load_config
from framesieve.sampler import Sampler

__all__ = [
    "Config",
    "ConfigError",
    "ConfigWarning",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "Sampler",
    "MemoryLimiter",
    "RedisLimiter",
    "__version__",
    "load_config",
]
