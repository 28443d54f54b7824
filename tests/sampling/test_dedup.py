"""framesieve.image_hash, hamming and NearDuplicateFilter on real photos (skimage.data)."""

from __future__ import annotations

import io
import itertools
import threading

import numpy as np
import pytest
from PIL import Image
from skimage import data

import framesieve as fs
from framesieve.reference import dedup as reference
from framesieve.sampling.dedup import (
    NearDuplicateFilter,
    filter_from_config,
    hamming,
    hash_thumbnail,
    image_hash,
)

MAX_HAMMING = 6
PHOTOS = ["astronaut", "coffee", "chelsea", "camera", "rocket", "immunohistochemistry", "clock", "logo"]


def photo(name: str) -> np.ndarray:
    image = np.ascontiguousarray(getattr(data, name)())
    if image.ndim == 3 and image.shape[2] == 4:
        image = np.ascontiguousarray(image[..., :3])
    assert image.dtype == np.uint8
    return image


def order_of(image: np.ndarray) -> str:
    return "rgb"  # skimage photos are RGB (or gray, where the order does not matter)


def jpeg_round_trip(image: np.ndarray, quality: int = 75) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())))


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {name: photo(name) for name in PHOTOS}


# --- what is and is not a near-duplicate ----------------------------------------------------


def test_identical_frames_hash_identically(photos: dict[str, np.ndarray]) -> None:
    for name, image in photos.items():
        first = image_hash(image, "rgb")
        assert image_hash(image.copy(), "rgb") == first, name
        assert 0 <= first < 2**64


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("shift", [1, 2, 3, 4])
def test_shifted_frame_is_near_duplicate(name: str, shift: int) -> None:
    # The camera pans by `shift` pixels: the same window of the scene, moved.
    image = photo(name)
    base = image[:, 8:-8]
    moved = image[:, 8 + shift : image.shape[1] - 8 + shift]
    assert hamming(image_hash(base, "rgb"), image_hash(moved, "rgb")) <= MAX_HAMMING
    down = image[8 + shift : image.shape[0] - 8 + shift, 8:-8]
    assert hamming(image_hash(image[8:-8, 8:-8], "rgb"), image_hash(down, "rgb")) <= MAX_HAMMING


@pytest.mark.parametrize("name", PHOTOS)
def test_reencoded_frame_is_near_duplicate(name: str) -> None:
    image = photo(name)
    again = jpeg_round_trip(image, 75)
    assert not np.array_equal(again, image)  # JPEG q75 did change the pixels
    assert hamming(image_hash(image, "rgb"), image_hash(again, "rgb")) <= MAX_HAMMING
    # twice re-encoded and shifted by 2 pixels at once
    both = jpeg_round_trip(image[:, 2:], 75)
    assert hamming(image_hash(image[:, :-2], "rgb"), image_hash(both, "rgb")) <= MAX_HAMMING


def test_different_scenes_are_not_near_duplicates(photos: dict[str, np.ndarray]) -> None:
    distinct = {n: p for n, p in photos.items() if n != "chelsea"} | {"cat_is_chelsea": photos["chelsea"]}
    hashes = {name: image_hash(image, "rgb") for name, image in distinct.items()}
    for (a, ha), (b, hb) in itertools.combinations(hashes.items(), 2):
        assert hamming(ha, hb) > 2 * MAX_HAMMING, (a, b)


def test_filter_on_photos(photos: dict[str, np.ndarray]) -> None:
    flt = NearDuplicateFilter(MAX_HAMMING, 60.0)
    for name, image in photos.items():
        assert not flt.seen_or_add(image_hash(image, "rgb"), 0.0), name
    for name, image in photos.items():
        assert flt.check(image_hash(jpeg_round_trip(image), "rgb"), 1.0), name
    assert len(flt) == len(photos)


# --- layouts: channel order, gray, alpha, strides ---------------------------------------------


def test_channel_orders_gray_and_alpha(photos: dict[str, np.ndarray]) -> None:
    rgb = photos["astronaut"]
    h = image_hash(rgb, "rgb")
    assert image_hash(rgb[..., ::-1].copy(), "bgr") == h
    assert image_hash(rgb[..., ::-1].copy()) == h  # bgr is the default (OpenCV)
    assert image_hash(rgb, "RGB") == h
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 17, np.uint8)])
    assert image_hash(rgba, "rgb") == h
    assert image_hash(rgb, "bgr") != h  # red and blue do not weigh the same
    gray = photos["camera"]
    as_color = np.repeat(gray[..., None], 3, axis=2)  # 77 + 150 + 29 = 256: same luma
    assert image_hash(gray) == image_hash(as_color) == image_hash(gray[..., None])


