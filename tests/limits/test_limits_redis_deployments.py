"""`RedisLimiter` on the deployments users run besides a plain node: TLS
(`rediss://`, the server verified by a private CA given by file) and ACL users
with passwords, each against a real redis-server started once per module."""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest

import framesieve as fs
from support.kept_frames import FRAMES, keep_and_give_back
from support.redis_server import RedisServer, client_commands_during, make_tls_files

T0 = 1_700_000_040.0
ONE = [("a", [("minutely", 1_000)])]
# Every URL delimiter and then some: must work percent-encoded, never show.
HARD_PASSWORD = "p@ss:w/rd?#&=%+ é"
AT_PASSWORD = "s3cr@t-with-@-signs"


@pytest.fixture(scope="module")
def tls_files() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="framesieve-tls-") as folder:
        yield make_tls_files(folder)


@pytest.fixture(scope="module")
def tls_server(tls_files: dict[str, str]) -> Iterator[RedisServer]:
    server = RedisServer(tls=tls_files)
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def acl_server() -> Iterator[RedisServer]:
    rules = ["on", "~*", "&*", "+@all"]
    server = RedisServer(
        extra_args=[
            "--user",
            "default",
            "off",
            "--user",
            "alice",
            *rules,
            f">{HARD_PASSWORD}",
            "--user",
            "bob",
            *rules,
            f">{AT_PASSWORD}",
        ],
        admin=("alice", HARD_PASSWORD),
    )
    server.start()
    yield server
    server.close()


def acl_url(server: RedisServer, user: str, password: str) -> str:
    return f"redis://{user}:{password}@127.0.0.1:{server.port}/0"


TAKER = textwrap.dedent(
    """
    import sys, threading, time
    import framesieve as fs

    url, ca, start = sys.argv[1], sys.argv[2] or None, float(sys.argv[3])
    limiter = fs.RedisLimiter(url, strict=True, tls_ca_cert=ca)
    limiter.ping()
    granted = []

    def worker():
        mine = 0
        for _ in range(50):
            if limiter.take("contended", [("a", [("minutely", 70)])], 1_700_000_040.0) == "a":
                mine += 1
        granted.append(mine)

    pool = [threading.Thread(target=worker) for _ in range(3)]
    time.sleep(max(0.0, start - time.time()))
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(sum(granted))
    """
)


def contended_grants(url: str, ca: str | None) -> int:
    """Credits granted to 3 processes x 3 threads x 50 attempts sharing a limit of 70."""
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, url, ca or "", str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    granted = 0
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        granted += int(out.strip())
    return granted


# -- TLS -------------------------------------------------------------------------------


def assert_one_round_trip_per_decision(server: RedisServer, limiter: fs.RedisLimiter) -> None:
    """Kept frames (credits + batch slot + shared hash) and give-backs: one EVALSHA each,
    counted by the server's own MONITOR."""
    keep_and_give_back(limiter, ["s0", "s1"], round_=0)  # connected, scripts loaded
    sent = client_commands_during([server], lambda: keep_and_give_back(limiter, ["s0", "s1"], round_=1))
    assert sent == {"evalsha": 2 * (FRAMES + 1)}


def test_tls_one_round_trip_per_kept_frame_and_give_back(tls_server: RedisServer, tls_files) -> None:
    limiter = fs.RedisLimiter(tls_server.url, strict=True, tls_ca_cert=tls_files["ca"])
    assert_one_round_trip_per_decision(tls_server, limiter)


def test_tls_with_a_private_ca_shares_one_limit_exactly(tls_server: RedisServer, tls_files) -> None:
    limiter = fs.RedisLimiter(tls_server.url, strict=True, tls_ca_cert=tls_files["ca"])
    assert limiter.take("tls", ONE, T0) == "a"
    assert contended_grants(tls_server.url, tls_files["ca"]) == 70
    with tls_server.client() as client:
        assert client.command("GET", f"framesieve:{{contended}}:a:minute:{int(T0 // 60)}") == "70"
        assert client.command("GET", f"framesieve:{{tls}}:a:minute:{int(T0 // 60)}") == "1"


def test_tls_server_not_signed_by_a_trusted_ca_is_refused(tls_server: RedisServer, tls_files) -> None:
    # The system roots do not know the test CA; nor does an unrelated CA.
    for ca in (None, tls_files["other_ca"]):
        limiter = fs.RedisLimiter(tls_server.url, strict=True, tls_ca_cert=ca)
        with pytest.raises(fs.LimiterConnectionError, match=r"(?i)certificate") as info:
            limiter.take("tls", ONE, T0)
        assert "rediss://127.0.0.1" in str(info.value)
    with tls_server.client() as client:
        assert client.command("EXISTS", f"framesieve:{{tls-refused}}:a:minute:{int(T0 // 60)}") == 0


