"""Dataset batches: StartBatchEvaluation with datasetExecutionConfig invokes a real local HTTP agent per
scenario turn, waits for its OTLP telemetry and scores each session with the scenario's ground truth."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.fixture_agent import ENDPOINT_ARN, LOG_GROUP, RUNTIME, SERVICE, Behaviour, FixtureAgent

PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"
RESULTS = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"
ANSWERS = {
    "How long do I have to return shoes?": Behaviour("You have 30 days to return shoes.", ["lookup_policy"]),
    "And do I get my money back?": Behaviour("Yes, a full refund.", ["lookup_policy", "refund"]),
    "Where is my order?": Behaviour("It ships tomorrow.", ["track_order"]),
}
REFUND = {
    "scenario_id": "refund",
    "turns": [
        {
            "input": "How long do I have to return shoes?",
            "expected_response": "You have 30 days to return shoes.",
        },
        {"input": "And do I get my money back?", "expected_response": "Yes, a full refund."},
    ],
    "expected_trajectory": ["lookup_policy", "refund"],
}
ORDER = {
    "scenario_id": "order",
    "turns": [{"input": "Where is my order?", "expected_response": "Your order arrives on Monday."}],
    "expected_trajectory": ["cancel_order"],
}
EVALUATORS = ["Builtin.Correctness", "Builtin.TrajectoryInOrderMatch"]


@pytest.fixture
def agent(emulator: Any) -> Iterator[FixtureAgent]:
    running = FixtureAgent(emulator.endpoint, dict(ANSWERS))
    url = running.start()
    emulator.admin.map_agents({RUNTIME: url})
    yield running
    running.stop()


def dataset(control: Any, emulator: Any, examples: list[dict[str, Any]], publish: bool = True) -> str:
    made = control.create_dataset(
        datasetName="support_cases", schemaType=PREDEFINED, source={"inlineExamples": {"examples": examples}}
    )
    emulator.admin.advance_clock(1)
    if publish:
        control.create_dataset_version(datasetId=made["datasetId"])
        emulator.admin.advance_clock(1)
    return str(made["datasetId"])


def start(
    data: Any, dataset_id: str, arn: str = ENDPOINT_ARN, version: str | None = None, **runtime: Any
) -> str:
    source = {"datasetId": dataset_id, **({"datasetVersion": version} if version else {})}
    config = {
        "dataset": source,
        "agentInvocation": {"agentCoreRuntime": {"agentRuntimeEndpointArn": arn, **runtime}},
    }
    job = data.start_batch_evaluation(
        batchEvaluationName="regression",
        evaluators=[{"evaluatorId": e} for e in EVALUATORS],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": [LOG_GROUP]}},
        datasetExecutionConfig=config,
    )
    return str(job["batchEvaluationId"])


def finished(emulator: Any, data: Any, job_id: str, limit: float = 30.0) -> dict[str, Any]:
    """Poll GetBatchEvaluation (advancing emulator time) until the job is terminal, within `limit`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        emulator.admin.advance_clock(5)
        job: dict[str, Any] = data.get_batch_evaluation(batchEvaluationId=job_id)
        if job["status"] not in ("PENDING", "IN_PROGRESS"):
            return job
    raise AssertionError(f"job {job_id} did not finish within {limit} s")


