"""Field readers for the configuration: each records every problem it finds, never raises.

A reader returns the normalised value, or ``None`` when the value is absent (``null``
counts as absent) or invalid; the problem itself goes into a :class:`Problems` list, so
one pass over a configuration reports all of its faults.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: SPEC §1: a tag is 1–64 characters of ``a-z A-Z 0-9`` and ``-_:/.[]<>{}@``.
TAG_PATTERN = re.compile(r"[a-zA-Z0-9\-_:/.\[\]<>{}@]{1,64}")
TAG_RULE = "must be 1-64 characters of a-z A-Z 0-9 and -_:/.[]<>{}@"

_MAX_SHOWN = 40

#: Largest int any field accepts: exactly representable as a JSON/JS number and in 64 bits.
MAX_INT = 2**53


class Problems:
    """The problems found so far, each ``"path: message"``."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)


def describe(value: Any) -> str:
    """A short, safe rendering of an offending value for a message."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        if len(value) > _MAX_SHOWN:
            return f"{value[:_MAX_SHOWN]!r}... ({len(value)} characters)"
        return repr(value)
    if isinstance(value, numbers.Integral) and abs(int(value)) > 10**_MAX_SHOWN:
        # repr() of a huge int is long, and raises ValueError past 4300 digits.
        return f"an integer of {int(value).bit_length()} bits"
    if isinstance(value, numbers.Real):
        return repr(value)
    shown = repr(value)
    if len(shown) > _MAX_SHOWN:
        shown = shown[:_MAX_SHOWN] + "..."
    return f"{shown} ({type(value).__name__})"


def _type_name(value: Any) -> str:
    if isinstance(value, (str, bool)):
        return f"{describe(value)} ({type(value).__name__})"
    return describe(value)


def join(path: str, key: str | int) -> str:
    """``join("a", "b") == "a.b"``, ``join("a", 2) == "a[2]"``, ``join("", "b") == "b"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def as_bool(value: Any, path: str, problems: Problems) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.add(path, f"must be true or false, got {_type_name(value)}")
    return None


def as_number(value: Any, path: str, problems: Problems) -> float | int | None:
    """An int or a finite float; bools are not numbers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        problems.add(path, f"must be a number, got {_type_name(value)}")
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        problems.add(path, f"must be a finite number, got {describe(value)}")
        return None
    return number


def as_fraction(value: Any, path: str, problems: Problems) -> float | None:
    """A float within [0, 1] (``1`` and ``1.0`` alike)."""
    number = as_number(value, path, problems)
    if number is None:
        return None
    if not 0.0 <= number <= 1.0:
        problems.add(path, f"must be within [0, 1], got {describe(value)}")
        return None
    return float(number)


def as_int(
    value: Any,
    path: str,
    problems: Problems,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An int; a float with an integral value (``3.0``) is accepted as that int."""
    number = as_number(value, path, problems)
    if number is None:
        return None
    if isinstance(number, float):
        if not number.is_integer():
            problems.add(path, f"must be an integer, got {describe(value)}")
            return None
        number = int(number)
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        problems.add(path, f"must be within [{minimum}, {maximum}], got {describe(value)}")
        return None
    if minimum is not None and number < minimum:
        what = "a positive integer" if minimum == 1 else f">= {minimum}"
        problems.add(path, f"must be {what}, got {describe(value)}")
        return None
    if number > MAX_INT:
        problems.add(path, f"must be at most 2**53 = {MAX_INT}, got {describe(value)}")
        return None
    return number


def as_str(value: Any, path: str, problems: Problems, *, non_empty: bool = False) -> str | None:
    if not isinstance(value, str):
        problems.add(path, f"must be a string, got {_type_name(value)}")
        return None
    if non_empty and not value.strip():
        problems.add(path, "must be a non-empty string" + ("" if not value else f", got {value!r}"))
        return None
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate: JSON from Python can hold one, UTF-8 cannot
        problems.add(path, f"must be valid Unicode, got {value!r} (a lone surrogate)")
        return None
    return value


def as_tag(value: Any, path: str, problems: Problems) -> str | None:
    tag = as_str(value, path, problems)
    if tag is None:
        return None
    if not TAG_PATTERN.fullmatch(tag):
        problems.add(path, f"{TAG_RULE}, got {describe(tag)}")
        return None
    return tag


def as_choice(value: Any, path: str, problems: Problems, choices: Sequence[str]) -> str | None:
    expected = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str) or value not in choices:
        problems.add(path, f"must be one of {expected}, got {_type_name(value)}")
        return None
    return value


def as_list(value: Any, path: str, problems: Problems) -> Sequence[Any] | None:
    if isinstance(value, (list, tuple)):
        return value
    problems.add(path, f"must be a list, got {_type_name(value)}")
    return None


def as_mapping(value: Any, path: str, problems: Problems) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        problems.add(path, f"must be an object, got {_type_name(value)}")
        return None
    return value


def as_tags(value: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    items = as_list(value, path, problems)
    if items is None:
        return None
    tags = [as_tag(item, join(path, i), problems) for i, item in enumerate(items)]
    return tuple(t for t in tags if t is not None)


def as_str_list(value: Any, path: str, problems: Problems) -> tuple[str, ...] | None:
    items = as_list(value, path, problems)
    if items is None:
        return None
    strings = [as_str(item, join(path, i), problems) for i, item in enumerate(items)]
    return tuple(s for s in strings if s is not None)


class Fields:
    """The fields of one JSON object at ``path``; remembers which keys were read."""

    def __init__(self, obj: Mapping[str, Any], path: str, problems: Problems) -> None:
        self.obj = obj
        self.path = path
        self.problems = problems
        self._read: set[str] = set()

    def at(self, key: str) -> str:
        return join(self.path, key)

    def get(self, key: str, *, required: bool) -> Any:
        """The raw value, or ``None`` when absent or ``null`` (a problem when required)."""
        self._read.add(key)
        value = self.obj.get(key)
        if value is None and required:
            self.problems.add(self.at(key), "is required")
        return value

    def unknown_keys(self) -> list[str]:
        """Keys present in the object that no reader asked for, in their order."""
        return [k if isinstance(k, str) else repr(k) for k in self.obj if k not in self._read]

    def flag(self, key: str, *, required: bool = False) -> bool | None:
        value = self.get(key, required=required)
        return None if value is None else as_bool(value, self.at(key), self.problems)

    def fraction(self, key: str, *, required: bool = False) -> float | None:
        value = self.get(key, required=required)
        return None if value is None else as_fraction(value, self.at(key), self.problems)

    def integer(
        self, key: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        return as_int(value, self.at(key), self.problems, minimum=minimum, maximum=maximum)

    def text(self, key: str, *, required: bool = False, non_empty: bool = False) -> str | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        return as_str(value, self.at(key), self.problems, non_empty=non_empty)

    def choice(self, key: str, choices: Sequence[str], *, required: bool = False) -> str | None:
        value = self.get(key, required=required)
        return None if value is None else as_choice(value, self.at(key), self.problems, choices)

    def tags(self, key: str = "tags") -> tuple[str, ...]:
        value = self.get(key, required=False)
        tags = None if value is None else as_tags(value, self.at(key), self.problems)
        return tags or ()

    def str_list(self, key: str, *, required: bool = False) -> tuple[str, ...] | None:
        value = self.get(key, required=required)
        return None if value is None else as_str_list(value, self.at(key), self.problems)
