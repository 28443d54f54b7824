"""SPEC §6: a destination's answers are bounded (1 MiB of body, the timeout in total), and
the API key is redacted in every logger, before anything is cut short, and in reprs."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

import pytest

from framesieve import PermanentDeliveryError, RoboflowDestination, TransientDeliveryError
from support.engine_helpers import jpeg

KEY = "bounds-secret-key-0123456789"


class RawServer:
    """A loopback server answering every request with ``answer(conn)`` (raw bytes)."""

    def __init__(self, answer):
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            conn.recv(65536)
            with contextlib.suppress(OSError):  # the client gave up: what the test wants
                self._answer(conn)

    def close(self):
        self._sock.close()


def _huge(conn):
    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 629145600\r\nContent-Type: text/plain\r\n\r\n")
    block = b"x" * 65536
    for _ in range(9600):  # 600 MiB if the client kept reading
        conn.sendall(block)


def _trickle(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n")
    for _ in range(100):
        conn.sendall(b" ")
        time.sleep(0.2)


def _key_at_300(conn):
    body = ("e" * 297 + KEY).encode()
    conn.sendall(b"HTTP/1.1 400 Bad\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def _destination(server, timeout=5.0):
    destination = RoboflowDestination(KEY, "proj", workspace="ws", api_url=server.url, timeout=timeout)
    return destination


def test_a_huge_answer_is_not_read_whole():
    server = RawServer(_huge)
    destination = _destination(server)
    try:
        with pytest.raises(TransientDeliveryError, match="answer over 1048576 bytes"):
            destination.upload_image(jpeg(1), "a.jpg", "b", [])
    finally:
        destination.close()
        server.close()


def test_a_trickling_answer_gives_up_after_the_timeout_in_total():
    server = RawServer(_trickle)
    destination = _destination(server, timeout=1.0)
    start = time.monotonic()
    try:
        with pytest.raises(TransientDeliveryError, match="timed out"):
            destination.project_type()
    finally:
        destination.close()
        server.close()
    assert time.monotonic() - start < 10  # the whole answer would take 20 s, a read never 1 s


def test_a_key_straddling_the_excerpt_does_not_leak_its_prefix():
    server = RawServer(_key_at_300)
    destination = _destination(server)
    try:
        with pytest.raises(PermanentDeliveryError) as info:
            destination.project_type()
    finally:
        destination.close()
        server.close()
    assert KEY[:6] not in str(info.value) and "***" in str(info.value)


def test_child_loggers_of_the_http_libraries_are_redacted(caplog):
    RoboflowDestination(KEY, "proj", workspace="ws", api_url="http://127.0.0.1:1")
    caplog.set_level(logging.DEBUG)
    for name in ("httpcore.http11", "httpcore.connection", "httpx._client", "framesieve.engine"):
        logging.getLogger(name).debug("GET /x?api_key=%s", KEY)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4
    assert all(KEY not in m and "api_key=***" in m for m in messages), messages


def test_a_key_inside_api_url_is_not_in_the_repr():
    destination = RoboflowDestination(KEY, "proj", api_url=f"http://user:{KEY}@127.0.0.1:1/?api_key={KEY}")
    try:
        assert KEY not in repr(destination) and "***" in repr(destination)
    finally:
        destination.close()
