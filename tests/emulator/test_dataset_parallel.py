"""A dataset job sending up to `dataset_parallel_scenarios` scenarios at a time: never more in flight,
turns of one scenario in order in its session, progress consistent, Stop and restarts as one at a time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from evalctl.emulator.testing import AdminRequestError
from tests.emulator.fixture_agent import ENDPOINT_ARN, LOG_GROUP, RUNTIME, SERVICE, Behaviour, FixtureAgent
from tests.emulator.test_dataset_batch import ANSWERS, ORDER, REFUND, dataset, finished, records, start
from tests.emulator.test_dataset_progress import ADDRESS, LONG, STEPS, THIRD, _serve, counters, until

CASES = [
    {
        "scenario_id": f"case-{n}",
        "turns": [{"input": f"Where is order {n}?"}],
        "expected_trajectory": ["track_order"],
    }
    for n in range(5)
]
REFUND_TURNS = [t["input"] for t in REFUND["turns"]]
CASE_ANSWERS = {c["turns"][0]["input"]: Behaviour("It ships tomorrow.", ["track_order"]) for c in CASES}


class InFlight:
    """Counts the agent's requests between arrival (the hook) and answer (its telemetry export)."""

    def __init__(self, agent: FixtureAgent, first: int) -> None:
        self.lock = threading.Lock()
        self.now = self.peak = 0
        # The first `first` requests are held until all have arrived: only concurrent sending passes.
        self.barrier = threading.Barrier(first, timeout=10)
        self.calls = 0
        answer = agent.telemetry
        agent.hook = self.arrived

        def answered(*args: Any) -> None:
            with self.lock:
                self.now -= 1
            answer(*args)

        agent.telemetry = answered  # type: ignore[method-assign]

    def arrived(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.calls += 1
            held = self.calls <= self.barrier.parties
        if held:
            self.barrier.wait()


def test_up_to_n_scenarios_are_sent_at_a_time_each_in_order_in_its_session(
    emulator: Any, control: Any, data: Any
) -> None:
    agent = FixtureAgent(emulator.endpoint, dict(ANSWERS, **CASE_ANSWERS), work_seconds=0.05)
    emulator.admin.map_agents({RUNTIME: agent.start()})
    flight = InFlight(agent, 3)
    emulator.admin.configure(dataset_parallel_scenarios=3)
    seen: list[tuple[int, int, int]] = []

    def observe() -> tuple[int, int, int]:
        emulator.admin.advance_clock(1)
        seen.append(counters(data.get_batch_evaluation(batchEvaluationId=job_id)))
        return seen[-1]

    try:
        job_id = start(data, dataset(control, emulator, [REFUND, *CASES, ORDER]))
        until(lambda: observe()[0] == 7, "all 7 scored")
        job = finished(emulator, data, job_id)
        found = records(emulator, job_id)
    finally:
        agent.stop()
    assert flight.peak == 3, "three scenarios in flight at a time, never more"
    assert counters(job) == (7, 0, 7) and job["status"] == "COMPLETED", job.get("errorDetails")
    scored = [s for s, _, _ in seen]
    assert scored == sorted(scored) and all(s + p <= t for s, p, t in seen), seen
    calls = [(s, body["prompt"]) for s, body in agent.seen if body["prompt"] in REFUND_TURNS]
    sessions = {s for s, _ in calls}
    assert len(sessions) == 1, "a scenario's turns share one session"
    assert [p for _, p in calls] == REFUND_TURNS, "in order"
    assert {r["session.id"] for r in found[("refund", "Builtin.Correctness")]} == sessions
    assert len({s for s, _ in agent.seen}) == 7


def test_a_stopped_run_lets_the_scenarios_in_flight_end_and_starts_no_other() -> None:
    from evalctl.emulator import dataset_jobs, jobs

    agent = FixtureAgent("http://127.0.0.1:9", dict(ANSWERS), export=False)  # nothing is scored anyway
    agent.start()
    cancel = threading.Event()
    both = threading.Barrier(2, action=cancel.set, timeout=10)  # Stop once both scenarios are in flight
    agent.answers.update(STEPS)
    agent.hook = lambda: both.wait() if len(agent.seen) <= 2 else None
    plan = {"examples": [REFUND, LONG, ORDER], "agentUrl": agent.url, "endpointArn": ENDPOINT_ARN,
            "template": '{"prompt": "{{turn.input}}"}', "agentTimeout": 5, "telemetryTimeout": 5,
            "pollSeconds": 0.05, "parallel": 2}  # fmt: skip
    source = {"serviceNames": [SERVICE], "logGroupNames": [LOG_GROUP]}
    try:
        outcome = dataset_jobs.run(
            jobs.JobSpec("us-east-1", source, [], [], None, dataset=plan, cancel=cancel)
        )
    finally:
        agent.stop()
    prompts = [body["prompt"] for _, body in agent.seen]
    assert sorted(prompts) == sorted([t["input"] for t in REFUND["turns"] + LONG["turns"]])
    assert [p for p in prompts if p in STEPS] == ["Step 1", "Step 2", "Step 3"]
    assert outcome["sessions"] == [], "after Stop nothing more is scored"


def test_scenarios_in_flight_at_a_restart_run_again_from_their_first_turn_in_a_fresh_session(
    tmp_path: Path,
) -> None:
    # Two at a time: REFUND finishes; LONG (after 2 of its 3 turns) and THIRD (its one turn answered but
    # not yet recorded) are in flight when the emulator stops; ORDER never started.
    held = {"Step 2", THIRD["turns"][0]["input"]}
    reached, release = threading.Barrier(3, timeout=20), threading.Event()
    first, handle = _serve(tmp_path)
    agent = FixtureAgent(handle.endpoint, dict(ANSWERS, **STEPS, **ADDRESS))

    def hook() -> None:
        if agent.seen[-1][1]["prompt"] in held:
            reached.wait()
            release.wait(20)

    export = agent.telemetry

    def telemetry(session: str, prompt: str, said: Behaviour) -> None:
        if prompt not in held:  # the held answers' emulator will be gone: their spans go nowhere
            export(session, prompt, said)

    agent.hook, agent.telemetry = hook, telemetry  # type: ignore[method-assign]
    try:
        handle.admin.map_agents({RUNTIME: agent.start()})
        handle.admin.configure(dataset_parallel_scenarios=2)  # saved in the job's plan
        control, data = handle.client("bedrock-agentcore-control"), handle.client("bedrock-agentcore")
        job_id = start(data, dataset(control, handle, [REFUND, LONG, THIRD, ORDER]))
        reached.wait()  # both held turns are at the agent
        stopping = threading.Thread(target=first.stop)
        stopping.start()
        until(first.core.closing.is_set, "the emulator closing")
        release.set()
        stopping.join(timeout=30)
        before = list(agent.seen)

        second, handle = _serve(tmp_path)  # its own default is one at a time; the job keeps two
        try:
            agent.otlp, agent.telemetry = handle.endpoint, export  # type: ignore[method-assign]
            flight = InFlight(agent, 2)
            data = handle.client("bedrock-agentcore")
            job = finished(handle, data, job_id)
            found = records(handle, job_id)
        finally:
            second.stop()
    finally:
        agent.stop()
    assert job["status"] == "COMPLETED", job.get("errorDetails")
    assert counters(job) == (4, 0, 4) and flight.peak == 2
    after = agent.seen[len(before) :]
    prompts = [body["prompt"] for _, body in after]
    assert sorted(prompts) == sorted(["Step 1", "Step 2", "Step 3", *held - {"Step 2"}, "Where is my order?"])
    assert [p for p in prompts if p in STEPS] == ["Step 1", "Step 2", "Step 3"]
    refund_before = {s for s, body in before if body["prompt"] in REFUND_TURNS}
    assert len(refund_before) == 1 and not {s for s, body in after if body["prompt"] in REFUND_TURNS}
    assert {r["session.id"] for r in found[("refund", "Builtin.Correctness")]} == refund_before
    for scenario, prompt in (("long", "Step 1"), ("third", THIRD["turns"][0]["input"])):
        old = {s for s, body in before if body["prompt"] == prompt}
        new = {s for s, body in after if body["prompt"] == prompt}
        assert len(old) == len(new) == 1 and old != new, f"a fresh session for {scenario}"
        assert {r["session.id"] for r in found[(scenario, "Builtin.Correctness")]} == new


@pytest.mark.parametrize("value", [0, -2])
def test_fewer_than_one_scenario_at_a_time_is_refused(emulator: Any, value: int) -> None:
    with pytest.raises(AdminRequestError, match="dataset_parallel_scenarios must be at least 1"):
        emulator.admin.configure(dataset_parallel_scenarios=value)
