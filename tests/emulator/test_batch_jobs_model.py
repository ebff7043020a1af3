"""Batch evaluation jobs as a state machine over boto3: start (fresh, retried or reused client tokens,
held names, the active-job quota), stop, delete and the clock, in any order.

The model is written from botocore's documentation strings and the emulator README's settings, not
from the emulator's code: a name is held until its job is gone ("Must be unique within your
account"); a token that matches a previous request returns that request's answer ("the service
ignores the request, but does not return an error"), with other parameters it is a ConflictException;
PENDING for `batch_pending_seconds`, IN_PROGRESS `batch_session_seconds` per session, then COMPLETED;
Stop only while PENDING or IN_PROGRESS (STOPPING for `stop_seconds`, then STOPPED); Delete only once
terminal (DELETING for `delete_seconds`, then gone); at most `max_active_batches` PENDING,
IN_PROGRESS or STOPPING jobs. After every step each job reads the status the model predicts, and
ListBatchEvaluations lists exactly the jobs not yet gone."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.emulator.helpers import error_code

SERVICE = "agent.DEFAULT"
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
PENDING, PER_SESSION, STOP, DELETE, QUOTA = 10.0, 100.0, 5.0, 5.0, 2
NAMES = ("nightly", "weekly", "adhoc")
EVALUATORS = ("Builtin.Helpfulness", "Builtin.Correctness")
ACTIVE = ("PENDING", "IN_PROGRESS", "STOPPING")
TERMINAL = ("COMPLETED", "STOPPED")


@dataclass
class Job:
    """What the model knows of one job: when it started, was stopped and was deleted (emulator time)."""

    job_id: str
    name: str
    started: float
    stopped: float | None = None
    deleted: float | None = None

    def status(self, now: float) -> str | None:
        """The status the documentation and settings predict at `now`; None once gone."""
        if self.deleted is not None:
            return "DELETING" if now < self.deleted + DELETE else None
        if self.stopped is not None:
            return "STOPPING" if now < self.stopped + STOP else "STOPPED"
        if now < self.started + PENDING:
            return "PENDING"
        return "IN_PROGRESS" if now < self.started + PENDING + PER_SESSION else "COMPLETED"


class BatchJobs(RuleBasedStateMachine):
    """One account's batch jobs; `emulator` is the running emulator (reset for every example)."""

    emulator: ClassVar[Any]
    spans: ClassVar[Any]

    def __init__(self) -> None:
        super().__init__()
        admin = self.emulator.admin
        admin.reset()
        admin.configure(
            batch_pending_seconds=PENDING,
            batch_session_seconds=PER_SESSION,
            stop_seconds=STOP,
            delete_seconds=DELETE,
            max_active_batches=QUOTA,
        )
        admin.seed([self.spans / f for f in FILES], SERVICE)  # one session
        self.data = self.emulator.client("bedrock-agentcore")
        self.now = admin.now()
        self.jobs: dict[str, Job] = {}
        # token -> (the request's parameters, the job id it answered)
        self.tokens: dict[str, tuple[dict[str, Any], str]] = {}
        self.serial = 0

    # ---- the model ---------------------------------------------------------------------------------

    def _live(self) -> dict[str, Job]:
        return {i: j for i, j in self.jobs.items() if j.status(self.now) is not None}

    def _active(self) -> int:
        return sum(1 for j in self.jobs.values() if j.status(self.now) in ACTIVE)

    def _params(self, name: str, evaluator: str, token: str) -> dict[str, Any]:
        return {
            "batchEvaluationName": name,
            "evaluators": [{"evaluatorId": evaluator}],
            "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": [SERVICE]}},
            "clientToken": token,
        }

    def _refused(self, call: Any, code: str) -> str:
        with pytest.raises(ClientError) as caught:
            call()
        assert error_code(caught) == code, caught.value.response["Error"]
        return str(caught.value.response["Error"]["Message"])

    # ---- rules -------------------------------------------------------------------------------------

    @rule(name=st.sampled_from(NAMES), evaluator=st.sampled_from(EVALUATORS))
    def start_with_a_fresh_token(self, name: str, evaluator: str) -> None:
        self.serial += 1
        token = f"token-{self.serial:04d}-" + "0" * 30
        params = self._params(name, evaluator, token)
        held = any(j.name == name for j in self._live().values())
        if held:
            message = self._refused(lambda: self.data.start_batch_evaluation(**params), "ConflictException")
            assert name in message
        elif self._active() >= QUOTA:
            self._refused(lambda: self.data.start_batch_evaluation(**params), "ServiceQuotaExceededException")
        else:
            got = self.data.start_batch_evaluation(**params)
            assert got["status"] == "PENDING" and got["batchEvaluationName"] == name
            self.jobs[got["batchEvaluationId"]] = Job(got["batchEvaluationId"], name, self.now)
            self.tokens[token] = (params, got["batchEvaluationId"])

    @precondition(lambda self: bool(self.tokens))
    @rule(data=st.data())
    def retry_a_start(self, data: st.DataObject) -> None:
        """The same request again (a retry after a lost answer): the same job, whatever happened since."""
        token = data.draw(st.sampled_from(sorted(self.tokens)))
        params, job_id = self.tokens[token]
        got = self.data.start_batch_evaluation(**params)
        assert got["batchEvaluationId"] == job_id
        assert sum(1 for j in self.jobs.values() if j.name == params["batchEvaluationName"]) >= 1

    @precondition(lambda self: bool(self.tokens))
    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def reuse_a_token_for_another_request(self, data: st.DataObject, name: str) -> None:
        token = data.draw(st.sampled_from(sorted(self.tokens)))
        params, _ = self.tokens[token]
        other = params["evaluators"][0]["evaluatorId"]
        changed = self._params(name, next(e for e in EVALUATORS if e != other), token)
        self._refused(lambda: self.data.start_batch_evaluation(**changed), "ConflictException")

    def _pick(self, data: st.DataObject, statuses: tuple[str, ...] | None) -> Job:
        jobs = sorted(self._live().values(), key=lambda j: j.job_id)
        if statuses is not None:
            jobs = [j for j in jobs if j.status(self.now) in statuses]
        return data.draw(st.sampled_from(jobs))

    def _has(self, statuses: tuple[str, ...]) -> bool:
        return any(j.status(self.now) in statuses for j in self.jobs.values())

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), running=st.booleans())
    def stop(self, data: st.DataObject, running: bool) -> None:
        """Any job not gone; or, so that stops do happen, one the model says is running."""
        job = self._pick(data, ("PENDING", "IN_PROGRESS") if running and self._has(ACTIVE[:2]) else None)
        status = self._settled(job)
        call = lambda: self.data.stop_batch_evaluation(batchEvaluationId=job.job_id)  # noqa: E731
        if status in ("PENDING", "IN_PROGRESS"):
            assert call()["status"] == "STOPPING"
            job.stopped = self.now
        else:
            self._refused(call, "ConflictException")

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), finished=st.booleans())
    def delete(self, data: st.DataObject, finished: bool) -> None:
        """Any job not gone; or, so that deletes do happen, one the model says has finished."""
        job = self._pick(data, TERMINAL if finished and self._has(TERMINAL) else None)
        status = self._settled(job)
        call = lambda: self.data.delete_batch_evaluation(batchEvaluationId=job.job_id)  # noqa: E731
        if status in TERMINAL:
            assert call()["status"] == "DELETING"
            job.deleted = self.now
        else:
            self._refused(call, "ConflictException")

    @rule(seconds=st.sampled_from([1.0, STOP, PENDING, PER_SESSION, 3 * PER_SESSION]))
    def advance_the_clock(self, seconds: float) -> None:
        self.now = self.emulator.admin.advance_clock(seconds)

    # ---- what must hold after every step -------------------------------------------------------------

    def _settled(self, job: Job) -> str:
        """The job's status, once the emulator's background scoring has caught up with its clock.

        The clock decides the status, but a job cannot read COMPLETED before its one session has been
        scored (real work in a thread): a predicted COMPLETED may be IN_PROGRESS for a moment."""
        expected = job.status(self.now)
        deadline = time.monotonic() + 30
        while True:
            got = str(self.data.get_batch_evaluation(batchEvaluationId=job.job_id)["status"])
            if got == expected or not (expected == "COMPLETED" and got == "IN_PROGRESS"):
                break
            assert time.monotonic() < deadline, f"{job.job_id} still IN_PROGRESS 30 s after its time"
            time.sleep(0.02)  # polling real background work, not waiting for time to pass
        assert got == expected, f"{job.job_id}: {got}, the model says {expected} at {self.now}"
        return got

    @invariant()
    def every_job_reads_as_predicted(self) -> None:
        for job in self.jobs.values():
            if job.status(self.now) is None:
                with pytest.raises(ClientError) as gone:
                    self.data.get_batch_evaluation(batchEvaluationId=job.job_id)
                assert error_code(gone) == "ResourceNotFoundException"
            else:
                self._settled(job)

    @invariant()
    def the_list_holds_the_jobs_not_yet_gone(self) -> None:
        pages = self.data.get_paginator("list_batch_evaluations").paginate(PaginationConfig={"PageSize": 2})
        listed = {i["batchEvaluationId"]: i["status"] for page in pages for i in page["batchEvaluations"]}
        live = self._live()
        assert set(listed) == set(live)
        for job_id, status in listed.items():
            expected = live[job_id].status(self.now)
            assert status == expected or (expected, status) == ("COMPLETED", "IN_PROGRESS"), job_id


def test_batch_jobs_follow_the_documented_lifecycle(emulator: Any, span_fixtures: Any) -> None:
    BatchJobs.emulator = emulator
    BatchJobs.spans = span_fixtures
    run_state_machine_as_test(
        BatchJobs,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
