"""`RedisLimiter(url, cluster=True)` on a real Redis Cluster (3 masters, each with
a replica, started once per module): slots discovered from a seed node, MOVED
followed, limits shared exactly by processes x threads on scopes whose slots
live on different masters, and a master killed mid-run survived."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest

import framesieve as fs
from support.cluster_nodes import RedisCluster, key_slot, scopes_on_distinct_masters
from support.kept_frames import FRAMES, keep_and_give_back
from support.redis_server import client_commands_during

T0 = 1_700_000_040.0
MINUTE = int(T0 // 60)


@pytest.fixture(scope="module")
def cluster() -> Iterator[RedisCluster]:
    nodes = RedisCluster(masters=3, replicas=1)
    nodes.start()
    yield nodes
    nodes.close()


def test_key_slots_are_the_servers_own(cluster: RedisCluster) -> None:
    with cluster.nodes[0].client() as client:
        for key in ["a", "framesieve:{ws/p}:a:minute:1", "{}x", "x{y}z", "{}{z}"]:
            assert client.command("CLUSTER", "KEYSLOT", key) == key_slot(key), key


TAKER = textwrap.dedent(
    """
    import sys, threading, time
    import framesieve as fs

    url, start, scopes = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    limiter = fs.RedisLimiter(url, cluster=True, strict=True)
    granted = {scope: 0 for scope in scopes}
    lock = threading.Lock()

    def worker():
        for _ in range(40):
            for scope in scopes:
                if limiter.take(scope, [("a", [("minutely", 50)])], 1_700_000_040.0) == "a":
                    with lock:
                        granted[scope] += 1

    pool = [threading.Thread(target=worker) for _ in range(3)]
    time.sleep(max(0.0, start - time.time()))
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(" ".join(str(granted[scope]) for scope in scopes))
    """
)


def test_processes_and_threads_share_each_limit_exactly_across_masters(cluster: RedisCluster) -> None:
    scopes = scopes_on_distinct_masters(cluster, 3)
    masters = {cluster.master_of("{" + scope + "}").port for scope in scopes}
    assert len(masters) == 3
    start = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, cluster.url, str(start), *scopes],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    totals = [0, 0, 0]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        for i, value in enumerate(out.split()):
            totals[i] += int(value)
    # 3 processes x 3 threads x 40 attempts = 360 per scope, for a limit of 50.
    assert totals == [50, 50, 50]
    for scope in scopes:
        with cluster.master_of("{" + scope + "}").client() as client:
            assert client.command("GET", f"framesieve:{{{scope}}}:a:minute:{MINUTE}") == "50"


def test_a_seed_that_does_not_own_the_slot_is_followed(cluster: RedisCluster) -> None:
    scope = scopes_on_distinct_masters(cluster, 3)[1]
    owner = cluster.master_of("{" + scope + "}")
    seed = next(node for node in cluster.nodes if node.port != owner.port)
    limiter = fs.RedisLimiter(seed.url, cluster=True, strict=True)
    assert repr(limiter) == f'RedisLimiter("{seed.url}", strict=True, cluster=True)'
    assert limiter.cluster
    assert [limiter.take("seeded-" + scope, [("a", [("minutely", 2)])], T0) for _ in range(3)] == [
        "a",
        "a",
        None,
    ]
    limiter.give_back("seeded-" + scope, "a", T0)
    assert limiter.counter_add("seeded-" + scope, "batch", 2) == 2
    assert limiter.counter_take("seeded-" + scope, "batch", 3)
    assert not limiter.counter_take("seeded-" + scope, "batch", 3)
    assert limiter.take("seeded-" + scope, [("a", [("minutely", 2)])], T0) == "a"


def test_one_round_trip_per_kept_frame_and_give_back_on_every_master(cluster: RedisCluster) -> None:
    # Credits + batch slot + shared near-duplicate hash in one EVALSHA to the slot's
    # owner, counted by the servers themselves (MONITOR on every node).
    scopes = scopes_on_distinct_masters(cluster, 3)
    limiter = fs.RedisLimiter(cluster.url, cluster=True, strict=True)
    keep_and_give_back(limiter, scopes, round_=0)  # slots discovered, scripts loaded
    sent = client_commands_during(
        cluster.nodes_alive(), lambda: keep_and_give_back(limiter, scopes, round_=1)
    )
    assert sent == {"evalsha": len(scopes) * (FRAMES + 1)}


def test_without_cluster_a_cluster_node_answers_moved_clearly(cluster: RedisCluster) -> None:
    # The slot of this scope lives on another node than the one the URL names.
    scope = scopes_on_distinct_masters(cluster, 3)[2]
    owner = cluster.master_of("{" + scope + "}")
    other = next(node for node in cluster.nodes if node.port != owner.port)
    limiter = fs.RedisLimiter(other.url, strict=True)
    with pytest.raises(fs.LimiterConnectionError, match=r"(?i)moved"):
        limiter.take(scope, [("a", [("minutely", 2)])], T0)


def test_a_killed_master_fails_over_without_overshoot(cluster: RedisCluster) -> None:
    """Takes run on while the scope's master is killed; its replica is promoted.
    Credits taken before the kill were replicated (WAIT), so the limit holds
    exactly: no decision granted twice, none lost to the failover."""
    scope = "failover-" + scopes_on_distinct_masters(cluster, 3)[0]
    key = f"framesieve:{{{scope}}}:a:minute:{MINUTE}"
    limits = [("a", [("minutely", 60)])]
    limiter = fs.RedisLimiter(cluster.url, cluster=True, strict=True, timeout=0.5, connect_timeout=0.5)
    granted = sum(limiter.take(scope, limits, T0) == "a" for _ in range(20))
    assert granted == 20
    master = cluster.master_of("{" + scope + "}")
    with master.client() as client:
        assert client.command("WAIT", 1, 5000) == 1  # replicated before the crash
    errors = 0
    done = threading.Event()
    counts = {"granted": granted, "refused": 0}

    def taker() -> None:
        nonlocal errors
        while not done.is_set():
            try:
                if limiter.take(scope, limits, T0) == "a":
                    counts["granted"] += 1
                else:
                    counts["refused"] += 1
                    if counts["refused"] > 20:
                        return
            except fs.LimiterConnectionError:
                errors += 1  # the slot has no master for a moment: refused, counted
                time.sleep(0.05)

    thread = threading.Thread(target=taker)
    cluster.kill(master)
    thread.start()
    thread.join(timeout=60)
    done.set()
    thread.join()
    assert counts["granted"] == 60, counts
    assert counts["refused"] > 20
    survivors = cluster.nodes_alive()
    cluster.wait_until_ok(alive=survivors)
    new_master = cluster.master_of("{" + scope + "}")
    assert new_master.port != master.port
    with new_master.client() as client:
        assert client.command("GET", key) == "60"
    assert limiter.stats()["redis_errors"] == errors
