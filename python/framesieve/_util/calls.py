"""Calling a user's callable with only the keyword arguments it takes."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def accepted_keywords(fn: Callable[..., Any], names: Iterable[str]) -> frozenset[str]:
    """Those of ``names`` that ``fn`` accepts as keyword arguments (all of them when it
    takes ``**kwargs`` or its signature cannot be read).

    The sinks pass ``register`` the provenance and ``block`` when it can take them, so
    that a plain ``f(image, prediction, prediction_type, *, timestamp)`` keeps working.
    """
    wanted = frozenset(names)
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin or an extension function: assume it takes them
        return wanted
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return wanted
    return frozenset(p.name for p in parameters if p.kind in _NAMED and p.name in wanted)
