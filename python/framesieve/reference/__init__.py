"""Pure-Python reference of the Rust core, used by tests and benchmarks."""

__all__: list[str] = []
