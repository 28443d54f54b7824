"""`deduplication.shared`: recent frame hashes in Redis, so that every process feeding one
destination suppresses the others' near-duplicates (a real redis-server per test)."""

from __future__ import annotations

import json
import logging
import socket
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data

import framesieve as fs
from framesieve import cli
from support.engine_helpers import config, detection, frame
from support.resp_proxy import CountingProxy

FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}
SHARED = {"hash": "dhash", "max_hamming": 6, "window_seconds": 60, "shared": True}


def bgr(name: str) -> np.ndarray:
    return np.ascontiguousarray(getattr(data, name)()[..., ::-1])


def test_remembered_hashes_are_found_within_distance_window_and_scope(redis_server):
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    h = 0xF0E1_D2C3_B4A5_9687  # top bit set: both 32-bit halves are exercised
    limiter.remember_hash("cam", h, 60.0, 100, now=1000.0)
    assert limiter.near_duplicate("cam", h, 0, 60.0, now=1000.0) is True
    assert limiter.near_duplicate("cam", h ^ 0b10_0000_0001, 2, 60.0, now=1030.0) is True  # 2 bits
    assert limiter.near_duplicate("cam", h ^ 0b111, 2, 60.0, now=1030.0) is False  # 3 bits > 2
    assert limiter.near_duplicate("cam", h ^ (1 << 63) ^ 1, 2, 60.0, now=1030.0) is True  # both halves
    assert limiter.near_duplicate("cam", ~h & (2**64 - 1), 63, 60.0, now=1000.0) is False  # 64 bits
    assert limiter.near_duplicate("cam", h, 0, 60.0, now=1060.0) is True  # the window's edge
    assert limiter.near_duplicate("cam", h, 0, 60.0, now=1060.5) is False  # past the window
    assert limiter.near_duplicate("cam", h, 0, 60.0, now=939.0) is False  # and before it
    assert limiter.near_duplicate("other", h, 64, 60.0, now=1000.0) is False  # scopes are apart


def test_the_distance_in_redis_is_the_popcount_of_the_xor(redis_server):
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    rng = np.random.default_rng(7)
    for i in range(150):
        a, b = (int(x) for x in rng.integers(0, 2**64, size=2, dtype=np.uint64))
        if i % 3 == 0:  # also near pairs: a few random bits flipped
            b = a ^ int(sum(1 << int(k) for k in rng.choice(64, size=int(rng.integers(0, 9)), replace=False)))
        scope = f"pair{i}"
        limiter.remember_hash(scope, a, 60.0, 10, now=0.0)
        distance = (a ^ b).bit_count()
        assert limiter.near_duplicate(scope, b, distance, 60.0, now=0.0) is True
        if distance > 0:
            assert limiter.near_duplicate(scope, b, distance - 1, 60.0, now=0.0) is False


def test_the_set_keeps_the_newest_max_entries_and_forgets_the_expired(redis_server):
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    hashes = [(i + 1) * 0x1111_1111_1111_1111 for i in range(5)]  # pairwise far apart
    for i, h in enumerate(hashes):
        limiter.remember_hash("cam", h, 60.0, 3, now=100.0 + i)
    found = [limiter.near_duplicate("cam", h, 0, 60.0, now=105.0) for h in hashes]
    assert found == [False, False, True, True, True]
    limiter.remember_hash("cam", 42, 60.0, 3, now=500.0)  # the others are older than the window
    assert redis_server_zcard(redis_server, "framesieve:{cam}:dedup:hashes") == 1