def test_tls_unverified_falls_back_with_a_warning_never_connects(
    tls_server: RedisServer, tls_files, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = fs.RedisLimiter(tls_server.url, tls_ca_cert=tls_files["other_ca"], retry_interval=60)
    with caplog.at_level(logging.WARNING):
        grants = [limiter.take("tls-fallback", [("a", [("minutely", 2)])], T0) for _ in range(4)]
    assert grants == ["a", "a", None, None]  # decided in-process
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "certificate" in warnings[0].lower(), warnings
    assert limiter.stats()["fallback_decisions"] == 4
    with tls_server.client() as client:
        assert client.command("KEYS", "framesieve:{tls-fallback}*") == []


def test_tls_options_are_checked_up_front(tls_server: RedisServer, tls_files, tmp_path) -> None:
    with pytest.raises(fs.InvalidInputError, match="always verified"):
        fs.RedisLimiter(tls_server.url + "#insecure")
    with pytest.raises(fs.InvalidInputError, match="needs a rediss://"):
        fs.RedisLimiter("redis://127.0.0.1:6379/0", tls_ca_cert=tls_files["ca"])
    missing = tmp_path / "nope.pem"
    with pytest.raises(fs.InvalidInputError, match=r"cannot read .*nope\.pem"):
        fs.RedisLimiter(tls_server.url, tls_ca_cert=missing)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(fs.InvalidInputError, match="no PEM certificate"):
        fs.RedisLimiter(tls_server.url, tls_ca_cert=str(junk))


# -- ACL users ---------------------------------------------------------------------------


def test_acl_user_with_a_percent_encoded_password_shares_one_limit_exactly(acl_server: RedisServer) -> None:
    url = acl_url(acl_server, "alice", quote(HARD_PASSWORD, safe=""))
    limiter = fs.RedisLimiter(url, strict=True)
    assert limiter.take("acl", ONE, T0) == "a"
    assert contended_grants(url, None) == 70
    with acl_server.client() as client:
        assert client.command("GET", f"framesieve:{{contended}}:a:minute:{int(T0 // 60)}") == "70"


def test_acl_user_one_round_trip_per_kept_frame_and_give_back(acl_server: RedisServer) -> None:
    limiter = fs.RedisLimiter(acl_url(acl_server, "bob", AT_PASSWORD), strict=True)
    assert_one_round_trip_per_decision(acl_server, limiter)


def test_acl_password_with_unencoded_at_signs_works_and_never_shows(acl_server: RedisServer) -> None:
    url = acl_url(acl_server, "bob", AT_PASSWORD)
    limiter = fs.RedisLimiter(url, strict=True)
    assert limiter.take("acl-at", ONE, T0) == "a"
    assert limiter.url == f"redis://bob:***@127.0.0.1:{acl_server.port}/0"
    for secret_part in ("s3cr", "signs", "-@-"):
        assert secret_part not in repr(limiter)


@pytest.mark.parametrize(
    "password",
    [
        "wrong-pw",
        quote(HARD_PASSWORD[:-1], safe=""),  # one character short
        "wr@ng@pw",  # unencoded @
    ],
)
def test_a_wrong_password_fails_clearly_without_the_password(acl_server: RedisServer, password: str) -> None:
    limiter = fs.RedisLimiter(acl_url(acl_server, "alice", password), strict=True)
    with pytest.raises(fs.LimiterConnectionError) as info:
        limiter.take("acl", ONE, T0)
    message = str(info.value)
    assert "authentication failed" in message.lower(), message
    assert f"redis://alice:***@127.0.0.1:{acl_server.port}/0" in message
    for shown in (message, repr(limiter), limiter.url):
        assert password not in shown and "ng@pw" not in shown and "wrong" not in shown


@pytest.mark.parametrize(
    "password",
    ["x/y?z#w", "x/y@z", "a#b@c", "?pass=x/y"],
)
def test_passwords_that_break_the_url_are_never_echoed(password: str) -> None:
    url = f"redis://alice:{password}@127.0.0.1:6379/0"
    try:
        limiter = fs.RedisLimiter(url, strict=True, connect_timeout=0.2)
    except fs.InvalidInputError as err:
        shown = str(err)
        assert "percent-encoded" in shown
    else:
        shown = repr(limiter) + limiter.url
    assert password not in shown and "x/y" not in shown and "a#b" not in shown, shown
    assert "alice:***@127.0.0.1" in shown, shown
