"""Contract with the real service's recordings: result records and GetBatchEvaluation shapes."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from evalctl.reports.logrecords import parse_event
from evalctl.reports.results import from_batch

ROOT = Path(__file__).resolve().parents[2]
# Copies of shared/fixtures (real service responses and agent captures) so CI always runs these.
RECORDINGS = ROOT / "tests" / "data" / "aws-recordings"
CAPTURES = ROOT / "tests" / "data" / "spans"
STRANDS = [
    CAPTURES / "raw_otel_strands_bedrock_spans.json",
    CAPTURES / "raw_otel_strands_bedrock_runtime_logs.json",
]
SERVICE = "test_eval_1.DEFAULT"


def _recorded(name: str) -> Any:
    return json.loads((RECORDINGS / name).read_text())


def _dates(value: Any) -> Any:
    """The recorder's `{"$date": ...}` markers as datetimes, as boto3 returns them."""
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return dt.datetime.fromisoformat(value["$date"].replace("Z", "+00:00"))
        return {k: _dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v) for v in value]
    return value


def _run_batch(emulator: Any, **extra: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    emulator.admin.seed([str(p) for p in STRANDS], SERVICE)
    data = emulator.client("bedrock-agentcore")
    started = data.start_batch_evaluation(
        batchEvaluationName="contract",
        evaluators=[{"evaluatorId": "Builtin.Helpfulness"}, {"evaluatorId": "Builtin.GoalSuccessRate"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": [
            "/aws/bedrock-agentcore/runtimes/test_eval_1-Ux9OE986P4-DEFAULT"]}},
        **extra,
    )  # fmt: skip
    emulator.admin.advance_clock(600)
    job = data.get_batch_evaluation(batchEvaluationId=started["batchEvaluationId"])
    cw = job["outputConfig"]["cloudWatchConfig"]
    logs = emulator.client("logs")
    events = logs.get_log_events(logGroupName=cw["logGroupName"], logStreamName=cw["logStreamName"])["events"]
    return job, [json.loads(e["message"]) for e in events]


def _kind(value: Any) -> str:
    """A value's JSON type, with the formats the recording pins (hex ids, nanosecond times, ARNs)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        for name, pattern in (("hex32", r"[0-9a-f]{32}"), ("arn", r"arn:aws:.*")):
            if re.fullmatch(pattern, value):
                return name
        return "string"
    return type(value).__name__


def test_every_recorded_key_exists_in_our_records_with_the_same_type_and_format(emulator):
    recorded = _recorded("batch_result_log_event.json")
    job, records = _run_batch(emulator)
    assert job["status"] == "COMPLETED" and records
    ours = records[0]
    for key, value in recorded.items():
        assert key in ours or key == "Builtin.Correctness", f"top-level {key} missing"
        if key in ours:
            assert type(ours[key]) is type(value) or _kind(ours[key]) == _kind(value), key
    metric = ours["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]
    assert isinstance(ours[metric], float)
    assert ours["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Bedrock-AgentCore/Evaluations"
    assert (
        ours["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
        == recorded["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    )
    assert set(recorded["resource"]["attributes"]) <= set(ours["resource"]["attributes"])
    for key, value in recorded["attributes"].items():
        assert key in ours["attributes"], f"attribute {key} missing"
        assert _kind(ours["attributes"][key]) == _kind(value), key
    assert ours["attributes"]["aws.bedrock_agentcore.evaluation_level"] == "Trace"
    assert ours["severityNumber"] == 9 and ours["name"] == "gen_ai.evaluation.result"
    assert ours["traceId"] == ours["attributes"]["gen_ai.response.id"]
    # timeUnixNano is the evaluated trace's time, earlier than the write time.
    assert ours["timeUnixNano"] < ours["observedTimeUnixNano"]
    assert ours["evaluationJobId"] == job["batchEvaluationArn"] and ours["runId"] == job["batchEvaluationId"]


def test_the_metrics_namespace_and_source_log_group_are_honoured(emulator):
    group = "/aws/bedrock-agentcore/runtimes/test_eval_1-Ux9OE986P4-DEFAULT"
    config = {"cloudWatchConfig": {"metricsNamespace": "Team/Evals", "resultDestination": "SOURCE_LOG_GROUP"}}
    job, records = _run_batch(emulator, outputConfig=config)
    assert job["outputConfig"]["cloudWatchConfig"]["logGroupName"] == group
    assert records and {r["_aws"]["CloudWatchMetrics"][0]["Namespace"] for r in records} == {"Team/Evals"}


def test_our_readers_read_the_recorded_record():
    parsed = parse_event({"message": json.dumps(_recorded("batch_result_log_event.json"))})
    assert parsed is not None
    assert (parsed.evaluator_id, parsed.level, parsed.value, parsed.label) == (
        "Builtin.Correctness", "TRACE", 1.0, "Correct")  # fmt: skip
    assert parsed.trace_id == "6a6a4b30737b856660b6a2c37e1c4b93"


def test_the_recorded_get_batch_evaluation_parses_through_our_results_model():
    response = _dates(_recorded("get_batch_evaluation.json"))
    event = {"message": json.dumps(_recorded("batch_result_log_event.json"))}
    results = from_batch(response, [event])
    assert results.job.status == "COMPLETED" and results.job.totalSessions == 9
    assert [e.id for e in results.evaluators] == ["Builtin.Helpfulness", "Builtin.Correctness"]
    assert results.sessions[0].sessionId.startswith("baseline-session-3")


def test_ids_and_listings_are_shaped_like_the_recordings(emulator):
    recorded = _recorded("get_batch_evaluation.json")
    assert re.fullmatch(r".+-[0-9a-f]{10}", recorded["batchEvaluationId"])
    job, _ = _run_batch(emulator)
    assert re.fullmatch(r"contract-[0-9a-f]{10}", job["batchEvaluationId"])
    listed = emulator.client("bedrock-agentcore").list_batch_evaluations()["batchEvaluations"]
    assert listed and all("evaluationResults" not in item for item in listed)
