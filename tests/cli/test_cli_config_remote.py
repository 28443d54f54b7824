"""``framesieve config get|set`` against the loopback fake Roboflow API (tests/fake_roboflow.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import framesieve as fs
from framesieve.cli import main
from support.fake_roboflow import FakeRoboflow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config.json"
WRONG_KEY = "wrong-key-5f3a9c1e77"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACTIVE_LEARNING_ENABLED", "ACTIVE_LEARNING_TAGS", "ROBOFLOW_API_URL", "ROBOFLOW_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def key(fake_roboflow: FakeRoboflow, monkeypatch: pytest.MonkeyPatch) -> str:
    """The fake server's key, in ROBOFLOW_API_KEY."""
    monkeypatch.setenv("ROBOFLOW_API_KEY", fake_roboflow.state.api_key)
    return fake_roboflow.state.api_key


def run(fake: FakeRoboflow, command: str, *args: str) -> int:
    return main(["config", command, "--project", "proj", "--api-url", fake.url, *args])


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


def write(tmp_path: Path, content: Any, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return path


@pytest.mark.parametrize("wrapped", [False, True], ids=["plain", "wrapped"])
def test_get_prints_the_projects_configuration(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], wrapped: bool
) -> None:
    fake_roboflow.state.configs["proj"] = example()
    fake_roboflow.state.wrap_config = wrapped
    assert run(fake_roboflow, "get") == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == example()
    assert out.startswith("{\n  ")  # indented for people
    assert err == ""
    # no --workspace: the key's workspace was asked for, then the project's config
    assert [r.path for r in fake_roboflow.requests()] == ["/", "/ws/proj/active_learning"]


