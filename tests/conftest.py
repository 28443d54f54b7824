"""Shared pytest fixtures."""

# A fake Roboflow API on loopback per test (tests/fake_roboflow.py).
from fake_roboflow import fake_roboflow  # noqa: F401
