"""Batch evaluation lifecycle, errors, idempotency and listing (clock-driven, no real waiting)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl.emulator import bridge
from tests.emulator.helpers import ROLE_ARN, error_code

SERVICE = "agent.DEFAULT"
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")


@pytest.fixture
def seeded(emulator: Any, span_fixtures: Any) -> list[str]:
    ids: list[str] = emulator.admin.seed([span_fixtures / f for f in FILES], SERVICE)
    return ids


def _start(data: Any, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "batchEvaluationName": "nightly",
        "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
        "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": [SERVICE]}},
        **overrides,
    }
    result: dict[str, Any] = data.start_batch_evaluation(**params)
    return result


def test_pending_in_progress_completed_follow_the_clock(emulator: Any, data: Any, seeded: list[str]) -> None:
    emulator.admin.configure(batch_pending_seconds=10, batch_session_seconds=100)
    job_id = _start(data)["batchEvaluationId"]
    get = lambda: data.get_batch_evaluation(batchEvaluationId=job_id)  # noqa: E731
    assert get()["status"] == "PENDING"
    emulator.admin.advance_clock(10)
    running = get()
    assert running["status"] == "IN_PROGRESS"
    assert running["evaluationResults"]["numberOfSessionsInProgress"] == len(seeded) == 1
    emulator.admin.advance_clock(100)
    done = get()
    assert done["status"] == "COMPLETED"
    assert done["evaluationResults"]["numberOfSessionsCompleted"] == 1
    # Two LangGraph turns, both answered, in one session: totalEvaluated counts sessions.
    (summary,) = done["evaluationResults"]["evaluatorSummaries"]
    assert (summary["evaluatorId"], summary["totalEvaluated"], summary["totalFailed"]) == (
        "Builtin.Helpfulness",
        1,
        0,
    )


def test_a_thirty_minute_job_takes_no_real_time(emulator: Any, data: Any, seeded: list[str]) -> None:
    emulator.admin.configure(batch_session_seconds=1800)
    job_id = _start(data)["batchEvaluationId"]
    emulator.admin.advance_clock(1000)
    assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "IN_PROGRESS"
    emulator.admin.advance_clock(1800)
    assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "COMPLETED"


def test_stop_then_delete(emulator: Any, data: Any, seeded: list[str]) -> None:
    job_id = _start(data)["batchEvaluationId"]
    stopped = data.stop_batch_evaluation(batchEvaluationId=job_id)
    assert stopped["status"] == "STOPPING"
    with pytest.raises(ClientError, match="is STOPPING; wait until it is STOPPED"):
        data.delete_batch_evaluation(batchEvaluationId=job_id)
    emulator.admin.advance_clock(2)
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert job["status"] == "STOPPED"
    assert job["evaluationResults"]["numberOfSessionsCompleted"] == 0
    assert data.delete_batch_evaluation(batchEvaluationId=job_id)["status"] == "DELETING"
    # A second delete is a conflict that does not tell the caller to stop a job being deleted.
    with pytest.raises(ClientError) as again:
        data.delete_batch_evaluation(batchEvaluationId=job_id)
    assert error_code(again) == "ConflictException"
    assert again.value.response["Error"]["Message"].endswith(f"{job_id} is already DELETING")
    emulator.admin.advance_clock(2)
    with pytest.raises(ClientError) as exc:
        data.get_batch_evaluation(batchEvaluationId=job_id)
    assert error_code(exc) == "ResourceNotFoundException"


def test_no_matching_sessions_fails_with_details(emulator: Any, data: Any) -> None:
    job_id = _start(data)["batchEvaluationId"]
    emulator.admin.advance_clock(60)
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert job["status"] == "FAILED"
    assert "No sessions" in job["errorDetails"][0]


def test_another_agents_runtime_events_are_not_its_sessions(
    emulator: Any, data: Any, seeded: list[str]
) -> None:
    # The default prefix covers every runtime's log group: the events of agent.DEFAULT must not
    # become sessions of a batch over other.DEFAULT (it scored them as one session before).
    job_id = _start(data, dataSourceConfig={"cloudWatchLogs": {"serviceNames": ["other.DEFAULT"]}})[
        "batchEvaluationId"
    ]
    emulator.admin.advance_clock(60)
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert job["status"] == "FAILED"
    assert "No sessions" in job["errorDetails"][0]


def test_a_judge_that_cannot_be_made_fails_the_job_with_the_reason(
    emulator: Any, data: Any, seeded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALCTL_JUDGE", "foo")
    bridge.set_judge(None)  # chosen again from EVALCTL_JUDGE on first use
    try:
        job_id = _start(data)["batchEvaluationId"]
        emulator.admin.advance_clock(60)
        job = data.get_batch_evaluation(batchEvaluationId=job_id)
    finally:
        bridge.set_judge(None)
    assert job["status"] == "FAILED"
    assert "EVALCTL_JUDGE='foo': expected offline, bedrock or openai" in job["errorDetails"][0]


def test_online_config_as_the_data_source(emulator: Any, control: Any, data: Any, seeded: list[str]) -> None:
    # The config reads the seeded runtime's group: spans without their events fail the session.
    config = control.create_online_evaluation_config(
        onlineEvaluationConfigName="live",
        rule={"samplingConfig": {"samplingPercentage": 10.0}},
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE],
                                             "logGroupNamePrefixes": ["/aws/bedrock-agentcore/runtimes/"]}},
        evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        evaluationExecutionRoleArn=ROLE_ARN,
        enableOnCreate=True,
    )  # fmt: skip
    source = {
        "onlineEvaluationConfigSource": {"onlineEvaluationConfigArn": config["onlineEvaluationConfigArn"]}
    }
    job_id = _start(data, dataSourceConfig=source)["batchEvaluationId"]
    emulator.admin.advance_clock(60)
    assert data.get_batch_evaluation(batchEvaluationId=job_id)["status"] == "COMPLETED"


def test_client_token_starts_one_job(data: Any, seeded: list[str]) -> None:
    first = _start(data, clientToken="c" * 40)
    second = _start(data, clientToken="c" * 40)
    assert first["batchEvaluationId"] == second["batchEvaluationId"]
    assert len(data.list_batch_evaluations()["batchEvaluations"]) == 1


def test_list_pages(emulator: Any, data: Any, conformance: Any) -> None:
    made = [_start(data, batchEvaluationName=f"b{i}")["batchEvaluationId"] for i in range(3)]
    first = data.list_batch_evaluations(maxResults=2)
    second = data.list_batch_evaluations(maxResults=2, nextToken=first["nextToken"])
    assert [j["batchEvaluationId"] for j in first["batchEvaluations"] + second["batchEvaluations"]] == made
    assert "nextToken" not in second
    assert "ListBatchEvaluations" in conformance.checked


def test_tags_on_batch_jobs(emulator: Any, data: Any) -> None:
    arn = _start(data, tags={"team": "qa"})["batchEvaluationArn"]
    control = emulator.client("bedrock-agentcore-control")
    assert control.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "qa"}


RUNTIME_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-0123456789/runtime-endpoint/e"
CONFIG_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:online-evaluation-config/x-0123456789"
LONG_TRACE_FILTER = {"sessionTraceIds": [{"sessionId": "s", "traceIds": ["a" * 33]}]}
LONG_TRACE_SOURCE = {"serviceNames": [SERVICE], "filterConfig": LONG_TRACE_FILTER}
DATASET = {
    "dataset": {"datasetId": "d"},
    "agentInvocation": {"agentCoreRuntime": {"agentRuntimeEndpointArn": RUNTIME_ARN}},
}
ERROR_CASES = [
    (
        "unknown evaluator is a validation error on Start",
        {"evaluators": [{"evaluatorId": "gone-0123456789"}]},
        "gone-0123456789",
    ),
    ("nothing to run", {"evaluators": []}, "At least one evaluator or insight"),
    ("unknown insight", {"insights": [{"insightId": "Builtin.Insight.Nope"}]}, "Unknown insight"),
    (
        "more than 10 evaluators",
        {"evaluators": [{"evaluatorId": "Builtin.Helpfulness"}] * 11},
        "Member must have length less than or equal to 10",
    ),
    ("name pattern", {"batchEvaluationName": "bad-name"}, "at 'batchEvaluationName'"),
    (
        "trace id longer than 32",
        {"dataSourceConfig": {"cloudWatchLogs": LONG_TRACE_SOURCE}},
        "Member must have length less than or equal to 32",
    ),
    (
        "a dataset run needs an existing dataset",
        {"datasetExecutionConfig": DATASET},
        "does not exist",
    ),
    (
        "unknown online config source",
        {"dataSourceConfig": {"onlineEvaluationConfigSource": {"onlineEvaluationConfigArn": CONFIG_ARN}}},
        "does not exist",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("reason", "overrides", "fragment"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_start_validation_errors(data: Any, reason: str, overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ClientError) as exc:
        _start(data, **overrides)
    assert error_code(exc) == "ValidationException", reason
    assert fragment in exc.value.response["Error"]["Message"], reason


def test_lifecycle_conflicts_quota_and_not_found(emulator: Any, data: Any) -> None:
    emulator.admin.configure(max_active_batches=1)
    job_id = _start(data)["batchEvaluationId"]
    with pytest.raises(ClientError) as exc:
        _start(data, batchEvaluationName="second")
    assert error_code(exc) == "ServiceQuotaExceededException"
    with pytest.raises(ClientError) as exc:
        data.delete_batch_evaluation(batchEvaluationId=job_id)
    assert error_code(exc) == "ConflictException"
    emulator.admin.advance_clock(60)
    with pytest.raises(ClientError) as exc:
        data.stop_batch_evaluation(batchEvaluationId=job_id)
    assert error_code(exc) == "ConflictException"
    for call in (data.get_batch_evaluation, data.stop_batch_evaluation, data.delete_batch_evaluation):
        with pytest.raises(ClientError) as exc:
            call(batchEvaluationId="gone-0123456789")
        assert error_code(exc) == "ResourceNotFoundException"
