"""A give-back that Redis refuses must not lose the frame (SPEC §6): the frame still ends
in failed/ or refused with its count, and the credit stays used (never one granted twice).

The refusal is real: a strict limiter logged in as an ACL user whose key patterns cover the
limit keys but not the give-back's receipt key, so every admission works and every
give-back is answered NOPERM by redis-server.
"""

from __future__ import annotations

import logging

import pytest

import framesieve as fs
from support.accounting import assert_accounted, failed_records
from support.engine_helpers import config, detection, frame
from support.redis_server import RedisServer

LIMITED = config(
    [
        {
            "name": "keep",
            "type": "random",
            "traffic_percentage": 1.0,
            "limits": [{"type": "minutely", "value": 100}],
        }
    ]
)


@pytest.fixture
def refusing_give_backs(redis_server: RedisServer) -> fs.RedisLimiter:
    with redis_server.client() as client:
        client.command("ACL", "SETUSER", "framer", "on", ">pw", "resetkeys", "~framesieve:*:keep:*", "+@all")
    url = f"redis://framer:pw@127.0.0.1:{redis_server.port}/0"
    limiter = fs.RedisLimiter(url, strict=True)
    assert limiter.take("probe", [("keep", [("minutely", 5)])]) == "keep"
    with pytest.raises(fs.FramesieveError, match=r"(?i)noperm"):
        limiter.give_back("probe", "keep")
    return limiter


def _engine(tmp_path, limiter, **kw):
    dataset = fs.LocalDataset(tmp_path / "ds")
    return fs.ActiveLearning(
        fs.load_config(LIMITED), dataset, outbox=tmp_path / "ob", block=True, limiter=limiter, **kw
    )


def test_a_frame_the_worker_cannot_prepare_still_reaches_failed(tmp_path, refusing_give_backs, caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")
    with _engine(tmp_path, refusing_give_backs, close_timeout=10) as al:
        al.register(b"\xff\xd8 not really a jpeg", detection(2), "object-detection", image_name="cam-7")
        al.register(frame(seed=3), detection(2), "object-detection")
    stats = al.stats()
    assert stats["failed"] == 1 and stats["delivered"] == 1, stats
    (record,) = failed_records(tmp_path / "ob")
    assert record["datapoint"]["image_name"] == "cam-7"
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")
    assert any("given back" in r.getMessage() for r in caplog.records)
    assert all(":pw@" not in r.getMessage() for r in caplog.records)


def test_a_frame_refused_by_a_full_outbox_is_counted(tmp_path, refusing_give_backs):
    with _engine(tmp_path, refusing_give_backs, outbox_quota=1, close_timeout=10) as al:
        al.register(frame(seed=4), detection(2), "object-detection")
        al.register(frame(seed=5), detection(2), "object-detection")
    stats = al.stats()
    assert stats["dropped_outbox_full"] == 2 and stats["failed"] == 0, stats
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")
