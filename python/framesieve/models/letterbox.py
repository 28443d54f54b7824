"""Letterbox resizing (keep aspect ratio, pad) and mapping boxes back to the frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Letterbox:
    """How a frame was put into the model input: scaled by (`scale_x`, `scale_y`), then
    shifted by `pad_x` (left) and `pad_y` (top) pixels. `width`, `height`: the frame's size."""

    scale_x: float
    scale_y: float
    pad_x: float
    pad_y: float
    width: int
    height: int

    def boxes_to_frame(self, xyxy: np.ndarray) -> np.ndarray:
        """Boxes in model-input pixels -> pixels of the original frame, clipped to it."""
        out = np.empty_like(xyxy, dtype=np.float32)
        out[:, [0, 2]] = (xyxy[:, [0, 2]] - self.pad_x) / self.scale_x
        out[:, [1, 3]] = (xyxy[:, [1, 3]] - self.pad_y) / self.scale_y
        # Slices, not index lists: `out=` must be a view of `out`, not a copy.
        np.clip(out[:, 0::2], 0, self.width, out=out[:, 0::2])
        np.clip(out[:, 1::2], 0, self.height, out=out[:, 1::2])
        return out

    def points_to_frame(self, xy: np.ndarray) -> np.ndarray:
        """Points (..., 2) in model-input pixels -> pixels of the original frame."""
        out = np.empty_like(xy, dtype=np.float32)
        out[..., 0] = (xy[..., 0] - self.pad_x) / self.scale_x
        out[..., 1] = (xy[..., 1] - self.pad_y) / self.scale_y
        return out


def letterbox(
    frame: np.ndarray,
    size: tuple[int, int],
    *,
    color: int = 114,
    center: bool = True,
    upscale: bool = True,
) -> tuple[np.ndarray, Letterbox]:
    """Fit `frame` (HxWxC) into `size` = (height, width) keeping its aspect ratio.

    The rest is filled with `color` (114, grey, as Ultralytics trains with), split
    evenly on both sides when `center`, else on the right and bottom. With
    `upscale=False` a smaller frame is only padded.
    """
    h, w = frame.shape[:2]
    th, tw = size
    scale = min(th / h, tw / w)
    if not upscale:
        scale = min(scale, 1.0)
    nw, nh = min(tw, max(1, round(w * scale))), min(th, max(1, round(h * scale)))
    if (nw, nh) != (w, h):
        frame = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
    left, top = ((tw - nw) // 2, (th - nh) // 2) if center else (0, 0)
    out = np.full((th, tw, *frame.shape[2:]), color, dtype=frame.dtype)
    out[top : top + nh, left : left + nw] = frame
    # Map back with the per-axis scale actually applied: nw/w may differ from `scale` by rounding.
    info = Letterbox(scale_x=nw / w, scale_y=nh / h, pad_x=float(left), pad_y=float(top), width=w, height=h)
    return out, info


def round_up(value: int, multiple: int) -> int:
    """The smallest multiple of `multiple` that is >= value."""
    return -(-value // multiple) * multiple
