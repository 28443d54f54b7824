"""Pure-Python reference of the Rust core, used by tests and benchmarks."""

from framesieve.reference.sampling import Sampler

__all__: list[str] = [
    "Sampler",
from framesieve.reference.image import prepare_image

__all__: list[str] = [
    "prepare_image",
]
