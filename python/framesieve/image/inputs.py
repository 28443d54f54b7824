"""Images as the drop-in callers pass them: arrays, encoded bytes, base64 strings, file paths.

Only arrays are looked at on the caller's thread; everything else is checked
for its type there and decoded on a worker, only for frames a strategy kept.
Decoding uses Pillow (``pip install framesieve[decode]``), applies the EXIF
orientation unless told not to, and yields RGB.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from typing import Any

import numpy as np

from framesieve.errors import InvalidInputError, InvalidTypeError

_ENCODED = (bytes, bytearray, memoryview)


_NDARRAY = np.ndarray
_U8 = np.dtype(np.uint8)


def check_array(image: Any, what: str = "image") -> None:
    """Raises unless ``image`` is a non-empty uint8 array, HxW or HxWxC with C in 1, 3, 4.

    The one home of these checks: the engine runs it on every frame the caller
    offers, so the common case (an exact HxWx3 uint8 array) is decided first.
    """
    if type(image) is _NDARRAY and image.dtype is _U8:
        shape = image.shape
        if len(shape) == 3 and shape[2] == 3 and shape[0] and shape[1]:
            return
    if not isinstance(image, np.ndarray):
        raise InvalidTypeError(
            f"{what}: expected a numpy uint8 array (HxWx3 BGR), got {type(image).__name__}"
        )
    shape = image.shape
    if image.dtype.char != "B":
        raise InvalidTypeError(f"{what}: expected a uint8 array, got dtype {image.dtype}")
    if len(shape) == 3:
        if shape[2] not in (1, 3, 4):
            raise InvalidInputError(f"{what}: expected 1, 3 or 4 channels, got shape {shape}")
    elif len(shape) != 2:
        raise InvalidInputError(f"{what}: expected an HxW or HxWxC array, got shape {shape}")
    if shape[0] == 0 or shape[1] == 0:
        raise InvalidInputError(f"{what}: empty image of shape {shape}")


def check_image(image: Any) -> None:
    """Raises on the caller's thread what can be told without decoding."""
    if isinstance(image, np.ndarray):
        check_array(image)
        return
    if isinstance(image, os.PathLike):
        return
    if isinstance(image, (*_ENCODED, str)):
        if len(image) == 0:
            raise InvalidInputError("image: empty bytes or string")
        return
    if isinstance(image, dict):
        kind = image.get("type")
        if kind not in ("numpy", "numpy_object", "base64", "file", "pil", "bytes"):
            raise InvalidInputError(
                "image['type']: expected 'numpy', 'base64', 'file' or 'bytes' (no network access), "
                f"got {kind!r}"
            )
        if "value" not in image:
            raise InvalidInputError("image['value']: missing")
        if kind != "pil":
            check_image(image["value"])
        return
    raise InvalidTypeError(
        "image: expected a numpy uint8 array, JPEG/PNG bytes, a base64 str or a file path, "
        f"got {type(image).__name__}"
    )


def _pil_decode(data: bytes, auto_orient: bool) -> np.ndarray:
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - depends on the installation
        raise InvalidInputError(
            "image: decoding bytes needs Pillow (pip install 'framesieve[decode]')"
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if auto_orient:
                img = ImageOps.exif_transpose(img)
            return np.asarray(img.convert("RGB"))
    except Exception as e:
        raise InvalidInputError(f"image: cannot decode ({type(e).__name__}: {e})") from None


def _from_str(text: str, auto_orient: bool) -> np.ndarray:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    elif len(text) < 4096 and os.path.isfile(text):
        with open(text, "rb") as f:
            return _pil_decode(f.read(), auto_orient)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError("image: a str must be a file path or base64 data, got neither") from None
    return _pil_decode(data, auto_orient)


def decode(image: Any, channel_order: str, auto_orient: bool = True) -> tuple[np.ndarray, str]:
    """The image as an array and its channel order (``bgr`` for arrays as given, ``rgb`` decoded)."""
    if isinstance(image, np.ndarray):
        return image, channel_order
    if isinstance(image, _ENCODED):
        return _pil_decode(bytes(image), auto_orient), "rgb"
    if isinstance(image, os.PathLike):
        with open(image, "rb") as f:
            return _pil_decode(f.read(), auto_orient), "rgb"
    if isinstance(image, str):
        return _from_str(image, auto_orient), "rgb"
    if isinstance(image, dict):
        kind, value = image["type"], image["value"]
        if kind == "pil":
            return np.asarray(value.convert("RGB")), "rgb"
        if kind == "file":
            with open(value, "rb") as f:
                return _pil_decode(f.read(), auto_orient), "rgb"
        return decode(value, channel_order, auto_orient)
    raise InvalidTypeError(f"image: unsupported type {type(image).__name__}")