def test_any_strides_read_in_place(photos: dict[str, np.ndarray]) -> None:
    rgb = photos["coffee"]
    views = [
        rgb[::-1],  # negative row stride
        rgb[:, ::-1],
        rgb[::2, ::3],
        rgb[10:300, 20:500],
        np.asfortranarray(rgb),
        rgb.transpose(1, 0, 2),
        np.lib.stride_tricks.as_strided(rgb, shape=(200, 300, 3), strides=(rgb.strides[0] * 2, 6, 1)),
    ]
    for i, view in enumerate(views):
        assert image_hash(view, "rgb") == image_hash(np.ascontiguousarray(view), "rgb"), i
        assert np.array_equal(hash_thumbnail(view, "rgb"), hash_thumbnail(np.ascontiguousarray(view), "rgb"))
    gray = photos["camera"]
    assert image_hash(gray.T) == image_hash(np.ascontiguousarray(gray.T))
    readonly = rgb.copy()
    readonly.flags.writeable = False
    assert image_hash(readonly, "rgb") == image_hash(rgb, "rgb")


def test_tiny_and_odd_sizes() -> None:
    rng = np.random.default_rng(3)
    for shape in [(1, 1), (1, 1, 3), (1, 3000, 3), (3000, 1), (7, 5, 4), (8, 9), (2000, 3)]:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        h = image_hash(image)
        assert 0 <= h < 2**64
    assert image_hash(np.zeros((1, 1), np.uint8)) == 0


# --- agreement with the pure-Python reference --------------------------------------------------


@pytest.mark.parametrize("name", PHOTOS)
def test_matches_reference(name: str) -> None:
    image = photo(name)
    ours = hash_thumbnail(image, "rgb")
    ref = reference.thumbnail(image, "rgb")
    assert ours.shape == ref.shape == (8, 9)
    np.testing.assert_array_equal(ours, ref)  # the same integer cell means
    assert reference.image_hash(image, "rgb") == image_hash(image, "rgb")


def test_thumbnail_is_the_block_mean_by_hand() -> None:
    # 8x9 blocks of 8x8 pixels, each constant: the thumbnail is exactly the block values.
    values = np.arange(72, dtype=np.uint8).reshape(8, 9) * 3
    image = np.kron(values, np.ones((8, 8), np.uint8))
    assert np.array_equal(hash_thumbnail(image), values.astype(np.uint16) * 256)
    # every right neighbour is brighter: all 64 bits set
    assert image_hash(image) == 2**64 - 1
    assert image_hash(np.ascontiguousarray(image[:, ::-1])) == 0
    # one dark cell at row 0, col 0: bits of row 0 stay set (col 1 is still brighter)
    bgr = np.zeros((64, 72, 3), np.uint8)
    bgr[:, :, 2] = image  # red only, BGR order: luma = 77 * red
    assert np.array_equal(hash_thumbnail(bgr, "bgr"), values.astype(np.uint16) * 77)


def test_hamming() -> None:
    assert hamming(0, 2**64 - 1) == 64
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(5, 5) == 0
    assert reference.hamming(0b1011, 0b0001) == 2


# --- NearDuplicateFilter --------------------------------------------------------------------


def test_window_expiry_both_ways() -> None:
    flt = NearDuplicateFilter(2, 10.0)
    flt.add(0b1111, 100.0)
    assert flt.check(0b1111, 100.0)
    assert flt.check(0b0011, 110.0)  # 2 bits, window edge inclusive
    assert not flt.check(0b0001, 105.0)  # 3 bits
    assert not flt.check(0b1111, 110.001)
    assert not flt.check(0b1111, 89.0)  # video time restarted
    assert flt.nearest(0b0111, 101.0) == 1
    assert flt.nearest(0, 101.0) is None
    flt.add(1, 200.0)  # the entry at 100 is out of the window of 200: evicted
    assert len(flt) == 1


def test_clock_default() -> None:
    flt = NearDuplicateFilter(0, 3600.0)
    flt.add(42)
    assert flt.check(42)
    assert not flt.check(42, 0.0)


def test_bounded_memory() -> None:
    flt = NearDuplicateFilter(0, 1e9, max_entries=100)
    for i in range(10_000):
        flt.add(i, 0.0)
    assert len(flt) == 100
    assert flt.check(9_999, 0.0)
    assert not flt.check(9_899, 0.0)  # dropped: the oldest go first
    assert flt.max_entries == 100
    assert repr(flt).startswith("NearDuplicateFilter(max_hamming=0, window_seconds=1000000000.0")
    flt.clear()
    assert len(flt) == 0


