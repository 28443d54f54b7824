"""Round trips per decision of `RedisLimiter`, counted by a proxy in front of a real
redis-server (SPEC §6: one per decision, `max_batch_images` included). The
admission the engine runs for a kept frame is `admit()`; a frame given back is
`release()`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import framesieve as fs
from support.redis_server import RedisServer
from support.resp_proxy import CountingProxy

T0 = 1_700_000_040.0
CREDITS = [("a", [("minutely", 2), ("hourly", 100)]), ("b", [("daily", 100)])]
UNLIMITED = [("a", [])]


@pytest.fixture
def counted(redis_server: RedisServer) -> Iterator[tuple[fs.RedisLimiter, CountingProxy]]:
    with CountingProxy("127.0.0.1", redis_server.port) as proxy:
        limiter = fs.RedisLimiter(proxy.url, strict=True)
        # Load the scripts once (EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA): not per decision.
        limiter.admit("warm", CREDITS, T0, batch="w", max_batch=1)
        limiter.release("warm", "a", T0, batch="w")
        proxy.reset()
        yield limiter, proxy


def trips(proxy: CountingProxy, call) -> tuple[object, int, list[str]]:
    proxy.reset()
    result = call()
    return result, proxy.round_trips, proxy.commands


def assert_round_trips(proxy: CountingProxy, cases: list) -> None:
    """Each case `(what, call, answer, round trips)`: the call answers `answer` in
    exactly that many round trips, every one an EVALSHA."""
    for what, call, answer, expected in cases:
        result, count, commands = trips(proxy, call)
        assert result == answer, what
        assert count == expected, (what, commands)
        assert all(command == "EVALSHA" for command in commands), (what, commands)


def test_one_round_trip_per_decision_in_every_configuration(counted) -> None:
    limiter, proxy = counted
    cases = [
        # (what, call, answer, round trips)
        ("credits", lambda: limiter.admit("s", CREDITS, T0), ("a", None), 1),
        (
            "credits + batch cap",
            lambda: limiter.admit("s", CREDITS, T0, batch="b1", max_batch=5),
            ("a", None),
            1,
        ),
        ("credits used up, next candidate", lambda: limiter.admit("s", CREDITS, T0), ("b", None), 1),
        ("unlimited", lambda: limiter.admit("s", UNLIMITED, T0), ("a", None), 0),
        (
            "unlimited + batch cap",
            lambda: limiter.admit("s", UNLIMITED, T0, batch="b2", max_batch=1),
            ("a", None),
            1,
        ),
        (
            "batch full",
            lambda: limiter.admit("s", UNLIMITED, T0, batch="b2", max_batch=1),
            (None, "batch_full"),
            1,
        ),
        ("take", lambda: limiter.take("t", CREDITS, T0), "a", 1),
        ("give back with its batch slot", lambda: limiter.release("s", "a", T0, batch="b1"), None, 1),
        ("give back a credit", lambda: limiter.release("s", "b", T0), None, 1),
    ]
    assert_round_trips(proxy, cases)
    # The batch slot came back with the credit: room for one more in b1.
    assert limiter.counter_get("s", "b1") == 0


def test_refused_decisions_take_nothing(counted) -> None:
    limiter, proxy = counted
    limited = [("a", [("minutely", 0)]), ("c", [("hourly", 1)])]
    assert limiter.admit("r", limited, T0, batch="rb", max_batch=3) == ("c", None)
    result, count, _ = trips(proxy, lambda: limiter.admit("r", limited, T0, batch="rb", max_batch=3))
    assert (result, count) == ((None, "limited"), 1)
    # Neither the refused credit nor a batch slot was kept.
    assert limiter.counter_get("r", "rb") == 1


HASH = 0x0123_4567_89AB_CDEF
DEDUP = (6, 60.0, 100)  # max_hamming, window_seconds, max_entries


def test_the_shared_near_duplicate_check_rides_in_the_same_round_trip(counted) -> None:
    limiter, proxy = counted
    with_hash = {"frame_hash": HASH, "dedup": DEDUP, "source": "cam0"}
    cases = [
        # (what, call, answer, round trips)
        (
            "hash + credits + batch cap",
            lambda: limiter.admit("d", CREDITS, T0, batch="db", max_batch=5, **with_hash),
            ("a", None),
            1,
        ),
        (
            "a look-alike (5 bits off) of the admitted hash",
            lambda: limiter.admit(
                "d", CREDITS, T0, batch="db", max_batch=5, **{**with_hash, "frame_hash": HASH ^ 0b1_1111}
            ),
            (None, "near_duplicate"),
            1,
        ),
        (
            "hash alone (unlimited, no cap)",
            lambda: limiter.admit("d", UNLIMITED, T0, frame_hash=~HASH & (2**64 - 1), dedup=DEDUP),
            ("a", None),
            1,
        ),
        (
            "give back credit, batch slot and hash",
            lambda: limiter.release("d", "a", T0, batch="db", frame_hash=HASH, source="cam0"),
            None,
            1,
        ),
    ]
    assert_round_trips(proxy, cases)
    # The refused look-alike took nothing, and the give-back returned everything: the
    # batch is empty again and the hash is forgotten (the look-alike is admitted now).
    assert limiter.counter_get("d", "db") == 0
    assert limiter.near_duplicate("d", HASH, 6, 60.0, T0, source="cam0") is False
    assert limiter.admit("d", CREDITS, T0, **{**with_hash, "frame_hash": HASH ^ 0b1_1111}) == ("a", None)
    # Another source's memory is apart; the hash given with no source is in the scope's own.
    assert limiter.near_duplicate("d", HASH, 6, 60.0, T0, source="cam1") is False
    assert limiter.near_duplicate("d", ~HASH & (2**64 - 1), 0, 60.0, T0) is True


def test_a_refused_frame_leaves_no_hash(counted) -> None:
    limiter, _ = counted
    none_left = [("a", [("minutely", 0)])]
    assert limiter.admit("n", none_left, T0, frame_hash=HASH, dedup=DEDUP) == (None, "limited")
    assert limiter.near_duplicate("n", HASH, 0, 60.0, T0) is False


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frame_hash": HASH},
        {"dedup": DEDUP},
        {"source": "cam0"},
        {"frame_hash": HASH, "dedup": (65, 60.0, 10)},
    ],
)
def test_hash_arguments_go_together_and_are_checked(redis_server: RedisServer, kwargs) -> None:
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    with pytest.raises(fs.InvalidInputError, match=r"frame_hash and dedup|max_hamming"):
        limiter.admit("x", CREDITS, T0, **kwargs)


def test_a_give_back_whose_reply_was_lost_returns_one_credit(counted) -> None:
    # The give-back runs, its connection dies before the reply arrives, and the limiter
    # tries again on a fresh connection: the second run must change nothing (SPEC §6:
    # no overshoot), though the first one's effect is invisible to the client.
    limiter, proxy = counted
    limits = [("a", [("minutely", 3)])]
    for _ in range(3):
        assert limiter.admit("s", limits, T0, batch="b", max_batch=10) == ("a", None)
    proxy.drop_next_reply()
    limiter.release("s", "a", T0, batch="b")
    assert proxy.dropped_replies == 1
    assert proxy.accepted >= 2  # the retry came on a new connection
    assert limiter.counter_get("s", "b") == 2
    granted = [limiter.admit("s", limits, T0, batch="b", max_batch=10)[0] for _ in range(3)]
    assert granted == ["a", None, None]
    # Two give-backs of their own are two credits, though: the guard is per call.
    limiter.release("s", "a", T0)
    limiter.release("s", "a", T0)
    assert [limiter.take("s", limits, T0) for _ in range(3)] == ["a", "a", None]
