"""Real photos that ship inside the scikit-image wheel (no network), for image tests
and benchmarks."""

import numpy as np
import skimage.data


def photos() -> dict[str, np.ndarray]:
    """Name -> RGB uint8 photo (300x451 up to 1411x1411)."""
    left, right, _ = skimage.data.stereo_motorcycle()
    return {
        "astronaut": skimage.data.astronaut(),
        "coffee": skimage.data.coffee(),
        "chelsea": skimage.data.chelsea(),
        "rocket": skimage.data.rocket(),
        "hubble_deep_field": skimage.data.hubble_deep_field(),
        "retina": skimage.data.retina(),
        "immunohistochemistry": skimage.data.immunohistochemistry(),
        "motorcycle_left": left,
        "motorcycle_right": right,
    }


def full_hd_frame() -> np.ndarray:
    """A 1920x1080 BGR frame: a 4x3 mosaic of 480x360 crops of the photos at their own
    resolution (no resampling, so the detail and noise of real photos are kept)."""
    p = photos()
    crops = [
        ("astronaut", 0, 0),
        ("coffee", 20, 60),
        ("rocket", 30, 80),
        ("hubble_deep_field", 0, 0),
        ("motorcycle_left", 70, 100),
        ("immunohistochemistry", 100, 20),
        ("retina", 500, 450),
        ("motorcycle_right", 140, 261),
        ("hubble_deep_field", 500, 500),
        ("astronaut", 150, 30),
        ("coffee", 40, 120),
        ("retina", 300, 700),
    ]
    cells = [p[name][y : y + 360, x : x + 480] for name, y, x in crops]
    rows = [np.hstack(cells[i : i + 4]) for i in range(0, 12, 4)]
    frame = np.vstack(rows)[:, :, ::-1]
    assert frame.shape == (1080, 1920, 3)
    return np.ascontiguousarray(frame)
