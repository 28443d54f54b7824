"""Typed surface of the Rust extension `framesieve._core`."""

import os
from collections.abc import Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

from framesieve.config.model import SamplingStrategy

__all__ = [
    "DiversityFilter",
    "FramesieveError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimiterConnectionError",
    "MemoryLimiter",
    "NearDuplicateFilter",
    "RedisLimiter",
    "Sampler",
    "__version__",
    "batched_nms",
    "confidence_uncertainty",
    "hamming",
    "hash_thumbnail",
    "image_hash",
    "output_size",
    "prepare_image",
    "uncertainty",
]
__version__: str

class FramesieveError(Exception): ...
class InvalidInputError(FramesieveError, ValueError): ...
class InvalidTypeError(FramesieveError, TypeError): ...
class LimiterConnectionError(FramesieveError, ConnectionError): ...

# --- diversity (novelty on embeddings) ---

@final
class DiversityFilter:
    def __new__(
        cls,
        min_cosine_distance: float | None = None,
        *,
        target_share: float | None = None,
        window_seconds: float | None = None,
        max_kept: int | None = None,
    ) -> DiversityFilter: ...
    def check(self, embedding: Any, now: float | None = None) -> bool: ...
    def nearest(self, embedding: Any, now: float | None = None) -> float | None: ...
    def add(self, embedding: Any, now: float | None = None) -> None: ...
    def offer(self, embedding: Any, now: float | None = None) -> bool: ...
    def clear(self) -> None: ...
    def __len__(self) -> int: ...
    @property
    def dim(self) -> int | None: ...
    @property
    def threshold(self) -> float | None: ...
    @property
    def min_cosine_distance(self) -> float | None: ...
    @property
    def target_share(self) -> float | None: ...
    @property
    def window_seconds(self) -> float | None: ...
    @property
    def max_kept(self) -> int: ...

# --- dedup (near-duplicate suppression) ---

def image_hash(image: npt.NDArray[np.uint8], channel_order: str = "bgr") -> int: ...
def hash_thumbnail(image: npt.NDArray[np.uint8], channel_order: str = "bgr") -> npt.NDArray[np.uint16]: ...
def hamming(a: int, b: int) -> int: ...

@final
class NearDuplicateFilter:
    def __new__(
        cls, max_hamming: int, window_seconds: float, max_entries: int | None = None
    ) -> NearDuplicateFilter: ...
    def check(self, hash: int, now: float | None = None) -> bool: ...
    def nearest(self, hash: int, now: float | None = None) -> int | None: ...
    def add(self, hash: int, now: float | None = None) -> None: ...
    def seen_or_add(self, hash: int, now: float | None = None) -> bool: ...
    def clear(self) -> None: ...
    def __len__(self) -> int: ...
    @property
    def max_hamming(self) -> int: ...
    @property
    def window_seconds(self) -> float: ...
    @property
    def max_entries(self) -> int: ...

# --- uncertainty measures ---

def uncertainty(measure: str, probabilities: list[float]) -> float | None: ...
def confidence_uncertainty(measure: str, confidence: float) -> float | None: ...

@final
class Sampler:
    """The Rust sampler; use `framesieve.Sampler`, which wraps it.

    `strategies`: validated strategy objects (a `framesieve.Config`'s
    `sampling_strategies`), in config order; an empty list never matches.
    """

    def __new__(
        cls,
        strategies: Sequence[SamplingStrategy],
        seed: int | None = None,
        *,
        class_names: list[str] | None = None,
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

# limits (SPEC §4.3)

_Candidates = list[tuple[str, list[tuple[str, int]]]]

@final
class MemoryLimiter:
    """In-process rate limiter, lock-free; shared by the threads of one process."""

    def __new__(cls) -> MemoryLimiter: ...
    def take(self, scope: str, candidates: _Candidates, now: float | None = None) -> str | None: ...
    def give_back(self, scope: str, strategy_name: str, now: float | None = None) -> None: ...
    def admit(
        self,
        scope: str,
        candidates: _Candidates,
        now: float | None = None,
        *,
        batch: str | None = None,
        max_batch: int | None = None,
    ) -> tuple[str, None] | tuple[None, str]: ...
    def release(
        self, scope: str, strategy_name: str | None, now: float | None = None, *, batch: str | None = None
    ) -> None: ...
    def counter_add(self, scope: str, name: str, delta: int = 1) -> int: ...
    def counter_get(self, scope: str, name: str) -> int: ...
    def counter_take(self, scope: str, name: str, limit: int) -> bool: ...

@final
class RedisLimiter:
    """Rate limiter shared through Redis: one round trip per decision."""

    def __new__(
        cls,
        url: str,
        *,
        strict: bool = False,
        cluster: bool = False,
        tls_ca_cert: str | os.PathLike[str] | None = None,
        connect_timeout: float = 1.0,
        timeout: float = 1.0,
        retry_interval: float = 1.0,
    ) -> RedisLimiter: ...
    @property
    def url(self) -> str: ...
    @property
    def strict(self) -> bool: ...
    @property
    def cluster(self) -> bool: ...
    def take(self, scope: str, candidates: _Candidates, now: float | None = None) -> str | None: ...
    def give_back(self, scope: str, strategy_name: str, now: float | None = None) -> None: ...
    def admit(
        self,
        scope: str,
        candidates: _Candidates,
        now: float | None = None,
        *,
        batch: str | None = None,
        max_batch: int | None = None,
        frame_hash: int | None = None,
        dedup: tuple[int, float, int] | None = None,
        source: str | None = None,
    ) -> tuple[str, None] | tuple[None, str]: ...
    def release(
        self,
        scope: str,
        strategy_name: str | None,
        now: float | None = None,
        *,
        batch: str | None = None,
        frame_hash: int | None = None,
        source: str | None = None,
    ) -> None: ...
    def counter_add(self, scope: str, name: str, delta: int = 1) -> int: ...
    def counter_get(self, scope: str, name: str) -> int: ...
    def counter_take(self, scope: str, name: str, limit: int) -> bool: ...
    def near_duplicate(
        self,
        scope: str,
        hash: int,
        max_hamming: int,
        window_seconds: float,
        now: float | None = None,
        *,
        source: str | None = None,
    ) -> bool | None: ...
    def remember_hash(
        self,
        scope: str,
        hash: int,
        window_seconds: float,
        max_entries: int,
        now: float | None = None,
        *,
        source: str | None = None,
    ) -> None: ...
    def ping(self) -> None: ...
    def stats(self) -> dict[str, int]: ...

# image (rust/py/image.rs)
def prepare_image(
    image: object,
    max_size: object = None,
    quality: int | None = None,
    channel_order: str = "bgr",
    _filter: str | None = None,
) -> tuple[bytes, tuple[int, int], tuple[int, int]]: ...
def output_size(width: int, height: int, max_size: object) -> tuple[int, int]: ...

# models: class-aware NMS (rust/nms)
def batched_nms(
    xyxy: npt.NDArray[np.float32],
    scores: npt.NDArray[np.float32],
    class_ids: npt.NDArray[np.int64] | None,
    iou_threshold: float,
) -> npt.NDArray[np.int64]: ...
