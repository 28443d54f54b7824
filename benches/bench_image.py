"""Image preparation: framesieve vs OpenCV vs Pillow on a 1920x1080 real-photo frame.

One run. Two tables, same calls:
- wall: median wall-clock ms per call, OpenCV with its default thread count (what a user
  of cv2.resize + cv2.imencode gets);
- cpu: median CPU ms of the calling thread (time.thread_time) with cv2.setNumThreads(1),
  so every contender is single-threaded; this one is steady on a busy, shared machine.
Ratios are against OpenCV measured in the same run. Then the filters of the Rust core,
and the throughput of 1 vs 2 Python threads.

Needs a release build: `make build-release && .venv/bin/python benches/bench_image.py`.
"""

from __future__ import annotations

import io
import statistics
import sys
import threading
import time
from pathlib import Path

import cv2
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import framesieve as fs
from framesieve import _core
from support.photos import full_hd_frame

REPEAT = 60
TARGETS = [(675, 1200), (360, 640)]
QUALITIES = [75, 95]


def median_ms(fn, clock, repeat: int = REPEAT) -> float:
    fn()  # warm-up: thread-local buffers, lazy init
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times) * 1e3


def cv2_path(frame, size, quality, interpolation):
    resized = cv2.resize(frame, size, interpolation=interpolation)
    return cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]


def pillow_path(frame, size, quality):
    image = Image.fromarray(frame[:, :, ::-1]).resize(size, Image.Resampling.HAMMING)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=2)
    return out.getvalue()


def table(frame, clock, title: str) -> None:
    print(f"\n{title}")
    header = (
        "| output | q | framesieve | cv2 LINEAR + imencode | cv2 AREA + imencode | Pillow HAMMING | "
        "cv2 encode-only (floor) | framesieve vs LINEAR | vs AREA | vs floor |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for target in TARGETS:
        for q in QUALITIES:
            print(row(frame, target, q, clock))


def row(frame, target, q, clock) -> str:
    w, h = _core.output_size(1920, 1080, target)
    small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    ours = median_ms(lambda: fs.prepare_image(frame, target, q), clock)
    linear = median_ms(lambda: cv2_path(frame, (w, h), q, cv2.INTER_LINEAR), clock)
    area = median_ms(lambda: cv2_path(frame, (w, h), q, cv2.INTER_AREA), clock)
    pil = median_ms(lambda: pillow_path(frame, (w, h), q), clock)
    floor = median_ms(lambda: cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, q]), clock)
    return (
        f"| {w}x{h} | {q} | {ours:.2f} | {linear:.2f} | {area:.2f} | {pil:.2f} | {floor:.2f} | "
        f"{linear / ours:.2f}x faster | {area / ours:.2f}x faster | {ours / floor:.2f}x |"
    )


def throughput(n_threads: int, frame, target, quality, per_thread: int = 40) -> float:
    """Frames per second with n_threads threads each preparing per_thread frames."""
    barrier = threading.Barrier(n_threads + 1)

    def work():
        barrier.wait()
        for _ in range(per_thread):
            fs.prepare_image(frame, target, quality)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return n_threads * per_thread / (time.perf_counter() - t0)


def main() -> None:
    frame = full_hd_frame()
    print(
        f"frame 1920x1080 BGR (mosaic of scikit-image photos); OpenCV {cv2.__version__}, "
        f"Pillow {Image.__version__}; median of {REPEAT} calls, ms"
    )
    table(frame, time.perf_counter, f"wall-clock (cv2 threads: {cv2.getNumThreads()})")
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        table(frame, time.thread_time, "CPU time of the calling thread (cv2 threads: 1)")
        target, q = TARGETS[0], 95
        w, h = _core.output_size(1920, 1080, target)
        small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        clock = time.thread_time
        print(f"\nparts, {w}x{h} q{q}, CPU ms:")
        parts = {
            "framesieve encode-only (max_size=None on the small image)": lambda: fs.prepare_image(
                small, None, q
            ),
            "cv2.imencode only": lambda: cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, q]),
            "cv2.resize INTER_LINEAR only": lambda: cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR),
            "cv2.resize INTER_AREA only": lambda: cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA),
            "framesieve on frame[:, :, ::-1] (a view, channel_order='rgb')": lambda: fs.prepare_image(
                frame[:, :, ::-1], target, q, "rgb"
            ),
            "framesieve on a crop view frame[:, 8:-8]": lambda: fs.prepare_image(frame[:, 8:-8], target, q),
        }
        measured = {name: median_ms(fn, clock) for name, fn in parts.items()}
        for name, ms in measured.items():
            print(f"  {name}: {ms:.2f}")
        # Issue 17's goal for the whole preparation: 1.3x faster than cv2's resize + imencode.
        goal = median_ms(lambda: cv2_path(frame, (w, h), q, cv2.INTER_LINEAR), clock) / 1.3
        encode = measured["framesieve encode-only (max_size=None on the small image)"]
        linear = measured["cv2.resize INTER_LINEAR only"]
        print(
            f"  goal cv2 LINEAR + imencode / 1.3 = {goal:.2f}: our encode alone leaves {goal - encode:.2f} "
            f"for an antialiased resize ({(goal - encode) / linear:.2f}x the time of cv2's aliased one)"
        )
        print(f"\nfilters of the Rust core (fast_image_resize convolution), {w}x{h} q{q}, CPU ms:")
        for name in ["box", "bilinear", "hamming", "catmullrom", "mitchell", "lanczos3"]:
            ms = median_ms(lambda name=name: _core.prepare_image(frame, target, q, "bgr", name), clock)
            print(f"  {name:10s} {ms:.2f}")
    finally:
        cv2.setNumThreads(threads)

    target, q = TARGETS[0], 95
    print(f"\nthroughput, framesieve 1920x1080 -> {w}x{h} q{q}, frames/s (median of 3 runs):")
    one = statistics.median(throughput(1, frame, target, q) for _ in range(3))
    two = statistics.median(throughput(2, frame, target, q) for _ in range(3))
    print(f"  1 thread {one:.0f}/s, 2 threads {two:.0f}/s: {two / one:.2f}x")


if __name__ == "__main__":
    main()
