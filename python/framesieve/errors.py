"""Every exception framesieve raises, in one place.

``FramesieveError`` is the base of all of them. Each error that is bad input is
also the builtin a Python user expects (``ValueError``, ``TypeError``,
``ConnectionError``, ``OSError``), so either ``except`` clause catches it. The
first four are made by the Rust core (``framesieve._core``) and re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

from framesieve._core import (
    FramesieveError,
    InvalidInputError,
    InvalidTypeError,
    LimiterConnectionError,
)

__all__ = [
    "ConfigError",
    "ConfigWarning",
    "DeliveryError",
    "ExportError",
    "ExportWarning",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "OutboxLockedError",
    "PermanentDeliveryError",
    "SampleNotFoundError",
    "SourceError",
    "TransientDeliveryError",
]


class ConfigError(FramesieveError, ValueError):
    """An invalid configuration; ``problems`` lists every fault, each ``"path: message"``."""

    problems: list[str]

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"invalid configuration ({count} problem{'' if count == 1 else 's'}):"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class ConfigWarning(UserWarning):
    """A configuration part was skipped (an unknown strategy type outside strict mode)."""


class DeliveryError(FramesieveError):
    """A destination could not take a datapoint."""


class TransientDeliveryError(DeliveryError, ConnectionError):
    """Worth retrying: connection refused, timeout, HTTP 429 or 5xx."""


class PermanentDeliveryError(DeliveryError):
    """Never worth retrying: HTTP 400/401/403/404, a rejected upload, an unwritable folder."""


class ExportError(FramesieveError, ValueError):
    """An export or review page that cannot be made: a folder that is not a dataset, a
    malformed or tampered manifest, an unknown batch, an output that cannot be written."""


class ExportWarning(UserWarning):
    """Something an export left out and says so: an image gone from the folder, an object
    outside its image, what a format cannot hold."""


class OutboxLockedError(FramesieveError, RuntimeError):
    """Another process (or another engine of this one) is delivering this outbox."""


class SourceError(FramesieveError, OSError):
    """A source that cannot be opened or read (missing path, undecodable video, no camera)."""


class SampleNotFoundError(FramesieveError, FileNotFoundError):
    """A `sample:` name that is unknown, or whose package is not installed."""
