"""The Redis Cluster fixture of tests/support/redis_cluster.py: it starts healthy,
hashes keys as Redis does, finds each key's master, and fails masters over with
the acknowledged writes intact. The failover tests run last: they change roles."""

from __future__ import annotations

import random
import time

import pytest

from support.redis_cluster import SLOTS, RedisCluster, key_slot, scopes_on_distinct_masters


def test_cluster_is_up_with_every_slot_served(redis_cluster: RedisCluster) -> None:
    assert len(redis_cluster.nodes) == 6
    assert redis_cluster.url == f"redis://127.0.0.1:{redis_cluster.nodes[0].port}/0"
    masters = redis_cluster.masters()
    assert len(masters) == 3
    entries = [e for e in redis_cluster.view() if e.is_master]
    assert sum(end - start + 1 for e in entries for start, end in e.slots) == SLOTS
    for master in masters:
        assert len(redis_cluster.replicas_of(master)) == 1
    for node in redis_cluster.nodes:
        with node.client() as client:
            info = client.command("CLUSTER", "INFO")
        assert isinstance(info, str)
        assert "cluster_state:ok" in info


def test_key_slot_matches_cluster_keyslot(redis_cluster: RedisCluster) -> None:
    rng = random.Random(7)
    keys = ["", "{}", "{}x", "a{b}c", "{a}{b}", "x{}{y}", "{{a}}", "é{ß}", "framesieve:{ws/p}:a:minute:1"]
    alphabet = "ab{}:/-é"
    keys += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(300)]
    with redis_cluster.nodes[0].client() as client:
        for key in keys:
            assert key_slot(key) == client.command("CLUSTER", "KEYSLOT", key), key
    assert key_slot("123456789") == 0x31C3 % SLOTS  # the XMODEM check value


def test_scopes_on_distinct_masters(redis_cluster: RedisCluster) -> None:
    scopes = scopes_on_distinct_masters(redis_cluster, 3)
    assert len(set(scopes)) == 3
    masters = {redis_cluster.master_for_key("{" + scope + "}").port for scope in scopes}
    assert len(masters) == 3
    keyed = scopes_on_distinct_masters(redis_cluster, 2, key_of=lambda s: f"framesieve:{{{s}}}:a")
    assert len({redis_cluster.master_for_key(f"framesieve:{{{s}}}:a").port for s in keyed}) == 2
    with pytest.raises(ValueError):
        scopes_on_distinct_masters(redis_cluster, 4)


def test_set_on_the_right_master_and_moved_elsewhere(redis_cluster: RedisCluster) -> None:
    master = redis_cluster.master_for_key("greeting")
    with master.client() as client:
        assert client.command("SET", "greeting", "hello") == "OK"
        assert client.command("GET", "greeting") == "hello"
    other = next(node for node in redis_cluster.masters() if node is not master)
    with (
        other.client() as client,
        pytest.raises(RuntimeError, match=r"^MOVED \d+ 127\.0\.0\.1:\d+$") as moved,
    ):
        client.command("SET", "greeting", "hi")
    assert str(moved.value).split()[1:] == [str(key_slot("greeting")), f"127.0.0.1:{master.port}"]


def write_acknowledged(cluster: RedisCluster, key: str, value: str) -> None:
    node = cluster.master_for_key(key)
    with node.client() as client:
        assert client.command("SET", key, value) == "OK"
        assert client.command("WAIT", 1, 1000) == 1  # the replica has it


def test_manual_failover(redis_cluster: RedisCluster) -> None:
    write_acknowledged(redis_cluster, "manual", "kept")
    master = redis_cluster.master_for_key("manual")
    (replica,) = redis_cluster.replicas_of(master)
    redis_cluster.manual_failover(replica)
    assert redis_cluster.master_for_key("manual") is replica
    assert redis_cluster.replicas_of(replica) == [master]
    with replica.client() as client:
        assert client.command("GET", "manual") == "kept"


def test_kill_master_and_wait_for_failover(redis_cluster: RedisCluster) -> None:
    write_acknowledged(redis_cluster, "crash", "survives")
    master = redis_cluster.master_for_key("crash")
    (replica,) = redis_cluster.replicas_of(master)
    started = time.monotonic()
    redis_cluster.kill_master(master)
    assert master not in redis_cluster.live_nodes()
    assert redis_cluster.wait_for_failover(master.port, timeout=30) is replica
    assert time.monotonic() - started < 30
    assert redis_cluster.master_for_key("crash") is replica
    with replica.client() as client:
        assert client.command("GET", "crash") == "survives"
        assert client.command("SET", "crash", "again") == "OK"
