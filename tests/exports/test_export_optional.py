"""Without the [export] and [metrics] extras (PyYAML, prometheus_client blocked in a child):
the package imports, COCO, VOC, Label Studio and the review page work, and what needs an
extra says which one, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = """
import sys
for name in ("yaml", "prometheus_client"):
    sys.modules[name] = None  # any import of it raises ImportError
import framesieve
from framesieve.cli import main
root, out = sys.argv[1], sys.argv[2]
print("coco", main(["export", "coco", root, "-o", out + "/c.json"]))
print("voc", main(["export", "voc", root, "-o", out + "/voc"]))
print("labelstudio", main(["export", "labelstudio", root, "-o", out + "/t.json"]))
print("review", main(["review", root, "-o", out + "/r.html"]))
print("yolo", main(["export", "yolo", root, "-o", out + "/yolo"]))
print("run", main(["run", "--source", "sample:bikes", "--max-frames", "1", "--metrics-port", "0"]))
"""


def test_the_extras_are_named_when_missing(datasets: dict[str, Path], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(datasets["keypoints"]), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    words = [line.split() for line in done.stdout.splitlines()]
    status = {w[0]: w[1] for w in words if len(w) == 2}
    assert status == {"coco": "0", "voc": "0", "labelstudio": "0", "review": "0", "yolo": "2", "run": "2"}
    assert "pip install 'framesieve[export]'" in done.stderr
    assert "pip install 'framesieve[metrics]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "yolo").exists()
