"""BatchEvaluation and Gate providers: request building, diff, polling and judging, without any server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from components import batch_evaluation as batch
from components import gate as gate_mod
from evalctl.spec import mapping

SOURCE = {"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"], "logGroupNames": ["/aws/spans"]}}
SPEC = {
    "batchEvaluationName": "nightly_dev",
    "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
    "dataSourceConfig": SOURCE,
}
URN = "urn:pulumi:dev::evalctl::pulumi-python:dynamic/batch_evaluation:BatchEvaluation::b"


def with_lookback(value):
    logs = {**SOURCE["cloudWatchLogs"], "filterConfig": {"lookback": value, "sessionIds": ["s-1"]}}
    return {**SPEC, "dataSourceConfig": {"cloudWatchLogs": logs}}


def test_lookback_becomes_a_concrete_time_range_in_the_filter():
    now = datetime(2026, 3, 30, 12, 0, 7, 999, tzinfo=UTC)
    spec = with_lookback("2h")
    window = mapping.window(mapping.lookback_of(spec), now)
    assert window == {"startTime": "2026-03-30T10:00:07Z", "endTime": "2026-03-30T12:00:07Z"}
    request = batch.start_request(spec, "t" * 64, window)
    filters = request["dataSourceConfig"]["cloudWatchLogs"]["filterConfig"]
    assert filters == {"timeRange": window, "sessionIds": ["s-1"]}, "lookback is ours, never sent"
    assert spec["dataSourceConfig"]["cloudWatchLogs"]["filterConfig"]["lookback"] == "2h", "spec not mutated"


def test_ground_truth_sessions_become_session_metadata():
    session = {
        "sessionId": "s-1",
        "testScenarioId": "refund",
        "groundTruth": {"inline": {"assertions": [{"text": "refund issued"}]}},
    }
    spec = {**SPEC, "groundTruth": {"sessions": [session]}, "runKey": "r1", "wait": True, "gates": []}
    request = batch.start_request(spec, "t" * 64, None)
    assert request["evaluationMetadata"] == {"sessionMetadata": [session]}
    assert not {"groundTruth", "runKey", "wait", "gates"} & set(request), "our additions never reach AWS"
    assert request["clientToken"] == "t" * 64


ENDPOINT = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij" + (
    "/runtime-endpoint/DEFAULT"
)


def test_a_dataset_batch_maps_to_dataset_execution_config():
    """`dataset` (resolved by the stack to the Dataset's id and version), `agent` and `requestTemplate`."""
    ref = {"name": "support-cases", "version": "latest", "datasetId": "support_cases_dev-abcdefghij",
           "datasetVersion": "3"}  # fmt: skip
    template = '{"prompt": "{{turn.input}}", "channel": "eval"}'
    spec = {**SPEC, "dataset": ref, "agent": ENDPOINT, "requestTemplate": template}
    request = batch.start_request(spec, "t" * 64, None)
    assert request["datasetExecutionConfig"] == {
        "dataset": {"datasetId": "support_cases_dev-abcdefghij", "datasetVersion": "3"},
        "agentInvocation": {
            "agentCoreRuntime": {"agentRuntimeEndpointArn": ENDPOINT, "requestTemplate": template}
        },
    }
    assert not {"dataset", "agent", "requestTemplate"} & set(request), "our spelling never reaches AWS"
    assert request["dataSourceConfig"] == SOURCE, "botocore: a dataset batch still names its cloudWatchLogs"
    assert batch.BatchEvaluationProvider().check({}, {"spec": spec}).failures == []


def test_latest_omits_the_version_and_the_default_template_is_the_services():
    resolved = mapping.resolve_dataset(
        {"name": "support-cases", "version": "latest"}, "support_cases-abcdefghij"
    )
    request = mapping.start_request({**SPEC, "dataset": resolved, "agent": ENDPOINT}, None, None)
    config = request["datasetExecutionConfig"]
    assert config["dataset"] == {"datasetId": "support_cases-abcdefghij"}, "botocore: omitted means latest"
    assert "requestTemplate" not in config["agentInvocation"]["agentCoreRuntime"]
    pinned = mapping.resolve_dataset({"name": "support-cases", "version": 2}, "support_cases-abcdefghij")
    assert (
        mapping.dataset_execution({"dataset": pinned, "agent": ENDPOINT})["dataset"]["datasetVersion"] == "2"
    )


def test_a_dataset_batch_without_agent_or_id_is_refused_before_any_call():
    no_agent = {**SPEC, "dataset": {"name": "support-cases", "datasetId": "d-abcdefghij"}}
    assert [f.property for f in batch.BatchEvaluationProvider().check({}, {"spec": no_agent}).failures] == [
        "spec.agent"
    ]
    with pytest.raises(mapping.MappingError, match="has no AWS id"):
        mapping.start_request({**SPEC, "dataset": {"name": "support-cases"}, "agent": ENDPOINT}, None, None)


DIFF_CASES = [
    ({}, False, [], "unchanged spec: no diff at all"),
    ({"runKey": "2"}, True, ["spec"], "a changed runKey starts a new job"),
    ({"evaluators": [{"evaluatorId": "Builtin.Correctness"}]}, True, ["spec"], "a spec change replaces"),
    (
        {"dataSourceConfig": with_lookback("1h")["dataSourceConfig"]},
        True,
        ["spec"],
        "a new window, a new job",
    ),
    ({"wait": False}, True, [], "wait settings update in place"),
    ({"waitTimeoutSeconds": 60.0}, True, [], "so does the timeout"),
]


@pytest.mark.parametrize(("change", "changed", "replaces", "reason"), DIFF_CASES)
def test_diff(change, changed, replaces, reason):
    olds = {"spec": SPEC, "source": "b.yaml", "ownerUrn": URN, "status": "COMPLETED", "__provider": "x"}
    news = {"spec": {**SPEC, **change}, "source": "b.yaml", "ownerUrn": URN, "__provider": "y"}
    result = batch.BatchEvaluationProvider().diff("id", olds, news)
    assert (result.changes, result.replaces) == (changed, replaces), reason


CHECK_CASES = [
    ({"batchEvaluationName": "9bad"}, "spec.batchEvaluationName", "must start with a letter"),
    ({"evaluators": [{"evaluatorId": "Builtin.X"}] * 11}, "spec.evaluators", "the API takes 10"),
    ({"dataSourceConfig": None}, "spec.dataSourceConfig", "a source is required"),
    (with_lookback("soon"), "spec.dataSourceConfig.cloudWatchLogs.filterConfig.lookback", "not a duration"),
    ({"waitTimeoutSeconds": 0}, "spec.waitTimeoutSeconds", "must be positive"),
    ({"wait": "yes"}, "spec.wait", "must be a boolean"),
    ({"description": "x" * 201}, "spec.description", "the model caps it at 200"),
    ({"kmsKeyArn": "not-an-arn"}, "spec.kmsKeyArn", "the model's pattern"),
]


@pytest.mark.parametrize(("change", "prop", "reason"), CHECK_CASES)
def test_check_names_the_property(change, prop, reason):
    result = batch.BatchEvaluationProvider().check({}, {"spec": {**SPEC, **change}})
    assert [f.property for f in result.failures] == [prop], reason


def test_check_accepts_a_good_spec_and_unknown_names_in_preview():
    from pulumi.runtime.rpc import UNKNOWN

    assert batch.BatchEvaluationProvider().check({}, {"spec": SPEC}).failures == []
    unknown = {**SPEC, "batchEvaluationName": UNKNOWN}
    assert batch.BatchEvaluationProvider().check({}, {"spec": unknown}).failures == []


class FakeJobs:
    """A get_batch_evaluation that walks through a list of statuses, one per call."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = 0

    def get_batch_evaluation(self, batchEvaluationId):
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return {"batchEvaluationId": batchEvaluationId, "status": status}


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_poller_backs_off_until_terminal():
    jobs, clock = FakeJobs(["PENDING", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]), FakeClock()
    poller = batch.Poller(jobs, sleep=clock.sleep, clock=lambda: clock.now, first_delay=0.05)
    job = poller.until("j-1", batch.TERMINAL, 60)
    assert job["status"] == "COMPLETED" and jobs.calls == 5
    assert clock.sleeps == [0.05, 0.1, 0.2, 0.4], "delays double"


def test_poller_timeout_names_the_job_and_how_to_resume():
    jobs, clock = FakeJobs(["IN_PROGRESS"]), FakeClock()
    poller = batch.Poller(jobs, sleep=clock.sleep, clock=lambda: clock.now)
    with pytest.raises(batch.BatchWaitTimeout) as exc:
        poller.until("nightly-abcdef1234", batch.TERMINAL, 30)
    text = str(exc.value)
    assert "nightly-abcdef1234" in text and "IN_PROGRESS" in text and "pulumi up" in text
    assert clock.now == pytest.approx(30), "never sleeps past the deadline"
    assert max(clock.sleeps) <= 10.0


RESULTS = {
    "numberOfSessionsCompleted": 4.0,
    "numberOfSessionsFailed": 0.0,
    "evaluatorSummaries": [
        {"evaluatorId": "Builtin.Helpfulness", "statistics": {"averageScore": 0.62}, "totalEvaluated": 4.0},
        {"evaluatorId": "tone_dev-abcdef1234", "statistics": {"averageScore": 0.9}, "totalEvaluated": 4.0},
    ],
}


def gate_props(gates, **extra):
    return {"gates": gates, "batch_evaluation_id": "nightly-abcdef1234", "results": RESULTS, **extra}


def test_failed_gates_are_all_listed_with_the_job_id():
    gates = [
        {"evaluator": "Builtin.Helpfulness", "minAverageScore": 0.8},
        {"evaluator": "tone", "minAverageScore": 0.95},
        {"maxFailedSessions": 0},
    ]
    with pytest.raises(gate_mod.GateFailed) as exc:
        gate_mod.GateProvider().create(gate_props(gates, aliases={"tone": "tone_dev-abcdef1234"}))
    text = str(exc.value)
    assert "Builtin.Helpfulness average 0.62 < 0.80 in batch evaluation nightly-abcdef1234" in text
    assert "tone average 0.90 < 0.95 in batch evaluation nightly-abcdef1234" in text
    assert "2 of 3" in text and "failed sessions" not in text


def test_passing_gates_give_verdicts():
    gates = [{"evaluator": "Builtin.Helpfulness", "minAverageScore": 0.6}]
    created = gate_mod.GateProvider().create(gate_props(gates))
    assert created.outs["passed"] is True
    assert [v["passed"] for v in created.outs["verdicts"]] == [True]


GATE_DIFFS = [
    ({}, False, "same gates and results: nothing to judge"),
    ({"results": {**RESULTS, "numberOfSessionsFailed": 1.0}}, True, "new results are judged again"),
    ({"gates": [{"maxFailedSessions": 1}]}, True, "new thresholds are judged again"),
]


@pytest.mark.parametrize(("change", "changed", "reason"), GATE_DIFFS)
def test_gate_diff_updates_in_place(change, changed, reason):
    olds = gate_props([{"maxFailedSessions": 0}], verdicts=[], passed=True)
    result = gate_mod.GateProvider().diff("id", olds, {**gate_props([{"maxFailedSessions": 0}]), **change})
    assert (result.changes, result.replaces) == (changed, []), reason


def test_gate_check_names_the_bad_entry():
    result = gate_mod.GateProvider().check({}, {"gates": [{"maxFailedSessions": 0}, {"minAverageScore": 1}]})
    assert [f.property for f in result.failures] == ["gates[1]"]


def test_a_job_that_did_not_finish_fails_every_gate_with_its_status():
    props = gate_props([{"maxFailedSessions": 10}], status="FAILED")
    with pytest.raises(gate_mod.GateFailed, match="nightly-abcdef1234 ended FAILED"):
        gate_mod.GateProvider().create(props)
