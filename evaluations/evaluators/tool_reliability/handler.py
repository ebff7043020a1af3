"""Code-based evaluator: the share of a session's tool calls that finished without an error.

Runs in AWS Lambda (and locally under `evalctl test`). The event follows the AgentCore
code-based evaluator contract; spans may arrive raw, with merged `span_events`, or normalized.
"""

from __future__ import annotations

from typing import Any

TOOL_MARKERS = (
    ("gen_ai.operation.name", "execute_tool"),
    ("openinference.span.kind", "TOOL"),
    ("traceloop.span.kind", "tool"),
)


def _attributes(span: dict[str, Any]) -> dict[str, Any]:
    return span.get("attributes") or span.get("span_attributes") or {}


def _is_tool(span: dict[str, Any]) -> bool:
    attributes = _attributes(span)
    return any(attributes.get(key) == value for key, value in TOOL_MARKERS)


def _failed(span: dict[str, Any]) -> bool:
    status = span.get("status") or {}
    code = status.get("code") if isinstance(status, dict) else status
    return str(code).upper() in ("ERROR", "2", "STATUS_CODE_ERROR")


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    spans = (event.get("evaluationInput") or {}).get("sessionSpans") or []
    tools = [s for s in spans if isinstance(s, dict) and _is_tool(s)]
    if not tools:
        return {"label": "NoTools", "value": 1.0, "explanation": "The session made no tool call."}
    failed = [s for s in tools if _failed(s)]
    value = round(1 - len(failed) / len(tools), 4)
    names = sorted({str(_attributes(s).get("gen_ai.tool.name", s.get("name", "?"))) for s in failed})
    explanation = f"{len(tools) - len(failed)} of {len(tools)} tool call(s) succeeded"
    if names:
        explanation += f"; failed: {', '.join(names)}"
    return {"label": "Reliable" if not failed else "Unreliable", "value": value, "explanation": explanation}
