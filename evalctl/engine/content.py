"""Decode the message payloads of agent telemetry (Strands, LangChain, OpenInference) into text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_ROLE_ALIASES = {
    "human": "user",
    "humanmessage": "user",
    "user": "user",
    "ai": "assistant",
    "aimessage": "assistant",
    "assistant": "assistant",
    "tool": "tool",
    "toolmessage": "tool",
    "system": "system",
    "systemmessage": "system",
}
# LangGraph routing outputs: the graph's next node, not words said to the user.
_ROUTING_OUTPUTS = {"__end__", "tools", "__start__"}


@dataclass(frozen=True)
class Message:
    """One decoded chat message; `explicit` is False when the telemetry gave no real role."""

    role: str
    text: str
    explicit: bool = True


@dataclass(frozen=True)
class ToolInvocation:
    """A tool execution recognised from an event body."""

    name: str
    call_id: str | None
    arguments: Any
    result: Any
    error: str | None


def maybe_json(value: Any) -> Any:
    """Parse strings that hold JSON objects or arrays; return anything else unchanged."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def text_of(content: Any) -> str:
    """Plain text of a content value: strings, content blocks, Strands/LangChain wrappers."""
    content = maybe_json(content)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [text_of(block) for block in content]
        return "\n".join(part for part in parts if part)
    if isinstance(content, dict):
        for key in ("text", "message", "content"):
            if key in content and not isinstance(content[key], bool):
                return text_of(content[key])
    return ""


def role_of(raw: Any) -> str:
    """Normalise a role or LangChain message type to user/assistant/tool/system/unknown."""
    return _ROLE_ALIASES.get(str(raw or "").lower(), "unknown")


def decode_messages(messages: Any) -> list[Message]:
    """Flatten an OTel `body.input|output.messages` list into chat messages."""
    out: list[Message] = []
    for index, item in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(item, dict):
            continue
        outer_role = role_of(item.get("role"))
        payload = maybe_json(item.get("content"))
        nested = _nested_messages(payload)
        if nested is not None:
            out.extend(nested)
            continue
        text = text_of(payload)
        if not text or text in _ROUTING_OUTPUTS:
            continue
        # LangChain logs chat-model inputs with role "unknown"; the first one is the user's turn.
        if outer_role == "unknown":
            out.append(Message("user" if index == 0 else "unknown", text, explicit=False))
        else:
            out.append(Message(outer_role, text))
    return out


def _nested_messages(payload: Any) -> list[Message] | None:
    """Messages inside a serialized LangChain/OpenInference payload, or None if not one."""
    if not isinstance(payload, dict):
        return None
    for key in ("inputs", "outputs", "input", "output"):
        if key in payload:
            inner = payload[key]
            if isinstance(inner, str):
                return []
            return _nested_messages(inner) or _lc_messages([inner])
    if "messages" in payload and isinstance(payload["messages"], list):
        return _lc_messages(payload["messages"])
    if "generations" in payload:
        texts = [text_of(gen.get("text")) for row in payload["generations"] for gen in row]
        return [Message("assistant", text) for text in texts if text]
    return None


def _lc_messages(items: list[Any]) -> list[Message]:
    out: list[Message] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        inner = item.get("kwargs")
        kwargs: dict[str, Any] = inner if isinstance(inner, dict) else item
        ident = item.get("id")
        raw_role = kwargs.get("type") or kwargs.get("role")
        if not raw_role and isinstance(ident, list) and ident:
            raw_role = ident[-1]
        text = text_of(kwargs.get("content"))
        if text:
            out.append(Message(role_of(raw_role), text))
    return out


def tool_invocation(body: dict[str, Any]) -> ToolInvocation | None:
    """Recognise a tool execution from an event body (LangChain and OpenInference shapes)."""
    outputs = [maybe_json(m.get("content")) for m in _messages(body, "output")]
    inputs = [maybe_json(m.get("content")) for m in _messages(body, "input")]
    for out in outputs:
        tool = _tool_message(out)
        if tool is not None:
            args = _tool_arguments(inputs)
            status = str(tool.get("status", "success")).lower()
            result = tool.get("content")
            error = (text_of(result) or "tool returned an error") if status == "error" else None
            return ToolInvocation(str(tool.get("name", "")), tool.get("tool_call_id"), args, result, error)
    return None


def _messages(body: dict[str, Any], side: str) -> list[dict[str, Any]]:
    part = body.get(side)
    messages = part.get("messages") if isinstance(part, dict) else None
    return [m for m in messages or [] if isinstance(m, dict)]


def _tool_message(payload: Any) -> dict[str, Any] | None:
    if not isinstance(payload, dict):
        return None
    if payload.get("type") == "tool" and "name" in payload:
        return payload
    inner = payload.get("output")
    if isinstance(inner, dict):
        kwargs = inner.get("kwargs")
        if isinstance(kwargs, dict) and kwargs.get("type") == "tool":
            return kwargs
    return None


def _tool_arguments(inputs: list[Any]) -> Any:
    for value in inputs:
        if isinstance(value, dict):
            if "inputs" in value:
                return value["inputs"]
            if "input_str" in value:
                return value["input_str"]
            return value
        if isinstance(value, str):
            return value
    return None
