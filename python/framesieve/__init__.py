"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    __version__,
)
from framesieve.config import Config, ConfigError, ConfigWarning, load_config

__all__ = [
    "Config",
    "ConfigError",
    "ConfigWarning",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "__version__",
    "load_config",
]
