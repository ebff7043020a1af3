"""Data model of the local evaluation engine: sessions, evaluator definitions and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LEVELS = ("SESSION", "TRACE", "TOOL_CALL")
KINDS = ("builtin", "llm", "code", "derived")
DEFAULT_LAMBDA_HANDLER = "lambda_function.lambda_handler"
# AgentCore caps explanations and error messages at 2048 characters.
_TEXT_LIMIT = 2048


@dataclass(frozen=True)
class ToolCall:
    """One tool execution inside a trace."""

    span_id: str
    trace_id: str
    name: str
    arguments: Any = None
    result: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Trace:
    """One request-response turn of a session."""

    trace_id: str
    user_prompt: str
    assistant_response: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    span_ids: list[str] = field(default_factory=list)
    start_time_unix_nano: int = 0


@dataclass(frozen=True)
class Session:
    """All traces sharing one `session.id`, plus the documents they were parsed from."""

    session_id: str
    traces: list[Trace]
    documents: list[dict[str, Any]] = field(default_factory=list)
    available_tools: list[str] = field(default_factory=list)

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Every tool call of the session, in time order."""
        return [call for trace in self.traces for call in trace.tool_calls]


@dataclass(frozen=True)
class CodeSource:
    """Where a code-based evaluator's handler lives: a directory or Lambda zip bytes."""

    directory: Path | None = None
    zip_bytes: bytes | None = None
    handler: str = DEFAULT_LAMBDA_HANDLER
    timeout_seconds: float = 60.0
    lambda_arn: str | None = None
    memory_mb: int = 128  # Lambda's default MemorySize; the worker's hard memory limit
    function_name: str = ""
    region: str = ""

    @property
    def runnable(self) -> bool:
        """True when the engine has the handler's code, not only its Lambda ARN."""
        return self.directory is not None or self.zip_bytes is not None


@dataclass(frozen=True)
class EvaluatorDef:
    """What the engine needs to know about an evaluator, built-in or custom."""

    evaluator_id: str
    evaluator_name: str
    evaluator_arn: str
    level: str
    kind: str
    instructions: str = ""
    rating_scale: dict[str, Any] = field(default_factory=dict)
    code: CodeSource | None = None
    base_evaluator_id: str | None = None
    model_config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SpanContext:
    """Which session, trace or span a result is about."""

    session_id: str
    trace_id: str | None = None
    span_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The API's `Context` union (`spanContext`)."""
        ctx: dict[str, Any] = {"sessionId": self.session_id}
        if self.trace_id:
            ctx["traceId"] = self.trace_id
        if self.span_id:
            ctx["spanId"] = self.span_id
        return {"spanContext": ctx}


@dataclass(frozen=True)
class TokenUsage:
    """Model tokens a judge spent on one result."""

    input_tokens: int = 0
    output_tokens: int = 0

    def to_api(self) -> dict[str, int]:
        """The API's `TokenUsage` shape."""
        return {
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "totalTokens": self.input_tokens + self.output_tokens,
        }


@dataclass(frozen=True)
class EvaluationResult:
    """One scored (or failed) target, convertible to `EvaluationResultContent`."""

    evaluator_id: str
    evaluator_name: str
    evaluator_arn: str
    context: SpanContext
    value: float | None = None
    label: str | None = None
    explanation: str | None = None
    dimension_name: str | None = None
    token_usage: TokenUsage | None = None
    error_code: str | None = None
    error_message: str | None = None
    ignored_reference_input_fields: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the evaluator could not score the target."""
        return self.error_code is not None

    def to_api(self) -> dict[str, Any]:
        """The `EvaluationResultContent` dict of the Evaluate API, without empty members."""
        out: dict[str, Any] = {
            "evaluatorArn": self.evaluator_arn,
            "evaluatorId": self.evaluator_id,
            "evaluatorName": self.evaluator_name,
            "context": self.context.to_api(),
        }
        optional: dict[str, Any] = {
            "evaluationDimensionName": self.dimension_name,
            "explanation": _clip(self.explanation),
            "value": self.value,
            "label": self.label,
            "tokenUsage": self.token_usage.to_api() if self.token_usage else None,
            "errorMessage": _clip(self.error_message),
            "errorCode": _clip(self.error_code, 1024),
            "ignoredReferenceInputFields": list(self.ignored_reference_input_fields) or None,
        }
        out.update({key: value for key, value in optional.items() if value is not None})
        return out


def _clip(text: str | None, limit: int = _TEXT_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 3] + "..."
