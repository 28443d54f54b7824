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
from framesieve.image import PreparedImage, prepare_image, rescale_prediction

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
    "PreparedImage",
    "__version__",
    "prepare_image",
    "rescale_prediction",
]
