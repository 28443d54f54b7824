"""What ``register()`` checks on the caller's thread besides the image and the
prediction: its optional arguments (image_name, metadata, inference_id, timestamp)."""

from __future__ import annotations

import math
from typing import Any

from framesieve.errors import InvalidInputError, InvalidTypeError


def check_extras(image_name: Any, metadata: Any, inference_id: Any, timestamp: Any) -> None:
    """Raises naming the argument that the worker or the destination could not use."""
    if image_name is not None and type(image_name) is not str:
        raise InvalidTypeError(f"image_name: expected a str, got {type(image_name).__name__}")
    if inference_id is not None and not isinstance(inference_id, str | int):
        raise InvalidTypeError(f"inference_id: expected a str, got {type(inference_id).__name__}")
    if metadata is not None:
        check_metadata(metadata)
    if timestamp is not None and (
        isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or not math.isfinite(timestamp)
    ):
        raise InvalidInputError(f"timestamp: expected finite UNIX seconds, got {timestamp!r}")


def check_metadata(metadata: Any) -> None:
    """A dict of str keys to str, finite number or bool values (SPEC §4.7)."""
    if not isinstance(metadata, dict):
        raise InvalidTypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise InvalidTypeError(f"metadata: keys must be str, got {key!r}")
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise InvalidTypeError(f"metadata[{key!r}]: expected a str, number or bool, got {value!r}")