def redis_server_zcard(server: Any, key: str) -> int:
    host, port = server.url.removeprefix("redis://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"*2\r\n$5\r\nZCARD\r\n${len(key)}\r\n{key}\r\n".encode())
        reply = sock.recv(64).decode()
    assert reply.startswith(":"), reply
    return int(reply[1:].strip())


@pytest.mark.parametrize(
    "bad", [{"max_hamming": 65}, {"window_seconds": 0.0}, {"window_seconds": float("nan")}]
)
def test_bad_arguments_are_clear_errors(redis_server, bad):
    limiter = fs.RedisLimiter(redis_server.url)
    args = {"max_hamming": 6, "window_seconds": 60.0, **bad}
    with pytest.raises(fs.InvalidInputError, match=next(iter(bad))):
        limiter.near_duplicate("cam", 1, args["max_hamming"], args["window_seconds"], now=1.0)


def engine(tmp_path: Path, name: str, limiter: Any, dedup: dict[str, Any]) -> fs.ActiveLearning:
    # Two engines on one dataset folder stand for two processes feeding one destination.
    return fs.ActiveLearning(
        fs.load_config(config(deduplication=dedup)),
        fs.LocalDataset(tmp_path / "dataset"),
        outbox=tmp_path / f"outbox-{name}",
        limiter=limiter,
        **FAST,
    )


@pytest.mark.parametrize("shared", [True, False])
def test_two_engines_suppress_each_others_near_duplicates_only_when_shared(tmp_path, redis_server, shared):
    dedup = {**SHARED, "shared": shared}
    astronaut, coffee = bgr("astronaut"), np.ascontiguousarray(cv2.resize(bgr("coffee"), (512, 512)))
    one = engine(tmp_path, "one", fs.RedisLimiter(redis_server.url, strict=True), dedup)
    two = engine(tmp_path, "two", fs.RedisLimiter(redis_server.url, strict=True), dedup)
    with one, two:
        one.register(astronaut, detection(), "object-detection", timestamp=1000.0)
        two.register(np.roll(astronaut, 2, axis=1).copy(), detection(), "object-detection", timestamp=1001.0)
        two.register(coffee, detection(), "object-detection", timestamp=1002.0)
        assert one.flush(30) and two.flush(30)
        stats = two.stats()
    if shared:  # the shifted astronaut was collected by the other engine a second before
        assert stats["near_duplicates"] == 1 and stats["collected"] == 1
    else:
        assert stats["near_duplicates"] == 0 and stats["collected"] == 2
    assert len(fs.LocalDataset(tmp_path / "dataset").manifest()) == 1 + stats["collected"]


def test_shared_hashes_are_kept_per_source(tmp_path, redis_server):
    dedup = {**SHARED, "shared": True}
    astronaut = bgr("astronaut")
    one = engine(tmp_path, "one", fs.RedisLimiter(redis_server.url, strict=True), dedup)
    two = engine(tmp_path, "two", fs.RedisLimiter(redis_server.url, strict=True), dedup)
    with one, two:
        one.register(astronaut, detection(), "object-detection", timestamp=1000.0, source_id="cam0")
        shifted = np.roll(astronaut, 2, axis=1).copy()
        two.register(
            shifted, detection(), "object-detection", timestamp=1001.0, source_id="cam1"
        )  # other camera
        two.register(
            shifted, detection(), "object-detection", timestamp=1002.0, source_id="cam0"
        )  # cam0 saw it
        assert one.flush(30) and two.flush(30)
        stats = two.stats()
        assert two.near_duplicates_by_source() == {"cam0": 1}
    assert stats["near_duplicates"] == 1 and stats["collected"] == 1


def test_redis_down_falls_back_to_this_processs_memory(tmp_path, redis_server):
    limiter = fs.RedisLimiter(redis_server.url, connect_timeout=0.2, timeout=0.2)
    redis_server.stop()
    astronaut = bgr("astronaut")
    with engine(tmp_path, "one", limiter, SHARED) as al:
        al.register(astronaut, detection(), "object-detection", timestamp=1000.0)
        al.register(astronaut.copy(), detection(), "object-detection", timestamp=1001.0)
        assert al.flush(30)
        stats = al.stats()
    assert stats["collected"] == 1 and stats["near_duplicates"] == 1
    assert limiter.stats()["fallback_decisions"] > 0


def test_shared_without_a_redis_limiter_warns_and_stays_local(tmp_path, caplog):
    astronaut = bgr("astronaut")
    with caplog.at_level(logging.WARNING, logger="framesieve"):
        al = engine(tmp_path, "one", None, SHARED)
    with al:
        al.register(astronaut, detection(), "object-detection", timestamp=1.0)
        al.register(astronaut.copy(), detection(), "object-detection", timestamp=2.0)
        assert al.flush(30)
        assert al.stats()["near_duplicates"] == 1
    assert any("deduplication.shared needs a RedisLimiter" in r.getMessage() for r in caplog.records)


def test_shared_is_validated_and_round_trips():
    cfg = fs.load_config(config(deduplication=SHARED))
    assert cfg.deduplication.shared is True
    assert cfg.to_dict()["deduplication"]["shared"] is True
    assert (
        "shared"
        not in fs.load_config(config(deduplication={**SHARED, "shared": False})).to_dict()["deduplication"]
    )
    with pytest.raises(fs.ConfigError, match=r"deduplication\.shared"):
        fs.load_config(config(deduplication={**SHARED, "shared": "yes"}))


def test_config_validate_says_the_hashes_are_shared(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config(deduplication=SHARED)))
    assert cli.main(["config", "validate", str(path)]) == 0
    assert "shared through Redis" in capsys.readouterr().out


