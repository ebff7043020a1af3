"""The terminal: one colour/width policy (NO_COLOR, FORCE_COLOR, TTY) and rich tables and status lines.

rich costs ~40 ms to import, more than `evalctl --help` may spend: it is imported inside the functions
that draw, never at module level, so commands that print no table (validate) never load it.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

# Output that is not a terminal (CI logs, pipes, tests) is never wrapped: a row stays one line,
# whatever COLUMNS says, so logs grep well and text compares the same on every machine.
UNWRAPPED = 10_000


def _env(name: str) -> bool:
    """Set to a non-empty value (https://no-color.org treats an empty NO_COLOR as unset)."""
    return os.environ.get(name, "") != ""


def is_tty(stream: TextIO) -> bool:
    """A live terminal: the only place a line may be rewritten in place."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def color_enabled(stream: TextIO) -> bool:
    """NO_COLOR wins, then FORCE_COLOR, else colour only on a terminal that is not `TERM=dumb`."""
    if _env("NO_COLOR"):
        return False
    if _env("FORCE_COLOR"):
        return True
    return is_tty(stream) and os.environ.get("TERM") != "dumb"


def console(stream: TextIO | None = None) -> Console:
    """A rich Console for `stream` (default stdout) that follows this module's policy, not rich's own."""
    from rich.console import Console

    target = sys.stdout if stream is None else stream
    color, tty = color_enabled(target), is_tty(target)
    return Console(
        file=target,
        force_terminal=color or tty,
        force_interactive=tty,
        no_color=not color,
        color_system="auto" if color else None,
        width=None if tty else UNWRAPPED,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns two spaces apart, `right` columns right-aligned, bold headers when stdout takes colour.

    Rendered for stdout: wrapped to the terminal's width on a TTY, one line per row elsewhere.
    """
    from rich.table import Table
    from rich.text import Text

    if any(len(row) != len(headers) for row in rows):
        raise ValueError(f"every row needs {len(headers)} cells")
    grid = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold", show_edge=False)
    for i, header in enumerate(headers):
        # On a narrow terminal cells wrap, never end in an ellipsis: ids must stay whole to be copied,
        # and the first column (what the row is) keeps one line.
        grid.add_column(
            Text(header), justify="right" if i in right else "left", overflow="fold", no_wrap=i == 0
        )
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))
    shown = console()
    buffer = io.StringIO()
    shown.file = buffer
    shown.print(grid)
    # rich pads the last column to its width; plain text ends each line at its last character.
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())


class StatusLine:
    """A long wait's status: a live spinner, bar and clock on a terminal; a line per change elsewhere."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.live = is_tty(self.stream)
        self.last = ""
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def update(self, text: str, *, done: int | None = None, total: int | None = None, note: str = "") -> None:
        """Show `text`; off a terminal only a changed `text` prints (with `note`), never one per poll."""
        if self.live:
            self._draw(text, done, total)
        elif text != self.last:
            self.stream.write(f"{text}{note}\n")
            self.stream.flush()
        self.last = text

    def _draw(self, text: str, done: int | None, total: int | None) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        if self._bar is None or self._task is None:
            text_column = TextColumn("{task.description}", markup=False)
            columns = (SpinnerColumn(), text_column, BarColumn(), TimeElapsedColumn())
            self._bar = Progress(*columns, console=console(self.stream), transient=False)
            self._task = self._bar.add_task(text, total=total)
            self._bar.start()
        self._bar.update(self._task, description=text, completed=done or 0, total=total)

    def close(self) -> None:
        """Stop the live display, leaving its last state on screen for the output that follows."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
