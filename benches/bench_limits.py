"""Rate limit decisions: MemoryLimiter and RedisLimiter (SPEC §4.3).

Prints medians and ratios against baselines measured in the same run:
- MemoryLimiter.take vs a pure-Python dict+Lock limiter with the same
  semantics (the shape of Roboflow's in-memory limiter) and vs an empty Python
  call with the same arguments (the floor of any call from Python);
- RedisLimiter.take vs a plain PING through the same connection, with the
  round trips per decision counted by redis-server itself (MONITOR), and
  decisions/s with 1, 2 and 4 threads;
- where a decision's time goes: redis-server's own time per EVALSHA and per
  PING (INFO commandstats), and, on a raw socket with the commands encoded
  ahead (no client work), the decision's own EVALSHA, the floor of any
  script (`return 1` with the same keys and arguments) and of any EVALSHA
  (`return 1`, one key, one argument), and the layout tried instead (one key
  per scope holding every window) vs PING.

Run: `make build-release && .venv/bin/python benches/bench_limits.py`
(needs `redis-server` on PATH; starts its own on a free loopback port).
"""

from __future__ import annotations

import os
import socket
import statistics
import struct
import sys
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import framesieve as fs
from support.redis_server import RespClient, running_redis

# Two strategies with a window of each kind, the first always with credit:
# every decision goes through the full path (three windows checked and taken).
# Redis decisions pass the clock as video time (a live stream, the common case);
# one row passes NOW, far from the clock (a recorded video: the other expiry regime).
BIG = 10**12
CANDIDATES = [
    ("close_to_threshold", [("minutely", BIG), ("hourly", BIG), ("daily", BIG)]),
    ("random", [("minutely", BIG), ("daily", BIG)]),
]
NOW = 1_700_000_040.0


class PythonLockLimiter:
    """Baseline: the same decision in pure Python, a dict of counters under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str, int], int] = {}

    def take(self, scope: str, candidates: list, now: float) -> str | None:
        lengths = {"minutely": 60, "hourly": 3600, "daily": 86400}
        with self._lock:
            for name, limits in candidates:
                keys = [(scope, name, kind, int(now // lengths[kind])) for kind, _ in limits]
                if all(
                    self._counts.get(key, 0) < value for key, (_, value) in zip(keys, limits, strict=True)
                ):
                    for key in keys:
                        self._counts[key] = self._counts.get(key, 0) + 1
                    return name
        return None


def empty_call(scope: str, candidates: list, now: float) -> None:
    return None


def per_call_ns(fn: Callable[[], object], calls: int, rounds: int = 7) -> tuple[float, float]:
    """Median over rounds of the mean time of one call in a tight loop: wall
    clock, and this thread's CPU time (which other processes on a shared
    machine do not inflate)."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        for _ in range(calls):
            fn()
        cpu.append((time.thread_time_ns() - start_cpu) / calls)
        wall.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(wall), statistics.median(cpu)