def test_get_writes_config_file_atomically(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake_roboflow.state.configs["proj"] = example()
    target = tmp_path / "project.json"
    target.write_text("old content")
    assert run(fake_roboflow, "get", "--workspace", "ws", str(target)) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f"ws/proj: configuration written to {target}" in err
    assert json.loads(target.read_text()) == example()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.json"]  # no temporary file left
    assert [r.path for r in fake_roboflow.requests()] == ["/ws/proj/active_learning"]


def test_get_into_a_missing_folder_exits_2(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(fake_roboflow, "get", str(tmp_path / "nowhere" / "config.json")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_get_warns_when_the_project_holds_an_invalid_configuration(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = example()
    broken["jpeg_compression_level"] = 0
    fake_roboflow.state.configs["proj"] = broken
    assert run(fake_roboflow, "get") == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == broken  # shown as the project holds it
    assert "jpeg_compression_level: must be within [1, 100], got 0" in err


def test_set_sends_the_validated_configuration_and_get_returns_it(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    raw = example()
    raw["sampling_strategies"][0]["traffic_percentage"] = 1  # an int: normalised to the float
    raw["unknown_key"] = "dropped"
    path = write(tmp_path, raw)
    assert run(fake_roboflow, "set", str(path)) == 0
    out, err = capsys.readouterr()
    assert out == "ws/proj: Active Learning configuration set (enabled, 2 sampling strategies)\n"
    assert err == ""
    sent = fake_roboflow.state.configs["proj"]
    assert sent == fs.load_config(path).to_dict()
    assert "unknown_key" not in sent
    assert isinstance(sent["sampling_strategies"][0]["traffic_percentage"], float)
    assert fake_roboflow.requests("active_learning")[-1].method == "POST"

    assert run(fake_roboflow, "get") == 0
    assert json.loads(capsys.readouterr().out) == sent


def test_set_a_disabled_configuration(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake_roboflow.state.configs["proj"] = example()
    assert run(fake_roboflow, "set", str(write(tmp_path, {"enabled": False}))) == 0
    assert "(disabled, 0 sampling strategies)" in capsys.readouterr().out
    assert fake_roboflow.state.configs["proj"]["enabled"] is False


def test_set_invalid_configuration_exits_2_and_sends_nothing(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    raw = example()
    raw["sampling_strategies"][1]["epsilon"] = 1.5
    raw["batching_strategy"]["recreation_interval"] = "hourly"
    assert run(fake_roboflow, "set", str(write(tmp_path, raw))) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "invalid configuration (2 problems)" in err
    assert "sampling_strategies[1].epsilon: must be within [0, 1], got 1.5" in err
    assert "batching_strategy.recreation_interval" in err
    assert fake_roboflow.requests() == []
    assert "proj" not in fake_roboflow.state.configs


def test_set_strict_rejects_unknown_keys_and_sends_nothing(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    raw = example()
    raw["sampling_strategies"][0]["unknown_key"] = 1
    assert run(fake_roboflow, "set", "--strict", str(write(tmp_path, raw))) == 2
    assert "sampling_strategies[0].unknown_key" in capsys.readouterr().err
    assert fake_roboflow.requests() == []


def test_set_missing_file_exits_2_and_sends_nothing(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(fake_roboflow, "set", str(tmp_path / "absent.json")) == 2
    assert "absent.json" in capsys.readouterr().err
    assert fake_roboflow.requests() == []


@pytest.mark.parametrize("command", ["get", "set"])
def test_wrong_key_exits_3_without_printing_the_key(
    fake_roboflow: FakeRoboflow, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    args = ["--api-key", WRONG_KEY] + ([str(EXAMPLE)] if command == "set" else [])
    assert run(fake_roboflow, command, *args) == 3
    out, err = capsys.readouterr()
    assert "Roboflow API refused the key (HTTP 401)" in err
    assert "Traceback" not in err
    assert WRONG_KEY not in out + err
    assert fake_roboflow.requests() and all(r.status == 401 for r in fake_roboflow.requests())
    assert "proj" not in fake_roboflow.state.configs


def test_unknown_project_or_workspace_exits_3(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "get", "--project", "nope", "--api-url", fake_roboflow.url]) == 3
    err = capsys.readouterr().err
    assert "no project ws/nope (HTTP 404)" in err
    assert key not in err
    assert run(fake_roboflow, "get", "--workspace", "other") == 3
    assert "no project other/proj (HTTP 404)" in capsys.readouterr().err


def test_stopped_server_exits_4(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = fake_roboflow.url
    fake_roboflow.stop()
    for command, extra in (("get", []), ("set", [str(EXAMPLE)])):
        assert main(["config", command, "--project", "proj", "--api-url", url, *extra]) == 4
        out, err = capsys.readouterr()
        assert out == ""
        assert f"Roboflow API unreachable at {url}" in err
        assert "Traceback" not in err
        assert key not in err


def test_server_error_exits_4_and_stores_nothing(
    fake_roboflow: FakeRoboflow, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_roboflow.fail_next(1, 503)
    assert run(fake_roboflow, "set", "--workspace", "ws", str(EXAMPLE)) == 4
    assert "HTTP 503" in capsys.readouterr().err
    assert "proj" not in fake_roboflow.state.configs


@pytest.mark.parametrize("command", ["get", "set"])
def test_missing_key_exits_2_and_sends_nothing(
    fake_roboflow: FakeRoboflow, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert run(fake_roboflow, command, *([str(EXAMPLE)] if command == "set" else [])) == 2
    assert "no API key: set ROBOFLOW_API_KEY" in capsys.readouterr().err
    assert fake_roboflow.requests() == []


def test_missing_project_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "get"]) == 2
    assert "--project" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["get", "set"])
def test_help_shows_an_example_and_exit_codes(capsys: pytest.CaptureFixture[str], command: str) -> None:
    assert main(["config", command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"framesieve config {command} --project my-project" in out
    assert "ROBOFLOW_API_KEY" in out
    assert "exit status: 0 ok; 2" in out


def test_end_to_end_set_from_stdin_then_get_in_subprocesses(fake_roboflow: FakeRoboflow) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIVE_LEARNING_")}
    env.update(ROBOFLOW_API_KEY=fake_roboflow.state.api_key, ROBOFLOW_API_URL=fake_roboflow.url)

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "framesieve.cli", "config", *args, "--project", "proj"],
            capture_output=True,
            text=True,
            input=stdin,
            env=env,
            timeout=60,
            check=False,
        )

    done = cli("set", "-", stdin=EXAMPLE.read_text())
    assert done.returncode == 0, done.stderr
    assert "ws/proj: Active Learning configuration set" in done.stdout
    assert fake_roboflow.state.configs["proj"] == fs.load_config(EXAMPLE).to_dict()
    done = cli("get")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == fake_roboflow.state.configs["proj"]
    env["ROBOFLOW_API_KEY"] = WRONG_KEY
    done = cli("get")
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert WRONG_KEY not in done.stdout + done.stderr
