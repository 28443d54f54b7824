"""Typed surface of the Rust extension `framesieve._core`."""

__version__: str

class FramesieveError(Exception): ...
class InvalidInputError(FramesieveError, ValueError): ...
class InvalidTypeError(FramesieveError, TypeError): ...
class LimiterConnectionError(FramesieveError, ConnectionError): ...

# models: class-aware NMS (rust/nms)
import numpy as _nms_np  # noqa: E402
import numpy.typing as _nms_npt  # noqa: E402

def batched_nms(
    xyxy: _nms_npt.NDArray[_nms_np.float32],
    scores: _nms_npt.NDArray[_nms_np.float32],
    class_ids: _nms_npt.NDArray[_nms_np.int64] | None,
    iou_threshold: float,
) -> _nms_npt.NDArray[_nms_np.int64]: ...
