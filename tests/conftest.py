"""Shared pytest fixtures."""

import os

# A fake Roboflow API on loopback per test (tests/fake_roboflow.py).
from support.fake_roboflow import fake_roboflow  # noqa: F401

# A real redis-server per test (tests/redis_server.py). A plain import rather
# than `pytest_plugins`, so other fixture modules can be added line by line.
from support.redis_server import redis_server  # noqa: F401

# tests/peer/ runs against the real Roboflow inference in its own venv (`make peer`, which sets
# FRAMESIEVE_PEER=1); this venv does not have inference, so the main run leaves that folder to it.
collect_ignore = [] if os.environ.get("FRAMESIEVE_PEER") == "1" else ["peer"]
