"""fs.prepare_image: sizes, layouts, odd images, bad input, threads, GIL release."""

import io
import sys
import threading

import numpy as np
import pytest
import skimage.data
from PIL import Image

import framesieve as fs


def decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image


@pytest.fixture(scope="module")
def bgr() -> np.ndarray:
    """A real photo (scikit-image's coffee, 600x400) as an OpenCV-style BGR frame."""
    return np.ascontiguousarray(skimage.data.coffee()[:, :, ::-1])


MAX_SIZES = [None, (200, 300), (133, 97)]


def test_returns_a_prepared_image(bgr):
    p = fs.prepare_image(bgr, max_size=(200, 300), quality=80)
    assert isinstance(p, fs.PreparedImage)
    assert isinstance(p.jpeg, bytes)
    assert p.original_size == (600, 400)
    assert p.size == (300, 200)
    assert p.scale == (0.5, 0.5)
    assert decode(p.jpeg).size == (300, 200)
    assert decode(p.jpeg).mode == "RGB"
    assert "bytes" in repr(p) and len(repr(p)) < 200


def test_max_size_none_encodes_only(bgr):
    p = fs.prepare_image(bgr)
    assert p.size == p.original_size == (600, 400)
    assert p.scale == (1.0, 1.0)


def test_never_upsizes(bgr):
    assert fs.prepare_image(bgr, max_size=(4000, 4000)).size == (600, 400)


def test_colours_follow_channel_order():
    # A pure red frame, BGR: (0, 0, 255); decoded RGB must be red.
    red_bgr = np.zeros((32, 32, 3), np.uint8)
    red_bgr[..., 2] = 255
    r, g, b = decode(fs.prepare_image(red_bgr).jpeg).getpixel((16, 16))
    assert r > 240 and g < 15 and b < 15
    r, g, b = decode(fs.prepare_image(red_bgr, channel_order="rgb").jpeg).getpixel((16, 16))
    assert b > 240 and r < 15 and g < 15


def test_quality_changes_the_jpeg(bgr):
    low = fs.prepare_image(bgr, quality=10).jpeg
    high = fs.prepare_image(bgr, quality=100).jpeg
    assert len(low) * 3 < len(high)


def _layouts(bgr: np.ndarray):
    """(name, array, channel_order): the same BGR pixels in other memory layouts."""
    h, w, _ = bgr.shape
    big = np.zeros((h + 20, w + 30, 3), np.uint8)
    big[7 : 7 + h, 11 : 11 + w] = bgr
    planar = np.ascontiguousarray(np.moveaxis(bgr, 2, 0))
    alpha = np.dstack([bgr, np.random.default_rng(1).integers(0, 256, (h, w), dtype=np.uint8)])
    return [
        ("rgb view [:, :, ::-1]", np.ascontiguousarray(bgr[:, :, ::-1])[:, :, ::-1], "bgr"),
        ("reversed channels as rgb", bgr[:, :, ::-1], "rgb"),
        ("contiguous rgb", np.ascontiguousarray(bgr[:, :, ::-1]), "rgb"),
        ("crop", big[7 : 7 + h, 11 : 11 + w], "bgr"),
        ("flipped rows", np.ascontiguousarray(bgr[::-1])[::-1], "bgr"),
        ("mirrored columns", np.ascontiguousarray(bgr[:, ::-1])[:, ::-1], "bgr"),
        ("fortran order", np.asfortranarray(bgr), "bgr"),
        ("planar", np.moveaxis(planar, 0, 2), "bgr"),
        ("every other pixel", np.repeat(bgr, 2, axis=1)[:, ::2], "bgr"),
        ("bgra", alpha, "bgr"),
        ("rgba", np.dstack([bgr[:, :, ::-1], alpha[:, :, 3]]), "rgb"),
        ("bgra reversed twice", np.ascontiguousarray(alpha[:, :, ::-1])[:, :, ::-1], "bgr"),
        ("read-only", _readonly(bgr), "bgr"),
    ]


