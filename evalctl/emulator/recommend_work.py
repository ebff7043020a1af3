"""A recommendation's work: read the traces, score them, and amend the input text (see README)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalctl.emulator import bridge, trace_select
from evalctl.engine import scoring
from evalctl.engine.model import EvaluationResult, EvaluatorDef, Session

SYSTEM_PROMPT = "SYSTEM_PROMPT_RECOMMENDATION"
TOOL_DESCRIPTION = "TOOL_DESCRIPTION_RECOMMENDATION"
MAX_TEXT = 20000  # SystemPromptText / ToolDescriptionText max
MAX_LESSONS = 5  # shortfalls quoted in a recommended system prompt, lowest scores first
MAX_EXAMPLES = 3  # requests quoted per recommended tool description
TAG = "emulated recommendation: evalctl emulator"


@dataclass(frozen=True)
class RecommendationSpec:
    """What the work needs, captured at Start so it never touches the store."""

    region: str
    kind: str
    traces: dict[str, Any]
    current: Any  # the system prompt text, or [(toolName, description)]
    evaluator: EvaluatorDef | None
    bundle: bool  # the input names a configuration bundle (none exist in the emulator)


def _sessions(spec: RecommendationSpec) -> list[Session]:
    if "sessionSpans" in spec.traces:
        return trace_select.ordered(trace_select.inline(spec.traces["sessionSpans"]))
    if "logSource" in spec.traces:  # a batch or online evaluation's source, resolved at Start
        found = trace_select.read_logs(spec.region, spec.traces["logSource"])
        return trace_select.ordered([s for s in found if s.traces])
    logs = spec.traces["cloudwatchLogs"]
    source = {
        "logGroupNames": [trace_select.log_group_name(a) for a in logs["logGroupArns"]],
        "serviceNames": logs["serviceNames"],
        "timeRange": {"startTime": logs["startTime"], "endTime": logs["endTime"]},
    }
    found = trace_select.read_logs(spec.region, source)
    rules = (logs.get("rule") or {}).get("filters") or []
    return trace_select.ordered([s for s in found if s.traces and trace_select.attribute_match(s, rules)])


def run(spec: RecommendationSpec) -> dict[str, Any]:
    """{"result": {...}} for COMPLETED, or {"errorCode", "errorMessage"} for FAILED."""
    if spec.bundle:
        return _failed("ConfigurationBundleNotFound", "Configuration bundles are not emulated; pass text")
    try:
        sessions = _sessions(spec)
    except LookupError as exc:
        return _failed("TracesUnavailable", f"Could not read agent traces: {exc}")
    turns = sum(len(s.traces) for s in sessions)
    if not turns:
        return _failed("NoTracesFound", "No session with a turn of a supported scope matched agentTraces")
    if spec.kind == SYSTEM_PROMPT:
        assert spec.evaluator is not None
        return {"result": {"recommendedSystemPrompt": _prompt(spec.current, spec.evaluator, sessions, turns)}}
    tools = [
        {"toolName": n, "recommendedToolDescription": _tool(n, d, sessions, turns)} for n, d in spec.current
    ]
    return {"result": {"tools": tools}}


def _failed(code: str, message: str) -> dict[str, Any]:
    return {"errorCode": code, "errorMessage": message[:2048]}


def _scale(evaluator: EvaluatorDef) -> tuple[float, float]:
    values = [float(v["value"]) for v in evaluator.rating_scale.get("numerical") or [] if "value" in v]
    return (min(values), max(values)) if values else (0.0, 1.0)


def _scores(evaluator: EvaluatorDef, sessions: list[Session]) -> list[tuple[EvaluationResult, str]]:
    """Every scored result with the user prompt of the turn it scored (the session's first for sessions)."""
    out = []
    for session in sessions:
        prompts = {t.trace_id: t.user_prompt for t in session.traces}
        first = session.traces[0].user_prompt if session.traces else ""
        try:
            results = scoring.evaluate(evaluator, session, None, bridge.judge())
        except scoring.TargetNotFound:
            continue
        for result in results:
            if result.value is not None:
                out.append((result, prompts.get(result.context.trace_id or "", first) or first))
    return out


def _quote(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _prompt(current: str, evaluator: EvaluatorDef, sessions: list[Session], turns: int) -> str:
    """The current prompt, then a block of lessons from the results below the scale's midpoint."""
    scored = _scores(evaluator, sessions)
    low, high = _scale(evaluator)
    middle = (low + high) / 2
    short = sorted(
        [(r, p) for r, p in scored if float(r.value or 0) < middle],
        key=lambda rp: (float(rp[0].value or 0), rp[0].context.session_id, rp[0].context.trace_id or ""),
    )
    mean = sum(float(r.value or 0) for r, _ in scored) / len(scored) if scored else None
    header = [
        f"## Lessons from {turns} evaluated turns ({TAG}, evaluator {evaluator.evaluator_name})",
        f"Mean score {mean:.2f} on a {low:g} to {high:g} scale; {len(short)} of {len(scored)} results "
        f"scored below {middle:g}."
        if mean is not None
        else "The evaluator scored no turn.",
    ]
    lessons = [
        f'- For requests like "{_quote(p, 160)}": the answer was rated {r.label or r.value} '
        f"({float(r.value or 0):g}). {_quote(r.explanation or '', 240)} Address this case explicitly."
        for r, p in short[:MAX_LESSONS]
    ]
    if not short:
        lessons = ["- No result fell below the midpoint: keep the prompt's current guidance."]
    text = current.rstrip() + "\n\n" + "\n".join(header + lessons)
    while len(text) > MAX_TEXT and lessons:
        lessons.pop()
        text = current.rstrip() + "\n\n" + "\n".join(header + lessons)
    return text if len(text) <= MAX_TEXT else current


def _tool(name: str, description: str, sessions: list[Session], turns: int) -> str:
    """The current description, then how the traces used the tool: calls, failures, example requests."""
    used: list[str] = []
    calls = failures = 0
    first_error = ""
    for session in sessions:
        for trace in session.traces:
            mine = [c for c in trace.tool_calls if c.name == name]
            if mine:
                used.append(trace.user_prompt)
            calls += len(mine)
            for call in mine:
                if call.error:
                    failures += 1
                    first_error = first_error or call.error
    note = f"[{TAG}, from {turns} turns] "
    if not used:
        note += "Never called in these traces: say when the agent should use it, or remove it."
    else:
        note += f"Called in {len(used)} of {turns} turns ({calls} calls, {failures} failed"
        note += f'; first error: "{_quote(first_error, 200)}")' if first_error else ")"
        examples = "; ".join(f'"{_quote(p, 120)}"' for p in used[:MAX_EXAMPLES] if p)
        note += f". Requests that used it: {examples}." if examples else "."
    text = description.rstrip() + "\n\n" + note
    return text[:MAX_TEXT]
