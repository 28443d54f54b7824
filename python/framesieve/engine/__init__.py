"""The engine: :class:`ActiveLearning` and the drop-in middleware classes built on it.

- ``admission``: the caller's-thread decisions after sampling, and the ticket each
  accepted frame holds;
- ``workers`` and ``prepare``: datapoints made on worker threads;
- ``outbox`` and ``delivery``: durable until the destination confirms;
- ``middleware``: the classes with Roboflow Inference's call shapes.
"""

from framesieve.engine.active_learning import ActiveLearning, default_outbox
from framesieve.engine.middleware import (
    ActiveLearningMiddleware,
    NullActiveLearningMiddleware,
    ThreadingActiveLearningMiddleware,
)
from framesieve.engine.outbox import Outbox

__all__ = [
    "ActiveLearning",
    "ActiveLearningMiddleware",
    "NullActiveLearningMiddleware",
    "Outbox",
    "ThreadingActiveLearningMiddleware",
    "default_outbox",
]
