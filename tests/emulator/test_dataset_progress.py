"""A dataset batch's progress over HTTP: counted as each scenario is invoked and scored, and resumed
after the emulator restarts on its data dir without invoking a finished scenario again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalctl.emulator.server import EmulatorServer
from evalctl.emulator.testing import Admin, EmulatorHandle
from tests.emulator.fixture_agent import RUNTIME, Behaviour, FixtureAgent
from tests.emulator.test_dataset_batch import ANSWERS, ORDER, REFUND, dataset, finished, records, start

THIRD = {
    "scenario_id": "third",
    "turns": [{"input": "Can I change the address?", "expected_response": "Yes."}],
    "expected_trajectory": ["update_address"],
}
LONG = {
    "scenario_id": "long",
    "turns": [{"input": f"Step {n}", "expected_response": f"Done {n}."} for n in (1, 2, 3)],
    "expected_trajectory": ["lookup"],
}
STEPS = {f"Step {n}": Behaviour(f"Done {n}.", ["lookup"]) for n in (1, 2, 3)}
ADDRESS = {THIRD["turns"][0]["input"]: Behaviour("Yes.", ["update_address"])}


def until(check: Callable[[], Any], what: str, limit: float = 30.0) -> Any:
    """Poll `check` until it answers something truthy, within `limit` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"not within {limit} s: {what}")


def counters(job: dict[str, Any]) -> tuple[int, int, int]:
    """(scored, in progress, total) of a job."""
    r = job["evaluationResults"]
    scored = r["numberOfSessionsCompleted"] + r["numberOfSessionsFailed"]
    return scored, r["numberOfSessionsInProgress"], r["totalNumberOfSessions"]


def test_progress_counts_each_invoked_and_each_scored_scenario_as_it_happens(
    emulator: Any, control: Any, data: Any
) -> None:
    agent = FixtureAgent(emulator.endpoint, dict(ANSWERS, **ADDRESS))
    emulator.admin.map_agents({RUNTIME: agent.start()})
    third = THIRD["turns"][0]["input"]

    def hold_third_telemetry() -> None:  # the third answer's spans are exported by the test, later
        agent.export = agent.seen[-1][1]["prompt"] != third

    agent.hook = hold_third_telemetry
    try:
        job_id = start(data, dataset(control, emulator, [REFUND, ORDER, THIRD]))
        seen: list[tuple[int, int, int]] = []

        def observe() -> tuple[int, int, int]:
            emulator.admin.advance_clock(1)
            job = data.get_batch_evaluation(batchEvaluationId=job_id)
            seen.append(counters(job))
            return seen[-1]

        # Two scenarios scored, the third invoked: its session awaits telemetry, in progress.
        until(lambda: observe() == (2, 1, 3), "2 scored and 1 in progress of 3")
        assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "IN_PROGRESS"
        session = next(s for s, body in agent.seen if body["prompt"] == third)
        agent.telemetry(session, third, ADDRESS[third])
        until(lambda: observe()[0] == 3, "all 3 scored")
        job = finished(emulator, data, job_id)
    finally:
        agent.stop()
    assert job["status"] == "COMPLETED", job.get("errorDetails")
    assert counters(job) == (3, 0, 3)
    scored = [s for s, _, _ in seen]
    assert scored == sorted(scored) and all(s + p <= t for s, p, t in seen), seen


def _serve(data_dir: Path) -> tuple[EmulatorServer, EmulatorHandle]:
    server = EmulatorServer(port=0, data_dir=data_dir).start()
    return server, EmulatorHandle(server.endpoint, Admin(server.endpoint, server.token))


