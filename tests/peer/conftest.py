"""The conformance suite: framesieve's drop-in classes inside the real Roboflow inference 1.8.3.

Runs in its own venv (``make peer``, tests/peer/run.sh: ~/.cache/framesieve/peer-venv), where
inference is installed from requirements-peer.txt; the main suite leaves this folder alone
(tests/conftest.py).
"""

from __future__ import annotations

import logging
import os
import warnings

import pytest

# inference reads its environment at import: no telemetry, no version check, caches in /tmp
os.environ.setdefault("DISABLE_VERSION_CHECK", "True")
os.environ.setdefault("METRICS_ENABLED", "False")
os.environ.setdefault("OTEL_METRICS_ENABLED", "False")
os.environ.setdefault("CORE_MODEL_GAZE_ENABLED", "False")
os.environ.setdefault("MODEL_CACHE_DIR", "/tmp/framesieve-peer-model-cache")

with warnings.catch_warnings():  # inference's own import-time deprecation notices
    warnings.simplefilter("ignore")
    import inference.core.interfaces.stream.inference_pipeline
    import inference.core.managers.active_learning  # noqa: F401


class Records(logging.Handler):
    """Every record of the loggers it is attached to (inference's do not propagate to the root)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int = logging.WARNING) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture
def inference_log():
    """What inference (and its streamvision / roboflow_workflows parts) logs during the test."""
    handler = Records()
    loggers = [logging.getLogger(n) for n in ("inference", "streamvision", "roboflow_workflows")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def isolated(tmp_path, monkeypatch, fake_roboflow):
    """Default outboxes under tmp_path, and the fake Roboflow API as the one every middleware uses."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ROBOFLOW_API_URL", fake_roboflow.url)
    from framesieve.config import remote

    remote.clear_cache()
    yield fake_roboflow
    remote.clear_cache()
