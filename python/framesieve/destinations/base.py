"""What a destination is, and how it reports failures (the errors live in :mod:`framesieve.errors`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from framesieve.destinations.datapoint import Datapoint
from framesieve.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError

__all__ = ["Delivery", "DeliveryError", "Destination", "PermanentDeliveryError", "TransientDeliveryError"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """The destination's answer: stored (``duplicate`` False) or already there (True)."""

    duplicate: bool = False
    image_id: str | None = None


@runtime_checkable
class Destination(Protocol):
    """A labeling destination the engine delivers datapoints to.

    ``key`` names the destination without secrets (it names the default outbox
    folder and the limits scope). ``deliver`` is called from worker threads,
    possibly concurrently, and may be called again for a datapoint after a crash
    (it must then not create a second image); ``progress`` is the dict it saved
    through ``save_progress`` in an earlier attempt.
    """

    @property
    def key(self) -> str: ...

    def deliver(self, datapoint: Datapoint, progress: dict[str, Any], save_progress: Any) -> Delivery: ...

    def batch_image_count(self, batch: str) -> int | None: ...

    def close(self) -> None: ...
