"""RunResults builders: batch responses plus result logs, local replays, and the committed schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from evalctl.reports import schema as schema_module
from evalctl.reports.gates import evaluate_gates
from evalctl.reports.logrecords import parse_event
from evalctl.reports.models import RunResults
from evalctl.reports.results import from_batch, from_local

VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema_module.SCHEMA_PATH.read_text()))


def test_committed_schema_is_current():
    assert schema_module.SCHEMA_PATH.read_text() == schema_module.render(), (
        "results.schema.json drifted from the models; run: python -m evalctl.reports.schema --write"
    )


def test_from_batch_sample_is_valid_and_complete(sample_results):
    doc = sample_results.to_json_dict()
    VALIDATOR.validate(doc)
    assert doc["job"]["source"] == "emulator"
    assert [s["sessionId"] for s in doc["sessions"]] == [
        "sess-billing-01",
        "sess-billing-02",
        "sess-refund-03",
        "sess-refund-04",
    ]
    failed = doc["sessions"][3]["results"]
    assert failed == [
        {
            "evaluatorId": "Builtin.Helpfulness",
            "evaluatorName": "Builtin.Helpfulness",
            "level": "TRACE",
            "traceId": "t4a",
            "error": {"type": "ValidationException", "message": "span t4a has no matching runtime event"},
        }
    ]
    by_id = {e["id"]: e for e in doc["evaluators"]}
    assert by_id["response_tone-Xy12Ab34Cd"]["name"] == "response_tone", "custom name resolves to its id"
    assert by_id["Builtin.TrajectoryInOrderMatch"]["level"] == "SESSION"
    assert [c["kind"] for c in doc["insights"]["clusters"]] == ["failure", "userIntent"]
    assert doc["insights"]["clusters"][0]["rootCauses"][0]["sessions"] == ["sess-billing-02"]


def test_round_trip_through_json(sample_results):
    text = json.dumps(sample_results.to_json_dict())
    assert RunResults.from_json_dict(json.loads(text)) == sample_results


def test_evaluator_listed_but_never_reported_still_appears(sample_batch):
    response = dict(sample_batch["response"])
    response["evaluators"] = [*response["evaluators"], {"evaluatorId": "Builtin.Coherence"}]
    doc = from_batch(response, sample_batch["events"]).to_json_dict()
    row = next(e for e in doc["evaluators"] if e["id"] == "Builtin.Coherence")
    assert (row["evaluated"], row["failed"], "averageScore" in row) == (0, 0, False)


def test_summaries_come_from_the_log_when_the_response_has_none(sample_batch):
    response = {k: v for k, v in sample_batch["response"].items() if k != "evaluationResults"}
    doc = from_batch(response, sample_batch["events"]).to_json_dict()
    helpful = next(e for e in doc["evaluators"] if e["id"] == "Builtin.Helpfulness")
    values = [0.9, 0.8, 0.5, 0.33, 1.0]
    assert helpful["averageScore"] == pytest.approx(sum(values) / len(values))
    assert (helpful["evaluated"], helpful["failed"]) == (3, 1)


def _msg(record):
    return {"timestamp": 1, "message": json.dumps(record)}


BASE_ATTRS = {"gen_ai.evaluation.name": "Builtin.Helpfulness", "session.id": "s1"}

RECORD_CASES = [
    (
        "plain OTel record with attributes",
        _msg(
            {
                "name": "gen_ai.evaluation.result",
                "traceId": "t1",
                "attributes": {**BASE_ATTRS, "gen_ai.evaluation.score.value": 0.5},
            }
        ),
        {"session_id": "s1", "trace_id": "t1", "value": 0.5, "level": "TRACE"},
    ),
    (
        "EMF form: attributes flattened beside _aws",
        _msg(
            {
                **BASE_ATTRS,
                "_aws": {"CloudWatchMetrics": []},
                "gen_ai.response.id": "t9",
                "gen_ai.evaluation.score.value": 1,
            }
        ),
        {"session_id": "s1", "trace_id": "t9", "value": 1.0},
    ),
    (
        "an already-decoded record (no CloudWatch envelope)",
        {"attributes": {**BASE_ATTRS, "aws.bedrock_agentcore.evaluation_level": "Session"}},
        {"level": "SESSION", "trace_id": None},
    ),
    (
        "ToolCall level keeps the span id",
        _msg(
            {
                "traceId": "t1",
                "spanId": "sp1",
                "attributes": {**BASE_ATTRS, "aws.bedrock_agentcore.evaluation_level": "ToolCall"},
            }
        ),
        {"level": "TOOL_CALL", "span_id": "sp1", "trace_id": "t1"},
    ),
    (
        "the emulator's form: span.id and dimension as attributes, evaluator id attribute, EMF _aws",
        _msg(
            {
                "timeUnixNano": 1,
                "_aws": {"CloudWatchMetrics": []},
                "score": 0.5,
                "attributes": {
                    **BASE_ATTRS,
                    "event.name": "gen_ai.evaluation.result",
                    "gen_ai.response.id": "t1",
                    "span.id": "sp9",
                    "aws.bedrock_agentcore.evaluator.id": "tone-Ab12Cd34Ef",
                    "aws.bedrock_agentcore.evaluation_level": "TOOL_CALL",
                    "gen_ai.evaluation.dimension.name": "politeness",
                    "gen_ai.evaluation.score.value": 0.5,
                },
            }
        ),
        {
            "span_id": "sp9",
            "trace_id": "t1",
            "level": "TOOL_CALL",
            "evaluator_id": "tone-Ab12Cd34Ef",
            "dimension": "politeness",
        },
    ),
    (
        "a boolean score is not a number",
        _msg({"attributes": {**BASE_ATTRS, "gen_ai.evaluation.score.value": True}}),
        {"value": None},
    ),
    (
        "a numeric string score is read as a number",
        _msg({"attributes": {**BASE_ATTRS, "gen_ai.evaluation.score.value": "0.25"}}),
        {"value": 0.25},
    ),
    (
        "an evaluator ARN attribute gives the id",
        _msg(
            {
                "attributes": {
                    **BASE_ATTRS,
                    "aws.bedrock_agentcore.evaluator.arn": "arn:aws:x:evaluator/tone-Ab12Cd34Ef",
                }
            }
        ),
        {"evaluator_id": "tone-Ab12Cd34Ef"},
    ),
    (
        "errors carry type and message",
        _msg({"attributes": {**BASE_ATTRS, "error.type": "Timeout", "error.message": "judge timed out"}}),
        {"error_type": "Timeout", "error_message": "judge timed out"},
    ),
]


@pytest.mark.parametrize(("reason", "event", "expected"), RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_log_record_forms(reason, event, expected):
    result = parse_event(event)
    assert result is not None, reason
    assert {k: getattr(result, k) for k in expected} == expected, reason


SKIPPED = [
    ("not JSON", {"message": "START RequestId"}),
    ("another event name", _msg({"name": "gen_ai.client.inference", "attributes": BASE_ATTRS})),
    ("no session id", _msg({"attributes": {"gen_ai.evaluation.name": "X"}})),
    ("no evaluator name", _msg({"attributes": {"session.id": "s1"}})),
    ("a JSON list", {"message": "[1, 2]"}),
]


@pytest.mark.parametrize(("reason", "event"), SKIPPED, ids=[c[0] for c in SKIPPED])
def test_unreadable_records_are_skipped(reason, event):
    assert parse_event(event) is None, reason


def _content(evaluator, session, trace=None, span=None, value=None, label=None, error=None):
    context = {
        "spanContext": {
            "sessionId": session,
            **({"traceId": trace} if trace else {}),
            **({"spanId": span} if span else {}),
        }
    }
    out = {
        "evaluatorId": evaluator,
        "evaluatorName": evaluator,
        "evaluatorArn": f"arn:{evaluator}",
        "context": context,
    }
    if value is not None:
        out["value"] = value
    if label:
        out["label"] = label
    if error:
        out["errorCode"], out["errorMessage"] = error
    return out


def test_from_local_aggregates_like_the_service():
    triples = [
        ("s1", "code_eval", _content("code_eval", "s1", trace="t1", value=1.0, label="Pass")),
        ("s1", "code_eval", _content("code_eval", "s1", trace="t2", value=0.0, label="Fail")),
        ("s2", "code_eval", _content("code_eval", "s2", trace="t3", error=("LambdaError", "boom"))),
        (
            "s2",
            "Builtin.TrajectoryAnyOrderMatch",
            _content("Builtin.TrajectoryAnyOrderMatch", "s2", value=1.0),
        ),
        (
            "s1",
            "Builtin.ToolSelectionAccuracy",
            _content("Builtin.ToolSelectionAccuracy", "s1", "t1", "sp1", 0.5),
        ),
    ]
    results = from_local("replay", triples, created_at="2025-11-24T00:00:00+00:00")
    VALIDATOR.validate(results.to_json_dict())
    rows = {e.id: e for e in results.evaluators}
    assert (rows["code_eval"].averageScore, rows["code_eval"].evaluated, rows["code_eval"].failed) == (
        0.5,
        1,
        1,
    )
    assert rows["Builtin.TrajectoryAnyOrderMatch"].level == "SESSION"
    assert rows["Builtin.ToolSelectionAccuracy"].level == "TOOL_CALL"
    assert (results.job.status, results.job.sessionsFailed, results.job.sessionsCompleted) == (
        "COMPLETED_WITH_ERRORS",
        1,
        1,
    )
    assert results.job.id == "local-replay"


def test_local_results_feed_gates():
    triples = [
        ("s1", "e", _content("e", "s1", trace="t", value=0.4)),
        ("s2", "e", _content("e", "s2", trace="u", value=0.6)),
    ]
    results = from_local("replay", triples)
    verdicts = evaluate_gates(
        [{"evaluator": "e", "minAverageScore": 0.5}, {"minSessionsEvaluated": 2}],
        results.evaluation_results(),
    )
    assert [v.passed for v in verdicts] == [True, True]
    stored = results.with_gates([v.to_dict() for v in verdicts])
    VALIDATOR.validate(stored.to_json_dict())
    assert stored.to_json_dict()["gates"][0]["message"] == "e average 0.50 >= 0.50"


def test_empty_local_run_is_valid():
    results = from_local("nothing", [])
    VALIDATOR.validate(results.to_json_dict())
    assert (results.evaluators, results.sessions, results.job.totalSessions) == ([], [], 0)


def test_a_dataset_runs_sessions_are_listed_by_scenario_whatever_order_their_records_came_in():
    def record(session, scenario):
        attrs = {**BASE_ATTRS, "session.id": session, "gen_ai.evaluation.score.value": 1.0}
        return _msg(
            {"traceId": "t1", "attributes": {**attrs, "aws.bedrock_agentcore.test_scenario_id": scenario}}
        )

    finished = [("f0", "returns"), ("a9", "refund"), ("c3", "order-status")]  # as scenarios finished
    for events in (finished, finished[::-1]):
        doc = from_batch({"batchEvaluationId": "j"}, [record(s, n) for s, n in events]).to_json_dict()
        assert [s["scenarioId"] for s in doc["sessions"]] == ["order-status", "refund", "returns"]
