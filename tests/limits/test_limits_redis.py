"""`RedisLimiter` against a real redis-server: keys and expiry, one round trip
per decision, contention across processes, restarts, and the fallback."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import framesieve as fs
from support.redis_server import RedisServer, client_commands_during, free_port

T0 = 1_700_000_040.0  # a minute start, 2023-11-14T22:14:00Z
CANDIDATES = [
    ("close", [("minutely", 5), ("hourly", 50), ("daily", 500)]),
    ("random", [("daily", 10)]),
]


def minute(now: float) -> int:
    return int(now // 60)


def test_keys_are_hash_tagged_and_expire_relative_to_the_write(redis_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(redis_server.url)
    # Video time a year in the past: the counters must still live now.
    past = T0 - 365 * 86_400
    assert limiter.take("ws/proj", CANDIDATES, past) == "close"
    with redis_server.client() as client:
        keys = sorted(client.command("KEYS", "*"))  # type: ignore[arg-type]
        assert keys == sorted(
            [
                f"framesieve:{{ws/proj}}:close:minute:{int(past // 60)}",
                f"framesieve:{{ws/proj}}:close:hour:{int(past // 3600)}",
                f"framesieve:{{ws/proj}}:close:day:{int(past // 86_400)}",
            ]
        )
        ttls = {key.split(":")[3]: client.command("TTL", key) for key in keys}
        assert 118 <= ttls["minute"] <= 120
        assert 7_198 <= ttls["hour"] <= 7_200
        assert 172_798 <= ttls["day"] <= 172_800
        assert all(client.command("GET", key) == "1" for key in keys)


def test_a_live_window_expires_from_its_first_credit_a_past_one_from_every_write(
    redis_server: RedisServer,
) -> None:
    """Live video time (the clock's minute): the key's expiry is set with its
    first credit and outlasts the window. Video time far from the clock (a
    recorded video, possibly read slower than real time): every write
    refreshes it, so the window's count lives while the window is used."""
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    live = time.time()
    past = T0 - 365 * 86_400
    one = [("a", [("minutely", 100)])]
    live_key = f"framesieve:{{live}}:a:minute:{minute(live)}"
    past_key = f"framesieve:{{past}}:a:minute:{minute(past)}"
    with redis_server.client() as client:
        assert limiter.take("live", one, live) == "a"
        assert limiter.take("past", one, past) == "a"
        first = {key: client.command("PTTL", key) for key in (live_key, past_key)}
        time.sleep(0.3)
        assert limiter.take("live", one, live) == "a"
        assert limiter.take("past", one, past) == "a"
        live_pttl = client.command("PTTL", live_key)
        past_pttl = client.command("PTTL", past_key)
        assert isinstance(live_pttl, int) and isinstance(past_pttl, int)
        assert 0 < live_pttl <= int(first[live_key]) - 250  # not refreshed
        assert past_pttl >= 119_900  # refreshed by the second write
        assert client.command("GET", live_key) == "2"
        assert client.command("GET", past_key) == "2"


def test_one_round_trip_per_decision(redis_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(redis_server.url)
    # First use: connects, and loads each script once (NOSCRIPT, SCRIPT LOAD).
    limiter.take("s", CANDIDATES, T0)
    limiter.give_back("s", "close", T0)
    decisions, give_backs = 40, 5

    def calls() -> None:
        for i in range(decisions):
            limiter.take("s", CANDIDATES, T0 + i)
        for _ in range(give_backs):
            limiter.give_back("s", "close", T0)

    # Each take and give_back was one EVALSHA and nothing else.
    assert client_commands_during([redis_server], calls) == {"evalsha": decisions + give_backs}
    # No new connection: the limiter reuses the one it opened.
    assert limiter.stats()["connections_opened"] == 1


def test_script_is_loaded_again_after_script_flush(redis_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) == "a"
    with redis_server.client() as client:
        client.command("SCRIPT", "FLUSH")
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) == "a"
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) is None


