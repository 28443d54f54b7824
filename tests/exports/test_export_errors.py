"""What an export refuses: exit status 2, one line on stderr, nothing written (SPEC §8)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from framesieve.cli import main

COMMANDS = [["export", "coco"], ["export", "yolo"], ["export", "voc"], ["export", "labelstudio"], ["review"]]
IDS = ["coco", "yolo", "voc", "labelstudio", "review"]


def files(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Runs the command; it must exit 2 with exactly one line on stderr, which is returned."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.fixture
def copy(datasets: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the detection dataset to tamper with."""
    root = tmp_path / "ds"
    shutil.copytree(datasets["detection"], root)
    return root


def tamper(root: Path, line: int, text: str) -> None:
    lines = (root / "manifest.jsonl").read_text().splitlines()
    lines[line] = text
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_folder_that_does_not_exist_is_not_created(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent" / "x"
    line = refused(capsys, [*command, str(missing), "-o", str(tmp_path / "out")])
    assert "not a framesieve dataset" in line and "no such folder" in line
    assert files(tmp_path) == []  # issue 12: `export coco /nonexistent/x` made the folder and exited 0


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_folder_without_a_manifest_is_no_dataset(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    line = refused(capsys, [*command, str(tmp_path / "photos"), "-o", str(tmp_path / "out")])
    assert "not a framesieve dataset" in line and "manifest.jsonl" in line
    assert files(tmp_path) == ["photos", "photos/a.jpg"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[1, 2, 3]", "line 2: expected a JSON object, got list"),
        ('"just a string"', "line 2: expected a JSON object"),
        ("null", "line 2: expected a JSON object, got nothing"),
        ('{"id": "x", "batch": "b", "image": "b/images/x.jpg"}', "line 2: 'size' must be [width, height]"),
        ('{"id": "x", "batch": "b", "image": "b/images/x.jpg", "size": [0, 5]}', "'size' must be"),
        ('{"id": "x", "batch": "b", "image": "b/images/x.jpg", "size": "320x240"}', "'size' must be"),
        ('{"id": "x", "batch": "b", "size": [3, 2]}', "line 2: 'image' must be a non-empty string"),
        ('{"id": "x", "batch": 7, "image": "x.jpg", "size": [3, 2]}', "'batch' must be a non-empty string"),
        ('{"id": "x", "batch": "b", "image": "x.jpg", "size": [3, 2], "tags": "a"}', "'tags' must be a list"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_malformed_manifest_line_is_named(
    command: list[str], text: str, says: str, copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(copy, 1, text)
    before = files(tmp_path)
    line = refused(capsys, [*command, str(copy), "-o", str(tmp_path / "out")])
    assert "manifest.jsonl" in line and says in line
    assert files(tmp_path) == before


@pytest.mark.parametrize("key", ["annotation", "image"])
@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_tampered_path_outside_the_dataset_is_refused(
    command: list[str], key: str, copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.json"  # readable, and a perfectly good annotation
    secret.write_text(
        json.dumps({"predictions": [{"x": 5, "y": 5, "width": 2, "height": 2, "class": "leak"}]})
    )
    entry = json.loads((copy / "manifest.jsonl").read_text().splitlines()[0])
    entry[key] = "../secret.json"
    tamper(copy, 0, json.dumps(entry))
    before = files(tmp_path)
    line = refused(capsys, [*command, str(copy), "-o", str(tmp_path / "out")])
    assert f"line 1: {key} '../secret.json' lies outside the dataset folder" in line
    assert files(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_symbolic_link_out_of_the_dataset_is_refused(
    command: list[str], copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.json").write_text('{"predictions": []}')
    entry = json.loads((copy / "manifest.jsonl").read_text().splitlines()[0])
    os.symlink(tmp_path / "secret.json", copy / "link.json")
    entry["annotation"] = "link.json"
    tamper(copy, 0, json.dumps(entry))
    line = refused(capsys, [*command, str(copy), "-o", str(tmp_path / "out")])
    assert "lies outside the dataset folder" in line


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_an_unknown_batch_lists_the_batches(
    command: list[str], datasets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = datasets["detection"]
    line = refused(capsys, [*command, str(root), "-o", str(tmp_path / "out"), "--batch", "al_2099_01_01"])
    assert line.endswith(
        "no batch 'al_2099_01_01' in " + repr(str(root)) + "; its batches: "
        "'al_2024_01_01', 'al_2024_01_02', 'al_2024_01_03'"
    )
    assert files(tmp_path) == []


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
@pytest.mark.parametrize("where", ["missing folder", "parent is a file", "proc"])
def test_an_unwritable_output_writes_nothing(
    command: list[str],
    where: str,
    datasets: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "file").write_text("x")
    out = {
        "missing folder": tmp_path / "no" / "such" / "out",
        "parent is a file": tmp_path / "file" / "out",
        "proc": Path("/proc") / f"framesieve-test-{os.getpid()}",  # refused even to root
    }[where]
    line = refused(capsys, [*command, str(datasets["detection"]), "-o", str(out)])
    assert line.startswith(f"framesieve {command[0]}: cannot write {str(out)!r}")
    assert files(tmp_path) == ["file"]
    assert not out.exists() and not [p for p in Path("/proc").glob(".framesieve-test-*")]


@pytest.mark.parametrize("fmt", ["yolo", "voc"])
def test_a_folder_export_into_a_non_empty_folder_is_refused(
    fmt: str, datasets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    line = refused(capsys, ["export", fmt, str(datasets["detection"]), "-o", str(tmp_path / "out")])
    assert "the folder is not empty" in line
    assert files(tmp_path) == ["out", "out/mine.txt"]


def test_an_empty_output_folder_is_filled(
    datasets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").mkdir()
    assert main(["export", "yolo", str(datasets["detection"]), "-o", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("7 images, 11 objects -> ")
    # what was left out is said, as a warning line (the dataset has an object outside its image)
    assert [line.split(": ", 1)[0] for line in captured.err.splitlines()] == ["warning"]
    assert (tmp_path / "out" / "data.yaml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_the_command_line_prints_no_traceback(tmp_path: Path) -> None:
    """The same refusals through the installed entry point, in a child process."""
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "manifest.jsonl").write_text('{"id": "a", "batch": "b", "image": "b/images/a.jpg"}\n')
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "framesieve.cli",
            "export",
            "coco",
            str(tmp_path / "ds"),
            "-o",
            str(tmp_path / "c"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "framesieve export: manifest.jsonl line 1: 'size' must be [width, height] in pixels, got nothing"
    ]
    assert not (tmp_path / "c").exists()
