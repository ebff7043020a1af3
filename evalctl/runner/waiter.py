"""Wait for a batch evaluation with few polls: back off early, then aim at the predicted finish."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from evalctl import awsops
from evalctl.aws import is_aws_error
from evalctl.term import StatusLine

TERMINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "STOPPED"})
# Someone watches a live line: its counts are never older than this (a log is fine with fewer polls).
LIVE_MAX_DELAY = 60.0


class Clock(Protocol):
    """Time as the waiter sees it; tests and benchmarks drive an emulator's clock instead."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class WaitTimeout(TimeoutError):
    """The job did not finish within the allowed time."""


@dataclass
class Schedule:
    """When to poll next.

    Before any session finishes, back off exponentially (1, 2, 4, ... s). Once sessions finish,
    predict the end from the rate so far and sleep half of what remains, so a long job costs a
    handful of polls and the last poll lands close to the finish. The prediction is only renewed
    when the count of finished sessions moves: a poll that sees no progress carries no new rate.
    """

    min_delay: float = 1.0
    max_delay: float = 300.0
    approach: float = 0.5
    attempt: int = 0
    seen_done: int = -1
    predicted_end: float | None = None

    def next_delay(self, elapsed: float, results: Mapping[str, Any]) -> float:
        self.attempt += 1
        total = int(results.get("totalNumberOfSessions") or 0)
        finished = ("numberOfSessionsCompleted", "numberOfSessionsFailed", "numberOfSessionsIgnored")
        done = sum(int(results.get(k) or 0) for k in finished)
        if total and 0 < done < total and elapsed > 0:
            if done != self.seen_done or self.predicted_end is None:
                self.predicted_end = elapsed + elapsed * (total - done) / done
                self.seen_done = done
            delay = (self.predicted_end - elapsed) * self.approach
        else:
            delay = self.min_delay * 2 ** (self.attempt - 1)
        return max(self.min_delay, min(self.max_delay, delay))


def scenario_counts(results: Mapping[str, Any]) -> str:
    """A dataset job's progress, e.g. `scenarios 1/6 scored, 1 in progress (1 failed)`.

    Only what the fields document: scored = numberOfSessionsCompleted ("successfully evaluated"), failed =
    numberOfSessionsFailed ("failed evaluation": never counted as scored, so an agent that is down reads
    `0/6 scored ... (6 failed)`, not `6/6 scored`); in progress = numberOfSessionsInProgress ("currently being
    evaluated"), which a service may count as invoked-and-unscored sessions only (the emulator) or as
    every unscored scenario; the total is totalNumberOfSessions as reported, fixed or growing. Nothing
    here assumes one reading: no "invoked" count is derived from them.
    """
    completed = int(results.get("numberOfSessionsCompleted") or 0)
    failed = int(results.get("numberOfSessionsFailed") or 0)
    running = int(results.get("numberOfSessionsInProgress") or 0)
    total = results.get("totalNumberOfSessions")
    of_total = f"/{max(int(total), completed + failed)}" if total is not None else ""
    text = f"scenarios {completed}{of_total} scored, {running} in progress"
    return text + (f" ({failed} failed)" if failed else "")


def dataset_scenarios(control: Any) -> Callable[[Mapping[str, Any]], int | None]:
    """For a dataset job: the scenario count of the version it runs (datasetExecutionDetails, then
    ListDatasetVersions `exampleCount`: "The number of examples in this version"); None when unknown."""

    def count(job: Mapping[str, Any]) -> int | None:
        dataset = (job.get("datasetExecutionDetails") or {}).get("dataset") or {}
        if not dataset.get("datasetId"):
            return None
        try:
            versions = awsops.items(
                control, "list_dataset_versions", "versions", datasetId=dataset["datasetId"]
            )
            found = [
                v for v in versions if str(v.get("datasetVersion")) == str(dataset.get("datasetVersion"))
            ]
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            return None  # a progress line never fails the wait (no ListDatasetVersions permission, ...)
        return int(found[0]["exampleCount"]) if found and found[0].get("exampleCount") is not None else None

    return count


