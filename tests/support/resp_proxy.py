"""A counting TCP proxy in front of a real Redis, for tests that bound how many
commands (and round trips) the code under test sends.

`CountingProxy` listens on a free loopback port, forwards bytes both ways
unchanged (one pair of threads per client connection), and parses what clients
send (RESP arrays of bulk strings, or inline commands) as it arrives, so a
command split across reads, or with binary arguments, still counts once.
A command is counted before its bytes go on to Redis: once the client has its
reply, the counters already include the command.

`drop_next_reply` makes the proxy swallow the next reply Redis sends and close
that client connection instead: the command ran, the client never learns it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable


class RespRequestParser:
    """Client-to-server RESP, fed in pieces; yields each command's first two arguments.

    Only the name and the first argument are kept (for sub-commands); the rest of
    each argument is skipped as it streams by, so large values cost no memory.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_array = False
        self._args_left = 0  # bulk strings still to come in the current array
        self._bulk_left = -1  # bytes (with CRLF) left in the current bulk string; -1: its $ header next
        self._head: list[bytes] = []

    def feed(self, data: bytes) -> list[list[bytes]]:
        """The commands that ``data`` completes (each its first one or two arguments)."""
        self._buf += data
        done: list[list[bytes]] = []
        while True:
            if not self._in_array or self._bulk_left < 0:
                end = self._buf.find(b"\n")
                if end < 0:
                    return done
                line = bytes(self._buf[:end]).rstrip(b"\r")
                del self._buf[: end + 1]
                if not self._in_array:
                    if line.startswith(b"*"):
                        count = int(line[1:])
                        if count > 0:  # Redis ignores empty arrays
                            self._in_array, self._args_left, self._head = True, count, []
                    elif line.split():  # an inline command, as typed into telnet
                        done.append(line.split()[:2])
                    continue
                if not line.startswith(b"$"):
                    raise ValueError(f"expected a RESP bulk string, got {line[:40]!r}")
                self._bulk_left = int(line[1:]) + 2
                continue
            if len(self._head) < 2:
                if len(self._buf) < self._bulk_left:
                    return done
                self._head.append(bytes(self._buf[: self._bulk_left - 2]))
                del self._buf[: self._bulk_left]
            else:
                take = min(len(self._buf), self._bulk_left)
                del self._buf[:take]
                self._bulk_left -= take
                if self._bulk_left:
                    return done
            self._bulk_left = -1
            self._args_left -= 1
            if self._args_left == 0:
                self._in_array = False
                done.append(self._head)


class _Connection:
    """One client connection and its own connection to Redis."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.parser = RespRequestParser()
        self.awaiting_reply = False  # a command went out since the last reply bytes came back
        self.threads: list[threading.Thread] = []
        self._open = 2  # directions still running; the last one out closes both sockets
        self._lock = threading.Lock()

    def shutdown(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):  # already closed or never connected
                sock.shutdown(socket.SHUT_RDWR)

    def direction_done(self) -> None:
        with self._lock:
            self._open -= 1
            last = self._open == 0
        if last:
            self.client.close()
            self.upstream.close()


class CountingProxy:
    """A TCP proxy on 127.0.0.1 in front of Redis at (``host``, ``port``) that counts commands.

    ``count`` and ``commands`` (names upper-cased, with the sub-command for those in
    ``subcommands``: ``"SCRIPT LOAD"``) cover every client connection since the start
    or `reset`. ``round_trips`` counts batches: a command sent while that connection
    had no reply outstanding starts one, and the first reply bytes end it. A client
    that does not pipeline (ours: one command, then wait for its reply) makes exactly
    one round trip per command, so there ``round_trips == count``.
    """

    def __init__(self, host: str, port: int, *, subcommands: Iterable[str] = ("SCRIPT",)) -> None:
        self.target = (host, port)
        self.subcommands = frozenset(name.upper() for name in subcommands)
        self._lock = threading.Lock()
        self._commands: list[str] = []
        self._round_trips = 0
        self._connections: list[_Connection] = []
        self.accepted = 0
        self.dropped_replies = 0
        self._drop_next = False
        self.protocol_errors: list[str] = []
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        # accept() wakes up now and then to see `close`: closing a socket from another
        # thread does not reliably wake a blocked accept().
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._acceptor = threading.Thread(target=self._accept_loop, name="resp-proxy-accept", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._commands)

    @property
    def commands(self) -> list[str]:
        with self._lock:
            return list(self._commands)

    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._round_trips

    def drop_next_reply(self) -> None:
        """The next reply from Redis (on any connection) is not relayed: its client
        connection is closed instead, as when a connection dies between a command's
        execution and its reply."""
        with self._lock:
            self._drop_next = True

    def reset(self) -> None:
        with self._lock:
            self._commands.clear()
            self._round_trips = 0

    def close(self) -> None:
        self._closed.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.shutdown()
        for conn in connections:
            for thread in conn.threads:
                thread.join(timeout=5)

    def __enter__(self) -> CountingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setblocking(True)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(client, upstream)
            conn.threads = [
                threading.Thread(target=self._client_to_server, args=(conn,), daemon=True),
                threading.Thread(target=self._server_to_client, args=(conn,), daemon=True),
            ]
            with self._lock:
                self.accepted += 1
                # Forget finished connections, so a long test does not pile them up.
                self._connections = [c for c in self._connections if any(t.is_alive() for t in c.threads)]
                self._connections.append(conn)
            if self._closed.is_set():  # `close` ran meanwhile and will not see this one
                conn.shutdown()
            for thread in conn.threads:
                thread.start()

    def _client_to_server(self, conn: _Connection) -> None:
        counting = True
        try:
            while True:
                data = conn.client.recv(65536)
                if not data:
                    conn.upstream.shutdown(socket.SHUT_WR)  # pass the half-close on
                    return
                if counting:
                    try:
                        self._count(conn, conn.parser.feed(data))
                    except ValueError as exc:  # Redis answers that with an error; stop counting here
                        counting = False
                        with self._lock:
                            self.protocol_errors.append(str(exc))
                conn.upstream.sendall(data)
        except OSError:
            conn.shutdown()
        finally:
            conn.direction_done()

    def _server_to_client(self, conn: _Connection) -> None:
        try:
            while True:
                data = conn.upstream.recv(65536)
                if not data:
                    conn.client.shutdown(socket.SHUT_WR)
                    return
                with self._lock:  # before the client can see the reply and send again
                    conn.awaiting_reply = False
                    drop, self._drop_next = self._drop_next, False
                    self.dropped_replies += drop
                if drop:
                    conn.shutdown()
                    return
                conn.client.sendall(data)
        except OSError:
            conn.shutdown()
        finally:
            conn.direction_done()

    def _count(self, conn: _Connection, heads: list[list[bytes]]) -> None:
        if not heads:
            return
        with self._lock:
            for head in heads:
                name = head[0].decode(errors="replace").upper()
                if name in self.subcommands and len(head) > 1:
                    name += " " + head[1].decode(errors="replace").upper()
                self._commands.append(name)
                if not conn.awaiting_reply:
                    self._round_trips += 1
                    conn.awaiting_reply = True
