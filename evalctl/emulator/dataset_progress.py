"""A dataset batch's per-scenario progress: kept on the job record (and so in --data-dir) as it happens.

`_progress` maps a scenario's index (a string: the state is JSON) to its entry: `{"sessionId", "state"}`
with state INVOKED (every turn reached the agent; its telemetry is awaited) or DONE (scored, or failed,
with its stored `outcome`). A scenario without an entry has not been invoked, or was interrupted
mid-turns: a resumed run gives it a fresh session.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from evalctl.emulator.core import Core
from evalctl.emulator.summary import summarize

INVOKED = "INVOKED"
DONE = "DONE"
RUNNING = ("PENDING", "IN_PROGRESS")

Progress = dict[str, dict[str, Any]]
Report = Callable[[int, dict[str, Any]], None]


def of(record: dict[str, Any]) -> Progress:
    """The record's progress (empty for a job that has invoked nothing yet)."""
    found: Progress = record.get("_progress") or {}
    return found


def done_outcomes(progress: Progress) -> list[dict[str, Any]]:
    """The outcomes of every finished scenario, in the dataset's order."""
    entries = sorted(progress.items(), key=lambda item: int(item[0]))
    return [e["outcome"] for _, e in entries if e.get("state") == DONE]


def invoked_count(progress: Progress) -> int:
    """Scenarios whose turns all reached the agent and that are not finished yet."""
    return sum(1 for e in progress.values() if e.get("state") == INVOKED)


def results(record: dict[str, Any]) -> dict[str, Any]:
    """`evaluationResults` of a dataset job mid-run.

    numberOfSessionsCompleted: "The number of sessions that have been successfully evaluated" and
    numberOfSessionsFailed: "The number of sessions that failed evaluation" count the finished scenarios;
    numberOfSessionsInProgress: "The number of sessions currently being evaluated" counts (stricter
    reading) only sessions whose turns all reached the agent and that are not scored yet: a scenario not
    yet invoked has no session. totalNumberOfSessions ("The total number of sessions included in the
    batch evaluation") is the scenario count from the start (one session per scenario).
    """
    progress = of(record)
    total = len(record["_spec"]["dataset"]["examples"])
    return summarize(done_outcomes(progress), 0, total, invoked_count(progress))


def reporter(core: Core, table: str, job_id: str) -> Report:
    """A worker's report: stores one scenario's entry on the job's record (while it runs) and appends it
    to the state's journal, so a restart resumes after it. Nothing is stored once the emulator is closing."""

    def report(index: int, entry: dict[str, Any]) -> None:
        with core.store.lock:
            record = core.store.table(table).get(job_id)
            if core.closing.is_set() or record is None or record.get("status") not in RUNNING:
                return  # closing, reset, deleted or stopped: this work no longer counts
            stored = record.setdefault("_progress", {})[str(index)] = copy.deepcopy(entry)
            record["updatedAt"] = core.clock.now()
            # One journal line, not the whole state (which holds the job's examples and every entry).
            changes = [(["_progress", str(index)], stored), (["updatedAt"], record["updatedAt"])]
            core.store.record(table, job_id, changes)

    return report
