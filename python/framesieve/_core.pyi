"""Typed surface of the Rust extension `framesieve._core`."""

from typing import Any, final

__version__: str

class FramesieveError(Exception): ...
class InvalidInputError(FramesieveError, ValueError): ...
class InvalidTypeError(FramesieveError, TypeError): ...
class LimiterConnectionError(FramesieveError, ConnectionError): ...

@final
class Sampler:
    """The Rust sampler; use `framesieve.Sampler`, which wraps it."""

    def __new__(
        cls, config: dict[str, Any], seed: int | None = None, *, class_names: list[str] | None = None
    ) -> Sampler: ...
    @property
    def strategy_names(self) -> list[str]: ...
    def evaluate(self, prediction: dict[str, Any], prediction_type: str) -> list[str]: ...
    def evaluate_detections(
        self,
        confidence: Any,
        *,
        class_name: Any = None,
        class_id: Any = None,
        prediction_type: str | None = None,
        class_names: list[str] | None = None,
    ) -> list[str]: ...
