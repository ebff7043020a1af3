"""Seeding puts telemetry where the service looks; missing data fails jobs instead of being scored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalctl.emulator.seeding import runtime_of
from tests.emulator.helpers import make_online

ROOT = Path(__file__).resolve().parents[2]
SPANS = ROOT / "tests" / "data" / "spans"
STRANDS = [
    SPANS / "raw_otel_strands_bedrock_spans.json",
    SPANS / "raw_otel_strands_bedrock_runtime_logs.json",
]


def test_runtime_ids_keep_the_capture_suffix_or_derive_a_stable_one():
    arn = "arn:aws:bedrock-agentcore:us-east-1:1:runtime/test_eval_1-Ux9OE986P4/runtime-endpoint/DEFAULT:X"
    assert runtime_of("support_agent.DEFAULT", arn) == ("support_agent-Ux9OE986P4", "DEFAULT")
    assert runtime_of("my-agent.prod", None) == runtime_of("my-agent.prod", None)
    runtime, endpoint = runtime_of("my-agent.prod", None)
    assert runtime.startswith("my_agent-") and len(runtime) == len("my_agent-") + 10 and endpoint == "prod"


def test_seeded_events_land_in_the_runtime_group_named_by_cloud_resource_id(emulator: Any) -> None:
    emulator.admin.seed([str(p) for p in STRANDS], "support_agent.DEFAULT")
    logs = emulator.client("logs")
    group = "/aws/bedrock-agentcore/runtimes/support_agent-Ux9OE986P4-DEFAULT"
    names = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert group in names and "aws/spans" in names
    for name in (group, "aws/spans"):
        stream = logs.describe_log_streams(logGroupName=name)["logStreams"][0]["logStreamName"]
        for event in logs.get_log_events(logGroupName=name, logStreamName=stream)["events"][:20]:
            resource = json.loads(event["message"])["resource"]["attributes"]
            assert resource["aws.log.group.names"] == group
            assert resource["cloud.resource_id"].endswith(
                ":runtime/support_agent-Ux9OE986P4/runtime-endpoint/DEFAULT:DEFAULT"
            )
            assert resource["service.name"] == resource["aws.local.service"] == "support_agent.DEFAULT"


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ({"logGroupNames": ["/aws/bedrock-agentcore/runtimes/nope-ABCDEFGHIJ-DEFAULT"]}, "does not exist"),
        ({"logGroupNamePrefixes": ["/aws/bedrock-agentcore/runtimes/"]}, "No sessions"),
    ],
)
def test_missing_log_groups_and_empty_windows_fail_with_details(
    emulator: Any, source: dict[str, Any], fragment: str
):
    if "logGroupNamePrefixes" not in source:
        emulator.admin.seed([str(p) for p in STRANDS], "support_agent.DEFAULT")
    data = emulator.client("bedrock-agentcore")
    job_id = data.start_batch_evaluation(
        batchEvaluationName="missing",
        evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": ["support_agent.DEFAULT"], **source}},
    )["batchEvaluationId"]
    emulator.admin.advance_clock(600)
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert job["status"] == "FAILED"
    assert any(fragment in line for line in job["errorDetails"])
    assert job["evaluationResults"]["evaluatorSummaries"] == []


def test_spans_without_their_events_fail_the_session_instead_of_scoring_it(emulator: Any) -> None:
    """Scored, such a session read as "no assistant response" (0.0); Evaluate refuses the same input."""
    emulator.admin.seed([str(STRANDS[0])], "support_agent.DEFAULT")  # the spans alone
    group = "/aws/bedrock-agentcore/runtimes/support_agent-Ux9OE986P4-DEFAULT"
    emulator.client("logs").create_log_group(logGroupName=group)
    data = emulator.client("bedrock-agentcore")
    job_id = data.start_batch_evaluation(
        batchEvaluationName="bare_spans",
        evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        dataSourceConfig={
            "cloudWatchLogs": {"serviceNames": ["support_agent.DEFAULT"], "logGroupNames": [group]}
        },
    )["batchEvaluationId"]
    emulator.admin.advance_clock(600)
    job = data.get_batch_evaluation(batchEvaluationId=job_id)
    assert job["status"] == "FAILED"
    assert job["evaluationResults"]["numberOfSessionsFailed"] == 1
    assert "has spans but none of their events" in job["errorDetails"][0]
    (summary,) = job["evaluationResults"]["evaluatorSummaries"]
    assert "averageScore" not in summary.get("statistics", {}), "nothing was scored"


def test_an_online_config_creates_the_results_group_it_reports(emulator: Any) -> None:
    config = make_online(emulator.client("bedrock-agentcore-control"), ["Builtin.Helpfulness"])
    group = config["outputConfig"]["cloudWatchConfig"]["logGroupName"]
    assert group == f"/aws/bedrock-agentcore/evaluations/results/{config['onlineEvaluationConfigId']}"
    names = [g["logGroupName"] for g in emulator.client("logs").describe_log_groups()["logGroups"]]
    assert group in names
