"""`framesieve run` end to end: real videos, real models, real destinations, in subprocesses."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from framesieve import cli
from support.sample_data import video_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLI = [sys.executable, "-m", "framesieve.cli", "run"]
KEY = "test-key-0123456789"  # the fake server's key


def random_config(path: Path, share: float = 1.0, limits: list[dict] | None = None) -> Path:
    strategy = {"name": "everything", "type": "random", "traffic_percentage": share}
    if limits:
        strategy["limits"] = limits
    config = {
        "enabled": True,
        "persist_predictions": True,
        "sampling_strategies": [strategy],
        "batching_strategy": {"batches_name_prefix": "cli", "recreation_interval": "never"},
    }
    path.write_text(json.dumps(config))
    return path


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOFLOW_", "ACTIVE_LEARNING_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the default outbox lives there
    env.update(extra)
    return env


def run_cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=tmp_path,
        env=env or env_for(tmp_path),
    )


def counter(stdout: str, name: str) -> int:
    match = re.search(rf"\b{name} (\d+)", stdout)
    assert match, f"no {name!r} in the summary:\n{stdout}"
    return int(match[1])


def manifest(folder: Path) -> list[dict]:
    path = folder / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_stub_random_sampling_over_bikes_writes_a_dataset(tmp_path):
    done = run_cli(tmp_path, "--source", "sample:bikes", "--seed", "7", "--outbox", "ob")
    assert done.returncode == 0, done.stderr
    assert "250 frames from" in done.stdout
    collected = counter(done.stdout, "collected")
    assert counter(done.stdout, "delivered") == collected and counter(done.stdout, "pending") == 0
    assert 5 <= collected <= 60  # the embedded default keeps a random 10%
    entries = manifest(tmp_path / "collected")  # the default --output
    assert len(entries) == collected
    for entry in entries:
        assert entry["model_id"] == "framesieve/0" and entry["strategy"] == "random_10pct"
        with Image.open(tmp_path / "collected" / entry["image"]) as image:
            assert image.format == "JPEG" and image.size == (640, 272)  # fits 1200x1200 already
    assert not list((tmp_path / "ob").glob("*.dp"))
    assert "Traceback" not in done.stderr


def test_the_same_seed_keeps_the_same_frames(tmp_path):
    runs = []
    for name in ("a", "b"):
        done = run_cli(
            tmp_path, "--source", "sample:bikes", "--seed", "11", "--output", name, "--outbox", f"ob-{name}"
        )
        assert done.returncode == 0, done.stderr
        times = sorted(e["timestamp"] for e in manifest(tmp_path / name))
        runs.append([round(t - times[0], 3) for t in times])  # video time, from the first kept frame
    assert runs[0] == runs[1] and len(runs[0]) > 1


def test_centerface_with_close_to_threshold_over_carphone(tmp_path):
    done = run_cli(
        tmp_path,
        "--config",
        str(EXAMPLES / "faces.json"),
        "--source",
        "sample:carphone",
        "--model",
        "centerface",
        "--seed",
        "3",
        "--outbox",
        "ob",
    )
    assert done.returncode == 0, done.stderr
    assert "120 frames from" in done.stdout and "CPUExecutionProvider" in done.stdout
    entries = manifest(tmp_path / "collected")
    unsure = [e for e in entries if e["strategy"] == "unsure_faces"]
    assert unsure, "CenterFace is less sure of some carphone frames; close_to_threshold keeps them"
    for entry in unsure:
        assert "unsure" in entry["tags"] and "framesieve-demo" in entry["tags"]
        annotation = json.loads((tmp_path / "collected" / entry["annotation"]).read_text())
        faces = [p for p in annotation["predictions"] if p["class"] == "face"]
        assert any(0.35 <= p["confidence"] <= 0.85 for p in faces)
        for p in faces:  # one face in the middle of a 176x144 frame
            assert 0 < p["x"] < 176 and 0 < p["y"] < 144 and 20 < p["width"] < 120


def test_max_frames_and_an_image_folder(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        cv2.imwrite(str(folder / f"{i:03d}.png"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    config = random_config(tmp_path / "all.json")
    done = run_cli(
        tmp_path, "--config", str(config), "--source", str(folder), "--max-frames", "4", "--outbox", "ob"
    )
    assert done.returncode == 0, done.stderr
    assert "4 frames from" in done.stdout
    assert counter(done.stdout, "collected") == 4 == len(manifest(tmp_path / "collected"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "no-such-video.mp4"], "no such file or folder"),
        (["--source", "sample:nope"], "unknown sample"),
        (["--source", "sample:bikes", "--model", "missing.onnx"], "no such file"),
        (["--source", "sample:bikes", "--model", "proj/3"], "Roboflow-hosted"),
        (["--source", "sample:bikes", "--config", "missing.json"], "--config: no such file"),
        (["--source", "sample:bikes", "--roboflow-project", "proj"], "needs an API key"),
        (["--source", "sample:bikes", "--flush-timeout", "-1"], "--flush-timeout"),
    ],
)
def test_user_errors_exit_2_with_a_readable_message(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROBOFLOW_API_KEY", raising=False)
    assert cli.main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "collected").exists()


def test_an_invalid_configuration_lists_its_problems(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.json"
    strategy = {"name": "x", "type": "close_to_threshold", "threshold": 0.5, "epsilon": 1.5}
    bad.write_text(json.dumps({"enabled": True, "sampling_strategies": [strategy]}))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--source", "sample:bikes", "--config", str(bad)]) == 2
    assert "sampling_strategies[0].epsilon" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args", [[], ["--source", "x", "--max-frames", "-3"], ["--source", "x", "--batch-size", "0"]]
)
def test_bad_arguments_exit_2(capsys, args):
    assert cli.main(["run", *args]) == 2
    assert "usage:" in capsys.readouterr().err


def test_an_unreadable_video_exits_2_without_a_traceback(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096))
    done = run_cli(tmp_path, "--source", str(broken))
    assert done.returncode == 2
    assert "broken.mp4" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "collected").exists()


def test_help_shows_examples_and_exit_codes():
    done = subprocess.run(
        [sys.executable, "-m", "framesieve.cli", "run", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "framesieve run --source sample:bikes" in done.stdout and "exit status" in done.stdout


def test_roboflow_destination_with_the_projects_own_configuration(tmp_path, fake_roboflow):
    fake_roboflow.state.configs["proj"] = {
        "enabled": True,
        "persist_predictions": True,
        "sampling_strategies": [
            {
                "name": "some",
                "type": "random",
                "traffic_percentage": 1.0,
                "limits": [{"type": "daily", "value": 3}],
            }
        ],
        "batching_strategy": {"batches_name_prefix": "cli", "recreation_interval": "never"},
    }
    env = env_for(tmp_path, ROBOFLOW_API_KEY=KEY)
    done = run_cli(
        tmp_path,
        "--source",
        "sample:bikes",
        "--max-frames",
        "20",
        "--roboflow-project",
        "proj",
        "--api-url",
        fake_roboflow.url,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert counter(done.stdout, "delivered") == 3 and counter(done.stdout, "limited") == 17
    assert len(fake_roboflow.images) == 3
    assert KEY not in done.stdout + done.stderr
    assert not (tmp_path / "collected").exists()


def test_an_unreachable_destination_exits_3_and_the_next_run_delivers(tmp_path, fake_roboflow):
    config = random_config(tmp_path / "all.json")
    args = ["--config", str(config), "--roboflow-project", "proj", "--api-url", fake_roboflow.url]
    env = env_for(tmp_path, ROBOFLOW_API_KEY=KEY)
    fake_roboflow.stop()
    down = run_cli(
        tmp_path, *args, "--source", "sample:bikes", "--max-frames", "5", "--flush-timeout", "1", env=env
    )
    assert down.returncode == 3, down.stderr
    assert counter(down.stdout, "pending") == 5 and "wait in the outbox" in down.stdout
    assert KEY not in down.stdout + down.stderr
    fake_roboflow._start()  # listening again, on the same port
    later = run_cli(tmp_path, *args, "--source", "sample:bikes", "--max-frames", "0", env=env)
    assert later.returncode == 0, later.stderr
    assert counter(later.stdout, "recovered") == 5 and counter(later.stdout, "delivered") == 5
    assert len(fake_roboflow.images) == 5


def test_limits_are_shared_through_redis_across_runs(tmp_path, redis_server):
    config = random_config(tmp_path / "all.json", limits=[{"type": "daily", "value": 4}])
    common = [
        "--config",
        str(config),
        "--source",
        "sample:bikes",
        "--max-frames",
        "15",
        "--redis",
        redis_server.url,
    ]
    # Limits are scoped per destination: two processes feeding one dataset share them.
    first = run_cli(tmp_path, *common, "--outbox", "ob1")
    second = run_cli(tmp_path, *common, "--outbox", "ob2")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert counter(first.stdout, "collected") == 4 and counter(first.stdout, "limited") == 11
    assert "collected 0" in second.stdout and counter(second.stdout, "limited") == 15
    assert len(manifest(tmp_path / "collected")) == 4


def start_run_under_way(tmp_path: Path) -> subprocess.Popen[str]:
    """`framesieve run` of CenterFace over bikes.mp4 (everything kept), returned once the
    first frame is in the dataset: well under way, not done (tens of ms a frame)."""
    process = subprocess.Popen(
        [
            *CLI,
            "--config",
            str(random_config(tmp_path / "all.json")),
            "--source",
            str(video_path("bikes.mp4")),
            "--model",
            "centerface",
            "--outbox",
            "ob",
            "--no-progress",
        ],
        cwd=tmp_path,
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not manifest(tmp_path / "collected") and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    return process


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_cleanly_and_keeps_everything_collected(tmp_path, sig, status):
    process = start_run_under_way(tmp_path)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    frames = int(re.search(r"(\d+) frames from", stdout)[1])
    assert 0 < frames < 250
    delivered, pending = counter(stdout, "delivered"), counter(stdout, "pending")
    assert counter(stdout, "collected") == frames  # 100% random: every frame read was kept...
    assert delivered + pending == frames  # ...and none lost: delivered or in the outbox
    assert len(manifest(tmp_path / "collected")) == delivered
    assert len(list((tmp_path / "ob").glob("*.dp"))) == pending
    assert "Traceback" not in stderr


def test_a_file_that_is_not_onnx_is_a_user_error(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(os.urandom(512))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--source", "sample:bikes", "--model", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not a readable ONNX file" in err and "Traceback" not in err


def test_redis_tls_with_a_private_ca_is_passed_through(tmp_path):
    from support.redis_server import RedisServer, make_tls_files

    server = RedisServer(tls=make_tls_files(str(tmp_path)))
    server.start()
    try:
        config = random_config(tmp_path / "all.json", limits=[{"type": "daily", "value": 3}])
        common = [
            "--config",
            str(config),
            "--source",
            "sample:bikes",
            "--max-frames",
            "8",
            "--redis",
            server.url,
        ]
        run = run_cli(tmp_path, *common, "--redis-ca", str(tmp_path / "ca.pem"), "--outbox", "ob1")
        assert run.returncode == 0, run.stderr
        assert counter(run.stdout, "collected") == 3 and counter(run.stdout, "limited") == 5
        with server.client() as client:
            assert client.command("KEYS", "framesieve:*:day:*") != []
        # Without the CA the server does not verify: refused, never an unverified connection.
        bad = run_cli(tmp_path, *common, "--redis-ca", str(tmp_path / "other_ca.pem"), "--outbox", "ob2")
        assert "certificate" in bad.stderr.lower(), bad.stderr
        missing = run_cli(tmp_path, *common, "--redis-ca", str(tmp_path / "missing.pem"), "--outbox", "ob3")
        assert missing.returncode == 2 and "missing.pem" in missing.stderr
    finally:
        server.close()