@pytest.mark.parametrize("lost", [False, True], ids=["exported-after", "telemetry-lost"])
def test_a_restarted_emulator_resumes_a_dataset_job_at_its_first_unfinished_scenario(
    tmp_path: Path, lost: bool
) -> None:
    # ORDER is invoked but its telemetry not yet exported at the restart (then exported, or never: lost
    # with the emulator); LONG is stopped after 2 of its 3 turns; THIRD was never invoked.
    held = {ORDER["turns"][0]["input"]}
    answers = dict(ANSWERS, **STEPS, **ADDRESS)
    reached, release = threading.Event(), threading.Event()
    first, handle = _serve(tmp_path)
    agent = FixtureAgent(handle.endpoint, answers)

    def hook() -> None:
        prompt = agent.seen[-1][1]["prompt"]
        agent.export = prompt not in held
        if prompt == "Step 2":
            reached.set()
            release.wait(20)
            agent.export = False  # its emulator is gone: that answer's spans go nowhere

    agent.hook = hook
    try:
        handle.admin.map_agents({RUNTIME: agent.start()})
        # Saved in the job's plan: how long the resumed run awaits ORDER before invoking it again.
        handle.admin.configure(dataset_telemetry_seconds=5)
        control, data = handle.client("bedrock-agentcore-control"), handle.client("bedrock-agentcore")
        job_id = start(data, dataset(control, handle, [REFUND, ORDER, LONG, THIRD]))
        until(reached.is_set, "the second turn of the long scenario")
        handle.admin.advance_clock(5)
        assert counters(data.get_batch_evaluation(batchEvaluationId=job_id)) == (1, 1, 4)
        stopping = threading.Thread(target=first.stop)
        stopping.start()
        until(first.core.closing.is_set, "the emulator closing")
        release.set()
        stopping.join(timeout=30)
        before = list(agent.seen)

        second, handle = _serve(tmp_path)
        try:
            agent.otlp, agent.hook, agent.export = handle.endpoint, None, True
            order_session = next(s for s, body in before if body["prompt"] in held)
            if not lost:
                agent.telemetry(order_session, *held, ANSWERS[ORDER["turns"][0]["input"]])
            data = handle.client("bedrock-agentcore")
            job = finished(handle, data, job_id)
            found = records(handle, job_id)
        finally:
            second.stop()
    finally:
        agent.stop()
    assert job["status"] == "COMPLETED", job.get("errorDetails")
    assert counters(job) == (4, 0, 4)
    after = agent.seen[len(before) :]
    again = [*held] if lost else []  # invoked once more only when none of its telemetry survived
    assert [body["prompt"] for _, body in after] == [
        "Step 1",
        "Step 2",
        "Step 3",
        THIRD["turns"][0]["input"],
        *again,
    ]
    interrupted = {s for s, body in before if body["prompt"].startswith("Step")}
    resumed = {s for s, body in after if body["prompt"].startswith("Step")}
    assert len(interrupted) == len(resumed) == 1 and interrupted != resumed, "a fresh session for LONG"
    # The finished scenarios keep their sessions and results; ORDER is scored in the session it ran in.
    refund_session = before[0][0]
    assert {r["session.id"] for r in found[("refund", "Builtin.Correctness")]} == {refund_session}
    order_now = {s for s, body in after if body["prompt"] in held} if lost else {order_session}
    assert {r["session.id"] for r in found[("order", "Builtin.Correctness")]} == order_now != set()
    assert {r["session.id"] for r in found[("long", "Builtin.Correctness")]} == resumed


def test_a_stopped_job_reports_the_scenarios_scored_before_the_stop(
    emulator: Any, control: Any, data: Any
) -> None:
    agent = FixtureAgent(emulator.endpoint, dict(ANSWERS))
    emulator.admin.map_agents({RUNTIME: agent.start()})
    slow = {"scenario_id": "slow", "turns": [{"input": "slow"}]}
    try:
        job_id = start(data, dataset(control, emulator, [REFUND, slow, ORDER]))

        def scored_one() -> bool:
            emulator.admin.advance_clock(1)
            return counters(data.get_batch_evaluation(batchEvaluationId=job_id))[0] == 1

        until(scored_one, "REFUND scored while the slow scenario holds the agent")
        assert data.stop_batch_evaluation(batchEvaluationId=job_id)["status"] == "STOPPING"
        emulator.admin.advance_clock(5)
        job = data.get_batch_evaluation(batchEvaluationId=job_id)
    finally:
        agent.stop()  # releases the slow turn
    assert job["status"] == "STOPPED"
    assert counters(job) == (1, 0, 3) and job["evaluationResults"]["numberOfSessionsCompleted"] == 1
    assert ORDER["turns"][0]["input"] not in {body["prompt"] for _, body in agent.seen}


def test_a_pending_dataset_job_shows_its_versions_scenario_count(
    emulator: Any, control: Any, data: Any
) -> None:
    """GetBatchEvaluation of a PENDING job has no evaluationResults; the line shows the total that
    ListDatasetVersions' exampleCount gives for the version it runs, and no counts."""
    import io

    from evalctl.runner.waiter import Progress, dataset_scenarios

    job_id = start(data, dataset(control, emulator, [REFUND, ORDER, THIRD]))
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert job["status"] == "PENDING" and "evaluationResults" not in job
    stream = io.StringIO()
    Progress(stream=stream, expected=dataset_scenarios(control)).show(job, 0.0)
    assert stream.getvalue().startswith(f"{job_id}: PENDING  3 scenarios, no counts reported yet")
    missing = {**job, "datasetExecutionDetails": {"dataset": {"datasetId": "nope", "datasetVersion": "1"}}}
    assert dataset_scenarios(control)(missing) is None, "an unreadable dataset leaves the total unknown"
