"""The counting proxy of tests/support/resp_proxy.py, against a real redis-server:
it counts each command once, however it is split or whatever bytes it carries."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from support.redis_server import RedisServer, RespClient
from support.resp_proxy import CountingProxy, RespRequestParser


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def proxy(server: RedisServer) -> Iterator[CountingProxy]:
    with CountingProxy("127.0.0.1", server.port) as proxy:
        yield proxy


def read_until(sock: socket.socket, ending: bytes) -> bytes:
    data = b""
    while not data.endswith(ending):
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def test_counts_each_command_once(proxy: CountingProxy) -> None:
    assert proxy.url == f"redis://127.0.0.1:{proxy.port}/0"
    with RespClient(proxy.port) as client:
        assert client.command("PING") == "PONG"
        assert client.command("SET", "k", "v") == "OK"
        assert client.command("get", "k") == "v"
        sha = client.command("SCRIPT", "load", "return 1")
        assert client.command("EVALSHA", sha, 0) == 1
    assert proxy.count == 5
    assert proxy.commands == ["PING", "SET", "GET", "SCRIPT LOAD", "EVALSHA"]
    assert proxy.round_trips == 5
    proxy.reset()
    assert (proxy.count, proxy.commands, proxy.round_trips) == (0, [], 0)
    with RespClient(proxy.port) as client:
        client.command("DEL", "k")
    assert proxy.commands == ["DEL"]
    assert proxy.accepted == 2


def test_a_command_sent_one_byte_at_a_time_counts_once(proxy: CountingProxy) -> None:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for request, reply in ((b"*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$2\r\nok\r\n", b"+OK\r\n"),
                               (b"PING\r\n", b"+PONG\r\n")):  # fmt: skip
            for i in range(len(request)):
                sock.sendall(request[i : i + 1])
                time.sleep(0.001)  # so the proxy sees many small reads, not one
            assert read_until(sock, b"\r\n") == reply
    assert proxy.commands == ["SET", "PING"]
    assert proxy.round_trips == 2


def test_binary_and_large_arguments(proxy: CountingProxy) -> None:
    tricky = b"\x00\xff\r\n*3\r\n$3\r\nSET\r\n" * 10
    large = bytes(range(256)) * 4096  # 1 MiB, so it crosses many reads
    with RespClient(proxy.port) as client:
        assert client.command("SET", b"bin\r\nkey", tricky) == "OK"
        assert client.command("STRLEN", b"bin\r\nkey") == len(tricky)
        assert client.command("SET", "large", large) == "OK"
        assert client.command("STRLEN", "large") == len(large)
        assert client.command("DEL", b"bin\r\nkey", "large") == 2
    assert proxy.commands == ["SET", "STRLEN", "SET", "STRLEN", "DEL"]
    assert proxy.protocol_errors == []


def test_concurrent_clients(proxy: CountingProxy) -> None:
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with RespClient(proxy.port) as client:
                for i in range(50):
                    assert client.command("INCR", name) == i + 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"counter-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert proxy.count == 100
    assert proxy.round_trips == 100
    with RespClient(proxy.port) as client:
        client.command("DEL", "counter-0", "counter-1")


def test_a_pipeline_is_one_round_trip(proxy: CountingProxy) -> None:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n" * 3)
        assert read_until(sock, b"+PONG\r\n" * 3) == b"+PONG\r\n" * 3
    assert proxy.count == 3
    assert proxy.round_trips == 1


def test_parser_in_pieces() -> None:
    stream = b"*2\r\n$6\r\nSCRIPT\r\n$5\r\nFLUSH\r\n*0\r\n\r\nping now\r\n*1\r\n$4\r\nINFO\r\n"
    for size in (1, 2, 3, 7, len(stream)):
        parser = RespRequestParser()
        heads = []
        for i in range(0, len(stream), size):
            heads += parser.feed(stream[i : i + size])
        assert heads == [[b"SCRIPT", b"FLUSH"], [b"ping", b"now"], [b"INFO"]]


def test_close_ends_open_connections(server: RedisServer) -> None:
    proxy = CountingProxy("127.0.0.1", server.port)
    client = RespClient(proxy.port)
    assert client.command("PING") == "PONG"
    proxy.close()
    with pytest.raises(ConnectionError):
        client.command("PING")
    client.close()
