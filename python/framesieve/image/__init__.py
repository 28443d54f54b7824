"""Images: what callers pass (checked on their thread, decoded on a worker), and
their preparation for upload (resize + JPEG in Rust, predictions rescaled)."""

from framesieve.image.inputs import check_array, check_image, decode
from framesieve.image.prepare import PreparedImage, prepare_image
from framesieve.image.rescale import rescale_prediction

__all__ = ["PreparedImage", "check_array", "check_image", "decode", "prepare_image", "rescale_prediction"]
