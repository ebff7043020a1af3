"""`pulumi up` of an engine-tier stack in a process of its own, so that a test can kill it with SIGKILL.

Usage: python -m tests.engine.crash_up <tmp>   (the folder `workspace.engine_stack` set the stack up in)
"""

from __future__ import annotations

import sys
from pathlib import Path

from pulumi import automation as auto

from tests.engine.workspace import PROJECT, program, workspace_options


def main(tmp: str) -> None:
    stack = auto.select_stack("local", PROJECT, program, opts=workspace_options(Path(tmp)))
    stack.up(on_output=lambda line: print(line, flush=True), color="never")


if __name__ == "__main__":
    main(sys.argv[1])
