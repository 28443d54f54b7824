"""The progress display of `framesieve run`: one line redrawn on a terminal, periodic lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TextIO

#: the engine counters shown while running, in this order
SHOWN = ("matched", "collected", "delivered", "pending")
BAR_WIDTH = 20


class Progress:
    """Draws `frames/total, frames/s` and the engine counters on `stream`.

    On a terminal the line is redrawn in place at most every `tty_interval`
    seconds; on a pipe or file (logs, CI) a full line is written every
    `line_interval` seconds, so output stays readable and small.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        total: int | None = None,
        enabled: bool = True,
        tty_interval: float = 0.2,
        line_interval: float = 5.0,
    ) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = tty_interval if self.tty else line_interval
        self.start = time.perf_counter()
        self._last = float("-inf")
        self._drawn = False

    def line(self, frames: int, counters: Mapping[str, int]) -> str:
        """The text of one progress line."""
        elapsed = time.perf_counter() - self.start
        fps = frames / elapsed if elapsed > 0 else 0.0
        if self.total:
            done = min(frames / self.total, 1.0)
            filled = int(done * BAR_WIDTH)
            head = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {frames}/{self.total} frames"
        else:
            head = f"{frames} frames"
        tail = "  ".join(f"{name} {counters.get(name, 0)}" for name in SHOWN)
        return f"{head}  {fps:.1f} fps | {tail}"

    def update(self, frames: int, counters: Mapping[str, int], *, force: bool = False) -> None:
        """Redraw when the interval has passed (or `force`)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        text = self.line(frames, counters)
        if self.tty:
            self.stream.write(f"\r\x1b[2K{text}")
        else:
            self.stream.write(text + "\n")
        self._drawn = True
        self.stream.flush()

    def finish(self) -> None:
        """Ends the redrawn line so that what follows starts on its own line."""
        if self.enabled and self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
