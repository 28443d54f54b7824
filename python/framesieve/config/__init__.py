"""The Active Learning configuration (SPEC §1): loading and validation, the
validated model, the embedded default, and a Roboflow project's own
configuration (:mod:`framesieve.config.remote`, imported on demand).

- ``load``: :func:`load_config` (the whole file) and :func:`load_sampling` (what a sampler needs);
- ``model``: the immutable objects it returns;
- ``fields`` and ``rules``: the readers that record every problem, each with its path;
- ``default``: the configuration ``framesieve run`` uses without ``--config``.
"""

from framesieve.config.default import DEFAULT_CONFIG, default_config
from framesieve.config.load import load_config, load_sampling
from framesieve.config.model import (
    BatchingStrategy,
    ClassesBasedStrategy,
    CloseToThresholdStrategy,
    Config,
    Deduplication,
    DetectionsNumberBasedStrategy,
    Diversity,
    Limit,
    RandomStrategy,
    SamplingStrategy,
    UncertaintyStrategy,
)
from framesieve.errors import ConfigError, ConfigWarning

__all__ = [
    "DEFAULT_CONFIG",
    "BatchingStrategy",
    "ClassesBasedStrategy",
    "CloseToThresholdStrategy",
    "Config",
    "ConfigError",
    "ConfigWarning",
    "Deduplication",
    "DetectionsNumberBasedStrategy",
    "Diversity",
    "Limit",
    "RandomStrategy",
    "SamplingStrategy",
    "UncertaintyStrategy",
    "default_config",
    "load_config",
    "load_sampling",
]
