"""The durable outbox: datapoints on disk from acceptance until the destination confirms.

Layout of an outbox folder::

    outbox.lock                 held (flock) by the one process delivering this outbox
    <seq>.dp                    one pending datapoint (see Datapoint.to_bytes), seq zero-padded
    <seq>.state                 delivery progress (the destination's image id once uploaded)
    tmp/                        files being written; left-overs of a crash are deleted on open
    failed/<seq>.dp             datapoints a destination rejected for good (or unreadable records) ...
    failed/<seq>.reason.json    ... and why; a frame the workers could not prepare has only this
                                file, with what is known of it (``"datapoint"``: name, ids, batch)

Every file appears atomically (written under ``tmp/``, fsynced, renamed, the
folder fsynced), so a record is either complete or absent after a crash.
Sequence numbers grow monotonically across restarts, so the delivery order
survives them. ``quota_bytes`` bounds the pending records: a datapoint that
would exceed it is refused (the caller gives its credit back and counts it);
nothing already stored is discarded.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from framesieve._util.atomic import fsync_dir, write_atomic
from framesieve.destinations.datapoint import Datapoint
from framesieve.errors import OutboxLockedError

log = logging.getLogger("framesieve")

DEFAULT_QUOTA_BYTES = 1 << 30
_WIDTH = 20
#: write errors that mean "no room": the disk (or a file size limit) is full
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class NoRoom(OSError):
    """The disk is full: nothing was written."""


class Outbox:
    """A folder of pending datapoints; one process at a time (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], *, quota_bytes: int = DEFAULT_QUOTA_BYTES) -> None:
        if not isinstance(quota_bytes, int) or isinstance(quota_bytes, bool) or quota_bytes <= 0:
            raise ValueError(f"outbox quota_bytes: must be a positive int, got {quota_bytes!r}")
        self.path = Path(path)
        self.quota_bytes = quota_bytes
        self._tmp = self.path / "tmp"
        self.failed_path = self.path / "failed"
        self._make_folders()
        self._lock_file = self._lock()
        for leftover in self._tmp.iterdir():
            with contextlib.suppress(OSError):
                leftover.unlink()
        self._mutex = threading.Lock()
        self._sizes: dict[int, int] = {}
        for entry in self.path.glob("*.dp"):
            with contextlib.suppress(ValueError, OSError):
                self._sizes[int(entry.stem)] = entry.stat().st_size
        # Every number in failed/, the reason files of frames that never became a record
        # included: a number used again would overwrite an earlier failure's reason.
        failed = [
            int(p.name.split(".")[0]) for p in self.failed_path.iterdir() if p.name.split(".")[0].isdigit()
        ]
        self._next_seq = max([*self._sizes, *failed, 0]) + 1
        self._bytes = sum(self._sizes.values())
        self._closed = False

    def _make_folders(self) -> None:
        for folder in (self.path, self._tmp, self.failed_path):
            folder.mkdir(parents=True, exist_ok=True)

    def _lock(self) -> Any:
        lock_file = open(self.path / "outbox.lock", "a+b")  # noqa: SIM115 (held for life)
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.close()
            raise OutboxLockedError(f"outbox {str(self.path)!r} is in use by another process") from None
        return lock_file

    def ensure(self) -> None:
        """Recreates the folders and retakes the lock if the outbox was deleted meanwhile
        (what it held is gone; what comes next is kept)."""
        with self._mutex:
            if self._closed or (self._tmp.is_dir() and self.failed_path.is_dir()):
                return
            lost = bool(self._sizes)
            self._make_folders()
            old, self._lock_file = self._lock_file, self._lock()
            old.close()
            if lost:
                log.error("framesieve: the outbox %s was deleted while in use; recreated it", self.path)

    def _write(self, path: Path, data: bytes) -> None:
        """:func:`write_atomic` into ``tmp/``; a deleted outbox is recreated once, a full disk
        raises :class:`NoRoom`."""
        try:
            try:
                write_atomic(path, data, tmp_dir=self._tmp)
            except FileNotFoundError:
                self.ensure()
                write_atomic(path, data, tmp_dir=self._tmp)
        except OSError as e:
            if e.errno in _NO_ROOM:
                raise NoRoom(e.errno, f"outbox {self.path}: {e.strerror}") from None
            raise

    # -- sequence and accounting -------------------------------------------------------

    def reserve_seq(self) -> int:
        """The next sequence number (monotonic, also across restarts)."""
        with self._mutex:
            seq = self._next_seq
            self._next_seq += 1
            return seq

    @property
    def pending_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._sizes)

    def pending(self) -> list[int]:
        """Sequence numbers of the stored datapoints, oldest first."""
        with self._mutex:
            return sorted(self._sizes)

    # -- records -----------------------------------------------------------------------

    def _file(self, seq: int, suffix: str = ".dp") -> Path:
        return self.path / f"{seq:0{_WIDTH}d}{suffix}"

    def put(self, datapoint: Datapoint) -> bool:
        """Stores ``datapoint`` durably; ``False`` (nothing written) when the quota is full."""
        data = datapoint.to_bytes()
        with self._mutex:
            if self._bytes + len(data) > self.quota_bytes:
                return False
            self._bytes += len(data)
            self._sizes[datapoint.seq] = len(data)
        try:
            self._write(self._file(datapoint.seq), data)
        except BaseException:
            with self._mutex:
                self._bytes -= self._sizes.pop(datapoint.seq, 0)
            raise
        return True

    def load(self, seq: int) -> Datapoint:
        return Datapoint.from_bytes(self._file(seq).read_bytes())

    def state(self, seq: int) -> dict[str, Any]:
        """The delivery progress saved by :meth:`set_state` (empty when none)."""
        try:
            return dict(json.loads(self._file(seq, ".state").read_bytes()))
        except (OSError, ValueError):
            return {}

    def set_state(self, seq: int, state: dict[str, Any]) -> None:
        self._write(self._file(seq, ".state"), json.dumps(state).encode())

    def remove(self, seq: int) -> None:
        """Forgets a datapoint the destination confirmed."""
        with contextlib.suppress(FileNotFoundError):
            self._file(seq, ".state").unlink()
        with contextlib.suppress(FileNotFoundError):
            self._file(seq).unlink()
        with self._mutex:
            self._bytes -= self._sizes.pop(seq, 0)

    def fail(self, seq: int, reason: str, known: dict[str, Any] | None = None) -> None:
        """Moves a datapoint to ``failed/`` with the reason of the permanent failure;
        ``known``: what is known of a frame that never became a record (no ``.dp`` then)."""
        name = f"{seq:0{_WIDTH}d}"
        record: dict[str, Any] = {"reason": reason}
        if known is not None:
            record["datapoint"] = known
        self._write(
            self.failed_path / f"{name}.reason.json",
            json.dumps(record, ensure_ascii=True, default=repr).encode(),
        )
        with contextlib.suppress(FileNotFoundError):
            os.replace(self._file(seq), self.failed_path / f"{name}.dp")
        with contextlib.suppress(FileNotFoundError):
            self._file(seq, ".state").unlink()
        fsync_dir(self.path)
        with self._mutex:
            self._bytes -= self._sizes.pop(seq, 0)

    def close(self) -> None:
        """Releases the lock; the records stay for the next process."""
        if not self._closed:
            self._closed = True
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Outbox({str(self.path)!r}, pending={len(self)}, bytes={self._bytes})"
