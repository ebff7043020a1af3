"""Turn the span records of one session into traces: prompt, response and tool calls."""

from __future__ import annotations

import ast
from collections import defaultdict
from typing import Any

from evalctl.engine.content import Message, decode_messages, maybe_json, text_of, tool_invocation
from evalctl.engine.model import Session, ToolCall, Trace
from evalctl.engine.records import SpanRecord

SUPPORTED_SCOPES = (
    "strands.telemetry.tracer",
    "opentelemetry.instrumentation.langchain",
    "openinference.instrumentation.langchain",
)
# OpenInference instruments other frameworks too (the OpenAI Agents capture); read them alike.
_SCOPE_PREFIXES = ("openinference.instrumentation.",)


def is_supported_scope(scope: str) -> bool:
    """True for the instrumentation scopes whose spans describe agent turns."""
    return scope in SUPPORTED_SCOPES or scope.startswith(_SCOPE_PREFIXES)


def build_session(session_id: str, records: list[SpanRecord], documents: list[dict[str, Any]]) -> Session:
    """A Session whose traces (in time order) each hold at least one supported-scope span."""
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for record in records:
        by_trace[record.trace_id].append(record)
    found = [_trace(tid, recs) for tid, recs in by_trace.items()]
    traces = sorted((t for t in found if t is not None), key=lambda t: (t.start_time_unix_nano, t.trace_id))
    return Session(session_id, traces, documents, _available_tools(records))


def _trace(trace_id: str, records: list[SpanRecord]) -> Trace | None:
    ordered = sorted(enumerate(records), key=lambda pair: (pair[1].start, pair[0]))
    spans = [record for _, record in ordered]
    agent = [r for r in spans if is_supported_scope(r.scope) and not _is_graph_bookkeeping(r)]
    if not agent:
        return None
    calls = [call for call in (_tool_call(r) for r in agent) if call is not None]
    talk = [r for r in agent if _tool_call(r) is None]
    return Trace(
        trace_id=trace_id,
        user_prompt=_prompt(talk),
        assistant_response=_response(talk),
        tool_calls=calls,
        span_ids=[r.span_id for r in spans],
        start_time_unix_nano=spans[0].start,
    )


def _is_graph_bookkeeping(record: SpanRecord) -> bool:
    """LangGraph state hand-offs (`remaining_steps`) repeat the turn; strands-evals skips them too."""
    for body in record.bodies:
        for message in (body.get("input") or {}).get("messages") or []:
            payload = maybe_json(message.get("content")) if isinstance(message, dict) else None
            if isinstance(payload, dict) and "remaining_steps" in payload:
                return True
    return False


def _prompt(records: list[SpanRecord]) -> str:
    """The user turn of the earliest span that has one; an explicit user role beats a guessed one."""
    for record in records:
        users = [m for m in _inputs(record) if m.role == "user"]
        if users:
            explicit = [m for m in users if m.explicit]
            return (explicit[-1] if explicit else users[0]).text
    return ""


def _response(records: list[SpanRecord]) -> str:
    """The last assistant text of the span that ends last: the outermost span has the final answer."""
    ranked = sorted(enumerate(records), key=lambda pair: (pair[1].end, pair[0]))
    for _, record in reversed(ranked):
        said = [m.text for m in _outputs(record) if m.role == "assistant"]
        if said:
            return said[-1]
    return ""


def _inputs(record: SpanRecord) -> list[Message]:
    messages: list[Message] = []
    for body in record.bodies:
        messages.extend(decode_messages((body.get("input") or {}).get("messages")))
    value = maybe_json(record.attributes.get("input.value"))
    if not messages and isinstance(value, list):
        messages.extend(decode_messages(value))
    return messages


def _outputs(record: SpanRecord) -> list[Message]:
    messages: list[Message] = []
    for body in record.bodies:
        messages.extend(decode_messages((body.get("output") or {}).get("messages")))
    if not messages:
        attrs = record.attributes
        keys = sorted(
            k for k in attrs if k.startswith("llm.output_messages.") and k.endswith(".message.content")
        )
        messages.extend(Message("assistant", text_of(attrs[k])) for k in keys if text_of(attrs[k]))
    return messages


