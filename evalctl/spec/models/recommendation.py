"""Recommendation: a system-prompt or tool-description recommendation, run as a job like a batch."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalctl.service_models import DATA, input_shape
from evalctl.spec.models.api import Generator, Tailoring, anchored
from evalctl.spec.models.common import EvaluatorRef, document_model
from evalctl.spec.models.evaluation import LOOKBACK_PATTERN

REQUEST = "StartRecommendation"


def _meta(*path: str) -> dict[str, Any]:
    """Limits and pattern of a StartRecommendation member, straight from botocore's model."""
    shape: Any = input_shape(DATA, REQUEST)
    for part in path:
        step = {"[]": "member", "{}": "value", "{k}": "key"}.get(part)
        shape = getattr(shape, step) if step else shape.members[part]
    return dict(shape.metadata)


def _limits(*path: str) -> dict[str, Any]:
    meta = _meta(*path)
    out: dict[str, Any] = {}
    if "min" in meta:
        out["minLength"] = meta["min"]
    if "max" in meta:
        out["maxLength"] = meta["max"]
    if "pattern" in meta:
        out["pattern"] = anchored(str(meta["pattern"]))
    return out


PROMPT = ("recommendationConfig", "systemPromptRecommendationConfig")
TOOLS = ("recommendationConfig", "toolDescriptionRecommendationConfig")
TRACES = (*PROMPT, "agentTraces")
TOOL = (*TOOLS, "toolDescription", "toolDescriptionText", "tools", "[]")
TIME = Field(
    None,
    description="ISO 8601 date-time, e.g. 2026-11-24T00:00:00Z (with the other end of the window).",
    json_schema_extra={"format": "date-time"},
)
LOOKBACK = Field(
    None,
    description="Instead of startTime/endTime: the window ending when the job starts, e.g. 1d, 12h, 30m.",
    json_schema_extra={"pattern": LOOKBACK_PATTERN},
)


def _rule() -> Any:
    shape = input_shape(DATA, REQUEST)
    for part in (*TRACES, "cloudwatchLogs", "rule"):
        shape = shape.members[part]
    return Generator(Tailoring()).model(shape)


class CloudWatchTraces(BaseModel):
    """Agent traces read from CloudWatch Logs (CloudWatchLogsTraceConfig)."""

    model_config = ConfigDict(extra="forbid", title="RecommendationCloudWatchTraces")
    logGroupArns: list[str] = Field(
        description="ARNs of the log groups holding the agent's traces.",
        min_length=_meta(*TRACES, "cloudwatchLogs", "logGroupArns")["min"],
        max_length=_meta(*TRACES, "cloudwatchLogs", "logGroupArns")["max"],
    )
    serviceNames: list[str] = Field(
        description="The agent's service.name in its traces (exactly one).",
        min_length=_meta(*TRACES, "cloudwatchLogs", "serviceNames")["min"],
        max_length=_meta(*TRACES, "cloudwatchLogs", "serviceNames")["max"],
        json_schema_extra={"items": _limits(*TRACES, "cloudwatchLogs", "serviceNames", "[]")},
    )
    startTime: str | None = TIME
    endTime: str | None = TIME
    lookback: str | None = LOOKBACK
    rule: _rule() | None = Field(None, description="Filters on span attributes.")  # type: ignore[valid-type]


class OnlineTraces(BaseModel):
    """The sessions an online evaluation scored in a time window (OnlineEvaluationTraceConfig)."""

    model_config = ConfigDict(extra="forbid", title="RecommendationOnlineTraces")
    config: str = Field(
        description="An OnlineEvaluation spec's metadata.name, or an online evaluation config ARN.",
        min_length=1,
        max_length=2048,
    )
    startTime: str | None = TIME
    endTime: str | None = TIME
    lookback: str | None = LOOKBACK