@dataclass
class Progress:
    """The job's status line: live on a terminal, a line per change otherwise (CI logs stay short).

    `expected` gives the total the caller knows of a job (the sessions it named, a dataset version's
    scenarios); it is shown while the service reports no counts (PENDING) or no total, never as counts.
    """

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    quiet: bool = False
    expected: Callable[[Mapping[str, Any]], int | None] | None = None
    line: StatusLine = field(init=False)
    known: int | None = field(init=False, default=None)
    asked: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.line = StatusLine(self.stream)

    def _known(self, job: Mapping[str, Any]) -> int | None:
        if not self.asked and self.expected is not None:
            self.known, self.asked = self.expected(job), True  # once: it does not change mid-run
        return self.known

    def show(self, job: Mapping[str, Any], elapsed: float) -> None:
        if self.quiet:
            return
        unit = "scenarios" if job.get("datasetExecutionDetails") else "sessions"
        if not job.get("evaluationResults"):
            # No counts reported yet (PENDING): say so, with the total when known, and count nothing.
            known = self._known(job)
            unit = unit.removesuffix("s") if known == 1 else unit
            counts = f"{known} {unit}, " if known is not None else ""
            head = f"{job.get('batchEvaluationId', '?')}: {job.get('status', '?')}"
            text = f"{head}  {counts}no counts reported yet"
            self.line.update(text, done=0, total=known, note=f"  [{elapsed:,.0f}s]")
            return
        r = dict(job["evaluationResults"])
        if r.get("totalNumberOfSessions") is None and self._known(job) is not None:
            r["totalNumberOfSessions"] = self.known
        total = r.get("totalNumberOfSessions")
        completed, failed = (
            int(r.get("numberOfSessionsCompleted") or 0),
            int(r.get("numberOfSessionsFailed") or 0),
        )
        if job.get("datasetExecutionDetails"):
            counts = scenario_counts(r)
        else:
            running = r.get("numberOfSessionsInProgress", 0)
            counts = f"sessions {completed} done / {running} running / {failed} failed"
            counts += f" of {total}" if total is not None else ""
        text = f"{job.get('batchEvaluationId', '?')}: {job.get('status', '?')}  {counts}"
        finished = completed + failed + int(r.get("numberOfSessionsIgnored") or 0)
        shown_total = None if total is None else max(int(total), finished)
        self.line.update(text, done=finished, total=shown_total, note=f"  [{elapsed:,.0f}s]")

    @property
    def live(self) -> bool:
        """Shown on a terminal as a live line (not quiet)."""
        return not self.quiet and self.line.live

    def done(self) -> None:
        if not self.quiet:
            self.line.close()


def wait(
    poll: Callable[[], dict[str, Any]],
    timeout: float,
    clock: Clock | None = None,
    progress: Progress | None = None,
    schedule: Schedule | None = None,
) -> dict[str, Any]:
    """Poll until a terminal status; raises WaitTimeout with the last response when time runs out."""
    clock = clock or RealClock()
    schedule = schedule or Schedule()
    if progress is not None and progress.live:
        schedule.max_delay = min(schedule.max_delay, LIVE_MAX_DELAY)
    started = clock.now()
    try:
        while True:
            job = poll()
            elapsed = clock.now() - started
            if progress is not None:
                progress.show(job, elapsed)
            if job.get("status") in TERMINAL:
                return job
            delay = schedule.next_delay(elapsed, job.get("evaluationResults") or {})
            if elapsed + delay > timeout:
                if elapsed >= timeout:
                    job_id, status = job.get("batchEvaluationId"), job.get("status")
                    raise WaitTimeout(f"batch evaluation {job_id} still {status} after {timeout:g}s")
                delay = timeout - elapsed
            clock.sleep(delay)
    finally:
        # Also on a timeout or Ctrl-C: a live line left running would keep the cursor hidden.
        if progress is not None:
            progress.done()