def test_give_back_floors_at_zero_and_creates_no_keys(redis_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(redis_server.url)
    limiter.give_back("s", "close", T0)
    with redis_server.client() as client:
        assert client.command("KEYS", "*") == []
        limiter.take("s", CANDIDATES, T0)
        key = f"framesieve:{{s}}:close:minute:{minute(T0)}"
        limiter.give_back("s", "close", T0)
        limiter.give_back("s", "close", T0)
        assert client.command("GET", key) == "0"


def test_counter_keys(redis_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(redis_server.url)
    assert limiter.counter_add("ws/p", "batch_2024_01") == 1
    with redis_server.client() as client:
        key = "framesieve:{ws/p}:batch_2024_01:count"
        assert client.command("GET", key) == "1"
        assert client.command("TTL", key) > 39 * 86_400
        assert limiter.counter_add("ws/p", "batch_2024_01", 6) == 7
        assert client.command("GET", key) == "7"
        assert client.command("TTL", key) > 39 * 86_400


TAKER = textwrap.dedent(
    """
    import sys, threading, time
    import framesieve as fs

    url, start, threads, attempts = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    now = float(sys.argv[5])
    limiter = fs.RedisLimiter(url, strict=True)
    limiter.ping()
    granted = []

    def worker():
        mine = 0
        for _ in range(attempts):
            if limiter.take("contended", [("a", [("minutely", 300)])], now) == "a":
                mine += 1
        granted.append(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    time.sleep(max(0.0, start - time.time()))
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(sum(granted))
    """
)


@pytest.mark.parametrize("video_time", ["live", "past"])
def test_four_processes_of_four_threads_never_overshoot(redis_server: RedisServer, video_time: str) -> None:
    # Both expiry regimes: live video time (INCR, expiry with the first credit)
    # and video time far from the clock (SET ... EX with every write).
    start = time.time() + 2.0
    now = start if video_time == "live" else T0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, redis_server.url, str(start), "4", "60", repr(now)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    granted = 0
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        granted += int(out.strip())
    # 4 x 4 x 60 = 960 attempts for 300 credits.
    assert granted == 300
    with redis_server.client() as client:
        key = f"framesieve:{{contended}}:a:minute:{minute(now)}"
        assert client.command("GET", key) == "300"
        ttl = client.command("TTL", key)
        assert isinstance(ttl, int) and 0 < ttl <= 120


@pytest.mark.parametrize("strict", [True, False])
def test_reconnects_after_a_restart(redis_server: RedisServer, strict: bool) -> None:
    limiter = fs.RedisLimiter(redis_server.url, strict=strict, retry_interval=0.05)
    # Pool a few connections, as threads would.
    barrier = threading.Barrier(3)

    def use() -> None:
        barrier.wait()
        for _ in range(20):
            limiter.counter_add("s", "warm")

    threads = [threading.Thread(target=use) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) == "a"
    redis_server.restart()  # same port, data lost, pooled connections dead
    time.sleep(0.1)
    # The dead pooled connections are dropped and a fresh one is used at once.
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) == "a"
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) == "a"
    assert limiter.take("s", [("a", [("minutely", 2)])], T0) is None
    stats = limiter.stats()
    assert stats["reconnects"] == 1
    assert stats["fallback_decisions"] == 0
    with redis_server.client() as client:
        assert client.command("GET", f"framesieve:{{s}}:a:minute:{minute(T0)}") == "2"


def test_strict_raises_a_connection_error_without_the_password() -> None:
    url = f"redis://user:s3cret-pw@127.0.0.1:{free_port()}/0"
    limiter = fs.RedisLimiter(url, strict=True, connect_timeout=0.5)
    assert "s3cret-pw" not in repr(limiter)
    assert repr(limiter) == f'RedisLimiter("redis://user:***@127.0.0.1:{url.split(":")[3]}", strict=True)'
    with pytest.raises(fs.LimiterConnectionError) as info:
        limiter.take("s", CANDIDATES, T0)
    assert isinstance(info.value, ConnectionError)
    assert isinstance(info.value, fs.FramesieveError)
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert "redis://user:***@127.0.0.1" in message
    assert "take cannot connect" in message
    with pytest.raises(fs.LimiterConnectionError):
        limiter.ping()
    with pytest.raises(fs.LimiterConnectionError):
        limiter.counter_add("s", "n")
    # Candidates that need no credit decide without Redis.
    assert limiter.take("s", [("free", [])], T0) == "free"
    assert limiter.take("s", [("zero", [("daily", 0)])], T0) is None


def test_invalid_url_and_options() -> None:
    with pytest.raises(fs.InvalidInputError, match="invalid Redis URL") as info:
        fs.RedisLimiter("http://:s3cret@host")
    assert "s3cret" not in str(info.value)
    with pytest.raises(fs.InvalidInputError, match="timeout"):
        fs.RedisLimiter("redis://127.0.0.1", timeout=0)
    with pytest.raises(fs.InvalidInputError, match="connect_timeout"):
        fs.RedisLimiter("redis://127.0.0.1", connect_timeout=float("nan"))


