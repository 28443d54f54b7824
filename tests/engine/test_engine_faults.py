"""Faults: the destination down or failing, permanent errors, the outbox quota, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import framesieve as fs
from support.engine_helpers import config, detection, frame
from support.waiting import wait_until

KEY = "test-key-0123456789"
FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}


def _engine(fake, outbox, cfg=None, **kw):
    destination = fs.RoboflowDestination(KEY, "proj", api_url=fake.url, timeout=2.0)
    return fs.ActiveLearning(fs.load_config(cfg or config()), destination, outbox=outbox, **{**FAST, **kw})


def _assert_each_once(fake, count):
    images = fake.images
    assert len(images) == count
    assert len({i.name for i in images}) == count
    assert all(i.annotation is not None for i in images)


def test_destination_down_then_up_delivers_everything_once(fake_roboflow, tmp_path):
    fake_roboflow.go_down(1.5)
    with _engine(fake_roboflow, tmp_path / "ob") as al:
        for i in range(20):
            al.register(frame(seed=100 + i), detection(), "object-detection")
        assert wait_until(lambda: len(list((tmp_path / "ob").glob("*.dp"))) == 20)
        assert al.stats()["pending"] == 20 and al.stats()["delivered"] == 0
        assert not al.flush(0.1)  # not delivered yet: False, nothing lost
        assert len(list((tmp_path / "ob").glob("*.dp"))) == 20  # on disk while the destination is down
        assert al.flush(30)
        assert al.stats()["delivered"] == 20
    _assert_each_once(fake_roboflow, 20)


def test_first_requests_fail_with_503_then_all_delivered(fake_roboflow, tmp_path):
    fake_roboflow.fail_next(7, 503)
    fake_roboflow.latency = 0.01
    with _engine(fake_roboflow, tmp_path / "ob") as al:
        for i in range(10):
            al.register(frame(seed=200 + i), detection(), "object-detection")
        assert al.flush(30)
        assert al.stats()["delivered"] == 10 and al.stats()["failed"] == 0
    _assert_each_once(fake_roboflow, 10)


def test_close_keeps_undelivered_in_the_outbox_for_the_next_start(fake_roboflow, tmp_path):
    fake_roboflow.stop()
    with _engine(fake_roboflow, tmp_path / "ob", close_timeout=0.5) as al:
        for i in range(5):
            al.register(frame(seed=300 + i), detection(), "object-detection")
    assert len(list((tmp_path / "ob").glob("*.dp"))) == 5
    with fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", **FAST) as al:
        assert al.stats()["recovered"] == 5
        assert al.flush(20)
        assert al.stats()["delivered"] == 5
    assert len(fs.LocalDataset(tmp_path / "ds").manifest()) == 5


def test_permanent_errors_go_to_failed_with_the_reason(fake_roboflow, tmp_path):
    cfg = config(
        [
            {
                "name": "one",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "hourly", "value": 2}],
            }
        ]
    )
    fake_roboflow.fail_next(1, 400)
    with _engine(fake_roboflow, tmp_path / "ob", cfg) as al:
        al.register(frame(seed=400), detection(), "object-detection", timestamp=1e9)
        assert al.flush(20)
        al.register(frame(seed=401), detection(), "object-detection", timestamp=1e9)
        al.register(frame(seed=402), detection(), "object-detection", timestamp=1e9)  # credit given back
        assert al.flush(20)
        stats = al.stats()
    assert stats["failed"] == 1 and stats["delivered"] == 2 and stats["limited"] == 0
    (reason,) = (tmp_path / "ob" / "failed").glob("*.reason.json")
    assert "HTTP 400" in reason.read_text()
    assert len(list((tmp_path / "ob" / "failed").glob("*.dp"))) == 1


def test_wrong_key_is_permanent_and_never_logged(fake_roboflow, tmp_path, caplog):
    secret = "a-wrong-secret-key"
    destination = fs.RoboflowDestination(secret, "proj", api_url=fake_roboflow.url, timeout=2.0)
    with fs.ActiveLearning(fs.load_config(config()), destination, outbox=tmp_path / "ob", **FAST) as al:
        al.register(frame(seed=500), detection(), "object-detection")
        assert al.flush(20)
        assert al.stats()["failed"] == 1
        assert secret not in repr(al)
    reason = next((tmp_path / "ob" / "failed").glob("*.reason.json")).read_text()
    assert "401" in reason and secret not in reason
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_outbox_quota_refuses_new_datapoints_and_keeps_the_old(fake_roboflow, tmp_path):
    fake_roboflow.stop()
    one = frame(seed=600)
    with _engine(fake_roboflow, tmp_path / "probe", close_timeout=0.2) as al:
        al.register(one, detection(), "object-detection")
    (record,) = (tmp_path / "probe").glob("*.dp")
    quota = int(record.stat().st_size * 3.5)
    with _engine(fake_roboflow, tmp_path / "ob", outbox_quota=quota, close_timeout=0.2) as al:
        for i in range(8):
            al.register(frame(seed=610 + i), detection(), "object-detection")

        def stored_or_refused() -> bool:
            stored = len(list((tmp_path / "ob").glob("*.dp")))
            return stored + al.stats()["dropped_outbox_full"] == 8

        assert wait_until(stored_or_refused)
        stats = al.stats()
    assert stats["dropped_outbox_full"] > 0
    assert stats["collected"] == len(list((tmp_path / "ob").glob("*.dp"))) <= 4
    assert stats["collected"] + stats["dropped_outbox_full"] == 8


def test_sigkill_mid_run_then_restart_delivers_each_accepted_datapoint_once(fake_roboflow, tmp_path):
    fake_roboflow.latency = 0.2  # uploads in flight when the kill comes
    outbox = tmp_path / "ob"
    child = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).parents[1] / "support" / "engine_child.py"),
            fake_roboflow.url,
            str(outbox),
            "40",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    accepted = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("accepted"):
            accepted.append(int(line.split()[1]))
        if line.startswith("all accepted"):
            break
    time.sleep(0.6)  # SPEC §6: accepted 0.5 s before the kill must survive it
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert accepted == list(range(40))
    delivered_before = len(fake_roboflow.images)
    assert delivered_before < 40  # the kill did interrupt delivery
    fake_roboflow.latency = 0.0
    with fs.ActiveLearning(
        fs.load_config(
            config(batching_strategy={"batches_name_prefix": "kill", "recreation_interval": "never"})
        ),
        fs.RoboflowDestination(KEY, "proj", api_url=fake_roboflow.url),
        outbox=outbox,
        **FAST,
    ) as al:
        assert al.flush(30)
    images = fake_roboflow.images
    assert sorted(i.metadata["i"] for i in images) == list(range(40))  # each once: no second image
    assert len({i.name for i in images}) == 40
    assert all(i.annotation is not None for i in images)
    assert list(outbox.glob("*.dp")) == []


def test_one_outbox_one_engine(tmp_path):
    with fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", **FAST):
        try:
            fs.ActiveLearning(fs.load_config(config()), tmp_path / "ds", outbox=tmp_path / "ob", **FAST)
        except fs.OutboxLockedError as e:
            assert "in use" in str(e)
        else:
            raise AssertionError("a second engine on the same outbox must be refused")
