"""The engine's ``stats()`` as Prometheus metrics over HTTP (``fs.serve_metrics``).

Served by ``prometheus_client`` (the ``metrics`` extra), the client production
users already scrape with. Each counter of ``stats()`` is a Prometheus counter
``framesieve_<name>_total``; ``pending`` is the gauge ``framesieve_pending``.
The values are read from ``stats()`` when Prometheus scrapes, so serving costs
the engine nothing between scrapes. The server listens on 127.0.0.1 unless told
otherwise: the counters are no secret, but nothing else needs to reach them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from framesieve.engine.stats import COUNTERS

HELP = {
    "seen": "frames offered to register()",
    "matched": "frames some sampling strategy kept",
    "limited": "matched frames refused for want of limit credit",
    "batch_full": "matched frames refused because the batch held max_batch_images",
    "collected": "frames accepted for delivery",
    "delivered": "datapoints the destination confirmed",
    "duplicates": "datapoints the destination already had",
    "failed": "datapoints rejected for good (see the outbox's failed/ folder)",
    "dropped_overload": "kept frames refused because the queue was full",
    "dropped_outbox_full": "kept frames refused because the outbox quota was reached",
    "recovered": "datapoints found in the outbox at start",
    "near_duplicates": "matched frames skipped as near-duplicates of collected ones",
    "not_novel": "matched frames refused by diversity: their embedding is close to a collected one",
}


class HasStats(Protocol):
    def stats(self) -> dict[str, int]: ...


def _client() -> Any:
    try:
        import prometheus_client
    except ImportError:
        raise ImportError(
            "serving metrics needs prometheus_client: pip install 'framesieve[metrics]'"
        ) from None
    return prometheus_client


class StatsCollector:
    """A ``prometheus_client`` collector that reads ``source.stats()`` at each scrape."""

    def __init__(self, source: HasStats, labels: Mapping[str, str] | None = None) -> None:
        self._source = source
        self._labels = dict(labels or {})

    def describe(self) -> list[Any]:
        return []  # registering must not call stats(); the names are checked at scrape time

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        keys, values = list(self._labels), list(self._labels.values())
        stats = self._source.stats()
        for name in COUNTERS:
            family = CounterMetricFamily(f"framesieve_{name}", HELP.get(name, name), labels=keys)
            family.add_metric(values, stats.get(name, 0))
            yield family
        gauges = {"pending": "datapoints accepted or recovered, not yet confirmed"}
        gauges.update({k: k for k in stats if k not in COUNTERS and k != "pending"})
        for name, text in gauges.items():
            gauge = GaugeMetricFamily(f"framesieve_{name}", text, labels=keys)
            gauge.add_metric(values, stats.get(name, 0))
            yield gauge


class MetricsServer:
    """A running metrics endpoint: ``url`` (``http://host:port/metrics``), ``close()``."""

    def __init__(self, httpd: Any, thread: threading.Thread) -> None:
        self._httpd = httpd
        self._thread = thread
        self.host, self.port = httpd.server_address[:2]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        """Stops serving and frees the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MetricsServer({self.url!r})"


def serve_metrics(
    engine: HasStats, port: int = 0, *, host: str = "127.0.0.1", labels: Mapping[str, str] | None = None
) -> MetricsServer:
    """Serves ``engine.stats()`` as Prometheus metrics on ``http://host:port/metrics``
    (``port`` 0: any free port, see ``.port``) from a daemon thread, until ``close()``.

    ``labels``: constant labels on every metric (e.g. ``{"camera": "north"}`` when one
    Prometheus scrapes several processes). ``OSError`` when the port is taken."""
    client = _client()
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port: expected an integer in [0, 65535], got {port!r}")
    registry = client.CollectorRegistry(auto_describe=False)
    registry.register(StatsCollector(engine, labels))
    httpd, thread = client.start_http_server(port, addr=host, registry=registry)
    return MetricsServer(httpd, thread)
