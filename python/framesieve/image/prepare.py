"""Image preparation for upload (SPEC §4.4): fit into ``max_size``, then JPEG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from framesieve import _core

__all__ = ["PreparedImage", "prepare_image"]


@dataclass(frozen=True, repr=False)
class PreparedImage:
    """A frame ready for upload: the JPEG, and its size next to the original's."""

    jpeg: bytes
    original_size: tuple[int, int]
    """(width, height) of the input image."""
    size: tuple[int, int]
    """(width, height) of the JPEG."""
    scale: tuple[float, float]
    """(sx, sy) = size / original_size, per axis."""

    @classmethod
    def from_sizes(cls, jpeg: bytes, original_size: tuple[int, int], size: tuple[int, int]) -> PreparedImage:
        scale = (size[0] / original_size[0], size[1] / original_size[1])
        return cls(jpeg, tuple(original_size), tuple(size), scale)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"PreparedImage(jpeg=<{len(self.jpeg)} bytes>, original_size={self.original_size}, "
            f"size={self.size}, scale={self.scale})"
        )


def prepare_image(
    image: Any,
    max_size: Sequence[int] | None = None,
    quality: int = 95,
    channel_order: str = "bgr",
) -> PreparedImage:
    """Fit ``image`` into ``max_size`` = (height, width) keeping its aspect ratio (never
    upsizing; SPEC §4.4 size rule), with an antialiased resize, then encode it as JPEG at
    ``quality`` (1..100, 4:2:0 chroma; gray images give a gray JPEG).

    ``image`` is a uint8 numpy array: HxWx3 in ``channel_order`` ("bgr", OpenCV's, or
    "rgb"), HxW gray, or HxWx4 (alpha dropped), with any strides. The work runs in Rust
    with the GIL released.
    """
    jpeg, original_size, size = _core.prepare_image(image, max_size, quality, channel_order)
    return PreparedImage.from_sizes(jpeg, original_size, size)
