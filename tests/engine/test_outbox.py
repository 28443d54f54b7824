"""The durable outbox: atomic records, order across restarts, lock, quota, failed/."""

from __future__ import annotations

import subprocess
import sys

import pytest

from framesieve import OutboxLockedError
from framesieve.engine.outbox import Outbox
from support.engine_helpers import datapoint


def test_round_trip_and_order_survive_a_restart(tmp_path):
    box = Outbox(tmp_path)
    seqs = [box.reserve_seq() for _ in range(3)]
    for seq in reversed(seqs):
        assert box.put(datapoint(seq, metadata={"k": 1}, tags=["x"]))
    assert box.pending() == seqs
    box.close()

    again = Outbox(tmp_path)
    assert again.pending() == seqs
    loaded = again.load(seqs[1])
    expected = datapoint(seqs[1], metadata={"k": 1}, tags=["x"])
    assert loaded == expected
    assert again.reserve_seq() > max(seqs)  # sequence numbers never go back
    again.close()


def test_state_remove_and_pending_bytes(tmp_path):
    box = Outbox(tmp_path)
    dp = datapoint(box.reserve_seq())
    box.put(dp)
    assert box.pending_bytes == len(dp.to_bytes())
    assert box.state(dp.seq) == {}
    box.set_state(dp.seq, {"image_id": "img-7"})
    assert box.state(dp.seq) == {"image_id": "img-7"}
    box.remove(dp.seq)
    assert box.pending() == [] and box.pending_bytes == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["failed", "outbox.lock", "tmp"]
    box.close()


def test_failed_keeps_the_datapoint_and_the_reason(tmp_path):
    box = Outbox(tmp_path)
    dp = datapoint(box.reserve_seq())
    box.put(dp)
    box.fail(dp.seq, "HTTP 400: bad")
    assert box.pending() == []
    (record,) = (tmp_path / "failed").glob("*.dp")
    (reason,) = (tmp_path / "failed").glob("*.reason.json")
    assert reason.read_text() == '{"reason": "HTTP 400: bad"}'
    assert record.read_bytes() == dp.to_bytes()
    box.close()
    with Outbox(tmp_path) as again:
        assert again.reserve_seq() > dp.seq


def test_a_failure_with_no_record_keeps_its_number_across_a_restart(tmp_path):
    # A frame that never became a record leaves only its reason file in failed/; the next
    # process must not hand its number out again (its failure would overwrite this one).
    box = Outbox(tmp_path)
    seq = box.reserve_seq()
    box.fail(seq, "undecodable", known={"image_name": "first"})
    box.close()
    with Outbox(tmp_path) as again:
        assert again.reserve_seq() > seq


def test_quota_refuses_new_and_keeps_old(tmp_path):
    one = len(datapoint(1).to_bytes())
    box = Outbox(tmp_path, quota_bytes=int(one * 2.5))
    assert box.put(datapoint(1)) and box.put(datapoint(2))
    assert not box.put(datapoint(3))
    assert box.pending() == [1, 2]
    box.remove(1)
    assert box.put(datapoint(3))
    assert box.pending() == [2, 3]
    box.close()


def test_a_second_user_is_refused(tmp_path):
    box = Outbox(tmp_path)
    with pytest.raises(OutboxLockedError, match="in use"):
        Outbox(tmp_path)
    code = (
        "import sys; from framesieve.engine.outbox import Outbox\n"
        "try:\n    Outbox(sys.argv[1])\nexcept Exception as e:\n    print(type(e).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "OutboxLockedError"
    box.close()
    Outbox(tmp_path).close()  # free again


def test_leftover_temp_files_and_torn_records_are_ignored(tmp_path):
    box = Outbox(tmp_path)
    box.put(datapoint(1))
    box.close()
    (tmp_path / "tmp" / ".00000000000000000002.dp.1.2.tmp").write_bytes(b"half")
    with Outbox(tmp_path) as again:
        assert list((tmp_path / "tmp").iterdir()) == []
        assert again.pending() == [1]


def test_bad_quota_is_refused(tmp_path):
    with pytest.raises(ValueError, match="quota_bytes"):
        Outbox(tmp_path, quota_bytes=0)
