"""The configuration `framesieve run` uses when no `--config` is given.

A random 10% of frames, capped per minute, hour and day (windows follow video
time for files), into daily batches, resized to fit 1200x1200, JPEG quality 95.
Random sampling is the one strategy that also applies to stub predictions, so
this default collects with every model, the `<project>/0` stub included.
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "enabled": True,
    "persist_predictions": True,
    "sampling_strategies": [
        {
            "name": "random_10pct",
            "type": "random",
            "traffic_percentage": 0.1,
            "limits": [
                {"type": "minutely", "value": 60},
                {"type": "hourly", "value": 600},
                {"type": "daily", "value": 5000},
            ],
        }
    ],
    "batching_strategy": {"batches_name_prefix": "framesieve", "recreation_interval": "daily"},
    "max_image_size": [1200, 1200],
    "jpeg_compression_level": 95,
}


def default_config() -> dict[str, Any]:
    """A fresh copy of :data:`DEFAULT_CONFIG` (callers may modify it)."""
    import copy

    return copy.deepcopy(DEFAULT_CONFIG)