def throughput(fn: Callable[[], object], threads: int, seconds: float) -> float:
    """Calls per second, all threads together, over `seconds`."""
    counts = [0] * threads
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)

    def worker(slot: int) -> None:
        barrier.wait()
        n = 0
        while not stop.is_set():
            for _ in range(50):
                fn()
            n += 50
        counts[slot] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def latencies_us(fn: Callable[[], object], calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def bench_memory() -> list[tuple[str, str, str]]:
    limiter = fs.MemoryLimiter()
    baseline = PythonLockLimiter()
    calls = 200_000
    take = limiter.take
    # Bound methods called straight from the loop: the lambda adds the same
    # call overhead to all three rows.
    ours, ours_cpu = per_call_ns(lambda: take("ws/project", CANDIDATES, NOW), calls)
    python, python_cpu = per_call_ns(lambda: baseline.take("ws/project", CANDIDATES, NOW), calls // 4)
    floor, floor_cpu = per_call_ns(lambda: empty_call("ws/project", CANDIDATES, NOW), calls)
    single = throughput(lambda: take("ws/project", CANDIDATES, NOW), 1, 2.0)
    double = throughput(lambda: take("ws/project", CANDIDATES, NOW), 2, 2.0)
    python_double = throughput(lambda: baseline.take("ws/project", CANDIDATES, NOW), 2, 2.0)
    return [
        (
            "MemoryLimiter.take, 1 thread (wall / CPU)",
            f"{ours / 1000:.3f} / {ours_cpu / 1000:.3f} µs",
            f"{python_cpu / ours_cpu:.0f}x faster than dict+Lock (CPU)",
        ),
        (
            "pure-Python dict+Lock limiter (wall / CPU)",
            f"{python / 1000:.3f} / {python_cpu / 1000:.3f} µs",
            "baseline",
        ),
        (
            "lambda + empty Python call, same arguments",
            f"{floor / 1000:.3f} / {floor_cpu / 1000:.3f} µs",
            f"take costs {(ours_cpu - floor_cpu) / 1000:.3f} µs CPU above this floor",
        ),
        ("MemoryLimiter, 1 thread", f"{single / 1e6:.2f} M decisions/s", ""),
        (
            "MemoryLimiter, 2 threads",
            f"{double / 1e6:.2f} M decisions/s",
            f"{double / python_double:.0f}x dict+Lock ({python_double / 1e6:.2f} M/s)",
        ),
    ]


def count_round_trips(server_port: int, limiter: fs.RedisLimiter, decisions: int) -> tuple[float, float]:
    """Commands each decision sends, as redis-server sees them (MONITOR marks
    the commands a script runs as `lua`, so those are not counted)."""
    with RespClient(server_port) as monitor, RespClient(server_port) as client:
        assert monitor.command("MONITOR") == "OK"
        for i in range(decisions):
            limiter.take("rt", CANDIDATES, NOW + i)
        client.command("ECHO", "bench-end")
        sent = 0
        evalsha = 0
        while True:
            line = str(monitor.read_reply())
            if '"ECHO"' in line:
                break
            if "lua]" in line:
                continue
            sent += 1
            evalsha += '"EVALSHA"' in line.upper()
    return sent / decisions, evalsha / decisions


def server_usec_per_call(client: RespClient) -> dict[str, float]:
    """redis-server's own time per call of each command since CONFIG RESETSTAT."""
    info = client.command("INFO", "commandstats")
    assert isinstance(info, str)
    out = {}
    for line in info.splitlines():
        if line.startswith("cmdstat_"):
            name, _, fields = line[len("cmdstat_") :].partition(":")
            out[name] = float(dict(f.split("=", 1) for f in fields.split(","))["usec_per_call"])
    return out


def resp(*parts: str) -> bytes:
    """One command in RESP, encoded once, ahead of the timing."""
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def raw_latencies(
    port: int, commands: dict[str, bytes], rounds: int = 10, calls: int = 300
) -> dict[str, float]:
    """Median latency of each pre-encoded command sent on one raw socket, the
    commands interleaved (µs): network and redis-server only, no client work.
    Each reply is a short integer or status line, read in one recv."""
    medians: dict[str, list[float]] = {name: [] for name in commands}
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(rounds):
            for name, data in commands.items():
                for _ in range(calls):
                    start = time.perf_counter_ns()
                    sock.sendall(data)
                    reply = sock.recv(64)
                    medians[name].append((time.perf_counter_ns() - start) / 1000)
                    assert reply[:1] in b":+", reply
    return {name: statistics.median(values) for name, values in medians.items()}


# The layout tried instead of one key per window: one key per scope holding every
# window as (window id, count) doubles packed with Lua's struct, one GET and one SET
# per decision; ARGV[1] packs the candidates (windows: slot, window id, limit). Only
# timed here, on the raw socket, against the decision's script.
ONE_KEY_SCRIPT = r"""
local a = ARGV[1]
local v = redis.call('GET', KEYS[1])
local slots = {}
if v then
  for i = 0, #v / 16 - 1 do
    local id, c = struct.unpack('<dd', v, i * 16 + 1)
    slots[i + 1] = {id, c}
  end
end
local ncand, pos = struct.unpack('<B', a, 1)
local chosen = -2
for c = 1, ncand do
  local nwin
  nwin, pos = struct.unpack('<B', a, pos)
  local ok, wins = true, {}
  for w = 1, nwin do
    local slot, id, limit
    slot, id, limit, pos = struct.unpack('<Bdd', a, pos)
    local s = slots[slot]
    local used = (s and s[1] == id) and s[2] or 0
    if used >= limit then ok = false end
    wins[w] = {slot, id, used}
  end
  if ok and chosen < 0 then
    chosen = c
    for _, w in ipairs(wins) do slots[w[1]] = {w[2], w[3] + 1} end
  end
end
if chosen > 0 then
  local out = {}
  for i = 1, #slots do
    out[i] = struct.pack('<dd', slots[i] and slots[i][1] or 0, slots[i] and slots[i][2] or 0)
  end
  redis.call('SET', KEYS[1], table.concat(out), 'EX', 172800)
end
return chosen
"""


def one_key_command(sha: str, now: float) -> bytes:
    """ONE_KEY_SCRIPT's EVALSHA for CANDIDATES at ``now``, encoded once."""
    lengths = {"minutely": 60, "hourly": 3600, "daily": 86400}
    packed = [struct.pack("<B", len(CANDIDATES))]
    slot = 0
    for _, limits in CANDIDATES:
        packed.append(struct.pack("<B", len(limits)))
        for kind, limit in limits:
            slot += 1
            packed.append(struct.pack("<Bdd", slot, now // lengths[kind], limit))
    arg = b"".join(packed)
    parts = [b"EVALSHA", sha.encode(), b"1", b"framesieve:{ws/project}:windows", arg]
    return b"*5\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def one_decision_command(port: int, limiter: fs.RedisLimiter) -> list[str]:
    """The EVALSHA one decision sends, as MONITOR shows it."""
    with RespClient(port) as monitor:
        monitor.command("MONITOR")
        limiter.take("ws/project", CANDIDATES, time.time())
        line = str(monitor.read_reply())
    return [part.replace('\\"', '"') for part in line.split('"')[1::2]]


def bench_redis() -> list[tuple[str, str, str]]:
    rows = []
    with running_redis() as server:
        limiter = fs.RedisLimiter(server.url, strict=True)
        limiter.take("warm", CANDIDATES, NOW)
        limiter.ping()
        per_decision, evalsha = count_round_trips(server.port, limiter, 1000)
        take_lat: list[float] = []
        ping_lat: list[float] = []
        past_lat: list[float] = []
        for _ in range(10):  # interleaved, so both see the same machine load
            take_lat += latencies_us(lambda: limiter.take("ws/project", CANDIDATES, time.time()), 500)
            ping_lat += latencies_us(limiter.ping, 500)
            past_lat += latencies_us(lambda: limiter.take("ws/project", CANDIDATES, NOW), 500)
        take_med = statistics.median(take_lat)
        ping_med = statistics.median(ping_lat)
        with RespClient(server.port) as stats:
            stats.command("CONFIG", "RESETSTAT")
            latencies_us(lambda: limiter.take("ws/project", CANDIDATES, time.time()), 3000)
            latencies_us(limiter.ping, 3000)
            server_us = server_usec_per_call(stats)
        decision = one_decision_command(server.port, limiter)
        with RespClient(server.port) as loader:
            empty_sha = str(loader.command("SCRIPT", "LOAD", "return 1"))
            one_key_sha = str(loader.command("SCRIPT", "LOAD", ONE_KEY_SCRIPT))
        raw = raw_latencies(
            server.port,
            {
                "decision": resp(*decision),
                "empty": resp("EVALSHA", empty_sha, *decision[2:]),
                "bare": resp("EVALSHA", empty_sha, "1", decision[3], "1"),
                "one_key": one_key_command(one_key_sha, time.time()),
                "ping": resp("PING"),
            },
        )
        rows.append(
            (
                "RedisLimiter round trips per decision",
                f"{per_decision:.2f} ({evalsha:.2f} EVALSHA)",
                "counted by redis-server MONITOR",
            )
        )
        rows.append(("RedisLimiter.take latency", f"{take_med:.1f} µs", f"{take_med / ping_med:.2f}x PING"))
        past_med = statistics.median(past_lat)
        rows.append(
            (
                "  video time far from the clock",
                f"{past_med:.1f} µs",
                f"{past_med / ping_med:.2f}x PING (SET ... EX: expiry refreshed by each write)",
            )
        )
        rows.append(("PING through the same connection", f"{ping_med:.1f} µs", "baseline"))
        rows.append(
            (
                "redis-server's time per decision",
                f"{server_us['evalsha']:.1f} µs",
                f"PING {server_us['ping']:.2f} µs (INFO commandstats)",
            )
        )
        rows.append(("raw socket: PING", f"{raw['ping']:.1f} µs", "baseline of the four rows below"))
        rows.append(
            (
                "raw socket: the decision's EVALSHA",
                f"{raw['decision']:.1f} µs",
                f"{raw['decision'] / raw['ping']:.2f}x PING: network + redis-server, no client work",
            )
        )
        rows.append(
            (
                "raw socket: `return 1`, same keys + args",
                f"{raw['empty']:.1f} µs",
                f"{raw['empty'] / raw['ping']:.2f}x PING: the floor of any script",
            )
        )
        rows.append(
            (
                "raw socket: one key per scope (GET + SET)",
                f"{raw['one_key']:.1f} µs",
                f"{raw['one_key'] / raw['ping']:.2f}x PING: every window in one struct-packed value",
            )
        )
        rows.append(
            (
                "raw socket: `return 1`, one key + one arg",
                f"{raw['bare']:.1f} µs",
                f"{raw['bare'] / raw['ping']:.2f}x PING: the floor of any EVALSHA; the decision's "
                f"logic in redis-server alone is {(raw['decision'] - raw['empty']) / raw['ping']:.2f}x PING",
            )
        )
        for threads in (1, 2, 4):
            rate = throughput(lambda: limiter.take("ws/project", CANDIDATES, time.time()), threads, 3.0)
            pings = throughput(limiter.ping, threads, 3.0)
            rows.append(
                (
                    f"RedisLimiter, {threads} thread{'s' if threads > 1 else ''}",
                    f"{rate:,.0f} decisions/s",
                    f"{rate / pings:.2f}x PING rate ({pings:,.0f}/s)",
                )
            )
    return rows


def main() -> None:
    print(f"framesieve {fs.__version__}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    rows = bench_memory() + bench_redis()
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    for name, value, ratio in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {ratio}")


if __name__ == "__main__":
    main()
