"""A child process for the SIGKILL test: registers frames, reports each accepted one, waits to be killed.

argv: api_url outbox count
"""

from __future__ import annotations

import sys
import time

import numpy as np

import framesieve as fs

api_url, outbox, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = fs.load_config(
    {
        "enabled": True,
        "persist_predictions": True,
        "sampling_strategies": [{"name": "all", "type": "random", "traffic_percentage": 1.0}],
        "batching_strategy": {"batches_name_prefix": "kill", "recreation_interval": "never"},
    }
)
destination = fs.RoboflowDestination("test-key-0123456789", "proj", api_url=api_url, timeout=5.0)
al = fs.ActiveLearning(config, destination, outbox=outbox, retry_base=0.05, retry_max=0.2, seed=0)
prediction = {
    "image": {"width": 64, "height": 48},
    "predictions": [{"x": 10.0, "y": 10.0, "width": 4.0, "height": 4.0, "confidence": 0.5, "class": "a"}],
}
rng = np.random.default_rng(1234)
for i in range(count):
    frame = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    al.register(frame, prediction, "object-detection", metadata={"i": i})
    print(f"accepted {i}", flush=True)
    time.sleep(0.01)
print("all accepted", flush=True)
time.sleep(60)  # killed long before
