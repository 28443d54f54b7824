"""``framesieve.default_config``: the configuration ``framesieve run`` uses without
``--config`` (kept at this path for users; it lives in :mod:`framesieve.config.default`)."""

from framesieve.config.default import DEFAULT_CONFIG, default_config

__all__ = ["DEFAULT_CONFIG", "default_config"]
