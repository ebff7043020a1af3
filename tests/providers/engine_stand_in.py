"""Stands in for the Pulumi CLI as a plugin's parent: starts the command in a process group of its own,
as the engine does (cmdutil.RegisterProcessGroup), and waits. A test SIGKILLs it to play `kill -9` of
`pulumi up`. Usage: python -m tests.providers.engine_stand_in <command...>
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (plugins in their own groups included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def kill_leftovers(pids: list[int]) -> None:
    """SIGKILL those of `pids` that still run one of our Python processes (a pid may have been reused)."""
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"pulumi" in command or b"tests.engine" in command or b"tests.providers" in command:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(subprocess.call(sys.argv[1:], process_group=0))
