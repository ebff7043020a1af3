"""The waiter on a dataset job: one line per change off a terminal, whichever way the service counts
sessions mid-run (in progress = invoked only, or every unscored scenario; a fixed or a growing total)."""

from __future__ import annotations

import io
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from evalctl.runner.waiter import LIVE_MAX_DELAY, Progress, scenario_counts, wait

LINE = re.compile(r"scenarios (\d+)(?:/(\d+))? scored, (\d+) in progress(?: \((\d+) failed\))?")
READINGS = ("invoked", "unscored", "growing")


def response(reading: str, total: int, invoked: int, scored: int, failed: int) -> dict[str, Any]:
    """GetBatchEvaluation of a dataset job as a service with that reading of the fields answers it."""
    running = {"invoked": invoked - scored, "unscored": total - scored, "growing": invoked - scored}[reading]
    results = {
        "numberOfSessionsCompleted": scored - failed,
        "numberOfSessionsFailed": failed,
        "numberOfSessionsInProgress": running,
        "totalNumberOfSessions": invoked if reading == "growing" else total,
        "numberOfSessionsIgnored": 0,
    }
    status = "COMPLETED_WITH_ERRORS" if scored == total and failed else "IN_PROGRESS"
    status = "COMPLETED" if scored == total and not failed else status
    return {"batchEvaluationId": "j", "status": status, "evaluationResults": results,
            "datasetExecutionDetails": {"dataset": {"datasetId": "d", "datasetVersion": "1"}}}  # fmt: skip


@st.composite
def runs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, int]]]:
    """A run of `total` scenarios, (invoked, scored, failed) per poll: invoked before scored; polls repeat."""
    total = draw(st.integers(1, 8))
    invoked = scored = failed = 0
    polls = [(0, 0, 0)]
    while scored < total:
        if invoked < total and (invoked == scored or draw(st.booleans())):
            invoked += 1
        else:
            scored += 1
            failed += draw(st.booleans())
        polls += [(invoked, scored, failed)] * draw(st.integers(1, 3))
    return total, polls


@settings(max_examples=200, deadline=None)
@given(run=runs(), reading=st.sampled_from(READINGS))
def test_a_line_per_change_with_scored_monotone_and_within_the_total(
    run: tuple[int, list[tuple[int, int, int]]], reading: str
) -> None:
    total, polls = run
    stream = io.StringIO()
    progress = Progress(stream=stream)
    for elapsed, (invoked, scored, failed) in enumerate(polls):
        progress.show(response(reading, total, invoked, scored, failed), float(elapsed))
    lines = stream.getvalue().splitlines()
    distinct = [p for i, p in enumerate(polls) if i == 0 or p != polls[i - 1]]
    assert len(lines) <= len(distinct)  # never a line per poll, only per change
    shown = [LINE.search(line) for line in lines]
    assert all(shown), lines
    counts = [(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0)) for m in shown if m]
    assert all(s + f <= t for s, t, _, f in counts), lines
    assert [s for s, _, _, _ in counts] == sorted(s for s, _, _, _ in counts), lines
    scored_last, total_last, running_last, failed_last = counts[-1]
    # A failed session is never counted as scored: scored + failed make up the total at the end.
    assert (scored_last + failed_last, total_last, running_last) == (total, total, 0), lines
    assert failed_last == polls[-1][2], lines
    assert ("COMPLETED" in lines[-1]) and ("failed" in lines[-1]) == bool(polls[-1][2])


def test_scenario_counts_say_only_what_the_fields_document() -> None:
    results = response("invoked", 6, 3, 2, 1)["evaluationResults"]
    assert scenario_counts(results) == "scenarios 1/6 scored, 1 in progress (1 failed)"
    down = {"numberOfSessionsFailed": 6, "totalNumberOfSessions": 6, "numberOfSessionsInProgress": 0}
    assert scenario_counts(down) == "scenarios 0/6 scored, 0 in progress (6 failed)"  # not "6/6 scored"
    assert scenario_counts({"numberOfSessionsInProgress": 2}) == "scenarios 0 scored, 2 in progress"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def test_a_live_line_is_refreshed_at_least_every_minute_a_log_polls_less() -> None:
    def measure(stream: io.StringIO) -> list[float]:
        clock = _Clock()

        def poll() -> dict[str, Any]:  # 30 scenarios, one scored every 20 s
            done = min(30, int(clock.t // 20))
            return response("invoked", 30, min(30, done + 1), done, 0)

        wait(poll, timeout=10_000, clock=clock, progress=Progress(stream=stream))
        return clock.sleeps

    live, logged = measure(_Terminal()), measure(io.StringIO())
    assert max(live) <= LIVE_MAX_DELAY < max(logged)
    assert len(live) <= 20 and len(logged) < len(live)
