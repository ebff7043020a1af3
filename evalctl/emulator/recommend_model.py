"""A recommendation written by a real model (a judge that is a TextModel): the request and its checks.

The request and the answer format are documented in the emulator README ("Recommendations"); an
answer that does not fit them ends the recommendation FAILED with `ModelAnswerUnusable`, a failed
call with `ModelCallFailed`.
"""

from __future__ import annotations

import json
from typing import Any

from evalctl.engine.judge import JudgeError
from evalctl.engine.llm_judges import TextModel

MAX_TEXT = 20000  # SystemPromptText / ToolDescriptionText max
MAX_EXPLANATION = 4096  # RecommendationExplanation max (a prompt's and each tool's)
MAX_TURNS = 20  # evaluated turns quoted in a system-prompt request, lowest scores first

SYSTEM = (
    "You improve the instructions of an AI agent from evidence of how it behaved. Keep what works, "
    "fix what the evidence shows failing, and never invent facts about the agent's tools or domain. "
    "Answer with one JSON object only, no prose around it."
)


def failed(code: str, message: str) -> dict[str, Any]:
    """The stored outcome of a FAILED recommendation (errorMessage has no documented max: kept short)."""
    return {"errorCode": code, "errorMessage": message[:2048]}


def _block(text: str) -> str:
    return f"<<<\n{text}\n>>>"


def system_prompt_request(current: str, evaluator: str, summary: str, turns: list[str]) -> str:
    """The user message asking for a new system prompt: current text, scores, the answer format."""
    quoted = "\n".join(f"{i}. {turn}" for i, turn in enumerate(turns[:MAX_TURNS], 1)) or "(none scored)"
    return "\n\n".join([
        f"Rewrite the system prompt of an AI agent so that its answers score better with the evaluator "
        f"{evaluator}.",
        f"Current system prompt:\n{_block(current)}",
        f"Evaluated turns ({summary}; lowest score first, at most {MAX_TURNS}):\n{quoted}",
        'Answer format: {"recommendedSystemPrompt": "<the complete new system prompt>", '
        '"explanation": "<what the turns showed and what you changed>"}',
    ])  # fmt: skip


def tool_request(tools: list[tuple[str, str, str]]) -> str:
    """The user message asking for new tool descriptions: (name, current text, how the traces used it)."""
    parts = [
        f"Tool {name}\nCurrent description:\n{_block(text)}\nIn the traces: {use}"
        for name, text, use in tools
    ]
    return "\n\n".join([
        "Rewrite the descriptions of an AI agent's tools so that the agent chooses and calls each one "
        "correctly.",
        *parts,
        'Answer format: {"tools": [{"toolName": "<name>", "recommendedToolDescription": "<the complete '
        'new description>", "explanation": "<what the traces showed and what you changed>"}]}, every tool '
        "above exactly once.",
    ])  # fmt: skip


def ask(model: TextModel, prompt: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the answer's JSON object, None), or (None, a FAILED outcome) when the call or the JSON fails."""
    try:
        text, _usage = model.complete(SYSTEM, prompt)
    except JudgeError as exc:
        return None, failed("ModelCallFailed", f"The recommendation model call failed: {exc}")
    start, end = text.find("{"), text.rfind("}")  # tolerate code fences or a sentence around it
    try:
        data = json.loads(text[start : end + 1]) if 0 <= start < end else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return None, unusable(f"no JSON object in the answer: {' '.join(text.split())[:200]!r}")
    return data, None


def unusable(why: str) -> dict[str, Any]:
    """FAILED: the model answered, but not with something the result may carry."""
    return failed("ModelAnswerUnusable", f"The model's recommendation is unusable: {why}")


def _text(value: Any, what: str) -> str | None:
    """None when `value` is a usable text, else why not."""
    if not isinstance(value, str) or not value.strip():
        return f"{what} is missing or empty"
    if len(value) > MAX_TEXT:
        return f"{what} has {len(value)} characters, more than {MAX_TEXT}"
    return None


def system_prompt_result(data: dict[str, Any]) -> dict[str, Any]:
    """{"result": ...} from a parsed answer, or a FAILED outcome saying what is wrong with it."""
    text = data.get("recommendedSystemPrompt")
    problem = _text(text, "recommendedSystemPrompt")
    if problem:
        return unusable(problem)
    result = {"recommendedSystemPrompt": text}
    return {"result": {**result, **_explanation(data)}}


def _explanation(data: dict[str, Any]) -> dict[str, str]:
    """{"explanation": ...} when the answer gave one (RecommendationExplanation, max 4096), else {}."""
    explanation = data.get("explanation")
    if isinstance(explanation, str) and explanation.strip():
        return {"explanation": explanation[:MAX_EXPLANATION]}  # secondary: cut, not refused
    return {}


def tools_result(data: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """{"result": {"tools": [...]}} in the input's order, or FAILED unless each tool is there once."""
    given = data.get("tools")
    if not isinstance(given, list) or not all(isinstance(t, dict) for t in given):
        return unusable("tools is not a list of objects")
    answered = [t.get("toolName") for t in given]
    if not all(isinstance(n, str) for n in answered) or sorted(answered) != sorted(names):
        return unusable(f"tools name {answered}, expected each of {names} once")
    by_name = {t["toolName"]: t for t in given}
    tools = []
    for name in names:
        text = by_name[name].get("recommendedToolDescription")
        problem = _text(text, f"recommendedToolDescription of {name}")
        if problem:
            return unusable(problem)
        tools.append({"toolName": name, "recommendedToolDescription": text, **_explanation(by_name[name])})
    return {"result": {"tools": tools}}
