"""A real `redis-server` for tests and benchmarks, on a free loopback port.

`RedisServer` starts one with no persistence (``--save "" --appendonly no``)
and stops it; `RespClient` is a tiny RESP client so tests can look at keys and
counters without a Python Redis package. The pytest fixture `redis_server`
gives each test its own server. When `redis-server` is not installed the
fixture fails with a clear message: these tests are never skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

INSTALL_HINT = (
    "redis-server is not installed: the Redis limiter tests need a real server "
    "(Debian/Ubuntu: `sudo apt-get install -y redis-server`, or `make setup`)"
)


_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now and that this process has not
    handed out before: a cluster picks all its ports (client and bus) before any node
    binds one, and the kernel may offer a port again until it is bound."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


class RespClient:
    """A minimal blocking RESP2 client: enough for INFO, GET, KEYS, TTL, SET."""

    def __init__(self, port: int, timeout: float = 5.0, tls_ca: str | None = None) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls_ca is not None:
            context = ssl.create_default_context(cafile=tls_ca)
            sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
        self._sock = sock
        self._buf = b""

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> RespClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, *args: str | int | bytes) -> object:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self._sock.sendall(b"".join(parts))
        return self._read()

    def read_reply(self) -> object:
        """The next reply (e.g. a line of MONITOR output)."""
        return self._read()

    def _line(self) -> bytes:
        while b"\r\n" not in self._buf:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis-server closed the connection")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\r\n", 1)
        return line

    def _exact(self, size: int) -> bytes:
        while len(self._buf) < size + 2:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis-server closed the connection")
            self._buf += chunk
        data, self._buf = self._buf[:size], self._buf[size + 2 :]
        return data

    def _read(self) -> object:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._exact(size).decode()
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._read() for _ in range(size)]
        raise RuntimeError(f"unexpected RESP reply {line!r}")


def make_tls_files(folder: str) -> dict[str, str]:
    """A private CA and a server certificate it signed (for 127.0.0.1 and localhost),
    plus a second, unrelated CA, made with the `openssl` command: PEM paths by name."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl is not installed (Debian/Ubuntu: `sudo apt-get install -y openssl`)")
    files = {
        name: os.path.join(folder, f"{name}.pem")
        for name in ("ca", "ca_key", "other_ca", "other_key", "cert", "key")
    }
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
    for ca, key, name in (("ca", "ca_key", "framesieve test CA"), ("other_ca", "other_key", "unrelated CA")):
        subprocess.run(
            [
                openssl,
                "req",
                "-x509",
                *ec,
                "-keyout",
                files[key],
                "-out",
                files[ca],
                "-subj",
                f"/CN={name}",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
            check=True,
            capture_output=True,
        )
    csr, ext = os.path.join(folder, "server.csr"), os.path.join(folder, "server.ext")
    with open(ext, "w") as f:
        f.write(
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
        )
    subprocess.run(
        [openssl, "req", *ec, "-keyout", files["key"], "-out", csr, "-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            openssl,
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            files["ca"],
            "-CAkey",
            files["ca_key"],
            "-CAcreateserial",
            "-out",
            files["cert"],
            "-days",
            "2",
            "-extfile",
            ext,
        ],
        check=True,
        capture_output=True,
    )
    return files


class RedisServer:
    """One `redis-server` process on a free loopback port, no persistence.

    ``extra_args`` go to the server as they are (e.g. ``--user`` ACL rules);
    ``tls`` (from :func:`make_tls_files`) makes it serve TLS only, on ``port``.
    ``admin`` is the AUTH (user, password) the fixture's own client uses.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        extra_args: list[str] | None = None,
        tls: dict[str, str] | None = None,
        admin: tuple[str, str] | None = None,
    ) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        self.binary = binary
        self.port = port if port is not None else free_port()
        self.extra_args = list(extra_args or [])
        self.tls = tls
        self.admin = admin
        self._dir = tempfile.TemporaryDirectory(prefix="framesieve-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> str:
        return os.path.join(self._dir.name, "redis.log")

    @property
    def url(self) -> str:
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        ports = ["--port", str(self.port)]
        if self.tls:
            ports = ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", self.tls["cert"],
                     "--tls-key-file", self.tls["key"], "--tls-ca-cert-file", self.tls["ca"],
                     "--tls-auth-clients", "no"]  # fmt: skip
        self.process = subprocess.Popen(
            [
                self.binary,
                *ports,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir.name,
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
                # Redis logs its start-up errors (a port taken, a bad option) there, not to stderr.
                "--logfile",
                self.log_path,
                *self.extra_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                with (
                    contextlib.suppress(OSError),
                    open(self.log_path, encoding="utf-8", errors="replace") as log,
                ):
                    err += log.read()[-2000:]
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {err}")
            try:
                with self.client(timeout=0.5) as client:
                    if client.command("PING") == "PONG":
                        return
            except (OSError, RuntimeError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer PING on port {self.port}")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        """Stops the server and starts a new one on the same port (data is lost)."""
        self.stop()
        self.start()

    def client(self, timeout: float = 5.0) -> RespClient:
        client = RespClient(self.port, timeout=timeout, tls_ca=self.tls["ca"] if self.tls else None)
        if self.admin is not None:
            client.command("AUTH", *self.admin)
        return client

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()


def client_commands_during(servers: list[RedisServer], call) -> dict[str, int]:
    """The commands clients sent to `servers` (summed) while `call()` ran, by name, as
    MONITOR shows them (the commands scripts run inside the server are left out: MONITOR
    marks them `lua`). Every connection is opened before, so its AUTH is not counted."""
    with contextlib.ExitStack() as stack:
        monitors = [stack.enter_context(server.client()) for server in servers]
        markers = [stack.enter_context(server.client()) for server in servers]
        for monitor in monitors:
            assert monitor.command("MONITOR") == "OK"
        call()
        sent: dict[str, int] = {}
        for monitor, marker in zip(monitors, markers, strict=True):
            marker.command("ECHO", "framesieve-end")
            while True:
                line = monitor.read_reply()
                assert isinstance(line, str)
                if '"ECHO" "framesieve-end"' in line:
                    break
                # `<time> [<db> <client address or lua>] "COMMAND" "arg" ...`
                source, _, command = line.partition("] ")
                if not source.endswith(" lua"):
                    name = command.split(" ", 1)[0].strip('"').lower()
                    sent[name] = sent.get(name, 0) + 1
    return sent


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    """A started `RedisServer`, stopped on exit (for benchmarks and scripts)."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for one test; fails (never skips) when it is missing."""
    if shutil.which("redis-server") is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    with running_redis() as server:
        yield server
