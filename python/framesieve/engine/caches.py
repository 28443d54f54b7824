"""The drop-in middlewares' ``cache`` argument: where Roboflow inference keeps its limits.

inference passes its ``cache`` (``inference.core.cache.cache``: a ``RedisCache`` when
``REDIS_HOST`` is set, else a ``MemoryCache``) to every middleware, and its limits
live there. framesieve honours it (SPEC §7) instead of ignoring it:

- a Redis cache (anything holding a redis-py client: ``RedisCache.client``, or a
  ``redis.Redis`` itself) means :class:`framesieve.RedisLimiter` on the same server:
  host, port, database, user, password, TLS (``rediss://``, the client's CA file) or a
  unix socket;
- inference's ``MemoryCache`` means a :class:`framesieve.MemoryLimiter`;
- ``None``: a :class:`framesieve.MemoryLimiter` too;
- a framesieve limiter or a ``redis://`` / ``rediss://`` / ``unix://`` URL: used as given;
- anything else warns once per type, and limits stay in this process.

One limiter per cache object, shared by every middleware given that object (so two
middlewares of one project share their limits, as in inference); ``None`` shares one
process-wide limiter. Neither inference nor redis-py is imported.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import quote

from framesieve._core import MemoryLimiter, RedisLimiter

log = logging.getLogger("framesieve")

_lock = threading.Lock()
_limiters: dict[int, tuple[Any, Any]] = {}  # id(cache) -> (cache, limiter): the cache is kept alive
_warned: set[type] = set()
_URL_SCHEMES = ("redis://", "rediss://", "unix://", "redis+unix://")
_DEFAULT = object()


def _redis_client(cache: Any) -> Any:
    """The redis-py client a cache object holds (or is), else ``None``."""
    for candidate in (cache, getattr(cache, "client", None)):
        pool = getattr(candidate, "connection_pool", None)
        if pool is not None and isinstance(getattr(pool, "connection_kwargs", None), dict):
            return candidate
    return None


def redis_url(client: Any) -> tuple[str, str | None]:
    """``(url, CA file or None)`` of the server a redis-py client talks to."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    user, password = kwargs.get("username"), kwargs.get("password")
    credentials = ""
    if password is not None:
        credentials = f"{quote(str(user or ''), safe='')}:{quote(str(password), safe='')}@"
    elif user:
        credentials = f"{quote(str(user), safe='')}@"
    db = int(kwargs.get("db") or 0)
    if kwargs.get("path"):  # a unix socket
        query = f"db={db}"
        if user:
            query += f"&user={quote(str(user), safe='')}"
        if password is not None:
            query += f"&pass={quote(str(password), safe='')}"
        return f"unix://{kwargs['path']}?{query}", None
    tls = "SSL" in getattr(pool, "connection_class", type(None)).__name__ or bool(kwargs.get("ssl"))
    host = str(kwargs.get("host") or "localhost")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    scheme = "rediss" if tls else "redis"
    url = f"{scheme}://{credentials}{host}:{int(kwargs.get('port') or 6379)}/{db}"
    return url, (kwargs.get("ssl_ca_certs") if tls else None)


def _is_memory_cache(cache: Any) -> bool:
    kind = type(cache)
    return kind.__name__ == "MemoryCache" and kind.__module__.startswith("inference.")


def _make(cache: Any) -> Any:
    if cache is _DEFAULT:
        return MemoryLimiter()
    client = _redis_client(cache)
    if client is not None:
        url, ca_file = redis_url(client)
        tls: dict[str, Any] = {"tls_ca_cert": ca_file} if ca_file else {}
        return RedisLimiter(url, **tls)
    if not _is_memory_cache(cache) and type(cache) not in _warned:
        _warned.add(type(cache))
        log.warning(
            "framesieve: cache of type %s is neither a Redis nor inference's memory cache; "
            "limits are kept in this process",
            type(cache).__qualname__,
        )
    return MemoryLimiter()


def limiter_for(cache: Any) -> Any:
    """The limiter the middlewares use for ``cache`` (see the module docstring)."""
    if isinstance(cache, MemoryLimiter | RedisLimiter) or all(
        hasattr(cache, name) for name in ("take", "give_back", "counter_get")
    ):
        return cache
    if isinstance(cache, str):
        if cache.startswith(_URL_SCHEMES):
            return RedisLimiter(cache)
        raise ValueError("cache: expected a redis:// URL, a limiter or inference's cache, got a str")
    key_object = _DEFAULT if cache is None else cache
    with _lock:
        entry = _limiters.get(id(key_object))
        if entry is None or entry[0] is not key_object:
            entry = (key_object, _make(key_object))
            _limiters[id(key_object)] = entry
        return entry[1]
