"""framesieve: pick the frames worth labeling from production inference, fast.

The package, by domain: ``config`` (the Active Learning configuration),
``sampling`` (which frames to keep), ``image`` (inputs and their preparation),
``predictions`` (the shapes predictions come in), ``engine`` (``ActiveLearning``
and the drop-in middlewares, its metrics), ``destinations`` (Roboflow, a local
dataset), ``exports`` (COCO, YOLO, Pascal VOC, Label Studio, the review page),
``models`` and ``sources`` (what ``framesieve run`` runs), ``cli``, and
``reference`` (the pure-Python twin of the Rust core).
"""

from framesieve import reference as reference
from framesieve._core import MemoryLimiter, RedisLimiter, __version__
from framesieve.config import Config, load_config
from framesieve.destinations import LocalDataset, RoboflowDestination
from framesieve.engine import (
    ActiveLearning,
    ActiveLearningMiddleware,
    NullActiveLearningMiddleware,
    ThreadingActiveLearningMiddleware,
)
from framesieve.engine.metrics import serve_metrics
from framesieve.errors import (
    ConfigError,
    ConfigWarning,
    DeliveryError,
    ExportError,
    ExportWarning,
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
    OutboxLockedError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from framesieve.exports import (
    export_coco,
    export_labelstudio,
    export_voc,
    export_yolo,
    write_review,
)
from framesieve.image import PreparedImage, prepare_image, rescale_prediction
from framesieve.sampling import DiversityFilter, NearDuplicateFilter, Sampler, image_hash

__all__ = [
    "ActiveLearning",
    "ActiveLearningMiddleware",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "DeliveryError",
    "DiversityFilter",
    "ExportError",
    "ExportWarning",
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
    "export_labelstudio",
    "export_voc",
    "export_yolo",
    "image_hash",
    "load_config",
    "prepare_image",
    "rescale_prediction",
    "serve_metrics",
    "write_review",
]
