"""inference's own cache objects given as `cache` (SPEC §7): its RedisCache means limits in that
Redis, its MemoryCache in-process limits; a redis-py client is read for every connection detail."""

from __future__ import annotations

import logging

import numpy as np
import redis
from inference.core.cache.memory import MemoryCache
from inference.core.cache.redis import RedisCache

import framesieve as fs
from framesieve.engine.caches import limiter_for, redis_url
from support.engine_helpers import config, detection, frame

KEY = "peer-key-0123456789"
LIMITED = [
    {"name": "one", "type": "random", "traffic_percentage": 1.0, "limits": [{"type": "daily", "value": 1}]}
]


def test_inferences_redis_cache_puts_the_limits_of_every_middleware_in_that_redis(isolated, redis_server):
    isolated.state.api_key = KEY
    isolated.state.configs["proj"] = config(LIMITED)
    cache = RedisCache(host="127.0.0.1", port=redis_server.port)
    middlewares = [fs.ThreadingActiveLearningMiddleware.init(KEY, "proj", f"proj/{m}", cache) for m in (1, 2)]
    assert all(isinstance(m.engine._admission.limiter, fs.RedisLimiter) for m in middlewares)
    for i, middleware in enumerate(middlewares):
        middleware.register(frame(seed=i), detection(), "object-detection")
        assert middleware.flush(30)
        middleware.stop_registration_thread()
    assert len(isolated.images) == 1  # one daily credit for the project, counted in Redis
    with redis_server.client() as client:
        assert len(client.command("KEYS", "framesieve:*:one:day:*")) == 1


def test_a_redis_client_with_password_and_database(redis_server):
    password = "p@ss:w/rd #1"
    with redis_server.client() as admin:
        assert admin.command("CONFIG", "SET", "requirepass", password) == "OK"
    client = redis.Redis(host="127.0.0.1", port=redis_server.port, db=3, password=password)
    limiter = limiter_for(client)
    assert isinstance(limiter, fs.RedisLimiter) and password not in repr(limiter)
    limiter.ping()
    assert limiter.take("scope", [("s", [("daily", 5)])]) == "s"
    assert len(client.keys("framesieve:*")) == 1  # in database 3, read back by redis-py itself
    client.close()


def test_tls_and_unix_socket_clients_are_read_as_such():
    tls = redis.Redis(
        host="redis.internal", port=6380, db=2, ssl=True, ssl_ca_certs="/etc/ca.pem", username="al"
    )
    assert redis_url(tls) == ("rediss://al@redis.internal:6380/2", "/etc/ca.pem")
    unix = redis.Redis(unix_socket_path="/run/redis.sock", db=1, password="pw")
    assert redis_url(unix) == ("unix:///run/redis.sock?db=1&pass=pw", None)


def test_inferences_memory_cache_means_in_process_limits_shared_by_its_middlewares(caplog):
    caplog.set_level(logging.WARNING, logger="framesieve")
    cache = MemoryCache()
    assert isinstance(limiter_for(cache), fs.MemoryLimiter)
    assert limiter_for(cache) is limiter_for(cache)
    assert not caplog.records  # inference's own cache is not "unknown"


def test_tensor_frames_are_materialised_as_inference_s_sinks_do():
    import torch

    from framesieve.interop import make_on_prediction

    got = []
    bgr = np.random.default_rng(0).integers(0, 256, size=(6, 8, 3), dtype=np.uint8)

    class Frame:
        image = torch.from_numpy(bgr[:, :, ::-1].copy()).permute(2, 0, 1)  # RGB CHW, as the GPU decoder
        frame_id, frame_timestamp, comes_from_video_file = 1, None, True

    make_on_prediction(lambda image, prediction, kind: got.append(image))({"predictions": []}, Frame())
    assert isinstance(got[0], np.ndarray) and np.array_equal(got[0], bgr)
