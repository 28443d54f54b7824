"""Images as the drop-in callers pass them: arrays, encoded bytes, base64 strings, file paths,
and Roboflow inference's ``InferenceRequestImage`` (any object with ``.type`` and ``.value``)
or a dict of that shape.

Only arrays are looked at on the caller's thread; everything else is checked
for its type there and decoded on a worker, only for frames a strategy kept.
Decoding uses Pillow (``pip install framesieve[decode]``), applies the EXIF
orientation unless told not to, and yields RGB.

The request image types are inference's: ``base64``, ``file``, ``multipart``
(the uploaded bytes), ``numpy_object`` (an array), ``pil``, and ``numpy``: an array
pickled by the client, read with an unpickler that only rebuilds numpy arrays (a
pickle that names anything else is refused, never run). ``url`` is refused on the
caller's thread: framesieve fetches nothing.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import pickle
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


_REQUEST_TYPES = ("numpy", "numpy_object", "base64", "file", "pil", "bytes", "multipart")
#: what a pickled numpy array may name (numpy 1.x and 2.x spellings)
_NUMPY_PICKLE = frozenset(
    {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("_codecs", "encode"),  # how protocol 2 writes the array's bytes
        ("numpy", "dtype"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
    }
)


class _NumpyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _NUMPY_PICKLE:
            raise InvalidInputError(
                f"image: a 'numpy' payload may only hold an array, it names {module}.{name}"
            )
        return super().find_class(module, name)


def _unpickle_array(value: Any) -> np.ndarray:
    data = base64.b64decode(value) if isinstance(value, str) else bytes(value)
    try:
        array = _NumpyUnpickler(io.BytesIO(data)).load()
    except InvalidInputError:
        raise
    except Exception as e:
        raise InvalidInputError(f"image: cannot read the 'numpy' payload ({type(e).__name__})") from None
    if not isinstance(array, np.ndarray):
        raise InvalidInputError(f"image: the 'numpy' payload is a {type(array).__name__}, not an array")
    check_array(array)
    return array


def as_request_dict(image: Any) -> Any:
    """inference's ``InferenceRequestImage`` (or any object with ``.type`` and ``.value``) as
    the dict of the same shape; anything else as given."""
    if isinstance(image, np.ndarray | dict | str | bytes | bytearray | memoryview | os.PathLike):
        return image
    kind = getattr(image, "type", None)
    if isinstance(kind, str) and hasattr(image, "value"):
        return {"type": kind, "value": image.value}
    return image


def check_image(image: Any) -> None:
    """Raises on the caller's thread what can be told without decoding."""
    if isinstance(image, np.ndarray):
        check_array(image)
        return
    image = as_request_dict(image)
    if isinstance(image, os.PathLike):
        return
    if isinstance(image, (*_ENCODED, str)):
        if len(image) == 0:
            raise InvalidInputError("image: empty bytes or string")
        return
    if isinstance(image, dict):
        kind = image.get("type")
        if kind not in _REQUEST_TYPES:
            raise InvalidInputError(
                f"image['type']: expected one of {', '.join(map(repr, _REQUEST_TYPES))} "
                f"(no network access), got {kind!r}"
            )
        if "value" not in image:
            raise InvalidInputError("image['value']: missing")
        value = image["value"]
        if kind == "pil":
            if not hasattr(value, "convert"):
                raise InvalidTypeError(f"image['value']: expected a PIL image, got {type(value).__name__}")
        elif kind == "numpy" and not isinstance(value, np.ndarray):
            if not isinstance(value, (*_ENCODED, str)) or len(value) == 0:
                raise InvalidTypeError("image['value']: a 'numpy' image is an array or its pickled bytes")
        else:
            check_image(value)
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
    image = as_request_dict(image)
    if isinstance(image, dict):
        kind, value = image["type"], image["value"]
        if kind == "pil":
            return np.asarray(value.convert("RGB")), "rgb"
        if kind == "file":
            with open(value, "rb") as f:
                return _pil_decode(f.read(), auto_orient), "rgb"
        if kind == "numpy" and not isinstance(value, np.ndarray):
            return _unpickle_array(value), channel_order
        return decode(value, channel_order, auto_orient)
    raise InvalidTypeError(f"image: unsupported type {type(image).__name__}")
