"""Shared fixtures."""

from __future__ import annotations

import pytest

from fake_roboflow import FakeRoboflow


@pytest.fixture
def fake_roboflow():
    """A fake Roboflow API on loopback (tests/fake_roboflow.py)."""
    with FakeRoboflow() as server:
        yield server