class AgentTraces(BaseModel):
    """Where the traces come from: exactly one source."""

    model_config = ConfigDict(extra="forbid", title="RecommendationAgentTraces")
    sessionSpansFiles: list[str] | None = Field(
        None,
        description="JSON files (relative to the spec) of OpenTelemetry span and log documents, or of "
        'capture rows {"raw_otel_json": ...}; sent inline as sessionSpans (1 to 20000 in all).',
        min_length=1,
    )
    cloudwatchLogs: CloudWatchTraces | None = None
    batchEvaluation: str | None = Field(
        None,
        description="A completed batch evaluation's sessions: a BatchEvaluation spec's metadata.name or "
        "a batch evaluation ARN.",
        min_length=1,
        max_length=2048,
    )
    onlineEvaluation: OnlineTraces | None = None


def _tool_names() -> dict[str, Any]:
    return _limits(*TOOL, "toolName")


def _text_limits() -> dict[str, Any]:
    return _limits(*PROMPT, "systemPrompt", "text")


def _string(*path: str) -> Any:
    """A string type carrying a member's botocore limits (for map values)."""
    meta = _meta(*path)
    pattern = anchored(str(meta["pattern"])) if "pattern" in meta else None
    return Annotated[str, Field(min_length=meta.get("min"), max_length=meta.get("max"), pattern=pattern)]


ToolText = _string(*TOOL, "toolDescription", "text")
TagValue = _string("tags", "{}")


class RecommendationSpec(BaseModel):
    """StartRecommendation as code: the text to improve (inline or from a file), traces, one evaluator."""

    model_config = ConfigDict(extra="forbid", title="RecommendationSpec")
    type: Literal["SYSTEM_PROMPT_RECOMMENDATION", "TOOL_DESCRIPTION_RECOMMENDATION"] = Field(
        description="What to recommend: a system prompt or tool descriptions."
    )
    description: str | None = Field(None, max_length=_meta("description")["max"])
    promptFile: str | None = Field(
        None,
        description="The file (relative to the spec) holding the current system prompt; "
        "`evalctl recommend NAME --apply` writes the recommendation back into it.",
        min_length=1,
    )
    systemPrompt: str | None = Field(
        None, description="The current system prompt, inline.", json_schema_extra=_text_limits()
    )
    toolsFile: str | None = Field(
        None,
        description='A JSON file (relative to the spec) {"toolName": "description", ...} holding the current '
        "tool descriptions; `--apply` writes the recommendation back into it.",
        min_length=1,
    )
    tools: dict[str, ToolText] | None = Field(  # type: ignore[valid-type]
        None,
        description="The current tool descriptions, inline: tool name -> description.",
        json_schema_extra={
            "minProperties": 1,
            "propertyNames": _tool_names(),
        },
    )
    evaluator: EvaluatorRef | None = Field(
        None,
        description="The one evaluator that scores a system prompt (a built-in id, an Evaluator's "
        "metadata.name, or an evaluator ARN). Tool-description recommendations take none.",
    )
    agentTraces: AgentTraces = Field(description="The agent traces the recommendation learns from.")
    kmsKeyArn: str | None = Field(None, json_schema_extra=_limits("kmsKeyArn"))
    tags: dict[str, TagValue] | None = Field(  # type: ignore[valid-type]
        None,
        json_schema_extra={
            "maxProperties": _meta("tags")["max"],
            "propertyNames": _limits("tags", "{k}"),
        },
    )
    runKey: str | None = Field(
        None, description="Change it to start a new recommendation with the same spec.", max_length=64
    )
    waitTimeoutSeconds: int | None = Field(
        None, ge=1, le=86400, description="How long `pulumi up` waits for the result (default 3600)."
    )


RecommendationDocument = document_model(
    "Recommendation",
    RecommendationSpec,
    "A system-prompt or tool-description recommendation from agent traces, shown as a diff to accept.",
)

__all__ = ["RecommendationDocument", "RecommendationSpec"]
