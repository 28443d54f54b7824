"""Which parameter makes a caller wait instead of dropping, for the overload warning.

``register()`` drops a kept frame when the workers' queue is full, unless it was
asked to wait (``block``). The warning must name the parameter that the *user*
controls, and that depends on who called: a sink that decides per source
(:func:`framesieve.interop.make_on_prediction`, :func:`framesieve.sources.run_stream`,
``framesieve run``) names its own parameter around its ``register()`` calls with
:func:`set_waiting_parameter`; a direct call gets the engine's and ``register``'s.
A context variable carries it, so ``register()``'s signature stays the documented one.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_PARAMETER: ContextVar[str | None] = ContextVar("framesieve_waiting_parameter", default=None)


def set_waiting_parameter(text: str | None) -> Token[str | None]:
    """Until :func:`reset_waiting_parameter`, an overload warning in this context tells the
    user to set ``text`` (e.g. ``"make_on_prediction(..., block=True)"``) to wait instead."""
    return _PARAMETER.set(text)


def reset_waiting_parameter(token: Token[str | None]) -> None:
    _PARAMETER.reset(token)


def current_waiting_parameter() -> str | None:
    """The parameter named in this context, if a caller set one."""
    return _PARAMETER.get()


def parameter_hint(per_call: bool | None) -> str:
    """The parameter to name in the overload warning of a ``register(..., block=per_call)``."""
    where = _PARAMETER.get()
    if where is not None:
        return where
    if per_call is False:
        return "register(..., block=True)"
    return "ActiveLearning(..., block=True) or register(..., block=True)"
