"""Shared pytest fixtures."""

# A real redis-server per test (tests/redis_server.py).
pytest_plugins = ["redis_server"]
