"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    __version__,
)
from framesieve.config import Config, ConfigError, ConfigWarning, load_config
from framesieve.dedup import NearDuplicateFilter, image_hash

__all__ = [
    "Config",
    "ConfigError",
    "ConfigWarning",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "NearDuplicateFilter",
    "__version__",
    "image_hash",
    "load_config",
]