def _readonly(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


@pytest.mark.parametrize("max_size", MAX_SIZES)
def test_every_layout_gives_the_bytes_of_contiguous_bgr(bgr, max_size):
    expected = fs.prepare_image(bgr, max_size, quality=90).jpeg
    for name, array, order in _layouts(bgr):
        got = fs.prepare_image(array, max_size, quality=90, channel_order=order)
        assert got.jpeg == expected, name


@pytest.mark.parametrize("max_size", MAX_SIZES)
def test_gray_images(bgr, max_size):
    gray = np.ascontiguousarray(bgr[:, :, 1])
    p = fs.prepare_image(gray, max_size)
    image = decode(p.jpeg)
    assert image.mode == "L"
    assert image.size == p.size
    assert p.jpeg == fs.prepare_image(gray[:, :, None], max_size).jpeg
    assert p.jpeg == fs.prepare_image(np.asfortranarray(gray), max_size).jpeg
    if max_size is None:
        diff = np.abs(np.asarray(image, dtype=int) - gray.astype(int))
        assert diff.mean() < 2


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_one_pixel(channels):
    px = np.full((1, 1, channels), 200, np.uint8)
    for max_size in [None, (1, 1), (5, 5)]:
        p = fs.prepare_image(px, max_size)
        assert p.size == (1, 1)
        assert decode(p.jpeg).size == (1, 1)


@pytest.mark.parametrize(("h", "w"), [(1, 5000), (5000, 1), (2, 3000)])
def test_huge_aspect_ratios(h, w):
    image = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    p = fs.prepare_image(image)
    assert decode(p.jpeg).size == (w, h)
    p = fs.prepare_image(image, max_size=(100, 100))
    expected = (100, max(1, int(100 / (w / h)))) if w >= h else (max(1, int(100 * (w / h))), 100)
    assert p.size == expected
    assert decode(p.jpeg).size == expected


def test_jpeg_side_limit_is_a_clear_error():
    wide = np.zeros((1, 70_000), np.uint8)
    with pytest.raises(fs.InvalidInputError, match="65500"):
        fs.prepare_image(wide)
    assert fs.prepare_image(wide, max_size=(10, 1000)).size == (1000, 1)


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((4, 4, 3), np.float32), fs.InvalidTypeError, "dtype uint8, got float32"),
        (np.zeros((4, 4, 3), np.int64), fs.InvalidTypeError, "dtype uint8"),
        ([[1, 2], [3, 4]], fs.InvalidTypeError, "numpy.ndarray"),
        (None, fs.InvalidTypeError, "numpy.ndarray"),
        (np.zeros(5, np.uint8), fs.InvalidInputError, "shape"),
        (np.zeros((2, 2, 2, 3), np.uint8), fs.InvalidInputError, "shape"),
        (np.zeros((4, 4, 2), np.uint8), fs.InvalidInputError, "shape"),
        (np.zeros((0, 4, 3), np.uint8), fs.InvalidInputError, "positive width and height"),
        (np.zeros((4, 0), np.uint8), fs.InvalidInputError, "positive width and height"),
    ],
)
def test_bad_images(image, error, match):
    with pytest.raises(error, match=match):
        fs.prepare_image(image)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"quality": 0}, fs.InvalidInputError, r"quality .*\[1, 100\], got 0"),
        ({"quality": 101}, fs.InvalidInputError, "got 101"),
        ({"quality": -5}, fs.InvalidInputError, "got -5"),
        ({"quality": 9.5}, fs.InvalidTypeError, "quality must be an int, got float"),
        ({"quality": True}, fs.InvalidTypeError, "got bool"),
        ({"max_size": (0, 10)}, fs.InvalidInputError, "two positive ints"),
        ({"max_size": (10, -1)}, fs.InvalidInputError, "two positive ints"),
        ({"max_size": (10,)}, fs.InvalidInputError, "got 1 items"),
        ({"max_size": (1, 2, 3)}, fs.InvalidInputError, "got 3 items"),
        ({"max_size": (10.0, 10)}, fs.InvalidTypeError, r"max_size\[0\] \(height\) must be an int"),
        ({"max_size": "10x10"}, fs.InvalidTypeError, "got str"),
        ({"max_size": 10}, fs.InvalidTypeError, "got int"),
        ({"channel_order": "bgra"}, fs.InvalidInputError, "'bgr' or 'rgb'"),
        ({"channel_order": "RGB"}, fs.InvalidInputError, "'bgr' or 'rgb'"),
    ],
)
def test_bad_arguments(bgr, kwargs, error, match):
    with pytest.raises(error, match=match):
        fs.prepare_image(bgr, **kwargs)


def test_max_size_accepts_a_list(bgr):
    assert fs.prepare_image(bgr, [200, 300]).size == (300, 200)


def test_two_threads_give_the_bytes_of_serial_runs():
    frames = [
        np.ascontiguousarray(skimage.data.astronaut()[:, :, ::-1]),
        np.ascontiguousarray(skimage.data.chelsea()[:, :, ::-1]),
    ]
    jobs = [(f, m, q) for f in frames for m in [None, (100, 140), (256, 256)] for q in (60, 95)]
    serial = [fs.prepare_image(f, m, q).jpeg for f, m, q in jobs]
    results: dict[int, list[bytes]] = {0: [], 1: []}

    def work(k: int) -> None:
        for _ in range(5):
            results[k].append([fs.prepare_image(f, m, q).jpeg for f, m, q in jobs])

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in (0, 1):
        assert len(results[k]) == 5
        for run in results[k]:
            assert run == serial


def test_the_gil_is_released_while_preparing():
    # With a 100 s switch interval, the main thread can only run while the worker is
    # inside prepare_image if prepare_image released the GIL.
    frame = np.random.default_rng(0).integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    started = threading.Event()
    done = threading.Event()
    counted = []

    def worker() -> None:
        started.set()
        fs.prepare_image(frame, (1500, 2000), 95)
        done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(100)
    try:
        t = threading.Thread(target=worker)
        t.start()
        started.wait()
        count = 0
        while not done.is_set():
            count += 1
            done.wait(0.0005)  # lets the worker take the GIL back when it is done
        counted.append(count)
        t.join()
    finally:
        sys.setswitchinterval(interval)
    assert counted[0] > 0
