"""Write `gen_ai.evaluation.result` records field for field in the recorded (EMF) shape."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evalctl.emulator import cwlogs
from evalctl.engine.model import EvaluatorDef
from evalctl.reports.logrecords import SCENARIO_ATTRIBUTE  # our addition: no recording shows one

NAMESPACE = "Bedrock-AgentCore/Evaluations"
RESULT_EVENT = "gen_ai.evaluation.result"
# The recording writes severityNumber 9 (INFO); failed results keep it, the error is an attribute.
SEVERITY_INFO = 9
LEVEL_NAMES = {"TRACE": "Trace", "SESSION": "Session", "TOOL_CALL": "ToolCall"}
_DIMENSIONS = [
    ["service.name"],
    ["label", "service.name"],
    ["service.name", "evaluationJobId"],
    ["label", "service.name", "evaluationJobId"],
]


@dataclass(frozen=True)
class Job:
    """Who wrote a result: a batch job (ARN, name, run id) or an online configuration."""

    arn: str
    name: str
    run_id: str
    namespace: str = NAMESPACE


@dataclass(frozen=True)
class Target:
    """What was evaluated: its service, and the time (ns) of the evaluated trace."""

    service_name: str
    time_unix_nano: int


def scale_kind(rating_scale: dict[str, Any]) -> str | None:
    """`Numerical` or `Categorical`, as the recorded `evaluator.rating_scale` attribute spells it."""
    for key in ("numerical", "categorical"):
        if rating_scale.get(key):
            return key.title()
    return "MultiDimensional" if rating_scale.get("multiDimensional") else None


def kinds(evaluators: Iterable[EvaluatorDef]) -> dict[str, tuple[str, str | None]]:
    """Evaluator id -> (level, rating scale kind): what a record says about its evaluator."""
    return {d.evaluator_id: (d.level, scale_kind(d.rating_scale)) for d in evaluators}


def _attributes(result: dict[str, Any], job: Job, level: str, scale: str | None) -> dict[str, Any]:
    ctx = result["context"]["spanContext"]
    attributes: dict[str, Any] = {
        "gen_ai.evaluation.name": result["evaluatorId"],
        "session.id": ctx["sessionId"],
        "gen_ai.response.id": ctx.get("traceId"),
        "gen_ai.evaluation.score.value": result.get("value"),
        "gen_ai.evaluation.explanation": result.get("explanation"),
        "gen_ai.evaluation.score.label": result.get("label"),
        "gen_ai.evaluation.dimension.name": result.get("evaluationDimensionName"),
        "gen_ai.evaluation.error": result.get("errorMessage"),
        "error.type": result.get("errorCode"),
        "aws.bedrock_agentcore.evaluation_job.arn": job.arn,
        "aws.bedrock_agentcore.evaluation_job.name": job.name,
        "aws.bedrock_agentcore.evaluation_job.run_id": job.run_id,
        "aws.bedrock_agentcore.evaluator.arn": result["evaluatorArn"],
        "aws.bedrock_agentcore.evaluator.rating_scale": scale,
        "aws.bedrock_agentcore.evaluation_level": LEVEL_NAMES.get(level, level.title()),
    }
    return {k: v for k, v in attributes.items() if v is not None}


def record(
    result: dict[str, Any], job: Job, target: Target, kind: tuple[str, str | None], now_ms: int
) -> dict[str, Any]:
    """One record for one result; `kind` is the evaluator's (level, rating scale kind)."""
    level, scale = kind
    ctx = result["context"]["spanContext"]
    metric = result["evaluatorId"]
    label = str(result.get("label") or ("Error" if "errorCode" in result else ""))
    doc: dict[str, Any] = {
        "resource": {
            "attributes": {
                "aws.service.type": "gen_ai_agent",
                "aws.local.service": target.service_name,
                "service.name": target.service_name,
            }
        },
        "traceId": ctx.get("traceId") or "",
        "timeUnixNano": target.time_unix_nano,
        "observedTimeUnixNano": now_ms * 1_000_000,
        "severityNumber": SEVERITY_INFO,
        "name": RESULT_EVENT,
        "attributes": _attributes(result, job, level, scale),
        "evaluationJobId": job.arn,
        "runId": job.run_id,
        "service.name": target.service_name,
        "label": label,
    }
    if ctx.get("spanId"):
        doc["spanId"] = ctx["spanId"]
    if result.get("value") is None:
        return doc  # no value, no metric: EMF needs a number under the metric's key
    doc["_aws"] = {
        "Timestamp": target.time_unix_nano // 1_000_000,
        "CloudWatchMetrics": [
            {
                "Namespace": job.namespace,
                "Dimensions": _DIMENSIONS,
                "Metrics": [{"Name": metric, "Unit": "None"}],
            }
        ],
    }
    doc[metric] = float(result["value"])
    return doc


def session_target(session: dict[str, Any], result: dict[str, Any], fallback_ns: int) -> Target:
    """The target of a result in a stored session outcome (service, trace time)."""
    times: dict[str, int] = session.get("traceTimes") or {}
    trace_id = result["context"]["spanContext"].get("traceId")
    when = times.get(trace_id) if trace_id else max(times.values(), default=None)
    return Target(str(session.get("serviceName") or "unknown_service"), int(when or fallback_ns))


def write_records(region: str, group: str, stream: str, records: list[dict[str, Any]]) -> int:
    """Append records (stamped with their observed time) to a stream, creating it if needed."""
    cwlogs.ensure_stream(region, group, stream)
    events = [(r["observedTimeUnixNano"] // 1_000_000, json.dumps(r)) for r in records]
    if events:
        cwlogs.put_events(region, group, stream, events)
    return len(events)


def write(
    region: str,
    job: dict[str, Any],
    sessions: list[dict[str, Any]],
    kinds: dict[str, tuple[str, str | None]],
    time_ms: int,
) -> int:
    """Append every result of a batch job's `sessions` to its output stream; returns the count.

    `kinds` maps evaluator id to (level, rating scale kind). Jobs without an output
    configuration (insights only) write nothing.
    """
    cloudwatch = (job.get("outputConfig") or {}).get("cloudWatchConfig")
    if not cloudwatch:
        return 0
    who = Job(
        job["batchEvaluationArn"], job["batchEvaluationName"], job["batchEvaluationId"],
        job.get("_namespace") or NAMESPACE,
    )  # fmt: skip
    records = []
    for session in sessions:
        for result in session["results"]:
            kind = kinds.get(result["evaluatorId"], ("TRACE", None))
            target = session_target(session, result, time_ms * 1_000_000)
            written = record(result, who, target, kind, time_ms)
            if session.get("scenarioId"):  # a dataset job: which scenario the session ran (README)
                written["attributes"][SCENARIO_ATTRIBUTE] = session["scenarioId"]
            records.append(written)
    return write_records(region, cloudwatch["logGroupName"], cloudwatch["logStreamName"], records)
