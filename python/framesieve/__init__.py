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
from framesieve.destinations import (
    DeliveryError,
    LocalDataset,
    PermanentDeliveryError,
    RoboflowDestination,
    TransientDeliveryError,
    export_coco,
)
from framesieve.engine import ActiveLearning
from framesieve.image import PreparedImage, prepare_image, rescale_prediction
from framesieve.middleware import (
    ActiveLearningMiddleware,
    NullActiveLearningMiddleware,
    ThreadingActiveLearningMiddleware,
)
from framesieve.outbox import OutboxLockedError
from framesieve.sampler import Sampler

__all__ = [
    "ActiveLearning",
    "ActiveLearningMiddleware",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "DeliveryError",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "LocalDataset",
    "MemoryLimiter",
    "NearDuplicateFilter",
    "NullActiveLearningMiddleware",
    "OutboxLockedError",
    "PermanentDeliveryError",
    "PreparedImage",
    "RedisLimiter",
    "RoboflowDestination",
    "Sampler",
    "ThreadingActiveLearningMiddleware",
    "TransientDeliveryError",
    "__version__",
    "export_coco",
    "image_hash",
    "load_config",
    "prepare_image",
    "rescale_prediction",
]
