"""A real Redis Cluster for tests: `redis-server --cluster-enabled yes` nodes on
free loopback ports, joined by `redis-cli --cluster create`, with replicas so a
master can fail over. Nothing is mocked: the limiter under test discovers the
slots from a seed node and follows the servers' own MOVED/ASK answers.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from support.redis_server import RedisServer, free_port

INSTALL_HINT = (
    "redis-server and redis-cli are needed for the Redis Cluster tests "
    "(Debian/Ubuntu: `sudo apt-get install -y redis-server redis-tools`, or `make setup`)"
)
SLOTS = 16384


def crc16(data: bytes) -> int:
    """CRC16-XMODEM, the checksum Redis Cluster maps keys to slots with."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_slot(key: str) -> int:
    """The slot of ``key``: of its ``{hash tag}`` when it has a non-empty one."""
    data = key.encode()
    start = data.find(b"{")
    if start >= 0:
        end = data.find(b"}", start + 1)
        if end > start + 1:
            data = data[start + 1 : end]
    return crc16(data) % SLOTS


class RedisCluster:
    """``masters`` masters with ``replicas`` replicas each, all on loopback."""

    def __init__(self, masters: int = 3, replicas: int = 1, node_timeout_ms: int = 1000) -> None:
        if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
            raise RuntimeError(INSTALL_HINT)
        self.replicas = replicas
        self.nodes: list[RedisServer] = []
        for _ in range(masters * (1 + replicas)):
            node = RedisServer()
            # The bus port explicitly: the default (port + 10000) may be taken or past 65535.
            node.extra_args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(node_timeout_ms),
                               "--cluster-port", str(free_port()),
                               "--cluster-config-file", f"{node._dir.name}/nodes.conf"]  # fmt: skip
            self.nodes.append(node)

    @property
    def url(self) -> str:
        """A seed node's URL."""
        return self.nodes[0].url

    def start(self, timeout: float = 60.0) -> None:
        try:
            for node in self.nodes:
                node.start()
        except BaseException:
            self.close()  # no node left running behind a failed start
            raise
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        created = subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *addresses,
                "--cluster-replicas",
                str(self.replicas),
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if created.returncode != 0:
            self.close()
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
        try:
            self.wait_until_ok(timeout)
        except BaseException:
            self.close()
            raise

    def wait_until_ok(self, timeout: float = 60.0, alive: list[RedisServer] | None = None) -> None:
        """Until every live node says ``cluster_state:ok`` and sees every slot served."""
        deadline = time.monotonic() + timeout
        nodes = alive if alive is not None else self.nodes
        while True:
            try:
                if all(self._ok(node) for node in nodes):
                    return
            except (OSError, RuntimeError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)

    @staticmethod
    def _ok(node: RedisServer) -> bool:
        with node.client(timeout=1.0) as client:
            info = str(client.command("CLUSTER", "INFO"))
        # Every slot served by a live master (a killed node stays listed, flagged fail).
        return "cluster_state:ok" in info and f"cluster_slots_ok:{SLOTS}" in info

    def master_of(self, key: str) -> RedisServer:
        """The node that serves ``key``'s slot now."""
        slot = key_slot(key)
        with self.nodes_alive()[0].client(timeout=1.0) as client:
            table = str(client.command("CLUSTER", "NODES"))
        for line in table.splitlines():
            fields = line.split()
            if "master" not in fields[2] or "fail" in fields[2]:
                continue
            for part in fields[8:]:
                low, _, high = part.partition("-")
                if part[0] != "[" and int(low) <= slot <= int(high or low):
                    port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
                    return next(node for node in self.nodes if node.port == port)
        raise RuntimeError(f"no master serves slot {slot}")

    def nodes_alive(self) -> list[RedisServer]:
        return [node for node in self.nodes if node.process is not None and node.process.poll() is None]

    def kill(self, node: RedisServer) -> None:
        """SIGKILL, as a crashed machine: its replica takes over after the node timeout."""
        assert node.process is not None
        node.process.kill()
        node.process.wait()

    def close(self) -> None:
        for node in self.nodes:
            node.close()


def scopes_on_distinct_masters(cluster: RedisCluster, count: int) -> list[str]:
    """``count`` scopes whose ``{scope}`` hash tags land on ``count`` different masters."""
    found: dict[int, str] = {}
    for i in range(10_000):
        scope = f"ws/project-{i}"
        port = cluster.master_of("{" + scope + "}").port
        found.setdefault(port, scope)
        if len(found) == count:
            return list(found.values())
    raise RuntimeError(f"fewer than {count} masters in the cluster")
