"""Configuration distribution from a Roboflow project (SPEC §5).

:func:`from_roboflow` builds an engine whose configuration is the project's
own (``GET /{ws}/{project}/active_learning``). Fetched configurations are
cached per process for ``config_ttl`` seconds (15 minutes), and a background
thread fetches again every ``config_ttl`` so that a change made in the project
reaches running instances without a restart. A fetch that fails transiently
keeps the configuration in use (disabled at start, until a fetch succeeds) and
is retried after at most 30 s. ``target_workspace`` / ``target_project`` of the
configuration, read at start, redirect the uploads (the configuration itself
keeps coming from ``project``).

A classification project never receives predictions of a detection model or the
reverse: with ``model_type`` given, a mismatch disables collection at start with
a warning; without it, the first registered prediction whose type mismatches
the project's type is refused with a warning, and so are all of that type.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from framesieve.destinations.roboflow import RoboflowDestination
from framesieve.errors import TransientDeliveryError
from framesieve.predictions import is_classification

log = logging.getLogger("framesieve")

CONFIG_TTL = 900.0
_cache: dict[str, tuple[float, dict[str, Any], str]] = {}
_cache_lock = threading.Lock()


def _cache_key(destination: RoboflowDestination) -> str:
    # the destination key hashes the API key; the workspace is not a secret
    return f"{destination.key}/{destination.workspace}"


def fetch(
    destination: RoboflowDestination, *, ttl: float = CONFIG_TTL, fresh: bool = False
) -> tuple[dict[str, Any], str]:
    """The project's (config dict, project type), from the cache when younger than ``ttl``."""
    key = _cache_key(destination)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and not fresh and now - hit[0] < ttl:
        return hit[1], hit[2]
    config = destination.get_config()
    project_type = destination.project_type()
    with _cache_lock:
        _cache[key] = (now, config, project_type)
    return config, project_type


def clear_cache() -> None:
    """Forgets every cached project configuration."""
    with _cache_lock:
        _cache.clear()


class _Refresher:
    """Fetches the project's configuration again every ``ttl`` seconds, in the background."""

    def __init__(
        self,
        engine: Any,
        destination: RoboflowDestination,
        ttl: float,
        current: dict[str, Any] | None,
        model_type: str | None,
    ):
        self.engine, self.destination, self.ttl = engine, destination, ttl
        self.current = current
        self.model_type = model_type
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="framesieve-config", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        delay = self.ttl if self.current is not None else min(self.ttl, 30.0)
        while not self._stop.wait(delay):
            delay = self.ttl
            try:
                config, project_type = fetch(self.destination, ttl=self.ttl, fresh=True)
            except TransientDeliveryError as e:
                log.warning("framesieve: cannot refresh the configuration (%s); keeping the current one", e)
                delay = min(self.ttl, 30.0)
                continue
            except Exception as e:
                log.warning("framesieve: cannot refresh the configuration: %s", e)
                continue
            if config != self.current:
                try:
                    effective = _for_model(config, project_type, self.model_type, self.destination.project)
                    self.engine.set_config(effective, project_type=project_type)
                except Exception as e:
                    log.warning("framesieve: the project's new configuration is not usable: %s", e)
                    continue
                self.current = config
                log.info("framesieve: configuration refreshed from the project")

    def close(self) -> None:
        self._stop.set()


def _for_model(
    config: dict[str, Any], project_type: str | None, model_type: str | None, project: str
) -> dict[str, Any]:
    """``config``, or a disabled one when a model of ``model_type`` cannot feed the project."""
    if project_type is None or model_type is None:
        return config
    if is_classification(model_type) == is_classification(project_type):
        return config
    log.warning(
        "framesieve: a %s model cannot feed the %s project %r; collection is disabled",
        model_type,
        project_type,
        project,
    )
    return {"enabled": False}


def from_roboflow(
    cls: Any,
    api_key: str,
    project: str,
    model_id: str | None = None,
    *,
    workspace: str | None = None,
    api_url: str | None = None,
    model_type: str | None = None,
    config: Any = None,
    config_ttl: float = CONFIG_TTL,
    **kwargs: Any,
) -> Any:
    """An ``ActiveLearning`` delivering to the Roboflow ``project`` with the project's configuration.

    ``config`` given: used instead of the project's (no refresh). Other keyword
    arguments go to ``ActiveLearning``.
    """
    destination = RoboflowDestination(api_key, project, workspace=workspace, api_url=api_url)
    project_type: str | None = None
    fetched: dict[str, Any] | None = None
    if config is None:
        try:
            fetched, project_type = fetch(destination, ttl=config_ttl)
        except TransientDeliveryError as e:
            log.warning(
                "framesieve: cannot fetch the project's configuration (%s); collection is off until it can", e
            )
    else:
        try:
            project_type = destination.project_type()
        except TransientDeliveryError as e:
            log.warning("framesieve: cannot read the project's type (%s)", e)
    chosen = fetched if fetched is not None else (config if config is not None else {"enabled": False})
    effective = _for_model(chosen, project_type, model_type, project)
    target = destination
    if isinstance(effective, dict) and (effective.get("target_project") or effective.get("target_workspace")):
        # the configuration sends the data elsewhere (read at start; a refresh keeps the target)
        target = RoboflowDestination(
            api_key,
            effective.get("target_project") or project,
            workspace=effective.get("target_workspace") or destination.workspace,
            api_url=api_url,
        )
    engine = cls(effective, target, model_id=model_id, project_type=project_type, **kwargs)
    if config is None:
        engine.attach(_Refresher(engine, destination, config_ttl, fetched, model_type))
    engine.attach(destination)
    if target is not destination:
        engine.attach(target)
    return engine
