"""Sampling cost per frame: fs.Sampler (Rust) vs fs.reference.Sampler (pure Python).

Four strategies (random 0.1; close_to_threshold on 2 classes, threshold 0.5,
epsilon 0.1; detections_number_based more_than 3; close_to_threshold on 2 other
classes), detections given as Roboflow dicts and as arrays (float32 confidence
+ int64 class_id), N = 0, 10, 100, 1000 objects. Prints the median µs per
frame of each and the ratio reference / Rust, all measured in this one run.
A second table gives the class names as strings, the way
`supervision.Detections.data["class_name"]` holds them (a numpy `<U` array)
and as an object array of str, next to the int64 class_id figure (the
baseline) and the reference on the same `<U` array.

Run: make build-release && .venv/bin/python benches/bench_sampling.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

import framesieve as fs

CLASSES = ["car", "truck", "person", "bicycle", "dog", "cat"]
CONFIG = {
    "enabled": True,
    "persist_predictions": True,
    "batching_strategy": {"batches_name_prefix": "al", "recreation_interval": "never"},
    "sampling_strategies": [
        {"name": "random", "type": "random", "traffic_percentage": 0.1},
        {
            "name": "vehicles_uncertain",
            "type": "close_to_threshold",
            "selected_class_names": ["car", "truck"],
            "threshold": 0.5,
            "epsilon": 0.1,
            "probability": 0.5,
        },
        {"name": "crowded", "type": "detections_number_based", "probability": 0.5, "more_than": 3},
        {
            "name": "people_uncertain",
            "type": "close_to_threshold",
            "selected_class_names": ["person", "bicycle"],
            "threshold": 0.5,
            "epsilon": 0.1,
            "probability": 0.5,
        },
    ],
}
SIZES = (0, 10, 100, 1000)


def detections(n: int, rng: np.random.Generator) -> tuple[dict, np.ndarray, np.ndarray]:
    confidence = rng.uniform(0.2, 1.0, n).astype(np.float32)
    class_id = rng.integers(0, len(CLASSES), n).astype(np.int64)
    xy = rng.uniform(0, 640, (n, 4))
    prediction = {
        "image": {"width": 640, "height": 480},
        "predictions": [
            {
                "x": float(xy[i, 0]),
                "y": float(xy[i, 1]),
                "width": float(xy[i, 2] / 4),
                "height": float(xy[i, 3] / 4),
                "confidence": float(confidence[i]),
                "class": CLASSES[class_id[i]],
                "class_id": int(class_id[i]),
                "detection_id": f"det-{i}",
            }
            for i in range(n)
        ],
    }
    return prediction, confidence, class_id


def median_us(call: Callable[[], object], budget_s: float = 0.2, repeats: int = 15) -> float:
    """Median over `repeats` batches of the mean µs per call within a batch."""
    loops = 1
    while True:  # calibrate a batch to ~budget / repeats
        t0 = time.perf_counter()
        for _ in range(loops):
            call()
        if time.perf_counter() - t0 > budget_s / repeats or loops >= 1 << 20:
            break
        loops *= 2
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        for _ in range(loops):
            call()
        samples.append((time.perf_counter_ns() - t0) / loops / 1000)
    return statistics.median(samples)


def main() -> None:
    rng = np.random.default_rng(0)
    rust = fs.Sampler(CONFIG, seed=1, class_names=CLASSES)
    ref = fs.reference.Sampler(CONFIG, seed=1, class_names=CLASSES)
    print(f"framesieve {fs.__version__}: µs per frame (median), 4 strategies")
    # How fast this machine runs Python itself, to compare figures across machines.
    objects = detections(1000, rng)[0]["predictions"]
    calibration = median_us(lambda: [o["confidence"] for o in objects])
    print(f"calibration: [o['confidence'] for o in predictions] over 1000 dicts = {calibration:.1f} µs")
    header = (
        f"{'N':>5} | {'dict Rust':>10} {'dict ref':>10} {'ratio':>7} | "
        f"{'arrays Rust':>11} {'arrays ref':>10} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for n in SIZES:
        prediction, confidence, class_id = detections(n, rng)
        # Both implementations must agree (same seed, same decisions) before being timed.
        twins = fs.Sampler(CONFIG, seed=n, class_names=CLASSES), fs.reference.Sampler(CONFIG, seed=n)
        for _ in range(20):
            got = [s.evaluate(prediction, "object-detection") for s in twins]
            assert got[0] == got[1], got
        d_rust = median_us(lambda p=prediction: rust.evaluate(p, "object-detection"))
        d_ref = median_us(lambda p=prediction: ref.evaluate(p, "object-detection"))
        a_rust = median_us(lambda c=confidence, k=class_id: rust.evaluate_detections(c, class_id=k))
        a_ref = median_us(lambda c=confidence, k=class_id: ref.evaluate_detections(c, class_id=k))
        print(
            f"{n:>5} | {d_rust:>10.3f} {d_ref:>10.2f} {d_ref / d_rust:>6.0f}x | "
            f"{a_rust:>11.3f} {a_ref:>10.2f} {a_ref / a_rust:>6.0f}x"
        )
    print()
    header = (
        f"{'N':>5} | {'class_id':>9} {'<U':>9} {'object':>9} {'<U/id':>6} {'obj/id':>6} | "
        f"{'<U ref':>9} {'ref/<U':>7}"
    )
    print("class names as strings, Rust µs (median); ratios vs int64 class_id in this run")
    print(header)
    print("-" * len(header))
    for n in SIZES:
        _, confidence, class_id = detections(n, rng)
        unicode = np.array([CLASSES[k] for k in class_id], dtype=str)
        objects = unicode.astype(object)
        assert unicode.dtype.kind == "U"
        # Same seed, same decisions, whichever way the classes are given.
        twins = [fs.Sampler(CONFIG, seed=n, class_names=CLASSES) for _ in range(3)]
        for _ in range(20):
            got = [
                twins[0].evaluate_detections(confidence, class_id=class_id),
                twins[1].evaluate_detections(confidence, class_name=unicode),
                twins[2].evaluate_detections(confidence, class_name=objects),
            ]
            assert got[0] == got[1] == got[2], got
        t_id = median_us(lambda c=confidence, k=class_id: rust.evaluate_detections(c, class_id=k))
        t_u = median_us(lambda c=confidence, k=unicode: rust.evaluate_detections(c, class_name=k))
        t_o = median_us(lambda c=confidence, k=objects: rust.evaluate_detections(c, class_name=k))
        t_ref = median_us(lambda c=confidence, k=unicode: ref.evaluate_detections(c, class_name=k))
        print(
            f"{n:>5} | {t_id:>9.3f} {t_u:>9.3f} {t_o:>9.3f} {t_u / t_id:>5.2f}x {t_o / t_id:>5.2f}x | "
            f"{t_ref:>9.2f} {t_ref / t_u:>6.0f}x"
        )


if __name__ == "__main__":
    main()