def _tool_call(record: SpanRecord) -> ToolCall | None:
    attrs = record.attributes
    error = _status_error(record)
    if attrs.get("gen_ai.operation.name") == "execute_tool":
        name = attrs.get("gen_ai.tool.name") or record.name.removeprefix("execute_tool ").strip()
        args, result = _strands_tool_io(record)
        return ToolCall(record.span_id, record.trace_id, str(name), args, result, error)
    if attrs.get("openinference.span.kind") == "TOOL" and "tool.name" in attrs:
        args = _literal(attrs.get("input.value"))
        return ToolCall(record.span_id, record.trace_id, str(attrs["tool.name"]), args,
                        maybe_json(attrs.get("output.value")), error)  # fmt: skip
    if attrs.get("traceloop.span.kind") == "tool":
        name = attrs.get("traceloop.entity.name") or record.name.removesuffix(".tool")
        args = _literal(attrs.get("traceloop.entity.input"))
        result = maybe_json(attrs.get("traceloop.entity.output"))
        return ToolCall(record.span_id, record.trace_id, str(name), args, result, error)
    for body in record.bodies:
        found = tool_invocation(body)
        if found is not None:
            return ToolCall(record.span_id, record.trace_id, found.name, _literal(found.arguments),
                            found.result, found.error or error)  # fmt: skip
    return None


def _strands_tool_io(record: SpanRecord) -> tuple[Any, Any]:
    args: Any = maybe_json(record.attributes.get("gen_ai.tool.arguments"))
    result: Any = None
    for body in record.bodies:
        inputs = (body.get("input") or {}).get("messages") or []
        outputs = (body.get("output") or {}).get("messages") or []
        if inputs and args is None:
            args = _literal(_unwrapped(inputs[-1].get("content")))
        if outputs:
            result = text_of(_unwrapped(outputs[-1].get("content")))
    return args, result


# Strands logs each span event's attributes as the message content: {content, id, role} for the
# tool's input (`gen_ai.tool.message`), {message, id} for its result (`gen_ai.choice`).
_WRAPPER_KEYS = {"content", "message", "id", "role", "finish_reason"}


def _unwrapped(content: Any) -> Any:
    """The payload inside Strands' event wrappers: the tool's own input or result."""
    while (
        isinstance(content, dict)
        and set(content) <= _WRAPPER_KEYS
        and ({"content", "message"} & set(content))
    ):
        content = content.get("content", content.get("message"))
    return content


def _status_error(record: SpanRecord) -> str | None:
    """The first failure signal of a span: status, `gen_ai.tool.status`, a result, an exception."""
    if str(record.status.get("code", "")).upper() in {"ERROR", "STATUS_CODE_ERROR", "2"}:
        return str(record.status.get("message") or "span status is ERROR")
    tool_status = str(record.attributes.get("gen_ai.tool.status", "")).lower()
    if tool_status in {"error", "failed", "failure"}:
        return f"gen_ai.tool.status is {tool_status}"
    for body in record.bodies:
        for message in (body.get("output") or {}).get("messages") or []:
            if isinstance(message, dict) and _says_error(message.get("content")):
                return "tool result status is error"
    if record.exceptions:
        return record.exceptions[0]
    return None


def _says_error(content: Any, depth: int = 0) -> bool:
    """True when a tool result (possibly JSON-encoded, possibly wrapped) carries `status: error`."""
    content = maybe_json(content)
    if depth > 4:
        return False
    if isinstance(content, dict):
        if str(content.get("status", "")).lower() == "error":
            return True
        return any(_says_error(v, depth + 1) for v in content.values() if isinstance(v, dict | list | str))
    if isinstance(content, list):
        return any(_says_error(v, depth + 1) for v in content)
    return False


def _literal(value: Any) -> Any:
    """Arguments logged as JSON or as a Python repr (LangChain `input_str`) become values."""
    value = maybe_json(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def _available_tools(records: list[SpanRecord]) -> list[str]:
    names: list[str] = []
    for record in records:
        if not is_supported_scope(record.scope):
            continue
        attrs = record.attributes
        declared = maybe_json(attrs.get("gen_ai.agent.tools"))
        if isinstance(declared, list):
            names.extend(str(name) for name in declared)
        for key, value in attrs.items():
            if key.startswith("llm.request.functions.") and key.endswith(".name"):
                names.append(str(value))
            elif key.startswith("llm.tools.") and key.endswith(".tool.json_schema"):
                schema = maybe_json(value)
                if isinstance(schema, dict):
                    names.append(str((schema.get("function") or schema).get("name", "")))
    return [name for name in dict.fromkeys(names) if name]
