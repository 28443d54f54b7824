"""stats() as Prometheus metrics: scraped over real HTTP, parsed by prometheus_client's own
parser, compared with stats(); and `framesieve run --metrics-port` in a child process."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import framesieve as fs
from framesieve.engine.stats import COUNTERS
from support.engine_helpers import config, detection, frame
from support.waiting import wait_until

RUN = [sys.executable, "-m", "framesieve.cli", "run"]


def scrape(url: str) -> dict[str, tuple[str, dict[str, str], float]]:
    """sample name -> (metric type, labels, value), as prometheus_client parses the page."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out[sample.name] = (family.type, sample.labels, sample.value)
    return out


def engine(tmp_path: Path, limit: int = 3) -> fs.ActiveLearning:
    strategies = [
        {
            "name": "all",
            "type": "random",
            "traffic_percentage": 1.0,
            "limits": [{"type": "daily", "value": limit}],
        }
    ]
    return fs.ActiveLearning(
        fs.load_config(config(strategies)), tmp_path / "ds", outbox=tmp_path / "ob", seed=1
    )


def test_counters_match_stats(tmp_path: Path) -> None:
    with engine(tmp_path) as al, fs.serve_metrics(al) as server:
        for i in range(5):
            al.register(frame(seed=i), detection(2), "object-detection", timestamp=1_700_000_000.0 + i)
        assert al.flush(20)
        stats = al.stats()
        assert stats["seen"] == 5 and stats["collected"] == 3 and stats["limited"] == 2
        assert server.host == "127.0.0.1" and server.url == f"http://127.0.0.1:{server.port}/metrics"
        samples = scrape(server.url)
        for name in COUNTERS:
            assert samples[f"framesieve_{name}_total"] == ("counter", {}, stats[name]), name
        assert samples["framesieve_pending"] == ("gauge", {}, stats["pending"])
        # read at each scrape, not once
        al.register(frame(seed=9), detection(1), "object-detection", timestamp=1_700_000_009.0)
        assert scrape(server.url)["framesieve_seen_total"][2] == 6


def test_constant_labels_and_help(tmp_path: Path) -> None:
    with engine(tmp_path) as al, fs.serve_metrics(al, labels={"camera": "north"}) as server:
        text = httpx.get(server.url, timeout=10).text
        assert "# HELP framesieve_delivered_total datapoints the destination confirmed" in text
        assert "# TYPE framesieve_delivered_total counter" in text
        assert scrape(server.url)["framesieve_seen_total"] == ("counter", {"camera": "north"}, 0.0)


def test_close_frees_the_port_and_a_taken_port_is_an_oserror(tmp_path: Path) -> None:
    with engine(tmp_path) as al:
        server = fs.serve_metrics(al)
        with pytest.raises(OSError):
            fs.serve_metrics(al, server.port)
        server.close()
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url, timeout=5)
        with socket.create_server(("127.0.0.1", server.port)):  # free again
            pass
        for bad in (-1, 70000, True, "80"):
            with pytest.raises(ValueError, match="port"):
                fs.serve_metrics(al, bad)  # type: ignore[arg-type]


def test_run_serves_metrics_while_it_runs(tmp_path: Path, fake_roboflow: Any) -> None:
    """Destination down: the run waits in its final flush, where the counters can be read."""
    fake_roboflow.stop()
    cfg = tmp_path / "all.json"
    cfg.write_text(json.dumps(config()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOFLOW_", "ACTIVE_LEARNING_"))}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), ROBOFLOW_API_KEY=fake_roboflow.state.api_key)
    args = ["--config", str(cfg), "--source", "sample:bikes", "--max-frames", "5", "--no-progress"]
    args += ["--roboflow-project", "proj", "--api-url", fake_roboflow.url, "--flush-timeout", "60"]
    process = subprocess.Popen(
        [*RUN, *args, "--metrics-port", "0"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(1)]
        while not lines[-1].startswith("metrics: ") and lines[-1] and len(lines) < 20:
            lines.append(process.stderr.readline())  # before it: the destination's warnings
        assert lines[-1].startswith("metrics: http://127.0.0.1:"), lines
        url = lines[-1].split(" ", 1)[1].strip()
        seen: dict[str, Any] = {}

        def collected_all() -> bool:
            seen.update(scrape(url))
            return seen["framesieve_seen_total"][2] == 5 and seen["framesieve_pending"][2] == 5

        assert wait_until(collected_all, timeout=60), seen
        process.send_signal(signal.SIGINT)  # ends the wait for the destination
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    for name in ("matched", "collected", "delivered", "pending", "failed"):
        key = f"framesieve_{name}" if name == "pending" else f"framesieve_{name}_total"
        assert seen[key][2] == int(re.search(rf"\b{name} (\d+)", stdout)[1]), name
    with pytest.raises(httpx.ConnectError):  # the endpoint ends with the run
        httpx.get(url, timeout=5)


def test_run_refuses_a_taken_port(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*RUN, "--source", "sample:bikes", "--metrics-port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    assert done.returncode == 2, done.stderr
    assert f"--metrics-port {port}:" in done.stderr and "Traceback" not in done.stderr