def test_look_alikes_admitted_at_once_by_many_processes_are_admitted_once(redis_server):
    """Check and remember are one script: of 16 limiters (each its own connections, as
    processes have) racing to admit look-alikes, exactly one wins."""
    barrier = threading.Barrier(16)
    answers: list[tuple[Any, Any]] = []

    def race(i: int) -> None:
        limiter = fs.RedisLimiter(redis_server.url, strict=True)
        limiter.ping()  # connected before the start
        barrier.wait()
        answers.append(
            limiter.admit(
                "race", [("all", [])], 1000.0, frame_hash=0xF0F0 ^ (1 << i % 4), dedup=(6, 60.0, 100)
            )
        )

    threads = [threading.Thread(target=race, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers, key=str) == [("all", None)] + [(None, "near_duplicate")] * 15


def test_a_kept_frame_costs_the_engine_one_round_trip_with_shared_hashes(tmp_path, redis_server):
    """Shared near-duplicates, limits and max_batch_images together: one EVALSHA per
    kept frame on the caller's thread (a look-alike of this process's own is refused
    from its memory with none), and nothing when collected."""
    warm = fs.RedisLimiter(redis_server.url, strict=True)  # scripts loaded (server-wide)
    warm.admit(
        "warm", [("a", [("hourly", 1)])], 1.0, batch="w", max_batch=1, frame_hash=1, dedup=(6, 60.0, 10)
    )
    warm.release("warm", "a", 1.0, batch="w", frame_hash=1)
    cfg = config(
        [
            {
                "name": "all",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "hourly", "value": 3}],
            }
        ],
        deduplication=SHARED,
        batching_strategy={
            "batches_name_prefix": "al",
            "recreation_interval": "never",
            "max_batch_images": 10,
        },
    )
    with CountingProxy("127.0.0.1", redis_server.port) as proxy:
        al = fs.ActiveLearning(
            fs.load_config(cfg),
            fs.LocalDataset(tmp_path / "dataset"),
            outbox=tmp_path / "outbox",
            limiter=fs.RedisLimiter(proxy.url, strict=True),
            **FAST,
        )
        with al:
            frames = [frame(seed=900 + i) for i in range(4)]
            for i, image in enumerate([frames[0], frames[0].copy(), *frames[1:]]):
                al.register(image, detection(), "object-detection", timestamp=1000.0 + i)
            assert al.flush(30)
            stats = al.stats()
            commands = list(proxy.commands)
    assert (stats["collected"], stats["near_duplicates"], stats["limited"]) == (3, 1, 1)
    # 4 decisions (3 admitted, 1 limited); the once-a-minute batch re-count is a GET, and
    # each new connection says who it is (CLIENT SETINFO).
    assert commands.count("EVALSHA") == 4, commands
    assert set(commands) <= {"EVALSHA", "GET", "CLIENT"}, commands
