"""framesieve: pick the frames worth labeling from production inference, fast."""

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    __version__,
)
from framesieve.config import Config, ConfigError, ConfigWarning, load_config
from framesieve.destinations import (
    DeliveryError,
    LocalDataset,
    PermanentDeliveryError,
    RoboflowDestination,
    TransientDeliveryError,
    export_coco,
)
from framesieve.engine import ActiveLearning
from framesieve.middleware import (
    ActiveLearningMiddleware,
    NullActiveLearningMiddleware,
    ThreadingActiveLearningMiddleware,
)
from framesieve.outbox import OutboxLockedError

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
    "NullActiveLearningMiddleware",
    "OutboxLockedError",
    "PermanentDeliveryError",
    "RoboflowDestination",
    "ThreadingActiveLearningMiddleware",
    "TransientDeliveryError",
    "__version__",
    "export_coco",
    "load_config",
]
