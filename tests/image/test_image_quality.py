"""Downscale quality on real photos: PSNR against a float area average.

Bounds (q95, 4:2:0 for every contender, all decoded by Pillow):
- at least OpenCV's default path, ``cv2.resize`` INTER_LINEAR + ``cv2.imencode``, on every
  photo and scale (it point-samples, so it aliases on downscale);
- within 0.1 dB of Pillow's antialiased HAMMING resize (the same filter, another
  implementation) and no more than 0.1 dB below Pillow's default BICUBIC resize.
"""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

import framesieve as fs
from support.photos import photos

QUALITY = 95
FACTORS = [1.6, 2.25, 3.0]  # 1.6 is 1920x1080 -> 1200x675, 3.0 is -> 640x360
PHOTOS = photos()


def decode(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((a - b) ** 2)))


def pillow(rgb: np.ndarray, size: tuple[int, int], resample: Image.Resampling) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).resize(size, resample).save(out, "JPEG", quality=QUALITY, subsampling=2)
    return out.getvalue()


def opencv_linear(rgb: np.ndarray, size: tuple[int, int]) -> bytes:
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    resized = cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR)
    ok, buf = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("name", sorted(PHOTOS))
@pytest.mark.parametrize("factor", FACTORS)
def test_psnr_against_area_average(name, factor):
    rgb = PHOTOS[name]
    height, width = rgb.shape[:2]
    ours = fs.prepare_image(rgb, (int(height / factor), int(width / factor)), QUALITY, "rgb")
    size = ours.size
    area = cv2.resize(rgb.astype(np.float32), size, interpolation=cv2.INTER_AREA).astype(np.float64)

    p_ours = psnr(decode(ours.jpeg), area)
    p_linear = psnr(decode(opencv_linear(rgb, size)), area)
    p_hamming = psnr(decode(pillow(rgb, size, Image.Resampling.HAMMING)), area)
    p_bicubic = psnr(decode(pillow(rgb, size, Image.Resampling.BICUBIC)), area)
    summary = (
        f"ours {p_ours:.2f}, INTER_LINEAR {p_linear:.2f}, HAMMING {p_hamming:.2f}, BICUBIC {p_bicubic:.2f}"
    )
    assert p_ours >= p_linear, summary
    assert abs(p_ours - p_hamming) <= 0.1, summary
    assert p_ours >= p_bicubic - 0.1, summary


def test_no_aliasing_on_a_fine_pattern():
    # One-pixel stripes: the mean gray survives an antialiased downscale (a point-sampling
    # resize would keep whole stripes, i.e. 0 or 255).
    stripes = np.zeros((300, 400, 3), np.uint8)
    stripes[:, ::2] = 255
    out = decode(fs.prepare_image(stripes, (97, 131), QUALITY).jpeg)
    assert abs(out.mean() - 127.5) < 3
    assert out.std() < 6
