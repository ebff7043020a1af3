"""The dataset progress counters as a state machine: scenarios invoked, failed, scored and resumed after a
restart in any order keep `evaluationResults` monotone, within the total, and whole at the end. Up to
PARALLEL scenarios are in flight at a time, so any of the first PARALLEL unsent ones may finish its
turns next (`dataset_parallel_scenarios`): progress has gaps, and a restart resends exactly those.

Progress goes through the real reporter into a Store on a data dir (the append-only journal); a restart
is a new Core loaded from that dir with no save before it (a killed process), and must resume exactly
what was reported, whether or not whole-state saves compacted the journal in between."""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from evalctl.emulator import dataset_progress, dataset_run, jobs
from evalctl.emulator.core import Core

SCENARIOS = 5
PARALLEL = 3
JOB = "job-0123456789"


def _outcome(spec: jobs.JobSpec, example: dict[str, Any], session_id: str, got: object) -> dict[str, Any]:
    failed = isinstance(got, dataset_run.ScenarioFailed)
    result = {"evaluatorId": "Builtin.Correctness", **({"errorCode": "X"} if failed else {"value": 1.0})}
    return {"sessionId": session_id, "results": [result], "failed": failed, "scenarioId": example["id"]}


class Progress(RuleBasedStateMachine):
    """One dataset job: a record holding `_progress`, and the run (resumable) that reports into it."""

    def __init__(self) -> None:
        super().__init__()
        examples = [{"id": f"s{i}"} for i in range(SCENARIOS)]
        plan = {"examples": examples, "telemetryTimeout": 30, "startedMs": 0}
        self.data_dir = Path(tempfile.mkdtemp(prefix="progress-model-"))
        self.core = Core(self.data_dir)
        record = {
            "batchEvaluationId": JOB,
            "status": "IN_PROGRESS",
            "_spec": {"dataset": plan},
            "_progress": {},
        }
        self.core.store.table("batches")[JOB] = record
        self.core.store.save()
        self.examples = examples
        self.spec = jobs.JobSpec("us-east-1", {}, [], [], None, dataset=plan, report=self._report)
        self.run = dataset_run.Run(self.spec, _outcome)
        self.unsent = list(range(SCENARIOS))
        self.sessions = 0
        self.last_scored = 0

    @property
    def record(self) -> dict[str, Any]:
        return self.core.store.table("batches")[JOB]

    def _report(self, index: int, entry: dict[str, Any]) -> None:
        dataset_progress.reporter(self.core, "batches", JOB)(index, entry)

    def teardown(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _session(self) -> str:
        self.sessions += 1
        return f"session-{self.sessions}"

    @precondition(lambda self: bool(self.unsent))
    @rule(data=st.data(), fails=st.booleans())
    def invoke_one_in_flight(self, data: st.DataObject, fails: bool) -> None:
        index = data.draw(st.sampled_from(self.unsent[:PARALLEL]))
        self.unsent.remove(index)
        example = self.examples[index]
        if fails:  # the agent refused a turn: finished at once, as failed
            self.run.finish(index, example, self._session(), dataset_run.ScenarioFailed("E", "down"))
        else:
            self.run.invoked(index, example, self._session(), 1)

    @precondition(lambda self: bool(self.run.waiting))
    @rule(data=st.data(), late=st.booleans())
    def score_one(self, data: st.DataObject, late: bool) -> None:
        session_id = data.draw(st.sampled_from(sorted(self.run.waiting)))
        item = self.run.waiting.pop(session_id)
        got = dataset_run.ScenarioFailed("TelemetryTimeout", "late") if late else object()
        self.run.finish(item.index, item.example, session_id, got)

    @rule()
    def save(self) -> None:
        """A whole-state save (any API mutation does one): the journal is compacted into the state file."""
        self.core.store.save()

    @rule()
    def restart(self) -> None:
        """A killed process, then a new emulator on the data dir: it loads exactly what was reported, and a
        new run from it awaits invoked scenarios again, never re-invoking them."""
        reported = copy.deepcopy(self.record["_progress"])
        self.core = Core(self.data_dir)
        assert self.record["_progress"] == reported, "resume after restart is exact"
        resumed = jobs.JobSpec(
            "us-east-1", {}, [], [], None, dataset=self.spec.dataset, report=self._report,
            resume=copy.deepcopy(self.record["_progress"]),
        )  # fmt: skip
        self.run = dataset_run.Run(resumed, _outcome)
        for index, entry in sorted(self.run.entries.items()):
            if entry["state"] == dataset_progress.INVOKED:
                self.run.invoked(index, self.examples[index], entry["sessionId"], 1)
        # Scenarios in flight at the kill had no entry: sent again from their first turn.
        self.unsent = [i for i in range(SCENARIOS) if str(i) not in self.record["_progress"]]

    @invariant()
    def counters_hold(self) -> None:
        r = dataset_progress.results(self.record)
        scored = r["numberOfSessionsCompleted"] + r["numberOfSessionsFailed"]
        invoked = scored + r["numberOfSessionsInProgress"]
        assert r["totalNumberOfSessions"] == SCENARIOS
        assert self.last_scored <= scored <= invoked <= SCENARIOS, r
        assert invoked == len(self.record["_progress"])
        self.last_scored = scored
        if not self.unsent and not self.run.waiting:
            assert (scored, r["numberOfSessionsInProgress"]) == (SCENARIOS, 0)
            assert [o["scenarioId"] for o in self.run.sessions()] == [e["id"] for e in self.examples]


Progress.TestCase.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)
TestProgress = Progress.TestCase