def test_same_answers_as_reference() -> None:
    rng = np.random.default_rng(7)
    ours = NearDuplicateFilter(5, 3.0, max_entries=50)
    ref = reference.NearDuplicateFilter(5, 3.0, max_entries=50)
    centres = [int(c) for c in rng.integers(0, 2**64, 20, dtype=np.uint64)]
    t = 0.0
    for _ in range(3000):
        t += float(rng.exponential(0.05)) - (30.0 if rng.random() < 0.002 else 0.0)
        h = centres[rng.integers(0, 20)] ^ int(rng.integers(0, 2**64, dtype=np.uint64)) & int(
            rng.choice([0, 1, 3, 0xFF, 2**64 - 1])
        )
        assert ours.seen_or_add(h, t) == ref.seen_or_add(h, t)
        assert len(ours) == len(ref)


def test_thread_safe_seen_or_add() -> None:
    flt = NearDuplicateFilter(0, 60.0)
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        got = [flt.seen_or_add(h, 0.0) for h in range(500)]
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results.count(False) == 500  # each hash is new exactly once
    assert len(flt) == 500


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "error", "words"),
    [
        (np.zeros((4, 4, 3), np.float32), fs.InvalidTypeError, "dtype uint8, got float32"),
        (np.zeros((4, 4, 3), np.uint16), fs.InvalidTypeError, "dtype uint8"),
        ([[1, 2], [3, 4]], fs.InvalidTypeError, "numpy uint8 array"),
        (None, fs.InvalidTypeError, "got NoneType"),
        (np.zeros((4,), np.uint8), fs.InvalidInputError, "1 dimensions"),
        (np.zeros((2, 2, 2, 3), np.uint8), fs.InvalidInputError, "4 dimensions"),
        (np.zeros((4, 4, 2), np.uint8), fs.InvalidInputError, "got 2 channels"),
        (np.zeros((0, 4, 3), np.uint8), fs.InvalidInputError, "must not be empty"),
        (np.zeros((4, 0), np.uint8), fs.InvalidInputError, "must not be empty"),
    ],
)
def test_bad_images(image: object, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words) as info:
        image_hash(image)  # type: ignore[arg-type]
    assert "image" in str(info.value)


def test_bad_arguments() -> None:
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(fs.InvalidInputError, match="channel_order: must be 'bgr' or 'rgb', got \"xyz\""):
        image_hash(image, "xyz")
    with pytest.raises(ValueError, match=r"a: must be a 64-bit hash, an int in \[0, 2\*\*64\), got -1"):
        hamming(-1, 0)
    with pytest.raises(ValueError, match="b: must be a 64-bit hash"):
        hamming(0, 2**64)
    with pytest.raises(TypeError, match="expected an int, got bool"):
        hamming(True, 0)
    with pytest.raises(TypeError, match="expected an int, got str"):
        hamming("0", 0)
    with pytest.raises(ValueError, match=r"max_hamming: must be within \[0, 64\], got 65"):
        NearDuplicateFilter(65, 1.0)
    with pytest.raises(ValueError, match="window_seconds: must be a finite number > 0, got 0"):
        NearDuplicateFilter(6, 0)
    with pytest.raises(ValueError, match="window_seconds: must be a finite number > 0, got NaN"):
        NearDuplicateFilter(6, float("nan"))
    with pytest.raises(TypeError, match="window_seconds: expected a number, got str"):
        NearDuplicateFilter(6, "60")
    with pytest.raises(ValueError, match="max_entries: must be a positive integer, got 0"):
        NearDuplicateFilter(6, 1.0, max_entries=0)
    with pytest.raises(TypeError, match="max_hamming: expected an int, got float"):
        NearDuplicateFilter(6.5, 1.0)
    flt = NearDuplicateFilter(6, 1.0)
    with pytest.raises(ValueError, match="now: must be a finite number of seconds, got inf"):
        flt.add(1, float("inf"))
    with pytest.raises(ValueError, match="hash: must be a 64-bit hash"):
        flt.check(-5, 0.0)
    assert len(flt) == 0
    assert isinstance(fs.NearDuplicateFilter(1, 1.0), NearDuplicateFilter)
    assert fs.image_hash is image_hash


def test_filter_from_config() -> None:
    base = {
        "enabled": True,
        "persist_predictions": False,
        "sampling_strategies": [{"name": "r", "type": "random", "traffic_percentage": 1.0}],
        "batching_strategy": {"batches_name_prefix": "p", "recreation_interval": "never"},
    }
    assert filter_from_config(fs.load_config(base)) is None
    cfg = fs.load_config(
        {**base, "deduplication": {"max_hamming": 5, "window_seconds": 2.5, "max_entries": 9}}
    )
    flt = filter_from_config(cfg)
    assert flt is not None
    assert (flt.max_hamming, flt.window_seconds, flt.max_entries) == (5, 2.5, 9)
