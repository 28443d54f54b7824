"""Drop-in classes with the call shapes of Roboflow inference 1.8.3's Active Learning
middlewares (SPEC §7): same methods, same parameter names, order and defaults.

``ActiveLearningMiddleware`` and ``ThreadingActiveLearningMiddleware`` both run on
:class:`framesieve.ActiveLearning`: ``register()`` returns at once (no upload on the
caller's thread, also for the "synchronous" one) and nothing accepted is dropped —
a full queue makes ``register`` wait (``block=True``) instead of losing the frame,
and the durable outbox keeps what the destination has not confirmed.

``cache``: inference's cache objects are honoured (:mod:`framesieve.engine.caches`):
its Redis cache means limits in that Redis, its memory cache limits in this process.

Several middlewares in one process (inference keys them ``f"{model_id}->{target_dataset}"``):
each (target dataset, model id, configuration) has one engine and one outbox, shared and
reference-counted by every middleware made for it; different model ids of one project
get engines of their own, with their own outboxes, and share the project's limits
through the cache. So no middleware is refused for the outbox lock of another in the
same process; a second *process* on the same outbox still gets ``OutboxLockedError``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from framesieve.config import load_config
from framesieve.destinations.local import safe_component
from framesieve.destinations.roboflow import RoboflowDestination
from framesieve.engine.active_learning import ActiveLearning, default_outbox
from framesieve.engine.caches import limiter_for
from framesieve.errors import InvalidInputError, InvalidTypeError
from framesieve.image import check_image

#: the reference's MAX_REGISTRATION_QUEUE_SIZE, the default of ``max_queue_size``
MAX_REGISTRATION_QUEUE_SIZE = 512
_PROJECT_CONFIG = object()  # ``init``: the project's own configuration, fetched and refreshed

_lock = threading.Lock()
_engines: dict[str, _Shared] = {}  # by outbox folder


class _Shared:
    """An engine and how many middlewares use it."""

    def __init__(self, engine: ActiveLearning, identity: tuple[str, str]) -> None:
        self.engine, self.identity, self.users = engine, identity, 1


def prediction_dict(prediction: Any) -> Any:
    """A prediction as the reference reads it: a dict, or a pydantic response dumped as inference's
    manager dumps it (``by_alias=True``: ``class``, not ``class_name``); array detections pass."""
    if isinstance(prediction, dict):
        return prediction
    for dump in ("model_dump", "dict"):
        method = getattr(prediction, dump, None)
        if callable(method) and hasattr(prediction, "model_fields" if dump == "model_dump" else "__fields__"):
            return method(by_alias=True, exclude={"visualization"})
    return prediction


def check_batch(
    inputs: Iterable[Any], predictions: Iterable[Any], prediction_type: Any
) -> tuple[list[Any], list[Any]]:
    """The inputs and predictions of ``register_batch`` as lists, all checked before any is registered."""
    images, dicts = list(inputs), [prediction_dict(p) for p in predictions]
    if len(images) != len(dicts):
        raise InvalidInputError(
            f"register_batch: {len(images)} inference_inputs but {len(dicts)} predictions (one each)"
        )
    if type(prediction_type) is not str:
        raise InvalidTypeError(f"prediction_type: expected a str, got {type(prediction_type).__name__}")
    for i, (image, prediction) in enumerate(zip(images, dicts, strict=True)):
        try:
            check_image(image)
        except (InvalidInputError, InvalidTypeError) as e:
            raise type(e)(f"inference_inputs[{i}]: {e}") from None
        if not isinstance(prediction, dict) and not hasattr(prediction, "xyxy"):
            raise InvalidTypeError(
                f"predictions[{i}]: expected a prediction dict (or inference's response), "
                f"got {type(prediction).__name__}"
            )
    return images, dicts


def _fingerprint(config: Any) -> str:
    if config is _PROJECT_CONFIG:
        return "project"
    if not config:
        return "off"
    normalised = json.dumps(load_config(config).to_dict(), sort_keys=True)
    return hashlib.sha256(normalised.encode()).hexdigest()[:12]


def _acquire(
    api_key: str, target_dataset: str, model_id: str, cache: Any, config: Any, options: dict[str, Any]
) -> ActiveLearning:
    """The engine of (dataset, model id, configuration): the one this process already runs, or a new one."""
    fingerprint = _fingerprint(config)
    outbox = options.pop("outbox", None)
    if outbox is None:
        probe = RoboflowDestination(api_key, target_dataset, api_url=options.get("api_url"))
        probe.close()
        suffix = safe_component(model_id.replace("/", "-"), limit=80)
        if fingerprint != "project":
            suffix += f"-{fingerprint}"
        outbox = default_outbox(f"{probe.key}-{suffix}")
    folder = str(Path(outbox).resolve())
    identity = (model_id, fingerprint)
    with _lock:
        shared = _engines.get(folder)
        if shared is not None:
            if shared.identity != identity:
                raise ValueError(
                    f"outbox {folder!r} is used in this process by the middleware of model "
                    f"{shared.identity[0]!r}; give each model id and configuration its own outbox"
                )
            shared.users += 1
            return shared.engine
        options.setdefault("block", True)
        engine = ActiveLearning.from_roboflow(
            api_key,
            target_dataset,
            model_id,
            config=None if config is _PROJECT_CONFIG else (config or {"enabled": False}),
            limiter=limiter_for(cache),
            outbox=folder,
            **options,
        )
        _engines[folder] = _Shared(engine, identity)
        return engine


def _release(engine: ActiveLearning) -> None:
    """One middleware less on ``engine``; the last one closes it (what is left stays in the outbox)."""
    with _lock:
        for folder, shared in list(_engines.items()):
            if shared.engine is engine:
                shared.users -= 1
                if shared.users > 0:
                    return
                del _engines[folder]
                break
    engine.close()


class ActiveLearningMiddleware:
    """Registers inference inputs and predictions (the reference's call shapes).

    ``init`` / ``init_from_config`` take, after the reference's parameters, the
    options of :meth:`framesieve.ActiveLearning.from_roboflow` as keywords (``api_url``,
    ``outbox``, ``workers``, ...).
    """

    def __init__(self, engine: ActiveLearning | None = None) -> None:
        self._engine = engine
        self._released = engine is None

    @classmethod
    def init(
        cls, api_key: str, target_dataset: str, model_id: str, cache: Any, **options: Any
    ) -> ActiveLearningMiddleware:
        """The middleware for project ``target_dataset`` with the project's own configuration."""
        return cls(_acquire(api_key, target_dataset, model_id, cache, _PROJECT_CONFIG, options))

    @classmethod
    def init_from_config(
        cls,
        api_key: str,
        target_dataset: str,
        model_id: str,
        cache: Any,
        config: dict[str, Any] | None = None,
        **options: Any,
    ) -> ActiveLearningMiddleware:
        """As :meth:`init`, with ``config`` instead of the project's; ``None`` (or a disabled
        config) collects nothing, as in the reference."""
        return cls(_acquire(api_key, target_dataset, model_id, cache, config, options))

    @property
    def engine(self) -> ActiveLearning | None:
        return self._engine

    def register_batch(
        self,
        inference_inputs: Iterable[Any],
        predictions: Iterable[Any],
        prediction_type: str,
        disable_preproc_auto_orient: bool = False,
        inference_id: Any = None,
    ) -> None:
        """Registers every pair; inputs and predictions are all checked first (lengths and
        types), so a bad batch raises before any of it is registered."""
        images, dicts = check_batch(inference_inputs, predictions, prediction_type)
        for image, prediction in zip(images, dicts, strict=True):
            self._register(image, prediction, prediction_type, disable_preproc_auto_orient, inference_id)

    def register(
        self,
        inference_input: Any,
        prediction: Any,
        prediction_type: str,
        disable_preproc_auto_orient: bool = False,
        inference_id: Any = None,
    ) -> None:
        """One input and its prediction; ``inference_id`` (else the prediction's own) reaches the upload."""
        self._register(
            inference_input,
            prediction_dict(prediction),
            prediction_type,
            disable_preproc_auto_orient,
            inference_id,
        )

    def _register(
        self, image: Any, prediction: Any, prediction_type: str, no_orient: bool, inference_id: Any
    ) -> None:
        if self._engine is None:
            return
        if inference_id is None and isinstance(prediction, dict):
            inference_id = prediction.get("inference_id")
        self._engine.register(
            image,
            prediction,
            prediction_type,
            inference_id=None if inference_id is None else str(inference_id),
            auto_orient=not no_orient,
        )

    def flush(self, timeout: float | None = None) -> bool:
        return True if self._engine is None else self._engine.flush(timeout)

    def stats(self) -> dict[str, int]:
        return {} if self._engine is None else self._engine.stats()

    def close(self) -> None:
        """Lets go of the engine (the last middleware on it closes it; see the module docstring)."""
        if not self._released and self._engine is not None:
            self._released = True
            _release(self._engine)

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

    ``max_queue_size`` (the reference's argument, default 512) sizes the engine's queue;
    a full queue makes ``register`` wait instead of dropping the frame.
    """

    @classmethod
    def init(  # type: ignore[override]
        cls,
        api_key: str,
        target_dataset: str,
        model_id: str,
        cache: Any,
        max_queue_size: int = MAX_REGISTRATION_QUEUE_SIZE,
        **options: Any,
    ) -> ThreadingActiveLearningMiddleware:
        options.setdefault("queue_size", max_queue_size)
        return cls(_acquire(api_key, target_dataset, model_id, cache, _PROJECT_CONFIG, options))

    @classmethod
    def init_from_config(  # type: ignore[override]
        cls,
        api_key: str,
        target_dataset: str,
        model_id: str,
        cache: Any,
        config: dict[str, Any] | None = None,
        max_queue_size: int = MAX_REGISTRATION_QUEUE_SIZE,
        **options: Any,
    ) -> ThreadingActiveLearningMiddleware:
        options.setdefault("queue_size", max_queue_size)
        return cls(_acquire(api_key, target_dataset, model_id, cache, config, options))


class NullActiveLearningMiddleware:
    """Does nothing, at no cost (what callers use when Active Learning is off). Not a
    subclass of the real middleware, as in the reference."""

    @classmethod
    def init(
        cls, api_key: str, target_dataset: str, model_id: str, cache: Any, **options: Any
    ) -> NullActiveLearningMiddleware:
        return cls()

    @classmethod
    def init_from_config(
        cls,
        api_key: str,
        target_dataset: str,
        model_id: str,
        cache: Any,
        config: dict[str, Any] | None = None,
        **options: Any,
    ) -> NullActiveLearningMiddleware:
        return cls()

    def register_batch(
        self,
        inference_inputs: Iterable[Any],
        predictions: Iterable[Any],
        prediction_type: str,
        disable_preproc_auto_orient: bool = False,
        inference_id: Any = None,
    ) -> None:
        pass

    def register(
        self,
        inference_input: Any,
        prediction: Any,
        prediction_type: str,
        disable_preproc_auto_orient: bool = False,
        inference_id: Any = None,
    ) -> None:
        pass

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def stats(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        pass

    def start_registration_thread(self) -> None:
        pass

    def stop_registration_thread(self) -> None:
        pass

    def __enter__(self) -> NullActiveLearningMiddleware:
        return self

    def __exit__(self, *exc: object) -> None:
        pass
