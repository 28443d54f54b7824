"""Files that appear complete or not at all, whatever happens mid-write."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from pathlib import Path

_names = itertools.count()


def fsync_dir(path: Path) -> None:
    """Makes the entries of folder ``path`` (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: str | os.PathLike[str], data: bytes, *, tmp_dir: Path | None = None, keep_mode: bool = False
) -> None:
    """Writes ``data`` to ``path``: readers see the old file or the whole new one.

    The data is written to a unique file in ``tmp_dir`` (default: beside ``path``,
    same file system), fsynced, renamed over ``path``, and the folder fsynced, so
    after a crash the file is complete or absent. ``keep_mode``: the new file gets
    the mode of the one it replaces (a config the user made private stays so).
    A failed write leaves no temporary file behind.
    """
    path = Path(path)
    folder = tmp_dir or path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.{next(_names)}.tmp"
    try:
        with open(tmp, "wb") as f:
            if keep_mode and path.exists():
                os.fchmod(f.fileno(), path.stat().st_mode & 0o777)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
