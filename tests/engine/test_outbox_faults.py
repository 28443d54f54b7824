"""SPEC §6: outbox records that cannot be used, a deleted outbox, a full disk, and
register() racing close() — each ends accounted for, none holds up the rest."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

import framesieve as fs
from framesieve.destinations.datapoint import Datapoint
from framesieve.engine.outbox import Outbox
from support.accounting import assert_accounted, delivered_lines, failed_records
from support.engine_helpers import config, datapoint, detection, frame, run_engine_child


def _record(dp: Datapoint, **header_changes) -> bytes:
    """``dp``'s outbox record with its JSON header edited (another version's, or by hand)."""
    header = {**dp.header(), **header_changes}
    for key in [k for k, v in header_changes.items() if v is _DROP]:
        del header[key]
    raw = json.dumps(header).encode()
    return b"FSDP" + len(raw).to_bytes(4, "little") + raw + dp.jpeg


_DROP = object()
ILL_FITTING = {
    "extra key": {"from_the_future": 1},
    "missing key": {"batch": _DROP},
    "tags not a list": {"tags": 5},
    "size not a pair": {"size": "ab"},
    "seq a str": {"seq": "7"},
    "metadata a list": {"metadata": [1, 2]},
}


def test_ill_fitting_records_go_to_failed_and_hold_up_nothing(tmp_path):
    box = Outbox(tmp_path / "ob")
    good, bad = [], []
    for i, changes in enumerate(ILL_FITTING.values()):
        for kind, edits in (("bad", changes), ("good", {})):
            seq = box.reserve_seq()
            dp = datapoint(seq, id=f"{kind}{i}")
            (tmp_path / "ob" / f"{seq:020d}.dp").write_bytes(_record(dp, **edits) if edits else dp.to_bytes())
            (bad if edits else good).append(seq)
    box.close()
    # "extra key" is readable (unknown keys are ignored): it is delivered, not failed
    expected_failed = len(ILL_FITTING) - 1
    dataset = fs.LocalDataset(tmp_path / "ds")
    al = fs.ActiveLearning(fs.load_config(config()), dataset, outbox=tmp_path / "ob", retry_base=0.05)
    assert al.flush(10), "an unusable record held up delivery"
    al.close()
    stats = al.stats()
    assert stats["recovered"] == 2 * len(ILL_FITTING)
    assert stats["failed"] == expected_failed
    assert stats["delivered"] == len(good) + 1
    reasons = [r["reason"] for r in failed_records(tmp_path / "ob")]
    assert all("outbox record" in r for r in reasons), reasons
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


def test_a_deleted_outbox_is_recreated_and_locked_again(tmp_path):
    outbox = tmp_path / "ob"
    al = fs.ActiveLearning(
        fs.load_config(config()), fs.LocalDataset(tmp_path / "ds"), outbox=outbox, block=True
    )
    for i in range(5):
        al.register(frame(seed=i), detection(), "object-detection")
    assert al.flush(10)
    shutil.rmtree(outbox)
    for i in range(5, 15):
        al.register(frame(seed=i), detection(), "object-detection")
    assert al.flush(10)
    with pytest.raises(fs.OutboxLockedError):  # the lock is held again on the new folder
        Outbox(outbox)
    al.close()
    stats = al.stats()
    assert stats["delivered"] == 15 and stats["failed"] == 0
    assert delivered_lines(tmp_path / "ds") == 15
    assert_accounted(stats, outbox, tmp_path / "ds")


_FULL_DISK_CHILD = r"""
import json, resource, signal, sys
import numpy as np
import framesieve as fs
sys.path.insert(0, sys.argv[3])
from support.engine_helpers import config, detection

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
strategy = {"name": "all", "type": "random", "traffic_percentage": 1.0,
            "limits": [{"type": "minutely", "value": 12}]}
al = fs.ActiveLearning(fs.load_config(config([strategy])), fs.LocalDataset(sys.argv[1]),
                       outbox=sys.argv[2], block=True, workers=1)
rng = np.random.default_rng(0)
noise = [rng.integers(0, 256, (160, 160, 3), dtype=np.uint8) for _ in range(5)]  # ~60 KB JPEGs
flat = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(10)]  # ~1 KB JPEGs
for image in noise:
    al.register(image, detection(), "object-detection", timestamp=1_700_000_000.0)
al.flush(30)  # the worker refused them by now, and gave their credits back
for image in flat:
    al.register(image, detection(), "object-detection", timestamp=1_700_000_000.0)
al.close()
print(json.dumps(al.stats()))
"""


def test_a_full_disk_counts_dropped_outbox_full_gives_the_credit_back_and_leaves_no_partial_file(tmp_path):
    lines, stderr = run_engine_child(_FULL_DISK_CHILD, tmp_path)
    stats = json.loads(lines[-1])
    assert stats["dropped_outbox_full"] == 5, (stats, stderr[-2000:])
    # 15 takes against a limit of 12: the 5 refused gave their credit back, so all 10 went
    assert stats["delivered"] == 10 and stats["limited"] == 0 and stats["failed"] == 0
    assert "outbox is full" in stderr
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


def test_frames_that_fail_in_two_runs_both_keep_their_reason(tmp_path):
    # Run 1's frame never became a record (only its reason file is in failed/): run 2
    # must not reuse its number and overwrite that reason with its own failure.
    for run in (1, 2):
        with fs.ActiveLearning(
            fs.load_config(config()), fs.LocalDataset(tmp_path / "ds"), outbox=tmp_path / "ob", block=True
        ) as al:
            al.register(b"\xff\xd8 not a jpeg", detection(2), "object-detection", image_name=f"run-{run}")
        assert al.stats()["failed"] == 1
    names = [record["datapoint"]["image_name"] for record in failed_records(tmp_path / "ob")]
    assert names == ["run-1", "run-2"]


_UNRECORDABLE_CHILD = r"""
import json, resource, signal, sys
import framesieve as fs
sys.path.insert(0, sys.argv[3])
from support.engine_helpers import config, detection, frame

