"""A real Redis Cluster for tests: ``masters * (1 + replicas)`` `redis-server`
processes on loopback (each a `RedisServer` with its own temp dir), joined with
``redis-cli --cluster create``.

`RedisCluster` starts it and waits until every node agrees it is healthy, tells
which master serves a key, and fails masters over (SIGKILL, or CLUSTER FAILOVER
on a replica) for failover tests. `key_slot` computes a key's hash slot in
Python (CRC16-XMODEM, hash tags), so tests can pick keys per master without a
round trip. The module-scoped fixture `redis_cluster` fails (never skips) when
`redis-server` or `redis-cli` is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from support.redis_server import RedisServer

CLUSTER_INSTALL_HINT = (
    "redis-server and redis-cli are not installed: the Redis Cluster tests need real ones "
    "(Debian/Ubuntu: `sudo apt-get install -y redis-server`, which brings redis-cli, or `make setup`)"
)
SLOTS = 16384
# Flags a healthy node never has in anyone's CLUSTER NODES.
_BAD_FLAGS = frozenset({"fail", "fail?", "handshake", "noaddr"})


def crc16(data: bytes) -> int:
    """CRC16-XMODEM (polynomial 0x1021, initial value 0): Redis Cluster's key hash."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def key_slot(key: str | bytes) -> int:
    """The hash slot of ``key``: only the first non-empty ``{...}`` counts, if any."""
    data = key.encode() if isinstance(key, str) else key
    start = data.find(b"{")
    if start >= 0:
        end = data.find(b"}", start + 1)
        if end > start + 1:
            data = data[start + 1 : end]
    return crc16(data) % SLOTS


@dataclass(frozen=True)
class ClusterNode:
    """One line of CLUSTER NODES, as one node sees another (or itself)."""

    id: str
    port: int
    flags: frozenset[str]
    master_id: str | None
    link: str
    slots: tuple[tuple[int, int], ...]

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    @property
    def myself(self) -> bool:
        return "myself" in self.flags

    def owns(self, slot: int) -> bool:
        return any(start <= slot <= end for start, end in self.slots)