def records(emulator: Any, job_id: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Result records by (scenario id, evaluator id)."""
    events = emulator.client("logs").get_log_events(logGroupName=RESULTS, logStreamName=f"run-{job_id}")
    by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event in events["events"]:
        attrs = json.loads(event["message"])["attributes"]
        key = (attrs["aws.bedrock_agentcore.test_scenario_id"], attrs["gen_ai.evaluation.name"])
        by.setdefault(key, []).append(attrs)
    return by


def test_each_scenario_runs_in_its_own_session_and_is_scored_with_its_ground_truth(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    job_id = start(
        data,
        dataset(control, emulator, [REFUND, ORDER]),
        requestTemplate='{"prompt": "{{turn.input}}", "channel": "eval"}',
    )
    job = finished(emulator, data, job_id)
    assert job["status"] == "COMPLETED", job.get("errorDetails")
    assert job["datasetExecutionDetails"]["dataset"]["datasetVersion"] == "1"
    assert job["evaluationResults"]["numberOfSessionsCompleted"] == 2
    # Turns in order, one session per scenario, the template filled with the turn's input.
    sessions = [s for s, _ in agent.seen]
    assert sessions[0] == sessions[1] != sessions[2] and len(sessions[0]) >= 33
    assert agent.seen[0][1] == {"prompt": REFUND["turns"][0]["input"], "channel": "eval"}
    found = records(emulator, job_id)
    correctness = [r["gen_ai.evaluation.score.value"] for r in found[("refund", "Builtin.Correctness")]]
    assert correctness == [1.0, 1.0]  # both turns answered exactly as expected
    assert found[("order", "Builtin.Correctness")][0]["gen_ai.evaluation.score.value"] < 0.5
    assert found[("refund", "Builtin.TrajectoryInOrderMatch")][0]["gen_ai.evaluation.score.value"] == 1.0
    assert found[("order", "Builtin.TrajectoryInOrderMatch")][0]["gen_ai.evaluation.score.value"] == 0.0
    assert {r["session.id"] for r in found[("refund", "Builtin.Correctness")]} == {sessions[0]}


def test_an_agent_that_is_down_fails_every_scenario_with_the_reason(
    emulator: Any, control: Any, data: Any
) -> None:
    emulator.admin.map_agents({RUNTIME: "http://127.0.0.1:9"})  # the discard port: nothing listens
    job = finished(emulator, data, start(data, dataset(control, emulator, [REFUND, ORDER])))
    assert job["status"] == "FAILED"
    assert job["evaluationResults"]["numberOfSessionsFailed"] == 2
    (detail,) = job["errorDetails"]
    assert detail.startswith("2 of 2 scenario(s) failed: refund (session ")
    assert "AgentInvocationError: turn 1 of 2: The agent at http://127.0.0.1:9 could not be reached" in detail


def test_agent_errors_and_timeouts_are_reported_per_scenario(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    # The others answer well within 2 s even on a loaded machine; "slow" never answers by itself.
    emulator.admin.configure(agent_timeout_seconds=2.0)
    failing = {"scenario_id": "broken", "turns": [{"input": "fail"}]}
    slow = {"scenario_id": "slow", "turns": [{"input": "slow"}]}
    job_id = start(data, dataset(control, emulator, [REFUND, failing, slow]))
    job = finished(emulator, data, job_id)
    assert job["status"] == "COMPLETED_WITH_ERRORS"
    results = job["evaluationResults"]
    assert (results["numberOfSessionsCompleted"], results["numberOfSessionsFailed"]) == (1, 2)
    (detail,) = job["errorDetails"]
    assert "broken (session" in detail and "answered HTTP 500" in detail
    assert "slow (session" in detail and "did not answer within 2 s" in detail
    failed = records(emulator, job_id)[("slow", "Builtin.Correctness")][0]
    assert failed["error.type"] == "AgentInvocationError"


def test_telemetry_exported_after_the_answer_is_waited_for(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    agent.export_delay = 0.3  # every answer's spans arrive later, as from a batching exporter
    job = finished(emulator, data, start(data, dataset(control, emulator, [REFUND, ORDER])))
    assert job["status"] == "COMPLETED", job.get("errorDetails")
    assert job["evaluationResults"]["numberOfSessionsCompleted"] == 2


def test_a_trace_read_mid_export_is_awaited_until_its_root_span(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    # The answer arrives first, the tool spans and the root later: scored at the answer, the refund
    # scenario's trajectory would be empty (a 0.0 that flapped under load on the real example agent).
    agent.export_delay, agent.staged_seconds = 0.05, 0.5
    job_id = start(data, dataset(control, emulator, [REFUND]))
    job = finished(emulator, data, job_id)
    assert job["status"] == "COMPLETED", job.get("errorDetails")
    found = records(emulator, job_id)
    assert found[("refund", "Builtin.TrajectoryInOrderMatch")][0]["gen_ai.evaluation.score.value"] == 1.0


def test_missing_telemetry_is_a_timeout_not_a_hang(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    agent.export = False
    emulator.admin.configure(dataset_telemetry_seconds=0.3)
    job = finished(emulator, data, start(data, dataset(control, emulator, [ORDER])))
    assert job["status"] == "FAILED"
    assert "TelemetryTimeout: traces of 0 of 1 turn(s) arrived within 0.3 s" in job["errorDetails"][0]


def test_a_judge_that_cannot_be_made_fails_the_dataset_job_with_the_reason(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalctl.emulator import bridge

    monkeypatch.setenv("EVALCTL_JUDGE", "foo")
    bridge.set_judge(None)  # chosen again from EVALCTL_JUDGE on first use
    try:
        job_id = start(data, dataset(control, emulator, [REFUND, ORDER]))
        job = finished(emulator, data, job_id)
        again = data.get_batch_evaluation(batchEvaluationId=job_id)  # stays answerable, not a 500
    finally:
        bridge.set_judge(None)
    assert job["status"] == again["status"] == "FAILED"
    assert "EVALCTL_JUDGE='foo': expected offline, bedrock or openai" in job["errorDetails"][0]


def test_a_scorer_raising_mid_run_keeps_the_scenarios_scored_before(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalctl.emulator import jobs

    score = jobs.score_session

    def flaky(spec: Any, session: Any, metadata: dict[str, Any] | None) -> Any:
        if (metadata or {})["sessionMetadata"][0]["testScenarioId"] == "order":
            raise RuntimeError("scorer broke on order")
        return score(spec, session, metadata)

    monkeypatch.setattr(jobs, "score_session", flaky)
    job = finished(emulator, data, start(data, dataset(control, emulator, [REFUND, ORDER])))
    assert job["status"] == "FAILED"
    assert job["errorDetails"] == ["Could not evaluate sessions: scorer broke on order"]
    results = job["evaluationResults"]
    assert (results["numberOfSessionsCompleted"], results["totalNumberOfSessions"]) == (1, 2)


def test_stop_answers_at_once_and_no_further_scenario_is_invoked(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    slow = {"scenario_id": "slow", "turns": [{"input": "slow"}]}
    job_id = start(data, dataset(control, emulator, [slow, ORDER]))
    emulator.admin.advance_clock(5)
    assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "IN_PROGRESS"
    assert data.stop_batch_evaluation(batchEvaluationId=job_id)["status"] == "STOPPING"
    emulator.admin.advance_clock(5)
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert (job["status"], job["evaluationResults"]["numberOfSessionsCompleted"]) == ("STOPPED", 0)


def test_a_stopped_run_sends_no_further_scenario(agent: FixtureAgent) -> None:
    from evalctl.emulator import dataset_jobs, jobs

    cancel = threading.Event()
    agent.hook = cancel.set  # Stop arrives while the first scenario runs
    plan = {"examples": [REFUND, ORDER], "agentUrl": agent.url, "endpointArn": ENDPOINT_ARN,
            "template": '{"prompt": "{{turn.input}}"}', "agentTimeout": 5, "telemetryTimeout": 5,
            "pollSeconds": 0.05}  # fmt: skip
    source = {"serviceNames": [SERVICE], "logGroupNames": [LOG_GROUP]}
    spec = jobs.JobSpec("us-east-1", source, [], [], None, dataset=plan, cancel=cancel)
    outcome = dataset_jobs.run(spec)
    prompts = [body["prompt"] for _, body in agent.seen]
    assert prompts == [t["input"] for t in REFUND["turns"]], "the started scenario ends; ORDER never starts"
    assert outcome["sessions"] == [], "after Stop nothing more is scored"


def _refused(data: Any, dataset_id: str, datasetVersion: str | None = None, **runtime: Any) -> str:
    with pytest.raises(ClientError) as refused:
        start(data, dataset_id, version=datasetVersion, **runtime)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    return str(refused.value.response["Error"]["Message"])


def test_start_checks_dataset_version_agent_and_template(
    emulator: Any, control: Any, data: Any, agent: FixtureAgent
) -> None:
    draft_only = dataset(control, emulator, [ORDER], publish=False)
    assert "no published version" in _refused(data, draft_only)
    assert "does not exist" in _refused(data, "missing_dataset-abcdefghij")
    simulated = control.create_dataset(
        datasetName="actors", schemaType="AGENTCORE_EVALUATION_SIMULATED_V1",
    )["datasetId"]  # fmt: skip
    assert "predefined evaluation schema" in _refused(data, simulated)
    twice = '{"a": "{{turn.input}}", "b": "{{turn.input}}"}'
    assert "exactly once" in _refused(data, draft_only, requestTemplate=twice)
    control.create_dataset_version(datasetId=draft_only)
    emulator.admin.advance_clock(1)
    assert "has no version 7" in _refused(data, draft_only, datasetVersion="7")
    assert "can't run the DRAFT" in _refused(data, draft_only, datasetVersion="DRAFT")
    other = ENDPOINT_ARN.replace("support_agent", "other_agent")
    assert "--agent arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent" in _refused(
        data, draft_only, arn=other
    )
    elsewhere = ENDPOINT_ARN.replace("123456789012", "210987654321")
    assert "account and Region" in _refused(data, draft_only, arn=elsewhere)
