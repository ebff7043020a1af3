"""The waiter's poll schedule, on a simulated job and a fake clock (no real time passes)."""

from __future__ import annotations

import io
import math

import pytest

from evalctl.runner.waiter import Progress, Schedule, WaitTimeout, wait


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.t += seconds


def simulated_job(clock: FakeClock, total: int, per: float, pending: float, fail: bool = False):
    """A job that stays PENDING, then finishes one session every `per` seconds."""
    calls = []

    def poll():
        calls.append(clock.t)
        done = 0 if clock.t < pending else min(total, math.floor((clock.t - pending) / per))
        status = "PENDING" if clock.t < pending else "IN_PROGRESS"
        if done == total:
            status = "FAILED" if fail else "COMPLETED"
        results = {
            "totalNumberOfSessions": total,
            "numberOfSessionsCompleted": done,
            "numberOfSessionsInProgress": total - done,
        }
        return {"batchEvaluationId": "job-1", "status": status, "evaluationResults": results}

    return poll, calls


@pytest.mark.parametrize(
    ("total", "per", "max_polls", "max_late", "reason"),
    [
        (30, 60.0, 20, 2.0, "the issue's target: a 30-minute job, at most 20 polls, within 2 s"),
        (100, 18.0, 20, 2.0, "many short sessions make the rate estimate precise"),
        (1, 5.0, 6, 6.0, "a tiny job is caught by the early back-off, late by at most its own length"),
    ],
)
def test_long_jobs_cost_few_polls_and_are_noticed_soon_after_they_finish(
    total, per, max_polls, max_late, reason
):
    clock = FakeClock()
    poll, calls = simulated_job(clock, total, per, pending=5.0)
    job = wait(poll, timeout=10 * total * per, clock=clock)
    assert job["status"] == "COMPLETED"
    assert len(calls) <= max_polls, reason
    assert clock.t - (5.0 + total * per) <= max_late, reason


def test_a_failed_job_is_terminal_too():
    clock = FakeClock()
    poll, _ = simulated_job(clock, 2, 10.0, pending=1.0, fail=True)
    assert wait(poll, timeout=100, clock=clock)["status"] == "FAILED"


def test_timeout_raises_with_the_job_id_and_never_sleeps_past_it():
    clock = FakeClock()
    poll, _ = simulated_job(clock, 10, 1000.0, pending=1.0)
    with pytest.raises(WaitTimeout, match="job-1 still IN_PROGRESS after 120s"):
        wait(poll, timeout=120, clock=clock)
    assert clock.t == pytest.approx(120)


def test_schedule_backs_off_until_progress_then_aims_at_the_predicted_end():
    schedule = Schedule(min_delay=1, max_delay=300)
    assert [schedule.next_delay(0, {}) for _ in range(4)] == [1, 2, 4, 8]
    # 10 of 40 sessions after 100 s: 300 s remain, half of it is slept.
    assert schedule.next_delay(100, {"totalNumberOfSessions": 40, "numberOfSessionsCompleted": 10}) == 150
    # No progress since: the same predicted end (400 s) is kept, not re-estimated from stale counts.
    assert schedule.next_delay(250, {"totalNumberOfSessions": 40, "numberOfSessionsCompleted": 10}) == 75


def test_progress_prints_a_line_per_change_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    job = {
        "batchEvaluationId": "j",
        "status": "IN_PROGRESS",
        "evaluationResults": {"numberOfSessionsCompleted": 1, "totalNumberOfSessions": 3},
    }
    progress.show(job, 1.0)
    progress.show(job, 2.0)
    progress.show({**job, "status": "COMPLETED"}, 3.0)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "1 done" in lines[0] and "of 3" in lines[0] and "COMPLETED" in lines[1]


def test_a_pending_job_shows_the_known_total_and_claims_no_counts():
    """Before the service reports evaluationResults nothing is counted; a total the caller knows is shown."""
    stream, asked = io.StringIO(), []
    pending = {"batchEvaluationId": "j", "status": "PENDING",
               "datasetExecutionDetails": {"dataset": {"datasetId": "d", "datasetVersion": "2"}}}  # fmt: skip
    progress = Progress(stream=stream, expected=lambda job: asked.append(job) or 6)
    progress.show(pending, 0.0)
    progress.show(
        {**pending, "status": "IN_PROGRESS", "evaluationResults": {"numberOfSessionsCompleted": 1}}, 1.0
    )
    Progress(stream=stream).show({"batchEvaluationId": "k", "status": "PENDING"}, 0.0)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("j: PENDING  6 scenarios, no counts reported yet")
    assert lines[1].startswith("j: IN_PROGRESS  scenarios 1/6 scored, 0 in progress"), "a total not reported"
    assert lines[2].startswith("k: PENDING  no counts reported yet") and "0 done" not in lines[2]
    assert len(asked) == 1, "the total is looked up once"
    one = io.StringIO()  # was "1 sessions"
    Progress(stream=one, expected=lambda job: 1).show({"batchEvaluationId": "s", "status": "PENDING"}, 0.0)
    assert one.getvalue().startswith("s: PENDING  1 session, no counts reported yet")


def test_a_dataset_generation_without_counts_claims_none():
    """`evalctl dataset generate`'s wait line: GenerationResults as reported, or that none are yet."""
    from evalctl.cli.dataset import _counts

    assert _counts({"status": "PENDING"}) == "no counts reported yet"
    reported = {"generationResults": {"sessionsSelected": 3, "examplesWritten": 1}}
    assert _counts(reported) == "3 sessions, 1 examples written"
