"""Terminal helpers: aligned plain-text tables and a one-line live progress display."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; columns listed in `right` are right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def format_duration(seconds: float) -> str:
    """`42s`, `3m05s` or `1h02m`: short enough for a progress line."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class ProgressLine:
    """Rewrites one status line on a terminal; prints a line per change when output is not a TTY."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = ""

    def update(
        self, completed: int, in_progress: int, failed: int, total: int | None, elapsed: float
    ) -> None:
        """Show session counts and elapsed time; logs only see changed counts, not every poll."""
        of_total = f"/{total}" if total else ""
        text = (
            f"sessions: {completed}{of_total} completed, {in_progress} in progress, {failed} failed"
            f" ({format_duration(elapsed)})"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()
        elif text.partition(" (")[0] != self._last.partition(" (")[0]:
            self.stream.write(text + "\n")
        self._last = text

    def close(self) -> None:
        """End the live line so later output starts on a fresh line."""
        if self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()
