"""Span reading sees every failure signal of a tool call and the tool's own arguments.

The captures in shared/fixtures/spans hold no `execute_tool` span, so each case starts from the
capture's real Strands agent span (resource, scope, ids) and its real tracer event, and turns
them into a tool span in the shape Strands writes: attributes `gen_ai.operation.name`,
`gen_ai.tool.name`, `gen_ai.tool.status`; events whose bodies wrap the tool input as
{content, id, role} and its result as {message, id}.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from evalctl.engine.spans import load_span_file, parse_sessions

SPANS = Path(__file__).resolve().parents[2] / "tests" / "data" / "spans"
ARGS = {"code_interpreter_input": {"action": {"type": "executeCode", "language": "python", "code": "1/0"}}}


def _capture() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    spans = load_span_file(SPANS / "raw_otel_strands_bedrock_spans.json")
    events = load_span_file(SPANS / "raw_otel_strands_bedrock_runtime_logs.json")
    tracer = next(e for e in events if (e.get("scope") or {}).get("name") == "strands.telemetry.tracer")
    agent = next(
        s for s in spans if s["traceId"] == tracer["traceId"] and s["name"].startswith("invoke_agent")
    )
    return spans + events, agent, tracer


def _tool_span(agent: dict[str, Any], tracer: dict[str, Any], status: str, result: Any, **extra: Any):
    span = copy.deepcopy(agent)
    span.update(spanId="00000000000000aa", parentSpanId=agent["spanId"], name="execute_tool code_interpreter")
    span["startTimeUnixNano"] += 1
    span["attributes"] = {**span["attributes"], "gen_ai.operation.name": "execute_tool",
                          "gen_ai.tool.name": "code_interpreter", "gen_ai.tool.status": status}  # fmt: skip
    span["status"] = extra.pop("span_status", {"code": "OK"})
    span.update(extra)
    event = copy.deepcopy(tracer)
    event["spanId"] = span["spanId"]
    wrapper = {"content": json.dumps(ARGS), "id": "tooluse_1", "role": "tool"}
    event["body"] = {
        "input": {"messages": [{"role": "tool", "content": wrapper}]},
        "output": {
            "messages": [{"role": "assistant", "content": {"message": json.dumps(result), "id": "tooluse_1"}}]
        },
    }
    return span, event


def _call(docs: list[dict[str, Any]]) -> Any:
    (session,) = parse_sessions(docs)
    calls = session.tool_calls
    assert len(calls) == 1
    return calls[0]


OK_RESULT = [{"text": "0.5"}]
ERROR_RESULT = {"toolResult": {"status": "error", "content": [{"text": "ZeroDivisionError"}]}}
RAISED = {"exception.type": "ZeroDivisionError", "exception.message": "division by zero"}
EXCEPTION = {"events": [{"name": "exception", "attributes": RAISED}]}


@pytest.mark.parametrize(
    ("status", "result", "extra", "expected"),
    [
        ("success", OK_RESULT, {}, None),
        ("error", OK_RESULT, {}, "gen_ai.tool.status is error"),
        ("success", ERROR_RESULT, {}, "tool result status is error"),
        ("success", OK_RESULT, EXCEPTION, "ZeroDivisionError: division by zero"),
        ("success", OK_RESULT, {"span_status": {"code": "ERROR", "message": "boom"}}, "boom"),
    ],
)
def test_every_failure_signal_marks_the_tool_call_failed(status, result, extra, expected):
    docs, agent, tracer = _capture()
    span, event = _tool_span(agent, tracer, status, result, **copy.deepcopy(extra))
    call = _call([*docs, span, event])
    assert call.error == expected
    assert call.name == "code_interpreter"


def test_tool_arguments_are_what_the_tool_received_not_the_event_wrapper():
    docs, agent, tracer = _capture()
    span, event = _tool_span(agent, tracer, "success", OK_RESULT)
    call = _call([*docs, span, event])
    assert call.arguments == ARGS
    assert call.result == "0.5"


def test_the_real_captures_have_no_tool_span_and_keep_their_sessions():
    docs, _, _ = _capture()
    (session,) = parse_sessions(docs)
    assert session.session_id == "cc8a8e69-8bed-4e5f-9a06-9a58550fd713"
    assert session.tool_calls == []