def parse_cluster_nodes(text: str) -> list[ClusterNode]:
    """CLUSTER NODES: ``id ip:port@bus[,host] flags master ping pong epoch link slot...``."""
    nodes = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 8:
            continue
        port = int(fields[1].split("@", 1)[0].rsplit(":", 1)[1])
        slots = []
        for item in fields[8:]:
            if item.startswith("["):  # a slot being migrated or imported: not owned
                continue
            start, _, end = item.partition("-")
            slots.append((int(start), int(end or start)))
        nodes.append(
            ClusterNode(
                id=fields[0],
                port=port,
                flags=frozenset(fields[2].split(",")),
                master_id=None if fields[3] == "-" else fields[3],
                link=fields[7],
                slots=tuple(sorted(slots)),
            )
        )
    return nodes


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports: all bound at once, so none repeats."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(sock)
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _client_cert(tls: dict[str, str], folder: str) -> tuple[str, str]:
    """A client certificate from the test CA, for the nodes' own outgoing TLS links: the
    cluster bus always asks for one, and make_tls_files' server certificate is for
    serverAuth only. PEM paths (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl is not installed (Debian/Ubuntu: `sudo apt-get install -y openssl`)")
    cert, key = os.path.join(folder, "client.pem"), os.path.join(folder, "client_key.pem")
    csr, ext = os.path.join(folder, "client.csr"), os.path.join(folder, "client.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    request = [openssl, "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=redis node"]
    subprocess.run(request, check=True, capture_output=True)
    subprocess.run(
        [openssl, "x509", "-req", "-in", csr, "-CA", tls["ca"], "-CAkey", tls["ca_key"], "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _info(text: object) -> dict[str, str]:
    assert isinstance(text, str), text
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))


class RedisCluster:
    """A Redis Cluster of ``masters`` masters with ``replicas`` replicas each, on loopback.

    ``password`` protects every node (``--requirepass``/``--masterauth``); ``tls``
    (from `make_tls_files`) makes clients, the cluster bus and replication TLS only.
    ``node_timeout`` (ms) is how soon a silent master is failed over. Call `start`
    (or use it as a context manager) and `close`.
    """

    def __init__(
        self,
        masters: int = 3,
        replicas: int = 1,
        *,
        password: str | None = None,
        tls: dict[str, str] | None = None,
        node_timeout: int = 1000,
    ) -> None:
        cli = shutil.which("redis-cli")
        if cli is None or shutil.which("redis-server") is None:
            raise RuntimeError(CLUSTER_INSTALL_HINT)
        self.cli = cli
        self.masters_count = masters
        self.replicas_count = replicas
        self.password = password
        self.tls = tls
        self.node_timeout = node_timeout
        self._dir = tempfile.TemporaryDirectory(prefix="framesieve-redis-cluster-")
        if tls is not None:
            client_cert, client_key = _client_cert(tls, self._dir.name)
        ports = _free_ports(2 * masters * (1 + replicas))
        self.nodes: list[RedisServer] = []
        for port, bus_port in zip(ports[::2], ports[1::2], strict=True):
            node = RedisServer(port, tls=tls, admin=("default", password) if password is not None else None)
            # An explicit bus port: the default (port + 10000) may be taken or past 65535.
            node.extra_args = [
                "--cluster-enabled", "yes",
                "--cluster-config-file", os.path.join(node._dir.name, "nodes.conf"),
                "--cluster-node-timeout", str(node_timeout),
                "--cluster-port", str(bus_port),
            ]  # fmt: skip
            if password is not None:
                node.extra_args += ["--requirepass", password, "--masterauth", password]
            if tls is not None:
                node.extra_args += ["--tls-cluster", "yes", "--tls-replication", "yes"]
                node.extra_args += [
                    "--tls-client-cert-file",
                    client_cert,
                    "--tls-client-key-file",
                    client_key,
                ]
            self.nodes.append(node)
        self._by_port = {node.port: node for node in self.nodes}
        # Slots of each master killed with `kill_master`, for `wait_for_failover`.
        self._killed: dict[int, tuple[tuple[int, int], ...]] = {}

    # -- lifecycle ----------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Starts every node, creates the cluster and waits until it is healthy."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            try:
                node.start(timeout=max(5.0, deadline - time.monotonic()))
            except RuntimeError as exc:
                raise RuntimeError(f"cluster node :{node.port} did not start: {exc}") from exc
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        args = [*self._cli_args(), "--cluster", "create", *addresses]
        args += ["--cluster-replicas", str(self.replicas_count), "--cluster-yes"]
        try:
            done = subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=max(10.0, deadline - time.monotonic()),
            )
        except subprocess.TimeoutExpired as exc:
            out = ((exc.stdout or b"") + (exc.stderr or b"")).decode(errors="replace")
            raise RuntimeError(
                f"redis-cli --cluster create timed out: {out}{self._problems()}{self._dead_nodes_report()}"
            ) from exc
        if done.returncode != 0:
            out = (done.stdout + done.stderr).decode(errors="replace")
            raise RuntimeError(
                f"redis-cli --cluster create exited with {done.returncode}: {out}{self._dead_nodes_report()}"
            )
        self.wait_healthy(max(10.0, deadline - time.monotonic()))

    def close(self) -> None:
        for node in self.nodes:
            node.close()
        self._dir.cleanup()

    def __enter__(self) -> RedisCluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- looking at it -------------------------------------------------------

    @property
    def url(self) -> str:
        """A seed URL: the first node's (which `kill_master` may have killed; see `urls`)."""
        return self.nodes[0].url

    @property
    def urls(self) -> list[str]:
        """Seed URLs of the nodes still running."""
        return [node.url for node in self.live_nodes()]

    def live_nodes(self) -> list[RedisServer]:
        return [node for node in self.nodes if node.process is not None and node.process.poll() is None]

    def view(self, node: RedisServer | None = None) -> list[ClusterNode]:
        """CLUSTER NODES as ``node`` (default: the first live node) sees it."""
        node = node or self.live_nodes()[0]
        with node.client() as client:
            text = client.command("CLUSTER", "NODES")
        assert isinstance(text, str), text
        return parse_cluster_nodes(text)

    def masters(self) -> list[RedisServer]:
        """The live masters that serve slots now, in slot order."""
        entries = sorted((e for e in self.view() if e.is_master and e.slots), key=lambda e: e.slots)
        return [self._by_port[e.port] for e in entries if e.port in self._by_port]

    def replicas_of(self, master: RedisServer) -> list[RedisServer]:
        entries = self.view()
        ids = {e.id for e in entries if e.port == master.port}
        live = self.live_nodes()
        return [
            self._by_port[e.port] for e in entries if e.master_id in ids and self._by_port[e.port] in live
        ]

    def slot_owner(self, slot: int) -> RedisServer:
        for entry in self.view():
            if entry.is_master and entry.owns(slot):
                return self._by_port[entry.port]
        raise RuntimeError(f"no master serves slot {slot}")

    def key_slot(self, key: str | bytes) -> int:
        """The slot of ``key`` as the cluster itself computes it (CLUSTER KEYSLOT)."""
        with self.live_nodes()[0].client() as client:
            slot = client.command("CLUSTER", "KEYSLOT", key)
        assert isinstance(slot, int), slot
        return slot

    def master_for_key(self, key: str | bytes) -> RedisServer:
        return self.slot_owner(self.key_slot(key))

    # -- failing over --------------------------------------------------------

    def kill_master(self, node: RedisServer) -> None:
        """SIGKILLs ``node``, a master: no goodbye to the cluster, as in a crash."""
        entry = next((e for e in self.view() if e.port == node.port), None)
        if entry is None or not entry.is_master or not entry.slots:
            raise ValueError(f"node :{node.port} is not a master serving slots")
        self._killed[node.port] = entry.slots
        assert node.process is not None
        node.process.kill()
        node.process.wait()
        node.stop()  # reaps it and closes its stderr; `live_nodes` leaves it out from now on

    def wait_for_failover(self, old_master_port: int, timeout: float = 30.0) -> RedisServer:
        """Waits until a former replica of the killed master serves its slots and the
        surviving nodes all report a healthy cluster; returns the new master."""
        slots = self._killed.get(old_master_port)
        if slots is None:
            raise ValueError(f"node :{old_master_port} was not killed with kill_master")

        def new_master() -> RedisServer | None:
            owner = next((e for e in self.view() if e.is_master and e.slots == slots), None)
            if owner is None or owner.port == old_master_port or self._problems():
                return None
            return self._by_port[owner.port]

        found = self._poll(new_master, timeout)
        assert found is None or isinstance(found, RedisServer)
        if found is None:
            raise RuntimeError(
                f"no replica of :{old_master_port} took over within {timeout}s: {self._problems()}"
            )
        return found

    def manual_failover(self, replica: RedisServer, timeout: float = 30.0) -> None:
        """CLUSTER FAILOVER on ``replica``: it and its master swap roles, losing no writes."""
        entry = next(e for e in self.view(replica) if e.myself)
        if entry.is_master:
            raise ValueError(f"node :{replica.port} is a master, not a replica")
        with replica.client() as client:
            client.command("CLUSTER", "FAILOVER")

        def promoted() -> bool:
            me = next(e for e in self.view(replica) if e.myself)
            return me.is_master and bool(me.slots) and not self._problems()

        if not self._poll(promoted, timeout):
            raise RuntimeError(f"manual failover to :{replica.port} did not finish: {self._problems()}")

    # -- health --------------------------------------------------------------

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Waits until every live node reports cluster_state:ok, all slots served by
        ``masters`` masters, no failing nodes, replicas linked up, and all agree."""
        if not self._poll(lambda: not self._problems(), timeout):
            raise RuntimeError(
                f"Redis Cluster not healthy after {timeout}s: {self._problems()}{self._dead_nodes_report()}"
            )

    def _problems(self) -> list[str]:
        """What keeps the cluster from being healthy now, node by node (empty: healthy)."""
        problems: list[str] = []
        live = self.live_nodes()
        live_ports = {node.port for node in live}
        views = set()
        for node in live:
            name = f":{node.port}"
            try:
                with node.client(timeout=2.0) as client:
                    info = _info(client.command("CLUSTER", "INFO"))
                    text = client.command("CLUSTER", "NODES")
                    replication = _info(client.command("INFO", "replication"))
            except (OSError, RuntimeError) as exc:
                problems.append(f"{name}: {exc!r}")
                continue
            assert isinstance(text, str), text
            if info.get("cluster_state") != "ok":
                problems.append(f"{name}: cluster_state:{info.get('cluster_state')}")
            if info.get("cluster_slots_assigned") != str(SLOTS):
                problems.append(f"{name}: cluster_slots_assigned:{info.get('cluster_slots_assigned')}")
            if replication.get("role") == "slave" and replication.get("master_link_status") != "up":
                problems.append(f"{name}: master_link_status:{replication.get('master_link_status')}")
            entries = {e.port: e for e in parse_cluster_nodes(text) if e.port in live_ports}
            if set(entries) != live_ports:
                problems.append(f"{name}: does not know {sorted(live_ports - set(entries))}")
            ids = {e.id: e for e in entries.values()}
            for e in entries.values():
                if e.flags & _BAD_FLAGS or e.link != "connected":
                    problems.append(f"{name}: sees :{e.port} {','.join(sorted(e.flags))} {e.link}")
                if not e.is_master and (e.master_id not in ids or not ids[e.master_id].is_master):
                    problems.append(f"{name}: sees replica :{e.port} of a master not serving")
            masters = [e for e in entries.values() if e.is_master and e.slots]
            covered = sum(end - start + 1 for e in masters for start, end in e.slots)
            if len(masters) != self.masters_count or covered != SLOTS:
                problems.append(f"{name}: {len(masters)} masters serve {covered} slots")
            views.add(
                tuple(
                    sorted(
                        (e.port, e.is_master, ids[e.master_id].port if e.master_id in ids else 0, e.slots)
                        for e in entries.values()
                    )
                )
            )
        if len(views) > 1:
            problems.append("nodes disagree on roles or slots")
        return problems

    def _dead_nodes_report(self) -> str:
        """The exit status and stderr of every node that died on its own."""
        report = []
        for node in self.nodes:
            if node.process is not None and node.process.poll() is not None:
                err = node.process.stderr.read().decode(errors="replace") if node.process.stderr else ""
                report.append(f"\nnode :{node.port} exited with {node.process.returncode}: {err}")
        return "".join(report)

    def _cli_args(self) -> list[str]:
        args = [self.cli]
        if self.tls is not None:
            args += ["--tls", "--cacert", self.tls["ca"]]
        if self.password is not None:
            args += ["-a", self.password, "--no-auth-warning"]
        return args

    @staticmethod
    def _poll(condition: Callable[[], object], timeout: float) -> object:
        """``condition()`` once it is truthy, or its last falsy value after ``timeout``;
        a node refusing or resetting a connection mid-change counts as not yet."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = condition()
            except (OSError, RuntimeError):
                result = None
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.05)


def scopes_on_distinct_masters(
    cluster: RedisCluster,
    n: int,
    key_of: Callable[[str], str] = lambda scope: "{" + scope + "}",
    prefix: str = "scope",
) -> list[str]:
    """``n`` scope names (``prefix-0``, ``prefix-7``, ...) whose keys, ``key_of(scope)``,
    hash to slots on ``n`` different masters (slots computed here with `key_slot`)."""
    owners = [(e.slots, e.port) for e in cluster.view() if e.is_master and e.slots]
    if n > len(owners):
        raise ValueError(f"only {len(owners)} masters serve slots, not {n}")
    chosen: dict[int, str] = {}
    i = 0
    while len(chosen) < n:
        scope = f"{prefix}-{i}"
        slot = key_slot(key_of(scope))
        port = next(port for slots, port in owners if any(a <= slot <= b for a, b in slots))
        chosen.setdefault(port, scope)
        i += 1
    return list(chosen.values())


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[RedisCluster]:
    """A started 3-master, 3-replica Redis Cluster for one test module; fails (never
    skips) when redis-server or redis-cli is missing."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.fail(CLUSTER_INSTALL_HINT, pytrace=False)
    with RedisCluster() as cluster:
        yield cluster
