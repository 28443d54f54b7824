"""``framesieve config validate``: in a subprocess (exit codes, stderr) and through main()."""

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

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config.json"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIVE_LEARNING_")}
    env.update(extra)
    return env


def cli(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "framesieve.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=clean_env(**env),
        timeout=60,
        check=False,
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIVE_LEARNING_ENABLED", raising=False)
    monkeypatch.delenv("ACTIVE_LEARNING_TAGS", raising=False)


def write(tmp_path: Path, content: Any, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_valid_config_prints_a_summary_and_exits_0() -> None:
    done = cli("config", "validate", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "valid configuration" in out
    assert "enabled: yes" in out
    assert "default_strategy: random (limits: minutely 10, hourly 100, daily 1000)" in out
    assert "hard_examples: close_to_threshold" in out
    assert "batching: 'al_batch', new batch daily" in out


def test_invalid_config_lists_every_problem_on_stderr_and_exits_2(tmp_path: Path) -> None:
    raw = json.loads(EXAMPLE.read_text())
    raw["sampling_strategies"][1]["epsilon"] = 1.5
    raw["sampling_strategies"][0]["limits"][2]["type"] = "minutely"
    raw["batching_strategy"]["batches_name_prefix"] = "../escape"
    raw["jpeg_compression_level"] = 0
    done = cli("config", "validate", str(write(tmp_path, raw)))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "invalid configuration (4 problems)" in done.stderr
    for problem in (
        "sampling_strategies[1].epsilon: must be within [0, 1], got 1.5",
        "sampling_strategies[0].limits[2].type: duplicate limit type 'minutely'",
        "batching_strategy.batches_name_prefix: must not contain '/'",
        "jpeg_compression_level: must be within [1, 100], got 0",
    ):
        assert problem in done.stderr


def test_missing_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    done = cli("config", "validate", str(missing))
    assert done.returncode == 2
    assert f"cannot read {str(missing)!r}: No such file or directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_invalid_json_exits_2(tmp_path: Path) -> None:
    done = cli("config", "validate", str(write(tmp_path, '{"enabled": true,,}')))
    assert done.returncode == 2
    assert "invalid JSON in" in done.stderr
    assert "line 1 column 18" in done.stderr


def test_unknown_type_warns_but_passes_and_strict_rejects(tmp_path: Path) -> None:
    raw = json.loads(EXAMPLE.read_text())
    raw["sampling_strategies"].append({"name": "later", "type": "embedding_based"})
    path = str(write(tmp_path, raw))
    done = cli("config", "validate", path)
    assert done.returncode == 0
    assert "warning: sampling_strategies[2]: unknown strategy type 'embedding_based'" in done.stderr
    assert "later" not in done.stdout
    strict = cli("config", "validate", "--strict", path)
    assert strict.returncode == 2
    assert (
        "sampling_strategies[2].type: unknown strategy type 'embedding_based' (strict mode" in strict.stderr
    )


def test_environment_is_honoured(tmp_path: Path) -> None:
    done = cli(
        "config", "validate", str(EXAMPLE), ACTIVE_LEARNING_ENABLED="false", ACTIVE_LEARNING_TAGS="a,b"
    )
    assert done.returncode == 0
    assert "enabled: no (turned off by ACTIVE_LEARNING_ENABLED)" in done.stdout
    assert "tags: a, b, production" in done.stdout
    bad = cli("config", "validate", str(EXAMPLE), ACTIVE_LEARNING_TAGS="bad tag")
    assert bad.returncode == 2
    assert "ACTIVE_LEARNING_TAGS[0]: must be 1-64 characters" in bad.stderr


def test_stdin_and_json_output() -> None:
    done = cli("config", "validate", "--json", "-", stdin=EXAMPLE.read_text())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == fs.load_config(EXAMPLE).to_dict()
    bad = cli("config", "validate", "-", stdin="[]")
    assert bad.returncode == 2
    assert "config: must be a JSON object, got list" in bad.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "framesieve"
    assert script.exists(), "framesieve console script missing: run `make build`"
    done = subprocess.run(
        [str(script), "config", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "valid configuration" in done.stdout


# --- in-process: main(argv) ----------------------------------------------------------------------


def test_main_returns_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "validate", str(EXAMPLE)]) == 0
    assert "hard_examples" in capsys.readouterr().out
    assert main(["config", "validate", str(write(tmp_path, {"enabled": True}))]) == 2
    err = capsys.readouterr().err
    assert "persist_predictions: is required" in err
    assert "sampling_strategies: is required" in err
    assert "batching_strategy: is required" in err


def test_disabled_config_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "validate", str(write(tmp_path, {"enabled": False}))]) == 0
    out = capsys.readouterr().out
    assert "enabled: no" in out
    assert "sampling_strategies" not in out


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (["--help"], 0, "framesieve config validate examples/config.json"),
        (["config", "--help"], 0, "validate"),
        (["config", "validate", "--help"], 0, "example:"),
        ([], 2, "the following arguments are required: COMMAND"),
        (["config"], 2, "the following arguments are required: SUBCOMMAND"),
        (["config", "validate"], 2, "the following arguments are required: CONFIG"),
        (["nonsense"], 2, "invalid choice: 'nonsense'"),
    ],
)
def test_help_and_usage_errors(
    argv: list[str], code: int, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    captured = capsys.readouterr()
    assert fragment in captured.out + captured.err
