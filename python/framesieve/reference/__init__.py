"""Pure-Python reference of the Rust core, used by tests and benchmarks."""

from framesieve.reference.image import prepare_image
from framesieve.reference.sampling import Sampler

__all__: list[str] = [
    "Sampler",
    "prepare_image",
]
