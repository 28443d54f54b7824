"""onnxruntime session creation: CUDA when it is there, else CPU, and say which."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from framesieve._core import InvalidInputError

log = logging.getLogger("framesieve.models")

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"

_ALIASES = {"cuda": CUDA, "gpu": CUDA, "cpu": CPU, "tensorrt": "TensorrtExecutionProvider"}


def _ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:  # the models extra is optional
        raise ImportError(
            "framesieve.models needs onnxruntime: pip install 'framesieve[models]' "
            "(or onnxruntime-gpu for CUDA)"
        ) from exc
    return onnxruntime


def resolve_providers(providers: str | Sequence[str] | None) -> list[str]:
    """The execution providers to ask onnxruntime for, best first.

    `None` (or "auto"): CUDA first when `onnxruntime.get_available_providers()` lists it
    (onnxruntime-gpu on a machine with a GPU), then CPU. A name or a list ("cuda",
    "cpu", or full provider names) asks for exactly those, plus CPU as the fallback
    for operators the accelerator lacks; a provider this onnxruntime build does not
    have is an error rather than a silent CPU run.
    """
    available = _ort().get_available_providers()
    if providers is None or providers == "auto":
        return [CUDA, CPU] if CUDA in available else [CPU]
    names = [providers] if isinstance(providers, str) else list(providers)
    wanted: list[str] = []
    for name in names:
        full = _ALIASES.get(str(name).lower(), str(name))
        if full not in available:
            raise InvalidInputError(
                f"providers: {name!r} is not available in this onnxruntime build "
                f"(available: {', '.join(available)}); for CUDA install onnxruntime-gpu"
            )
        if full not in wanted:
            wanted.append(full)
    if CPU not in wanted:
        wanted.append(CPU)
    return wanted


_preloaded = False


def _preload_cuda(ort: Any) -> None:
    """Load CUDA / cuDNN from the nvidia-* pip packages (onnxruntime-gpu >= 1.19 can),
    so a venv holding them (e.g. next to PyTorch) needs no LD_LIBRARY_PATH."""
    global _preloaded
    if _preloaded or not hasattr(ort, "preload_dlls"):
        return
    _preloaded = True
    try:
        ort.preload_dlls()
    except Exception as exc:  # missing libraries: onnxruntime then falls back to CPU and says so
        log.warning("onnxruntime.preload_dlls() failed: %s", exc)


def create_session(
    model: str | os.PathLike[str] | bytes, providers: str | Sequence[str] | None = None
) -> tuple[Any, str]:
    """An `onnxruntime.InferenceSession` and the provider it actually runs on.

    The provider reported is the session's first one after creation: onnxruntime
    drops CUDA (with a message of its own) when the CUDA libraries cannot be loaded,
    so this is what runs, not what was asked for.
    """
    ort = _ort()
    wanted = resolve_providers(providers)
    if CUDA in wanted:
        _preload_cuda(ort)
    source = model if isinstance(model, bytes) else os.fspath(model)
    options = ort.SessionOptions()
    # Errors only: onnxruntime's own warnings go to stderr, not through logging.
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(source, sess_options=options, providers=wanted)
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
        where = "the model bytes" if isinstance(model, bytes) else repr(source)
        raise InvalidInputError(f"model: onnxruntime cannot load {where}: {exc}") from exc
    chosen = session.get_providers()[0]
    if wanted[0] != chosen:
        log.warning("asked for %s, onnxruntime runs on %s", wanted[0], chosen)
    log.info("onnxruntime session on %s", chosen)
    return session, chosen
