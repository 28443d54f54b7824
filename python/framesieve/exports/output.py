"""Where an export goes: all of it, or nothing.

A file is written to a temporary name beside it and renamed over it. A folder
(YOLO, Pascal VOC) is built under a temporary name beside it and renamed into
place at the end, so a failure part way leaves nothing. The output's parent
folder must exist; an existing output folder must be empty (an export never
mixes its files with others').
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from framesieve._util.atomic import write_atomic
from framesieve.errors import ExportError
from framesieve.exports.dataset import Item


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: its ``format``, ``output`` path, ``images`` and ``objects``."""

    format: str
    output: Path
    images: int
    objects: int


def _parent(out: Path) -> Path:
    parent = out.parent
    if not parent.is_dir():
        raise ExportError(f"cannot write {str(out)!r}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {str(out)!r}: folder {str(parent)!r} is not writable")
    return parent


def check_file(out: str | os.PathLike[str]) -> Path:
    """``out`` as a file that can be written (checked before any work is done)."""
    path = Path(out)
    _parent(path)
    if path.is_dir():
        raise ExportError(f"cannot write {str(path)!r}: it is a folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"cannot write {str(path)!r}: permission denied")
    return path


def write_file(out: Path, data: bytes) -> None:
    """Writes ``data`` to ``out`` atomically; an OSError becomes an :class:`ExportError`."""
    try:
        write_atomic(out, data)
    except OSError as e:
        raise ExportError(f"cannot write {str(out)!r}: {e.strerror or e}") from None


def check_folder(out: str | os.PathLike[str]) -> Path:
    """``out`` as a folder an export can fill: absent, or empty."""
    path = Path(out)
    _parent(path)
    if path.exists() and not path.is_dir():
        raise ExportError(f"cannot write {str(path)!r}: it exists and is not a folder")
    if path.is_dir() and any(path.iterdir()):
        raise ExportError(f"cannot write {str(path)!r}: the folder is not empty (remove it or pick another)")
    return path


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A new folder beside ``out``, renamed to ``out`` when the block succeeds, else removed."""
    check_folder(out)
    stage = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    try:
        stage.mkdir()  # not mkdtemp: that one is private (0700); this follows the umask
    except OSError as e:
        raise ExportError(f"cannot write {str(out)!r}: {e.strerror or e}") from None
    try:
        yield stage
        os.rename(stage, out)  # replaces an empty folder; fails if one appeared meanwhile
    except OSError as e:
        shutil.rmtree(stage, ignore_errors=True)
        raise ExportError(f"cannot write {str(out)!r}: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def place_image(source: Path, target: Path, *, link: bool) -> None:
    """Copies (or, with ``link``, hard-links where the file system allows) an image."""
    if link:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    shutil.copyfile(source, target)


def file_stems(items: list[Item]) -> dict[str, str]:
    """A file stem per image (key: its path in the dataset), unique in one flat folder: the
    datapoint's file stem, prefixed with its batch folder where two batches share it."""
    stems = [Path(item.image_rel).stem for item in items]
    counts: dict[str, int] = {}
    for stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    out: dict[str, str] = {}
    used: set[str] = set()
    for item, stem in zip(items, stems, strict=True):
        if counts[stem] > 1:
            folders = [p for p in Path(item.image_rel).parts[:-1] if p != "images"]
            stem = "__".join([*folders, stem])
        candidate, n = stem, 1
        while candidate in used:  # only a hand-made manifest gets here
            n += 1
            candidate = f"{stem}_{n}"
        used.add(candidate)
        out[item.image_rel] = candidate
    return out
