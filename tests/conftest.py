"""Shared pytest fixtures."""

# A real redis-server per test (tests/redis_server.py). A plain import rather
# than `pytest_plugins`, so other fixture modules can be added line by line.
from redis_server import redis_server  # noqa: F401
