"""Polling a job of the evaluation family until it ends, with one status line on stderr."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from evalctl.cli.argtypes import positive_float
from evalctl.cli.jobs import JobError
from evalctl.term import StatusLine


def add_wait_flags(parser: Any) -> None:
    parser.add_argument(
        "--poll", type=positive_float, default=5.0, help="seconds between status checks (default 5)"
    )
    parser.add_argument(
        "--timeout", type=positive_float, default=3600.0, help="give up after this many seconds"
    )


def wait(
    get: Callable[[], dict[str, Any]],
    running: frozenset[str],
    what: str,
    poll: float,
    timeout: float,
    *,
    describe: Callable[[dict[str, Any]], str] | None = None,
) -> dict[str, Any]:
    """Call `get` until its status leaves `running`; JobError when `timeout` passes first."""
    started = time.monotonic()
    status = StatusLine(sys.stderr)
    try:
        while True:
            current = get()
            status.update(f"{what}: {current['status']}" + (f" ({describe(current)})" if describe else ""))
            if current["status"] not in running:
                return current
            if time.monotonic() - started > timeout:
                raise JobError(
                    f"{what} is still {current['status']} after {timeout:g} s and keeps running in the "
                    "service; pass a longer --timeout to wait until it ends"
                )
            time.sleep(poll)
    except KeyboardInterrupt:
        # The job lives in the service: Ctrl-C ends this wait, not the job (no Stop API exists for it).
        status.close()
        print(f"{what} keeps running in the service; Ctrl-C stopped only this wait", file=sys.stderr)
        raise
    finally:
        status.close()
