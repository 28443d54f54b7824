"""Drop-in classes with the call shapes of Roboflow Inference's Active Learning middlewares.

``ActiveLearningMiddleware`` and ``ThreadingActiveLearningMiddleware`` both
run on :class:`framesieve.ActiveLearning`: ``register()`` returns at once (no
upload on the caller's thread, also for the "synchronous" one) and nothing
accepted is dropped — the threading one keeps its queue and durable outbox
instead of a bounded queue that loses frames (the reference dropped 488 of
1000 frames when its consumer lagged). ``register`` waits for queue room
(``block=True``) rather than refusing a frame.

``cache``: where limits live, as the reference's cache did — ``None`` (this
process), a :class:`framesieve.MemoryLimiter` / :class:`framesieve.RedisLimiter`,
or a ``redis://`` URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from framesieve._core import RedisLimiter
from framesieve.engine.active_learning import ActiveLearning


def _limiter(cache: Any) -> Any:
    if cache is None:
        return None
    if isinstance(cache, str):
        if cache.startswith(("redis://", "rediss://", "unix://")):
            return RedisLimiter(cache)
        raise ValueError(f"cache: expected a redis:// URL or a limiter, got {cache!r}")
    if hasattr(cache, "take") and hasattr(cache, "give_back"):
        return cache
    return None  # the reference's in-memory cache objects: limits stay in this process


class ActiveLearningMiddleware:
    """Registers inference inputs and predictions (same shapes as Roboflow's)."""

    def __init__(self, engine: ActiveLearning | None = None) -> None:
        self._engine = engine

    @classmethod
    def init(
        cls, api_key: str, target_dataset: str, model_id: str, cache: Any = None, **kwargs: Any
    ) -> ActiveLearningMiddleware:
        """The middleware for project ``target_dataset`` with the project's own configuration."""
        return cls.init_from_config(api_key, target_dataset, model_id, cache=cache, config=None, **kwargs)

    @classmethod
    def init_from_config(
        cls,
        api_key: str,
        target_dataset: str,
        model_id: str,
        cache: Any = None,
        config: Any = None,
        **kwargs: Any,
    ) -> ActiveLearningMiddleware:
        """As :meth:`init`, with ``config`` (dict) instead of the project's when given."""
        kwargs.setdefault("block", True)
        engine = ActiveLearning.from_roboflow(
            api_key, target_dataset, model_id, config=config, limiter=_limiter(cache), **kwargs
        )
        return cls(engine)

    @property
    def engine(self) -> ActiveLearning | None:
        return self._engine

    def register_batch(
        self,
        inference_inputs: Iterable[Any],
        predictions: Iterable[Any],
        prediction_type: str,
        disable_preproc_auto_orient: bool = False,
    ) -> None:
        for inference_input, prediction in zip(inference_inputs, predictions, strict=True):
            self.register(inference_input, prediction, prediction_type, disable_preproc_auto_orient)

    def register(
        self,
        inference_input: Any,
        prediction: Any,
        prediction_type: str,
        disable_preproc_auto_orient: bool = False,
    ) -> None:
        if self._engine is None:
            return
        inference_id = prediction.get("inference_id") if isinstance(prediction, dict) else None
        self._engine.register(
            inference_input,
            prediction,
            prediction_type,
            inference_id=inference_id,
            auto_orient=not disable_preproc_auto_orient,
        )

    def flush(self, timeout: float | None = None) -> bool:
        return True if self._engine is None else self._engine.flush(timeout)

    def stats(self) -> dict[str, int]:
        return {} if self._engine is None else self._engine.stats()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    def start_registration_thread(self) -> None:
        """Nothing to start: the engine's workers run from construction."""

    def stop_registration_thread(self) -> None:
        """Delivers what it can, keeps the rest in the outbox, stops."""
        self.close()

    def __enter__(self) -> ActiveLearningMiddleware:
        self.start_registration_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_registration_thread()


class ThreadingActiveLearningMiddleware(ActiveLearningMiddleware):
    """The reference's threaded middleware; here the engine's queue and outbox, never a silent drop.

    ``max_queue_size`` (the reference's argument) sizes the engine's queue; a full
    queue makes ``register`` wait instead of dropping the frame.
    """

    @classmethod
    def init(  # type: ignore[override]
        cls,
        api_key: str,
        target_dataset: str,
        model_id: str,
        cache: Any = None,
        max_queue_size: int = 2000,
        **kwargs: Any,
    ) -> ThreadingActiveLearningMiddleware:
        kwargs.setdefault("queue_size", max_queue_size)
        return cls.init_from_config(api_key, target_dataset, model_id, cache=cache, config=None, **kwargs)  # type: ignore[return-value]


class NullActiveLearningMiddleware(ActiveLearningMiddleware):
    """Does nothing, at no cost (what callers use when Active Learning is off)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(None)

    @classmethod
    def init(cls, *args: Any, **kwargs: Any) -> NullActiveLearningMiddleware:  # type: ignore[override]
        return cls()

    @classmethod
    def init_from_config(cls, *args: Any, **kwargs: Any) -> NullActiveLearningMiddleware:  # type: ignore[override]
        return cls()

    def register(self, *args: Any, **kwargs: Any) -> None:
        pass

    def register_batch(self, *args: Any, **kwargs: Any) -> None:
        pass
