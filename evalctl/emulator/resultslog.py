"""Write batch results as `gen_ai.evaluation.result` OTel log records (EMF) to CloudWatch Logs."""

from __future__ import annotations

import json
from typing import Any

from evalctl.emulator import cwlogs

NAMESPACE = "Bedrock-AgentCore/Evaluations"


def _attributes(result: dict[str, Any], job: dict[str, Any], level: str) -> dict[str, Any]:
    ctx = result["context"]["spanContext"]
    name = result["evaluatorName"]
    attributes: dict[str, Any] = {
        "event.name": "gen_ai.evaluation.result",
        "gen_ai.evaluation.name": name,
        "session.id": ctx["sessionId"],
        "gen_ai.response.id": ctx.get("traceId"),
        "aws.bedrock_agentcore.evaluator.id": result["evaluatorId"],
        "aws.bedrock_agentcore.evaluation_job.arn": job["batchEvaluationArn"],
        "aws.bedrock_agentcore.evaluation_job.name": job["batchEvaluationName"],
        "aws.bedrock_agentcore.evaluation_job.run_id": job["batchEvaluationId"],
        "aws.bedrock_agentcore.evaluation_level": level,
    }
    optional = {
        "span.id": ctx.get("spanId"),
        "gen_ai.evaluation.score.value": result.get("value"),
        "gen_ai.evaluation.score.label": result.get("label"),
        "gen_ai.evaluation.explanation": result.get("explanation"),
        "gen_ai.evaluation.dimension.name": result.get("evaluationDimensionName"),
        "error.type": result.get("errorCode"),
        "error.message": result.get("errorMessage"),
    }
    attributes.update(optional)
    return {k: v for k, v in attributes.items() if v is not None}


def record(result: dict[str, Any], job: dict[str, Any], level: str, time_ms: int) -> dict[str, Any]:
    """One log record for one result (one turn, tool call or session, one evaluator)."""
    name = result["evaluatorName"]
    doc: dict[str, Any] = {
        "timeUnixNano": time_ms * 1_000_000,
        "severityText": "ERROR" if "errorCode" in result else "INFO",
        "body": f"{name}: {result.get('label', result.get('errorCode', ''))}",
        "attributes": _attributes(result, job, level),
        "_aws": {
            "Timestamp": time_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["gen_ai.evaluation.name"]],
                    "Metrics": [{"Name": "score"}],
                }
            ],
        },
        "gen_ai.evaluation.name": name,
    }
    if result.get("value") is not None:
        doc["score"] = result["value"]
    return doc


def write(
    region: str, job: dict[str, Any], sessions: list[dict[str, Any]], levels: dict[str, str], time_ms: int
) -> int:
    """Append every result of `sessions` to the job's log stream; returns the number written."""
    cloudwatch = job["outputConfig"]["cloudWatchConfig"]
    events = [
        (time_ms, json.dumps(record(r, job, levels.get(r["evaluatorId"], "TRACE"), time_ms)))
        for session in sessions
        for r in session["results"]
    ]
    cwlogs.ensure_stream(region, cloudwatch["logGroupName"], cloudwatch["logStreamName"])
    if events:
        cwlogs.put_events(region, cloudwatch["logGroupName"], cloudwatch["logStreamName"], events)
    return len(events)
