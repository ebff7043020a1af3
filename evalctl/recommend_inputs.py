"""A Recommendation spec's inputs read from the repository: the current text and inline session spans.

The lint, the stack and `evalctl recommend` read them the same way, so an error shows at validate time
with the same words it would have at deploy time."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SYSTEM_PROMPT = "SYSTEM_PROMPT_RECOMMENDATION"
TOOL_DESCRIPTION = "TOOL_DESCRIPTION_RECOMMENDATION"
# botocore SystemPromptText / ToolDescriptionText (1..20000), RecommendationToolName, Spans (1..20000).
MAX_TEXT = 20000
TOOL_NAME = re.compile(r"[a-zA-Z0-9_\-\.]+")
MAX_TOOL_NAME = 256
MAX_SPANS = 20000


class InputError(ValueError):
    """A problem with a spec's input files; `pointer` says which member it belongs to."""

    def __init__(self, pointer: str, message: str, code: str = "recommend-input") -> None:
        super().__init__(message)
        self.pointer = pointer
        self.code = code


def source_member(spec: dict[str, Any]) -> str | None:
    """The spec member the current text comes from (promptFile, systemPrompt, toolsFile or tools)."""
    order = ("promptFile", "systemPrompt") if spec.get("type") == SYSTEM_PROMPT else ("toolsFile", "tools")
    return next((m for m in order if spec.get(m) is not None), None)


def _read(base: Path, pointer: str, name: str) -> str:
    path = base / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        where = f"file {name} not found (looked at {path}); paths are relative to the spec"
        raise InputError(pointer, where, "recommend-file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(pointer, f"cannot read {name}: {exc}") from exc


def tools_problems(tools: Any, pointer: str) -> list[InputError]:
    """What StartRecommendation would refuse in a {toolName: description} mapping."""
    if not isinstance(tools, dict) or not tools:
        return [InputError(pointer, 'expected a non-empty JSON object {"toolName": "description", ...}')]
    out = []
    for name, text in tools.items():
        if not TOOL_NAME.fullmatch(str(name)) or len(str(name)) > MAX_TOOL_NAME:
            out.append(InputError(pointer, f"tool name {name!r} does not fit [a-zA-Z0-9_.-]{{1,256}}"))
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            out.append(
                InputError(pointer, f"tool {name!r}: the description must be 1 to {MAX_TEXT} characters")
            )
    return out


def current_text(spec: dict[str, Any], base: Path) -> str | dict[str, str]:
    """The current system prompt, or {toolName: description}, from the file or inline."""
    member = source_member(spec)
    if member is None:
        wanted = "promptFile or systemPrompt" if spec.get("type") == SYSTEM_PROMPT else "toolsFile or tools"
        raise InputError("/spec", f"{spec.get('type')} needs the current text: set {wanted}")
    pointer = f"/spec/{member}"
    if member == "systemPrompt":
        return str(spec[member])
    if member == "tools":
        return {str(k): str(v) for k, v in spec[member].items()}
    text = _read(base, pointer, str(spec[member]))
    if member == "promptFile":
        if not 1 <= len(text) <= MAX_TEXT:
            raise InputError(
                pointer, f"{spec[member]} holds {len(text)} characters; a prompt is 1 to {MAX_TEXT}"
            )
        return text
    try:
        tools = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(pointer, f"{spec[member]} is not JSON: {exc}") from exc
    problems = tools_problems(tools, pointer)
    if problems:
        raise InputError(pointer, f"{spec[member]}: {problems[0]}")
    return {str(k): str(v) for k, v in tools.items()}


def _documents(rows: Any, name: str, pointer: str) -> list[dict[str, Any]]:
    if not isinstance(rows, list):
        raise InputError(pointer, f"{name} must hold a JSON list of span documents")
    # Capture rows (evaluations/sessions/*.json) wrap each document as {"raw_otel_json": ...}.
    docs = [r["raw_otel_json"] if isinstance(r, dict) and "raw_otel_json" in r else r for r in rows]
    if not all(isinstance(d, dict) for d in docs):
        raise InputError(pointer, f"{name}: every item must be a JSON object (a span or log document)")
    return docs


def session_spans(files: list[str], base: Path) -> list[dict[str, Any]]:
    """The documents of every sessionSpansFiles entry, in order (1 to 20000 in all)."""
    spans: list[dict[str, Any]] = []
    for index, name in enumerate(files):
        pointer = f"/spec/agentTraces/sessionSpansFiles/{index}"
        text = _read(base, pointer, name)
        try:
            spans += _documents(json.loads(text), name, pointer)
        except json.JSONDecodeError as exc:
            raise InputError(pointer, f"{name} is not JSON: {exc}") from exc
    if not 1 <= len(spans) <= MAX_SPANS:
        raise InputError(
            "/spec/agentTraces/sessionSpansFiles",
            f"{len(spans)} span documents; sessionSpans takes 1 to {MAX_SPANS}",
        )
    return spans


def span_refs(files: list[str], base: Path, root: Path) -> list[dict[str, str]]:
    """Each sessionSpansFiles entry as {path, sha256}: the path relative to `root` (absolute when the
    file lies outside it), so the provider input is the same on every machine. Checked like inline."""
    session_spans(files, base)
    refs = []
    for name in files:
        path = (base / name).resolve()
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        refs.append({"path": shown.as_posix(), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    return refs


def referenced_spans(refs: list[Mapping[str, str]], root: Path) -> list[dict[str, Any]]:
    """The documents of files named by `span_refs`, read under `root`; InputError when one is gone or
    its content is no longer the one planned (its sha256 differs)."""
    spans: list[dict[str, Any]] = []
    for index, ref in enumerate(refs):
        pointer, name = f"/spec/agentTraces/sessionSpansFiles/{index}", str(ref["path"])
        try:
            data = (root / name).read_bytes()
        except OSError as exc:
            raise InputError(pointer, f"cannot read {name} under {root}: {exc}", "recommend-file") from exc
        digest = hashlib.sha256(data).hexdigest()
        if digest != ref["sha256"]:
            raise InputError(
                pointer,
                f"{name} changed since it was planned (sha256 {digest[:12]}..., planned "
                f"{str(ref['sha256'])[:12]}...): run `pulumi up` again to plan its new content",
                "recommend-file",
            )
        try:
            spans += _documents(json.loads(data.decode("utf-8")), name, pointer)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(pointer, f"{name} is not JSON: {exc}") from exc
    return spans
