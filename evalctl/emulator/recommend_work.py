"""A recommendation's work: read the traces, score them, and amend the input text (see README)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalctl.emulator import bridge, recommend_explain, recommend_model, trace_select
from evalctl.emulator.recommend_model import MAX_TEXT, failed
from evalctl.engine import scoring
from evalctl.engine.llm_judges import TextModel
from evalctl.engine.model import EvaluationResult, EvaluatorDef, Session

SYSTEM_PROMPT = "SYSTEM_PROMPT_RECOMMENDATION"
TOOL_DESCRIPTION = "TOOL_DESCRIPTION_RECOMMENDATION"
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
        return failed("ConfigurationBundleNotFound", "Configuration bundles are not emulated; pass text")
    try:
        sessions = _sessions(spec)
    except LookupError as exc:
        return failed("TracesUnavailable", f"Could not read agent traces: {exc}")
    turns = sum(len(s.traces) for s in sessions)
    if not turns:
        return failed("NoTracesFound", "No session with a turn of a supported scope matched agentTraces")
    judge = bridge.judge()
    model = judge if isinstance(judge, TextModel) else None  # a real model writes the text
    if spec.kind == SYSTEM_PROMPT:
        assert spec.evaluator is not None
        scored = _scores(spec.evaluator, sessions)
        if model is not None:
            return _prompt_by_model(model, spec.current, spec.evaluator, scored)
        text, facts = _prompt(spec.current, spec.evaluator, scored, turns)
        facts.update(
            sessions=len(sessions), unquoted=sum(1 for s in sessions for t in s.traces if not t.user_prompt)
        )
        explanation = recommend_explain.for_prompt(facts, spec.traces)
        return {"result": {"recommendedSystemPrompt": text, "explanation": explanation}}
    uses = [(n, d, _use(n, sessions, turns)) for n, d in spec.current]
    if model is not None:
        data, problem = recommend_model.ask(model, recommend_model.tool_request(uses))
        return problem or recommend_model.tools_result(data or {}, [n for n, _, _ in uses])
    return {"result": {"tools": [_tool(n, d, u, turns, spec.traces) for n, d, u in uses]}}


def _tool(name: str, current: str, use: str, turns: int, traces: dict[str, Any]) -> dict[str, Any]:
    """One tool's ToolDescriptionOutput: the current description plus the usage note, and why."""
    full = current.rstrip() + "\n\n" + f"[{TAG}, from {turns} turns] " + use
    explanation = recommend_explain.for_tool(name, use, turns, traces, cut=len(full) > MAX_TEXT)
    return {"toolName": name, "recommendedToolDescription": full[:MAX_TEXT], "explanation": explanation}


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


def _requests_like(prompt: str, result: EvaluationResult) -> str:
    """`For requests like "<prompt>"`, or the turn's trace when no document read holds its user input."""
    quoted = _quote(prompt, 160)
    if quoted:
        return f'For requests like "{quoted}"'
    turn = (
        f"trace {result.context.trace_id}"
        if result.context.trace_id
        else f"session {result.context.session_id}"
    )
    return f"For the turn of {turn} (its user input is in no document read: see the explanation)"


def _ranked(
    evaluator: EvaluatorDef, scored: list[tuple[EvaluationResult, str]]
) -> tuple[list[tuple[EvaluationResult, str]], str]:
    """Every scored result lowest first (then session and trace id), and the line summing them up."""
    low, high = _scale(evaluator)
    middle = (low + high) / 2
    ranked = sorted(
        scored,
        key=lambda rp: (float(rp[0].value or 0), rp[0].context.session_id, rp[0].context.trace_id or ""),
    )
    short = sum(1 for r, _ in ranked if float(r.value or 0) < middle)
    if not scored:
        return ranked, "The evaluator scored no turn."
    mean = sum(float(r.value or 0) for r, _ in scored) / len(scored)
    return ranked, (
        f"Mean score {mean:.2f} on a {low:g} to {high:g} scale; {short} of {len(scored)} results "
        f"scored below {middle:g}."
    )


def _prompt(
    current: str, evaluator: EvaluatorDef, scored: list[tuple[EvaluationResult, str]], turns: int
) -> tuple[str, dict[str, Any]]:
    """The current prompt, then a block of lessons from the results below the scale's midpoint; and the
    facts the explanation states (recommend_explain.for_prompt)."""
    low, high = _scale(evaluator)
    ranked, summary = _ranked(evaluator, scored)
    short = [(r, p) for r, p in ranked if float(r.value or 0) < (low + high) / 2]
    header = [
        f"## Lessons from {turns} evaluated turns ({TAG}, evaluator {evaluator.evaluator_name})",
        summary,
    ]
    lessons = [
        f"- {_requests_like(p, r)}: the answer was rated {r.label or r.value} "
        f"({float(r.value or 0):g}). {_quote(r.explanation or '', 240)} Address this case explicitly."
        for r, p in short[:MAX_LESSONS]
    ]
    if not short:
        lessons = ["- No result fell below the midpoint: keep the prompt's current guidance."]
    text = current.rstrip() + "\n\n" + "\n".join(header + lessons)
    while len(text) > MAX_TEXT and lessons:
        lessons.pop()
        text = current.rstrip() + "\n\n" + "\n".join(header + lessons)
    facts = {"turns": turns, "evaluator": evaluator.evaluator_name, "summary": summary,
             "middle": (low + high) / 2, "unchanged": len(text) > MAX_TEXT}  # fmt: skip
    added = len(lessons) if short else 0
    facts.update(added=added, dropped=min(len(short), MAX_LESSONS) - added)
    return (text if len(text) <= MAX_TEXT else current), facts


def _prompt_by_model(
    model: TextModel, current: str, evaluator: EvaluatorDef, scored: list[tuple[EvaluationResult, str]]
) -> dict[str, Any]:
    """Ask the model for the whole new prompt, quoting every scored turn (lowest first) with its reason."""
    ranked, summary = _ranked(evaluator, scored)
    turns = [
        f'Request "{_quote(p, 300)}": rated {r.label or r.value} ({float(r.value or 0):g}). '
        f"{_quote(r.explanation or '', 400)}"
        for r, p in ranked
    ]
    request = recommend_model.system_prompt_request(current, evaluator.evaluator_name, summary, turns)
    data, problem = recommend_model.ask(model, request)
    return problem or recommend_model.system_prompt_result(data or {})


def _use(name: str, sessions: list[Session], turns: int) -> str:
    """How the traces used a tool: calls, failures, the first error and example requests."""
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
    if not used:
        return "Never called in these traces: say when the agent should use it, or remove it."
    note = f"Called in {len(used)} of {turns} turns ({calls} calls, {failures} failed"
    note += f'; first error: "{_quote(first_error, 200)}")' if first_error else ")"
    examples = "; ".join(f'"{_quote(p, 120)}"' for p in used[:MAX_EXAMPLES] if p)
    return note + (f". Requests that used it: {examples}." if examples else ".")
