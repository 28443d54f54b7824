"""fs.DiversityFilter: the Rust distance scan against numpy (hypothesis, random vectors),
the ring buffer's bound and window, the fixed threshold, the target share, bad input."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import framesieve as fs

# float32 rounding of the stored unit vectors and of the dot products (the scan sums in
# float32, numpy here in float64): a few ulps of 1 per dimension are far below this.
TOLERANCE = 2e-5


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def numpy_nearest(kept: np.ndarray, query: np.ndarray) -> float:
    """The smallest cosine distance, in float64 numpy: the independent measure."""
    return float(np.min(1.0 - unit_rows(kept) @ unit_rows(query)))


@st.composite
def kept_and_query(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    dim = draw(st.sampled_from([1, 2, 3, 8, 15, 16, 17, 31, 64, 100, 128, 257, 512]))
    n = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kept = rng.normal(size=(n, dim)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    query = rng.normal(size=dim)
    if draw(st.booleans()):  # the query close to a kept one
        query = kept[draw(st.integers(0, n - 1))] + rng.normal(size=dim) * 1e-3
    return kept, query


@settings(max_examples=200, deadline=None)
@given(kept_and_query(), st.sampled_from(["float32", "float64", "list", "strided"]))
def test_the_scan_matches_numpy(case: tuple[np.ndarray, np.ndarray], form: str) -> None:
    kept, query = case
    flt = fs.DiversityFilter(0.0, max_kept=len(kept))

    def given_as(v: np.ndarray) -> object:
        if form == "float32":
            return v.astype(np.float32)
        if form == "list":
            return v.tolist()
        if form == "strided":  # every other value of a reversed buffer, read in place
            buffer = np.zeros(2 * len(v))
            buffer[::2] = v[::-1]
            return buffer[-2::-2]
        return v

    for row in kept:
        flt.add(given_as(row), 0.0)
    assert len(flt) == len(kept) and flt.dim == kept.shape[1]
    got = flt.nearest(given_as(query), 0.0)
    assert got is not None
    expected = numpy_nearest(kept.astype(np.float32) if form == "float32" else kept, query)
    assert abs(got - expected) <= TOLERANCE, (got, expected)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 120), st.integers(0, 2**32 - 1))
def test_the_bound_keeps_the_newest_max_kept(max_kept: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    kept = rng.normal(size=(n, 24))
    flt = fs.DiversityFilter(0.5, max_kept=max_kept)
    for row in kept:
        flt.add(row, 0.0)
    assert len(flt) == min(n, max_kept)
    query = rng.normal(size=24)
    assert abs(flt.nearest(query, 0.0) - numpy_nearest(kept[-max_kept:], query)) <= TOLERANCE


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=60), st.floats(0.1, 3))
def test_only_vectors_within_the_window_count(gaps: list[float], window: float) -> None:
    rng = np.random.default_rng(len(gaps))
    times = np.cumsum(gaps)
    kept = rng.normal(size=(len(times), 8))
    flt = fs.DiversityFilter(0.5, window_seconds=window, max_kept=16)
    for row, t in zip(kept, times, strict=True):
        flt.add(row, float(t))
    query = rng.normal(size=8)
    last = float(times[-1])
    for now in (last, last + window / 2, last + window, last + 2 * window):
        # Among the 16 newest, those at most `window` from `now` (adding evicted only
        # vectors farther than that from a time before `now`).
        recent = [i for i in range(max(0, len(times) - 16), len(times)) if abs(now - times[i]) <= window]
        got = flt.nearest(query, now)
        if not recent:
            assert got is None
        else:
            assert got is not None
            assert abs(got - numpy_nearest(kept[recent], query)) <= TOLERANCE


@settings(max_examples=50, deadline=None)
@given(st.floats(0.0, 1.5), st.integers(0, 2**32 - 1), st.sampled_from([2, 3, 16]))
def test_no_two_kept_vectors_are_within_the_distance(distance: float, seed: int, dim: int) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(5, dim))
    stream = centres[rng.integers(0, 5, 150)] + rng.normal(size=(150, dim)) * 0.3
    flt = fs.DiversityFilter(distance)
    kept = np.array([v for v in stream if flt.offer(v, 0.0)])
    assert len(kept) >= 1
    distances = 1.0 - unit_rows(kept) @ unit_rows(kept).T
    np.fill_diagonal(distances, np.inf)
    assert distances.min() > distance - TOLERANCE
    # The same stream through a numpy loop keeps the same vectors (unless a decision fell
    # within float32 rounding of the threshold).
    model: list[np.ndarray] = []
    borderline = False
    for v in stream:
        nearest = numpy_nearest(np.array(model), v) if model else np.inf
        borderline |= abs(nearest - distance) < TOLERANCE
        if nearest > distance:
            model.append(v)
    if not borderline:
        assert np.array_equal(np.array(model), kept)


@pytest.mark.parametrize("share", [0.05, 0.2, 0.5, 0.8])
def test_the_target_share_is_reached_on_a_synthetic_stream(share: float) -> None:
    # Clustered embeddings that drift: a camera moving between a few scenes.
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(12, 128))
    scene = np.repeat(rng.integers(0, 12, 60), 50)  # 3000 frames, 50 per scene visit
    stream = centres[scene] + rng.normal(size=(len(scene), 128)) * 0.6
    flt = fs.DiversityFilter(target_share=share, window_seconds=100.0, max_kept=256)
    kept = np.array([flt.offer(v, i / 10) for i, v in enumerate(stream)])
    assert abs(kept.mean() - share) < 0.02, kept.mean()
    assert abs(kept[1000:].mean() - share) < 0.02, kept[1000:].mean()
    assert flt.threshold is not None and 0 < flt.threshold <= 2


def test_a_target_share_of_one_keeps_everything() -> None:
    rng = np.random.default_rng(1)
    every = fs.DiversityFilter(target_share=1.0)
    v = rng.normal(size=4)
    assert all(every.offer(v if i % 2 else rng.normal(size=4), 0.0) for i in range(200))  # duplicates too
    assert every.min_cosine_distance is None and every.target_share == 1.0


def test_first_vector_is_always_novel_and_clear_forgets() -> None:
    flt = fs.DiversityFilter(1.9)
    assert flt.nearest([1.0, 2.0], 0.0) is None
    assert flt.offer([1.0, 2.0], 0.0)
    assert flt.offer([-1.0, -2.0], 0.0)  # opposite: distance 2 > 1.9
    assert not flt.offer([1.0, 0.0], 0.0)  # within 1.9 of both
    assert len(flt) == 2
    flt.clear()
    assert len(flt) == 0 and flt.dim is None
    assert flt.offer([1.0, 0.0, 0.0], 0.0)  # another dimension after clear()


def test_scale_does_not_matter() -> None:
    flt = fs.DiversityFilter(0.01)
    flt.add([3.0, 4.0], 0.0)
    assert flt.nearest([3e-30, 4e-30], 0.0) == pytest.approx(0.0, abs=1e-6)
    assert flt.nearest([3e30, 4e30], 0.0) == pytest.approx(0.0, abs=1e-6)
    assert flt.nearest([-4.0, 3.0], 0.0) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    ("embedding", "error", "message"),
    [
        ([1.0, 2.0], fs.InvalidInputError, "embedding: expected 3 values (the dimension of the first"),
        ([0.0, 0.0, 0.0], fs.InvalidInputError, "embedding: has zero norm"),
        (
            [1.0, float("nan"), 0.0],
            fs.InvalidInputError,
            "embedding: every value must be finite, got NaN at index 1",
        ),
        (np.array([1.0, 1.0, np.inf], np.float32), fs.InvalidInputError, "got inf at index 2"),
        (np.ones((1, 3)), fs.InvalidInputError, "embedding: expected a 1-D array, got shape (1, 3)"),
        (np.float64(1.0), fs.InvalidInputError, "embedding: expected a 1-D array, got shape ()"),
        ([], fs.InvalidInputError, "embedding: expected 1 to 65536 values, got 0"),
        (
            "abc",
            fs.InvalidTypeError,
            "embedding: expected a 1-D float array or a sequence of numbers, got str",
        ),
        (
            [1.0, "x", 2.0],
            fs.InvalidTypeError,
            "embedding: expected a 1-D float array or a sequence of numbers",
        ),
        (None, fs.InvalidTypeError, "embedding: expected"),
        (
            np.array(["a", "b", "c"]),
            fs.InvalidTypeError,
            "embedding: expected a float or integer dtype, got dtype <U1",
        ),
        (np.ones(3, complex), fs.InvalidTypeError, "embedding: expected a float or integer dtype"),
    ],
)
def test_bad_embeddings_name_the_argument(embedding: object, error: type, message: str) -> None:
    flt = fs.DiversityFilter(0.1)
    flt.add([1.0, 0.0, 0.0], 0.0)
    for method in (flt.check, flt.nearest, flt.add, flt.offer):
        with pytest.raises(error) as info:
            method(embedding, 0.0)
        assert message in str(info.value)
    assert len(flt) == 1


def test_other_real_dtypes_are_accepted() -> None:
    flt = fs.DiversityFilter(0.1)
    flt.add(np.array([1, 0, 0], np.int64), 0.0)
    assert flt.nearest(np.array([1, 0, 0], np.float16), 0.0) == pytest.approx(0.0, abs=1e-6)
    assert flt.nearest((0, 1, 0), 0.0) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "min_cosine_distance, target_share: one of them is required"),
        ({"min_cosine_distance": 0.1, "target_share": 0.5}, "not both"),
        ({"min_cosine_distance": 2.0}, "min_cosine_distance: must be within [0, 2), got 2"),
        ({"target_share": 0.0}, "target_share: must be within (0, 1], got 0"),
        ({"min_cosine_distance": 0.1, "window_seconds": 0.0}, "window_seconds: must be a finite number > 0"),
        (
            {"min_cosine_distance": 0.1, "max_kept": 0},
            "max_kept: must be an integer within [1, 65536], got 0",
        ),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict, message: str) -> None:
    with pytest.raises(fs.InvalidInputError) as info:
        fs.DiversityFilter(**kwargs)
    assert message in str(info.value)


def test_bad_setting_types_and_times() -> None:
    with pytest.raises(fs.InvalidTypeError, match="max_kept: expected an int"):
        fs.DiversityFilter(0.1, max_kept=1.5)
    with pytest.raises(fs.InvalidTypeError, match="min_cosine_distance: expected a number"):
        fs.DiversityFilter("0.1")  # type: ignore[arg-type]
    with pytest.raises(fs.InvalidInputError, match="now: must be a finite number"):
        fs.DiversityFilter(0.1).check([1.0], float("nan"))


def test_properties_and_repr() -> None:
    flt = fs.DiversityFilter(0.25, window_seconds=5, max_kept=8)
    assert (flt.min_cosine_distance, flt.target_share, flt.window_seconds, flt.max_kept) == (
        0.25,
        None,
        5.0,
        8,
    )
    assert flt.threshold == 0.25 and flt.dim is None
    assert repr(flt) == "DiversityFilter(min_cosine_distance=0.25, window_seconds=5.0, max_kept=8, len=0)"
    assert fs.DiversityFilter(target_share=0.5).threshold is None  # until a distance is measured


def test_threads_share_one_filter_safely() -> None:
    # Large enough that scans release the GIL (kept x dim >= 32K floats).
    flt = fs.DiversityFilter(0.05, max_kept=200)
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(8, 400, 256)).astype(np.float32)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for v in vectors[i]:
                flt.offer(v, 0.0)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(flt) == 200  # random 256-d vectors are all far apart: every one kept, bounded
