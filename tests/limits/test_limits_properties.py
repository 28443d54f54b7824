"""Both limiters equal a plain Python model of SPEC §4.3 on random sequences
of take / give_back with explicit, non-decreasing `now` (hypothesis)."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import framesieve as fs
from support.redis_server import RedisServer

LENGTHS = {"minutely": 60, "hourly": 3600, "daily": 86400}
T0 = 1_709_164_800.0 - 86_400 * 2  # two days before the 2024 leap day


class Model:
    """Counts per (scope, strategy, window type, window id), nothing else."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str, int], int] = defaultdict(int)

    @staticmethod
    def window(kind: str, now: float) -> int:
        return math.floor(now) // LENGTHS[kind]

    def take(self, scope: str, candidates: list, now: float) -> str | None:
        for name, limits in candidates:
            effective: dict[str, int] = {}
            for kind, value in limits:
                effective[kind] = min(effective.get(kind, value), value)
            keys = {kind: (scope, name, kind, self.window(kind, now)) for kind in effective}
            if all(self.counts[keys[kind]] < value for kind, value in effective.items()):
                for key in keys.values():
                    self.counts[key] += 1
                return name
        return None

    def give_back(self, scope: str, name: str, now: float) -> None:
        for kind in LENGTHS:
            key = (scope, name, kind, self.window(kind, now))
            if self.counts[key] > 0:
                self.counts[key] -= 1


limits_st = st.lists(st.tuples(st.sampled_from(list(LENGTHS)), st.integers(0, 3)), max_size=3)
candidates_st = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), limits_st), max_size=3)
step_st = st.sampled_from(
    [0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 29.75, 30.0, 59.5, 59.75, 60.0, 600.0, 3599.0, 3600.0, 43_200.0, 86_400.0]
)
op_st = st.one_of(
    st.tuples(st.just("take"), st.sampled_from(["s1", "s2"]), candidates_st, step_st),
    st.tuples(st.just("give_back"), st.sampled_from(["s1", "s2"]), st.sampled_from(["a", "b", "c"]), step_st),
)
ops_st = st.lists(op_st, min_size=1, max_size=40)


def check(limiter: fs.MemoryLimiter | fs.RedisLimiter, ops: list, prefix: str) -> None:
    model = Model()
    now = T0
    for op, scope, arg, step in ops:
        now += step
        scope = prefix + scope
        if op == "take":
            assert limiter.take(scope, arg, now) == model.take(scope, arg, now), (op, scope, arg, now)
        else:
            limiter.give_back(scope, arg, now)
            model.give_back(scope, arg, now)


@settings(max_examples=300, deadline=None)
@given(ops=ops_st)
def test_memory_limiter_equals_the_model(ops: list) -> None:
    check(fs.MemoryLimiter(), ops, "")


_example = itertools.count()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops_st)
def test_redis_limiter_equals_the_model(redis_server: RedisServer, ops: list) -> None:
    # One server for all examples: a fresh scope prefix keeps them apart.
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    check(limiter, ops, f"example{next(_example)}:")
