"""Deterministic batch insights in GetBatchEvaluation's shapes, computed from sessions and results.

- `failure_analysis` (`Builtin.Insight.FailureAnalysis` -> `failureAnalysisResult`): three fixed
  categories - failed tool calls (sub-category per tool, root cause per error text), low scores
  (value below 0.5; sub-category per evaluator, root cause per label) and evaluator errors
  (sub-category per evaluator, root cause per errorCode). A root cause's `rootCause` text is the
  explanation of its lowest-scored session (ties: the first session id), clipped to 300 characters and
  naming that session, so it says why rather than repeating the cluster's name.
- `user_intents` (`Builtin.Insight.UserIntent` -> `userIntentResult`): sessions clustered by the
  first user prompt: greeting, calculation, question, request, or no user message.
- `execution_summaries` (`Builtin.Insight.ExecutionSummary` -> `executionSummaryResult`):
  sessions clustered by approach: tools with errors, tools, direct answer, or no answer.
Cluster ids count from 1 in the order above; empty clusters are left out.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from evalctl.engine.model import EvaluationResult, Session

LOW_SCORE = 0.5
_SIGNALS = (
    (re.compile(r"time ?out|timed out", re.I), "execution-error-category-timeout"),
    (re.compile(r"not found|no such|404", re.I), "execution-error-category-resource-not-found"),
    (re.compile(r"throttl|rate ?limit|too many", re.I), "execution-error-category-rate-limiting"),
    (
        re.compile(r"denied|unauthori[sz]ed|forbidden|credential", re.I),
        "execution-error-category-authentication",
    ),
)
_EVALUATOR_SIGNALS = {
    "Builtin.TrajectoryExactOrderMatch": "incorrect-actions-category-tool-selection",
    "Builtin.TrajectoryInOrderMatch": "incorrect-actions-category-tool-selection",
    "Builtin.TrajectoryAnyOrderMatch": "incorrect-actions-category-tool-selection",
    "Builtin.ToolSelectionAccuracy": "incorrect-actions-category-tool-selection",
    "Builtin.ToolParameterAccuracy": "hallucination-category-hall-params",
    "Builtin.GoalSuccessRate": "orchestration-related-errors-category-goal-deviation",
    "Builtin.InstructionFollowing": "task-instruction-category-non-compliance",
}
_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening))\b", re.I)
_CALCULATION = re.compile(r"\d\s*[-+*/x^]\s*\d|\b(calculate|compute|sum|multiply|divide)\b", re.I)
_QUESTION = re.compile(r"\?\s*$|^\s*(what|who|when|where|why|how|which|is|are|can|does|do)\b", re.I)

# (session id, explanation, failure spans, score: the value of a low score, else None)
Affected = tuple[str, str, list[dict[str, Any]], float | None]
_WHY_CHARS = 300


def analyze(
    insight_ids: list[str], sessions: list[Session], results: list[EvaluationResult]
) -> dict[str, Any]:
    """The GetBatchEvaluation members for the requested `Builtin.Insight.*` ids."""
    builders: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
        "Builtin.Insight.FailureAnalysis": (
            "failureAnalysisResult",
            lambda: failure_analysis(sessions, results),
        ),
        "Builtin.Insight.UserIntent": ("userIntentResult", lambda: user_intents(sessions)),
        "Builtin.Insight.ExecutionSummary": ("executionSummaryResult", lambda: execution_summaries(sessions)),
    }
    return {builders[i][0]: builders[i][1]() for i in insight_ids if i in builders}


Groups = dict[str, dict[str, list[Affected]]]


def _groups() -> Groups:
    return defaultdict(lambda: defaultdict(list))


def _tool_failures(sessions: list[Session]) -> Groups:
    groups = _groups()
    for session in sessions:
        for call in session.tool_calls:
            if call.error:
                cause = call.error.strip().splitlines()[0][:200]
                span = _span(call.span_id, call.trace_id, _signal_for_error(call.error), call.error)
                # The arguments say what the name (the error's first line) does not: which call broke.
                args = json.dumps(call.arguments, sort_keys=True, default=str)[:200]
                why = f"{call.name} called with {args} failed: {call.error.strip()}"
                groups[call.name][cause].append((session.session_id, why, [span], None))
    return groups


def _result_failures(results: list[EvaluationResult]) -> tuple[Groups, Groups]:
    low, errors = _groups(), _groups()
    for result in results:
        ctx = result.context
        if result.failed:
            why = result.error_message or result.error_code or ""
            errors[result.evaluator_id][str(result.error_code)].append((ctx.session_id, why, [], None))
        elif result.value is not None and result.value < LOW_SCORE:
            signal = _EVALUATOR_SIGNALS.get(result.evaluator_id, "other")
            why = result.explanation or ""
            spans = [_span(ctx.span_id or "", ctx.trace_id, signal, why)] if ctx.trace_id else []
            low[result.evaluator_id][str(result.label)].append((ctx.session_id, why, spans, result.value))
    return low, errors


def failure_analysis(sessions: list[Session], results: list[EvaluationResult]) -> dict[str, Any]:
    """`FailureAnalysisResultContent`: {failures: [FailureCategoryCluster]}."""
    low, errors = _result_failures(results)
    categories = [
        (
            "Tool execution errors",
            "Tool calls that returned an error.",
            _tool_failures(sessions),
            "Fix or guard the tool.",
        ),
        ("Low evaluation scores", f"Results scored below {LOW_SCORE}.", low, "Review the agent's behaviour."),
        ("Evaluator errors", "Evaluations that could not score.", errors, "Fix the evaluator or its inputs."),
    ]
    failures: list[dict[str, Any]] = []
    for name, description, groups, advice in categories:
        if groups:
            failures.append(_category(len(failures) + 1, name, description, groups, advice))
    return {"failures": failures}


def _category(cluster_id: int, name: str, description: str, groups: Groups, advice: str) -> dict[str, Any]:
    subs = []
    for sub_id, sub_name in enumerate(sorted(groups), start=1):
        causes = groups[sub_name]
        roots = [
            {
                "clusterId": root_id,
                "name": cause[:200] or "unspecified",
                "rootCause": _why(cause, affected),
                "recommendation": advice,
                "affectedSessionCount": len({a[0] for a in affected}),
                "affectedSessions": [
                    {
                        "sessionId": sid,
                        "explanation": why[:1000] or cause,
                        "fixType": "REVIEW",
                        "recommendation": advice,
                        "failureSpans": spans,
                    }
                    for sid, why, spans, _ in affected
                ],
            }
            for root_id, (cause, affected) in enumerate(sorted(causes.items()), start=1)
        ]
        sessions = {a[0] for affected in causes.values() for a in affected}
        subs.append(
            {
                "clusterId": sub_id,
                "name": sub_name,
                "description": f"{name}: {sub_name}",
                "affectedSessionCount": len(sessions),
                "rootCauses": roots,
            }
        )
    everyone = {a[0] for group in groups.values() for affected in group.values() for a in affected}
    return {
        "clusterId": cluster_id,
        "name": name,
        "description": description,
        "affectedSessionCount": len(everyone),
        "subCategories": subs,
    }


def _why(cause: str, affected: list[Affected]) -> str:
    """Why the cluster failed: its lowest-scored session's explanation (else the first session's by id),
    not the label or code that names the cluster again."""
    ranked = sorted(affected, key=lambda a: (a[3] if a[3] is not None else 0.0, a[0], a[1]))
    sid, why, _, score = next((a for a in ranked if a[1].strip() and a[1].strip() != cause), ranked[0])
    text = why.strip()
    if not text or text == cause:
        return f"No explanation was recorded ({len(affected)} result(s); first in session {sid})."
    if len(text) > _WHY_CHARS:
        text = text[: _WHY_CHARS - 1].rstrip() + "…"
    scored = f", scored {score:.2f}" if score is not None else ""
    return f"{text} (session {sid}{scored})"


def _span(span_id: str, trace_id: str | None, category: str, evidence: str) -> dict[str, Any]:
    signal = {"category": category, "evidence": evidence[:1000], "confidence": 1.0}
    return {"spanId": span_id, "traceId": trace_id or "", "signals": [signal]}


def _signal_for_error(message: str) -> str:
    for pattern, category in _SIGNALS:
        if pattern.search(message):
            return category
    return "execution-error-category-service-errors"


def user_intents(sessions: list[Session]) -> dict[str, Any]:
    """`UserIntentClusteringResultContent`: {userIntents: [UserIntentCluster]}."""
    groups: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        groups[_intent(session)].append(session)
    clusters: list[dict[str, Any]] = []
    for name, description in _INTENTS:
        members = groups.get(name, [])
        if members:
            affected = [
                {
                    "sessionId": s.session_id,
                    "userMessages": [t.user_prompt for t in s.traces if t.user_prompt],
                }
                for s in members
            ]
            clusters.append(
                {
                    "clusterId": len(clusters) + 1,
                    "name": name,
                    "description": description,
                    "affectedSessionCount": len(members),
                    "affectedSessions": affected,
                }
            )
    return {"userIntents": clusters}


_INTENTS = (
    ("Greeting", "The user opens with a greeting."),
    ("Calculation", "The user asks for arithmetic or a computation."),
    ("Question", "The user asks for information."),
    ("Request", "The user asks the agent to do something."),
    ("No user message", "No user prompt was recorded for the session."),
)


def _intent(session: Session) -> str:
    prompt = next((t.user_prompt for t in session.traces if t.user_prompt), "")
    if not prompt:
        return "No user message"
    for name, pattern in (("Greeting", _GREETING), ("Calculation", _CALCULATION), ("Question", _QUESTION)):
        if pattern.search(prompt):
            return name
    return "Request"


def execution_summaries(sessions: list[Session]) -> dict[str, Any]:
    """`ExecutionSummaryClusteringResultContent`: {executionSummaries: [ExecutionSummaryCluster]}."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for session in sessions:
        calls = session.tool_calls
        answers = [t.assistant_response for t in session.traces if t.assistant_response]
        tools = ", ".join(dict.fromkeys(c.name for c in calls)) or "no tools"
        approach = f"{len(session.traces)} turn(s); {len(calls)} tool call(s): {tools}"
        outcome = answers[-1][:500] if answers else "No final response recorded."
        key = (
            "Tools with errors" if any(c.error for c in calls) else "Used tools" if calls else "Direct answer"
        )
        key = key if answers or calls else "No answer"
        groups[key].append(
            {"sessionId": session.session_id, "approachTaken": approach, "finalOutcome": outcome}
        )
    clusters: list[dict[str, Any]] = []
    for name in ("Tools with errors", "Used tools", "Direct answer", "No answer"):
        if groups.get(name):
            members = groups[name]
            clusters.append(
                {
                    "clusterId": len(clusters) + 1,
                    "name": name,
                    "description": f"Sessions: {name.lower()}.",
                    "affectedSessionCount": len(members),
                    "affectedSessions": members,
                }
            )
    return {"executionSummaries": clusters}
