"""`framesieve run` on what goes wrong: odd arguments, sources that do not decode, signals in
a row, a reader that leaves (`| head`), a destination path that is a file."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_cli_run import CLI, env_for, manifest, random_config, run_cli, start_run_under_way

from framesieve import cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", ""], "--source: empty"),
        (["--source", "   "], "--source: empty"),
        (["--source", "sample:bikes", "--flush-timeout", "nan"], "--flush-timeout"),
        (["--source", "sample:bikes", "--batch-size", "100000000"], "--batch-size"),
    ],
)
def test_nonsense_arguments_exit_2_with_a_message(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "collected").exists()


def test_a_folder_of_undecodable_files_exits_2_like_an_empty_one(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.jpg").write_bytes(b"\xff\xd8 not a jpeg" * (i + 1))
    done = run_cli(tmp_path, "--source", str(folder), "--no-progress")
    assert done.returncode == 2, done.stderr
    assert "none of the 3 files" in done.stderr and "Traceback" not in done.stderr


def test_a_truncated_video_says_so(tmp_path):
    video = tmp_path / "cut.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(100):
        writer.write(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    writer.release()
    data = video.read_bytes()
    video.write_bytes(data[: len(data) // 2])
    done = run_cli(tmp_path, "--source", str(video), "--no-progress")
    assert "of the 100 frames it announces" in done.stderr, done.stderr
    assert "[ WARN" not in done.stderr  # OpenCV's own noise is silenced


def test_one_frame_is_one_frame(tmp_path):
    done = run_cli(tmp_path, "--source", "sample:bikes", "--max-frames", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 frame from ")


def test_a_reader_that_leaves_is_no_traceback(tmp_path):
    # 100% random: the default (a few percent) can match none of 20 frames, which is no failure
    config = random_config(tmp_path / "all.json")
    process = subprocess.Popen(
        [*CLI, "--config", str(config), "--source", "sample:bikes", "--max-frames", "20", "--no-progress"],
        cwd=tmp_path,
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # `framesieve run ... | head -0`
    _, err = process.communicate(timeout=110)
    assert process.returncode == 0, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert len(manifest(tmp_path / "collected")) > 0


def test_an_output_that_is_a_file_is_named_not_an_errno(tmp_path):
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0\n")
    done = run_cli(tmp_path, "--source", "sample:bikes", "--output", str(target))
    assert done.returncode == 2
    assert "is not a folder" in done.stderr and "Errno" not in done.stderr
    assert target.read_text() == "root:x:0:0\n"


def test_three_quick_interrupts_still_end_with_the_summary(tmp_path):
    process = start_run_under_way(tmp_path)
    for _ in range(3):  # in a row, as a user hammering Ctrl-C: all land before the run ends
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert " frames from " in out or out.startswith("1 frame from ")
    collected = len(manifest(Path(tmp_path / "collected")))
    assert collected > 0
