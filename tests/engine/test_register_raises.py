"""A `register()` that raises leaves nothing behind (SPEC §6): not counted, its credit
back. Both causes are real: a strict limiter whose redis-server was stopped, and a Ctrl-C
(SIGINT) while `block=True` waits for room."""

from __future__ import annotations

import json

import pytest

import framesieve as fs
from support.accounting import assert_accounted
from support.engine_helpers import config, detection, frame, run_engine_child
from support.redis_server import RedisServer

LIMITED = config(
    [
        {
            "name": "keep",
            "type": "random",
            "traffic_percentage": 1.0,
            "limits": [{"type": "minutely", "value": 3}],
        }
    ]
)


def test_a_strict_limiter_that_loses_redis_raises_and_counts_nothing(tmp_path, redis_server: RedisServer):
    limiter = fs.RedisLimiter(redis_server.url, strict=True)
    al = fs.ActiveLearning(
        fs.load_config(LIMITED), fs.LocalDataset(tmp_path / "ds"), outbox=tmp_path / "ob", limiter=limiter
    )
    al.register(frame(seed=1), detection(2), "object-detection")
    redis_server.stop()
    with pytest.raises(fs.LimiterConnectionError):
        al.register(frame(seed=2), detection(2), "object-detection")
    al.close()
    stats = al.stats()
    assert stats["matched"] == 1 and stats["delivered"] == 1, stats
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")


_BLOCKED_CHILD = r"""
import json, os, signal, sys, threading
import framesieve as fs
sys.path.insert(0, sys.argv[3])
from support.engine_helpers import config, detection, frame, run_engine_child

strategy = {"name": "keep", "type": "random", "traffic_percentage": 1.0,
            "limits": [{"type": "minutely", "value": 3}]}
al = fs.ActiveLearning(fs.load_config(config([strategy])), fs.LocalDataset(sys.argv[1]),
                       outbox=sys.argv[2], block=True, workers=1, queue_size=1)
frames = [frame(2160, 3840, seed=seed) for seed in range(4)]  # 4K noise: ~0.1 s of work each
al.register(frames[0], detection(2), "object-detection", timestamp=1_700_000_000.0)  # on the worker
al.register(frames[1], detection(2), "object-detection", timestamp=1_700_000_000.0)  # its queue place
threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
try:  # waits for room, and the SIGINT comes before the worker finishes the first frame
    al.register(frames[2], detection(2), "object-detection", timestamp=1_700_000_000.0)
    print("not interrupted", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
al.flush(30)
# The interrupted frame's credit came back: the last of the 3 a minute is this one's.
al.register(frames[3], detection(2), "object-detection", timestamp=1_700_000_000.0)
al.close()
print(json.dumps(al.stats()), flush=True)
"""


def test_ctrl_c_while_waiting_for_room_gives_the_credit_back_and_counts_nothing(tmp_path):
    lines, stderr = run_engine_child(_BLOCKED_CHILD, tmp_path, timeout=300)
    assert lines[0] == "interrupted", (lines, stderr[-2000:])
    stats = json.loads(lines[-1])
    assert stats["matched"] == 3 and stats["delivered"] == 3 and stats["limited"] == 0, stats
    assert_accounted(stats, tmp_path / "ob", tmp_path / "ds")
