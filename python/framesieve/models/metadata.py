"""Class names from ONNX metadata and label files."""

from __future__ import annotations

import ast
import json
import os
from typing import Any

from framesieve._core import InvalidInputError


def parse_names(value: Any, what: str = "names") -> list[str]:
    """Class names, index = class id, from what exporters store.

    Accepts a list, a dict {id: name} (Ultralytics writes `str(dict)`, a Python
    literal, into the ONNX metadata `names`), or a string holding either as a Python
    literal or JSON, or comma-separated names. Parsed with `ast.literal_eval`, never
    `eval`: metadata comes from a file the user did not necessarily write.
    """
    if isinstance(value, str):
        text = value.strip()
        parsed: Any = None
        if text[:1] in "{[(":
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                try:
                    parsed = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InvalidInputError(f"{what}: cannot parse {text[:80]!r} as a dict or list") from exc
            value = parsed
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, dict):
        try:
            pairs = sorted((int(k), str(v)) for k, v in value.items())
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"{what}: dict keys must be class ids (ints)") from exc
        if [k for k, _ in pairs] != list(range(len(pairs))):
            raise InvalidInputError(
                f"{what}: class ids must be 0..{len(pairs) - 1}, got {[k for k, _ in pairs]}"
            )
        return [v for _, v in pairs]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    raise InvalidInputError(f"{what}: expected a dict or list of class names, got {type(value).__name__}")


def read_labels_file(path: str | os.PathLike[str]) -> list[str]:
    """Labels from a file: a JSON list/dict, or one label per line (blank lines skipped)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise InvalidInputError(f"labels_file: cannot read {os.fspath(path)!r}: {exc.strerror}") from exc
    stripped = text.strip()
    if stripped[:1] in "{[":
        return parse_names(stripped, what=f"labels_file {os.fspath(path)!r}")
    return [line.strip() for line in text.splitlines() if line.strip()]
