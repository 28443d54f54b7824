"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    __version__,
)
from framesieve.image import PreparedImage, prepare_image, rescale_prediction

__all__ = [
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "PreparedImage",
    "__version__",
    "prepare_image",
    "rescale_prediction",
]
