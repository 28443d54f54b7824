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
from framesieve.dedup import NearDuplicateFilter, image_hash
from framesieve.image import PreparedImage, prepare_image, rescale_prediction
from framesieve.sampler import Sampler

__all__ = [
    "Config",
    "ConfigError",
    "ConfigWarning",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "MemoryLimiter",
    "NearDuplicateFilter",
    "PreparedImage",
    "RedisLimiter",
    "Sampler",
    "__version__",
    "image_hash",
    "load_config",
    "prepare_image",
    "rescale_prediction",
]
