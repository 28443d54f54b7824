"""Engines in several processes sharing limits and batch counts through a real redis-server."""

from __future__ import annotations

import framesieve as fs
from support.engine_helpers import config, detection, frame

FAST = {"retry_base": 0.05, "retry_max": 0.3, "workers": 2}


def test_two_engines_share_strategy_limits_and_the_batch_cap(redis_server, tmp_path):
    limited = config(
        [
            {
                "name": "one",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "hourly", "value": 3}],
            }
        ]
    )
    dataset = tmp_path / "ds"
    engines = [
        fs.ActiveLearning(
            fs.load_config(limited),
            dataset,
            limiter=fs.RedisLimiter(redis_server.url),
            outbox=tmp_path / f"ob{i}",
            **FAST,
        )
        for i in range(2)
    ]
    for i in range(10):
        engines[i % 2].register(frame(seed=700 + i), detection(), "object-detection", timestamp=1e9)
    for engine in engines:
        assert engine.flush(20)
        engine.close()
    assert sum(e.stats()["delivered"] for e in engines) == 3
    assert sum(e.stats()["limited"] for e in engines) == 7

    capped = config(
        batching_strategy={
            "batches_name_prefix": "cap",
            "recreation_interval": "never",
            "max_batch_images": 4,
        }
    )
    engines = [
        fs.ActiveLearning(
            fs.load_config(capped),
            dataset,
            limiter=fs.RedisLimiter(redis_server.url),
            outbox=tmp_path / f"oc{i}",
            **FAST,
        )
        for i in range(2)
    ]
    for i in range(10):
        engines[i % 2].register(frame(seed=800 + i), detection(), "object-detection")
    for engine in engines:
        assert engine.flush(20)
        engine.close()
    assert sum(e.stats()["delivered"] for e in engines) == 4
    assert fs.LocalDataset(dataset).batch_image_count("cap") == 4


def test_middleware_cache_as_a_redis_url(redis_server, fake_roboflow, tmp_path):
    cfg = config(
        [
            {
                "name": "one",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "daily", "value": 2}],
            }
        ]
    )
    for i in range(2):  # two middlewares (as two processes would) sharing the Redis limits
        middleware = fs.ActiveLearningMiddleware.init_from_config(
            "test-key-0123456789",
            "proj",
            "proj/1",
            cache=redis_server.url,
            config=cfg,
            api_url=fake_roboflow.url,
            outbox=tmp_path / f"ob{i}",
            **FAST,
        )
        with middleware:
            for j in range(3):
                middleware.register(frame(seed=900 + 10 * i + j), detection(), "object-detection")
    assert len(fake_roboflow.images) == 2