def test_unreachable_redis_falls_back_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    limiter = fs.RedisLimiter(url, connect_timeout=0.5, retry_interval=0.05)
    assert limiter.strict is False
    with caplog.at_level(logging.WARNING, logger="framesieve.limits"):
        started = time.monotonic()
        results = []
        for _ in range(6):
            results.append(limiter.take("s", [("a", [("minutely", 3)])], T0))
            time.sleep(0.02)
        elapsed = time.monotonic() - started
    # In-process limits keep the decisions right while Redis is away.
    assert results == ["a", "a", "a", None, None, None]
    warnings = [r for r in caplog.records if r.name == "framesieve.limits"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    message = warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING
    assert "rate limits are enforced per process" in message
    assert "redis://:***@127.0.0.1" in message
    assert "s3cret-pw" not in message
    stats = limiter.stats()
    assert stats["fallback_decisions"] == 6
    assert 1 <= stats["redis_errors"] <= 6
    assert elapsed < 5.0  # a refused connection never waits for a timeout


def test_fallback_ends_when_redis_comes_back(caplog: pytest.LogCaptureFixture) -> None:
    server = RedisServer()
    limiter = fs.RedisLimiter(server.url, retry_interval=0.05)
    try:
        with caplog.at_level(logging.INFO, logger="framesieve.limits"):
            assert limiter.take("s", [("a", [("minutely", 1)])], T0) == "a"  # in-process
            assert limiter.stats()["fallback_decisions"] == 1
            server.start()
            time.sleep(0.1)
            # Redis is tried again after retry_interval; its count starts empty.
            assert limiter.take("s", [("a", [("minutely", 1)])], T0) == "a"
            assert limiter.take("s", [("a", [("minutely", 1)])], T0) is None
        assert limiter.stats()["fallback_decisions"] == 1
        with server.client() as client:
            assert client.command("GET", f"framesieve:{{s}}:a:minute:{minute(T0)}") == "1"
        levels = [r.levelno for r in caplog.records if r.name == "framesieve.limits"]
        assert levels == [logging.WARNING, logging.INFO]
    finally:
        server.close()


def test_a_key_without_a_count_is_a_clear_error(redis_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    key = f"framesieve:{{s}}:a:minute:{minute(T0)}"
    with redis_server.client() as client:
        client.command("SET", key, "not-a-number")
    with pytest.raises(fs.LimiterConnectionError, match="take failed") as info:
        limiter.take("s", [("a", [("minutely", 1)])], T0)
    assert f"key {key} does not hold a count" in str(info.value)
    # The connection stays usable for other keys.
    assert limiter.take("s", [("b", [("minutely", 1)])], T0) == "b"


def test_a_forked_child_does_not_share_the_parents_connection(redis_server: RedisServer) -> None:
    import multiprocessing
    import warnings

    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    candidates = [("a", [("minutely", 300)])]
    assert limiter.take("fork", candidates, T0) == "a"  # the parent now holds a pooled connection
    with warnings.catch_warnings():
        # Python >= 3.12 warns about fork in a process with threads; that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = multiprocessing.get_context("fork")
        queue = ctx.SimpleQueue()
        go = ctx.Event()

        def child() -> None:
            go.wait()
            granted = sum(limiter.take("fork", candidates, T0) == "a" for _ in range(200))
            queue.put((granted, limiter.stats()["connections_opened"]))

        proc = ctx.Process(target=child)
        proc.start()
    go.set()
    mine = sum(limiter.take("fork", candidates, T0) == "a" for _ in range(200))
    proc.join(30)
    assert proc.exitcode == 0
    theirs, child_connections = queue.get()
    # The child opened a connection of its own (the inherited count is 1)...
    assert child_connections == 2
    assert limiter.stats()["connections_opened"] == 1
    # ...and no reply went to the wrong process: 1 + 400 attempts, 300 credits.
    assert 1 + mine + theirs == 300


def test_a_server_that_never_answers_times_out() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel accepts connections; nothing ever replies
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        strict = fs.RedisLimiter(url, strict=True, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(fs.LimiterConnectionError) as info:
            strict.take("s", CANDIDATES, T0)
        assert time.monotonic() - started < 10
        assert "no answer within" in str(info.value)
        lenient = fs.RedisLimiter(url, timeout=0.2, retry_interval=60)
        assert lenient.take("s", CANDIDATES, T0) == "close"
        assert lenient.take("s", CANDIDATES, T0) == "close"
        assert lenient.stats()["fallback_decisions"] == 2
        assert lenient.stats()["redis_errors"] == 1


def test_the_gil_is_released_while_waiting_for_redis() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        limiter = fs.RedisLimiter(url, strict=True, connect_timeout=1.0, timeout=1.0)
        done = threading.Event()

        def blocked() -> None:
            with pytest.raises(fs.LimiterConnectionError):
                limiter.take("s", CANDIDATES, T0)
            done.set()

        thread = threading.Thread(target=blocked)
        thread.start()
        time.sleep(0.05)  # the other thread is now waiting on the silent server
        spins = 0
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline and not done.is_set():
            spins += 1
        thread.join()
        # This thread kept running Python code while the other one waited
        # (holding the GIL there would have stalled it until the timeout).
        assert spins > 1000