al = fs.ActiveLearning(fs.load_config(config()), fs.LocalDataset(sys.argv[1]),
                       outbox=sys.argv[2], block=True, workers=1)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))  # not even a reason file fits
al.register(b"\xff\xd8 not a jpeg", detection(2), "object-detection", image_name="cam-1")
al.register(frame(seed=2), detection(2), "object-detection")
al.close()
print(json.dumps(al.stats()))
"""


def test_a_frame_whose_failure_cannot_be_recorded_is_counted_refused(tmp_path):
    # The disk refuses the undecodable frame's reason file and the good frame's record:
    # both refused and counted, neither counted failed with nothing in failed/.
    lines, stderr = run_engine_child(_UNRECORDABLE_CHILD, tmp_path)
    stats = json.loads(lines[-1])
    assert stats["dropped_outbox_full"] == 2 and stats["failed"] == 0, (stats, stderr[-2000:])
    assert "could not record it either" in stderr
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


_INTERRUPTED_CLOSE_CHILD = r"""
import atexit, json, os, signal, sys, threading
from pathlib import Path
import framesieve as fs
sys.path.insert(0, sys.argv[3])
from support.accounting import delivered_lines
from support.engine_helpers import config, detection, frame

al = None
atexit.register(lambda: print(json.dumps(al.stats()), flush=True))  # runs after the engine's hook
al = fs.ActiveLearning(fs.load_config(config()), fs.LocalDataset(sys.argv[1]), outbox=sys.argv[2],
                       block=True, workers=1, max_backlog=60.0)
frames = [frame(1080, 1920, seed=seed) for seed in range(30)]
for image in frames:  # a second of work for one worker: most is still queued when close() starts
    al.register(image, detection(2), "object-detection")
threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()  # Ctrl-C during close()
try:
    al.close()
except KeyboardInterrupt:
    on_disk = delivered_lines(Path(sys.argv[1])) + len(list(Path(sys.argv[2]).glob("*.dp")))
    print("interrupted", on_disk, flush=True)  # frames written anywhere by then
"""


def test_a_close_interrupted_by_ctrl_c_still_writes_every_queued_frame_at_exit(tmp_path):
    lines, stderr = run_engine_child(_INTERRUPTED_CLOSE_CHILD, tmp_path, timeout=300)
    interrupted, stats = lines[0].split(), json.loads(lines[-1])
    assert interrupted[0] == "interrupted" and int(interrupted[1]) < 30, (lines, stderr[-2000:])
    assert stats["collected"] == 30, stats
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


class _RecordsStayAfterDelivery(fs.LocalDataset):
    """A real local dataset; once it has a datapoint, that record's state path in the
    outbox becomes a directory, so removing the delivered record fails (EISDIR)."""

    def __init__(self, path: Path, outbox: Path) -> None:
        super().__init__(path)
        self.outbox = outbox

    def deliver(self, datapoint, progress, save_progress):
        result = super().deliver(datapoint, progress, save_progress)
        (record,) = [p for p in self.outbox.glob("*.dp") if int(p.stem) == datapoint.seq]
        record.with_suffix(".state").mkdir()
        return result


def test_a_delivered_frame_whose_record_cannot_be_removed_stays_delivered(tmp_path, caplog):
    # Not failed, and its credit kept: giving it back would let one frame over the limit.
    strategy = {
        "name": "all",
        "type": "random",
        "traffic_percentage": 1.0,
        "limits": [{"type": "minutely", "value": 2}],
    }
    destination = _RecordsStayAfterDelivery(tmp_path / "ds", tmp_path / "ob")
    with fs.ActiveLearning(
        fs.load_config(config([strategy])), destination, outbox=tmp_path / "ob", block=True
    ) as al:
        for seed in range(2):
            al.register(frame(seed=seed), detection(2), "object-detection", timestamp=1_700_000_000.0)
        assert al.flush(30)
        al.register(frame(seed=2), detection(2), "object-detection", timestamp=1_700_000_000.0)
    stats = al.stats()
    assert (stats["delivered"], stats["failed"], stats["limited"]) == (2, 0, 1), stats
    assert delivered_lines(tmp_path / "ds") == 2 and failed_records(tmp_path / "ob") == []
    assert sum("delivered but its outbox record stays" in r.getMessage() for r in caplog.records) == 2


def test_register_racing_close_loses_nothing_and_never_drops_with_block(tmp_path):
    al = fs.ActiveLearning(
        fs.load_config(config()),
        fs.LocalDataset(tmp_path / "ds"),
        outbox=tmp_path / "ob",
        block=True,
        workers=1,
        queue_size=2,
    )
    big = frame(720, 1280)
    returned, refused = [], []
    started = threading.Barrier(5)

    def feed():
        started.wait()
        for _ in range(40):
            try:
                al.register(big, detection(), "object-detection")
            except fs.FramesieveError:
                refused.append(1)
                return
            returned.append(1)

    threads = [threading.Thread(target=feed) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    while len(returned) < 10:
        threading.Event().wait(0.005)
    al.close()
    for thread in threads:
        thread.join()
    stats = al.stats()
    assert refused, "close() should have refused the callers still waiting"
    assert stats["dropped_overload"] == 0
    assert stats["collected"] == len(returned) == stats["matched"]
    assert stats["delivered"] + stats["pending"] == len(returned)
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")
