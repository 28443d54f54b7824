"""Shared pytest fixtures."""

# A fake Roboflow API on loopback per test (tests/fake_roboflow.py).
from support.fake_roboflow import fake_roboflow  # noqa: F401

# A real redis-server per test (tests/redis_server.py). A plain import rather
# than `pytest_plugins`, so other fixture modules can be added line by line.
from support.redis_server import redis_server  # noqa: F401
