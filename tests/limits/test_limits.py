"""Rate limit semantics (SPEC §4.3), run on both limiters: `MemoryLimiter`
and `RedisLimiter` against a real redis-server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

import framesieve as fs
from support.redis_server import RedisServer

# 2023-11-14T22:14:00Z, the start of a minute (not of an hour).
T0 = 1_700_000_040.0
# 2024-01-01T00:00:00Z and 2024-02-29T00:00:00Z (a leap day).
NEW_YEAR = 1_704_067_200.0
LEAP_DAY = 1_709_164_800.0

Limiter = fs.MemoryLimiter | fs.RedisLimiter


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[Limiter]:
    if request.param == "memory":
        yield fs.MemoryLimiter()
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        yield fs.RedisLimiter(server.url, strict=True)


def takes(limiter: Limiter, candidates: list, n: int, now: float, scope: str = "s") -> list[str | None]:
    return [limiter.take(scope, candidates, now) for _ in range(n)]


def test_first_strategy_with_credit_wins(limiter: Limiter) -> None:
    candidates = [("a", [("minutely", 2)]), ("b", [("hourly", 1)])]
    assert takes(limiter, candidates, 4, T0) == ["a", "a", "b", None]
    # The next minute frees "a"; "b" waits for the next hour.
    assert takes(limiter, candidates, 2, T0 + 60) == ["a", "a"]
    assert limiter.take("s", candidates[1:], T0 + 60) is None
    assert limiter.take("s", candidates[1:], T0 + 3600) == "b"


def test_limit_zero_never_grants_and_no_limits_always_do(limiter: Limiter) -> None:
    candidates = [("zero", [("minutely", 0), ("daily", 10)]), ("free", [])]
    assert takes(limiter, candidates, 50, T0) == ["free"] * 50
    assert limiter.take("s", [("zero", [("daily", 0)])], T0) is None
    assert limiter.take("s", [], T0) is None


def test_all_or_nothing(limiter: Limiter) -> None:
    limiter.take("s", [("a", [("hourly", 1)])], T0)
    both = [("a", [("minutely", 3), ("hourly", 1)])]
    # The hour is spent: the minute credit must not be consumed either.
    assert takes(limiter, both, 5, T0) == [None] * 5
    assert takes(limiter, [("a", [("minutely", 3)])], 4, T0) == ["a", "a", "a", None]


def test_duplicate_window_types_keep_the_smaller_limit(limiter: Limiter) -> None:
    candidates = [("a", [("minutely", 5), ("minutely", 2)])]
    assert takes(limiter, candidates, 3, T0) == ["a", "a", None]


def test_minute_hour_rollover_with_explicit_now(limiter: Limiter) -> None:
    top_of_hour = 1_700_002_800.0  # 2023-11-14T23:00:00Z
    candidates = [("a", [("minutely", 1), ("hourly", 2)])]
    assert limiter.take("s", candidates, top_of_hour - 61) == "a"
    assert limiter.take("s", candidates, top_of_hour - 60.5) is None  # same minute
    assert limiter.take("s", candidates, top_of_hour - 0.001) == "a"  # next minute
    assert limiter.take("s", candidates, top_of_hour - 0.0001) is None  # hour spent
    assert limiter.take("s", candidates, top_of_hour) == "a"  # new hour
    assert limiter.take("s", candidates, top_of_hour + 59.999) is None


def test_day_rollover_and_leap_day(limiter: Limiter) -> None:
    daily = [("a", [("daily", 1)])]
    assert limiter.take("s", daily, NEW_YEAR - 1) == "a"
    assert limiter.take("s", daily, NEW_YEAR - 86_400) is None  # 2023-12-31 00:00:00
    assert limiter.take("s", daily, NEW_YEAR) == "a"
    # Feb 28, Feb 29 and Mar 1 2024 are three separate days.
    assert limiter.take("s", daily, LEAP_DAY - 1) == "a"
    assert limiter.take("s", daily, LEAP_DAY) == "a"
    assert limiter.take("s", daily, LEAP_DAY + 86_399.5) is None
    assert limiter.take("s", daily, LEAP_DAY + 86_400) == "a"


def test_give_back_returns_one_credit_never_below_zero(limiter: Limiter) -> None:
    candidates = [("a", [("minutely", 1), ("daily", 5)])]
    assert limiter.take("s", candidates, T0) == "a"
    assert limiter.take("s", candidates, T0) is None
    limiter.give_back("s", "a", T0 + 30)
    limiter.give_back("s", "a", T0)  # nothing more to return
    assert limiter.take("s", candidates, T0) == "a"
    assert limiter.take("s", candidates, T0) is None
    # Another minute's give-back leaves this minute alone.
    limiter.give_back("s", "a", T0 + 120)
    assert limiter.take("s", candidates, T0) is None
    # Unknown strategies and scopes: nothing happens.
    limiter.give_back("s", "unknown", T0)
    limiter.give_back("unknown", "a", T0)


def test_give_back_on_a_fresh_limiter_creates_no_credit(limiter: Limiter) -> None:
    for _ in range(3):
        limiter.give_back("s", "a", T0)
    assert takes(limiter, [("a", [("minutely", 2)])], 3, T0) == ["a", "a", None]


def test_scopes_are_isolated(limiter: Limiter) -> None:
    candidates = [("a", [("minutely", 1)])]
    scopes = ["ws/p1", "ws/p2", "a}b", "a%7Db", "{x}", ""]
    for scope in scopes:
        assert limiter.take(scope, candidates, T0) == "a", scope
    for scope in scopes:
        assert limiter.take(scope, candidates, T0) is None, scope


def test_strategy_names_with_separators_do_not_collide(limiter: Limiter) -> None:
    assert limiter.take("s", [("a", [("minutely", 1)])], T0) == "a"
    assert limiter.take("s", [("a:minute", [("minutely", 1)])], T0) == "a:minute"
    assert limiter.take("s", [("a:minute:28333334", [("minutely", 1)])], T0) == "a:minute:28333334"


def test_returns_the_callers_name_object(limiter: Limiter) -> None:
    name = "".join(["stra", "tegy"])
    assert limiter.take("s", [(name, [("daily", 3)])], T0) is name


def test_default_now_is_the_clock(limiter: Limiter) -> None:
    daily = [("a", [("daily", 1)])]
    while True:
        before = time.time()
        scope = f"clock-{before}"
        granted = limiter.take(scope, daily)
        after = time.time()
        if before // 86_400 == after // 86_400:
            break  # otherwise midnight passed in between: try again
    assert granted == "a"
    assert limiter.take(scope, daily, after) is None
    limiter.give_back(scope, "a")
    assert limiter.take(scope, daily, after) == "a"


def test_tuples_and_lists_are_both_accepted(limiter: Limiter) -> None:
    assert limiter.take("s", (("a", (("minutely", 1),)),), T0) == "a"
    assert limiter.take("s", [["a", [["minutely", 1]]]], T0) is None
    assert limiter.take("s", [("b", [("hourly", 1.0)])], T0) == "b"
    # Window types built at run time (not interned) are read as well.
    built = "".join(["min", "utely"])
    assert limiter.take("s", [("c", [(built, 1)])], T0) == "c"
    assert limiter.take("s", [("c", [("minutely", 1)])], T0) is None


@pytest.mark.parametrize(
    ("candidates", "error", "fragment"),
    [
        ("abc", fs.InvalidTypeError, "candidates: expected a list"),
        ([("a",)], fs.InvalidInputError, "candidates[0]: expected a (strategy_name, limits) pair"),
        ([42], fs.InvalidTypeError, "candidates[0]: expected a (strategy_name, limits) tuple, got int"),
        ([(7, [])], fs.InvalidTypeError, "candidates[0][0]: strategy name must be a str, got int"),
        ([("a", None)], fs.InvalidTypeError, "candidates[0][1]: expected a list"),
        (
            [("a", []), ("b", [("minutely", 1), ("weekly", 1)])],
            fs.InvalidInputError,
            "candidates[1][1][1][0]: window type must be one of 'minutely', 'hourly', 'daily', "
            'got "weekly"',
        ),
        (
            [("a", [("minutely", -1)])],
            fs.InvalidInputError,
            "candidates[0][1][0][1]: limit must be an int >= 0",
        ),
        (
            [("a", [("minutely", 1.5)])],
            fs.InvalidInputError,
            "candidates[0][1][0][1]: limit must be an int >= 0",
        ),
        ([("a", [("minutely", "10")])], fs.InvalidTypeError, "candidates[0][1][0][1]: limit must be an int"),
        ([("a", [("minutely", True)])], fs.InvalidTypeError, "limit must be an int, got bool"),
        ([("a", [("minutely", 2**70)])], fs.InvalidInputError, "candidates[0][1][0][1]"),
        ([("a", [(1, 1)])], fs.InvalidTypeError, "candidates[0][1][0][0]: window type must be a str"),
        ([("a", [("minutely", 1, 2)])], fs.InvalidInputError, "candidates[0][1][0]: expected a"),
    ],
)
def test_bad_candidates_name_the_item(
    limiter: Limiter, candidates: object, error: type, fragment: str
) -> None:
    with pytest.raises(error) as info:
        limiter.take("s", candidates, T0)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert isinstance(info.value, fs.FramesieveError)
    # Nothing was taken by the failed call.
    assert limiter.take("s", [("a", [("minutely", 1)])], T0) == "a"


@pytest.mark.parametrize("now", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_now_is_rejected(limiter: Limiter, now: float) -> None:
    with pytest.raises(fs.InvalidInputError, match="now: must be a finite number"):
        limiter.take("s", [("a", [("minutely", 1)])], now)
    with pytest.raises(ValueError, match="now"):
        limiter.give_back("s", "a", now)


def test_counters(limiter: Limiter) -> None:
    assert limiter.counter_get("s", "batch_2024_01_01") == 0
    assert limiter.counter_add("s", "batch_2024_01_01") == 1
    assert limiter.counter_add("s", "batch_2024_01_01", 4) == 5
    assert limiter.counter_add("s", "batch_2024_01_01", -2) == 3
    assert limiter.counter_get("other", "batch_2024_01_01") == 0
    assert limiter.counter_add("s", "batch_2024_01_01", 6) == 9
    assert limiter.counter_take("s", "batch_2024_01_01", 10) is True
    assert limiter.counter_take("s", "batch_2024_01_01", 10) is False
    assert limiter.counter_get("s", "batch_2024_01_01") == 10
    # Counters and limit windows of the same name do not share state.
    assert limiter.take("s", [("batch_2024_01_01", [("minutely", 1)])], T0) == "batch_2024_01_01"
    assert limiter.counter_get("s", "batch_2024_01_01") == 10


def test_counter_take_never_passes_the_limit_under_threads(limiter: Limiter) -> None:
    granted: list[int] = []

    def worker() -> None:
        mine = sum(limiter.counter_take("s", "batch", 50) for _ in range(40))
        granted.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 50
    assert limiter.counter_get("s", "batch") == 50


def test_memory_limiter_never_overshoots_with_8_threads() -> None:
    limiter = fs.MemoryLimiter()
    candidates = [
        ("a", [("minutely", 1000), ("hourly", 700), ("daily", 5000)]),
        ("b", [("minutely", 300)]),
    ]
    counts: list[dict[str | None, int]] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        mine: dict[str | None, int] = {}
        barrier.wait()
        for _ in range(2_000):
            chosen = limiter.take("s", candidates, T0)
            mine[chosen] = mine.get(chosen, 0) + 1
        counts.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = {key: sum(c.get(key, 0) for c in counts) for key in ("a", "b", None)}
    assert total == {"a": 700, "b": 300, None: 16_000 - 1_000}


def test_memory_limiter_repr_and_no_arguments() -> None:
    assert repr(fs.MemoryLimiter()) == "MemoryLimiter()"
    with pytest.raises(TypeError):
        fs.MemoryLimiter("redis://x")  # type: ignore[call-arg]
