"""Datasets written once per session by the real engine; tests only read them (copy to tamper)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.datasets import KINDS, make_dataset


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("datasets")
    return {kind: make_dataset(base / kind, kind) for kind in KINDS}
