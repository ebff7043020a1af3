"""Ground truth in the API's `evaluationReferenceInputs` shape: per-target filtering and lookups."""

from __future__ import annotations

from typing import Any

from evalctl.engine.builtins import used_reference_fields
from evalctl.engine.model import EvaluatorDef

GROUND_TRUTH_FIELDS = ("expectedResponse", "assertions", "expectedTrajectory")


def _span_context(ref: dict[str, Any]) -> dict[str, Any]:
    return (ref.get("context") or {}).get("spanContext") or {}


def is_session_level(ref: dict[str, Any]) -> bool:
    """A reference input that names neither a trace nor a span applies to the whole session."""
    ctx = _span_context(ref)
    return not ctx.get("traceId") and not ctx.get("spanId")


def for_target(
    references: list[dict[str, Any]] | None,
    session_id: str,
    level: str,
    trace_id: str | None = None,
    span_id: str | None = None,
) -> list[dict[str, Any]]:
    """The entries one target sees: SESSION all of its session's; TRACE/TOOL_CALL session-level
    entries plus those naming that trace or span (the code-based Lambda contract)."""
    mine = [ref for ref in references or [] if _span_context(ref).get("sessionId") == session_id]
    if level == "SESSION":
        return mine
    if level == "TRACE":
        return [r for r in mine if is_session_level(r) or _span_context(r).get("traceId") == trace_id]
    return [r for r in mine if is_session_level(r) or _span_context(r).get("spanId") == span_id]


def ignored_fields(evaluator: EvaluatorDef, references: list[dict[str, Any]]) -> list[str]:
    """Ground-truth fields given to this target that the evaluator does not read."""
    used = used_reference_fields(evaluator)
    if used is None:
        return []
    given = {name for ref in references for name in GROUND_TRUTH_FIELDS if ref.get(name)}
    return [name for name in GROUND_TRUTH_FIELDS if name in given and name not in used]


def expected_response(references: list[dict[str, Any]], trace_id: str | None = None) -> str | None:
    """The expected response for a trace: its own entry first, then a session-level one."""
    ranked = sorted(references, key=lambda r: 0 if _span_context(r).get("traceId") == trace_id else 1)
    for ref in ranked:
        text = (ref.get("expectedResponse") or {}).get("text")
        if text:
            return str(text)
    return None


def assertions(references: list[dict[str, Any]]) -> list[str]:
    """Every assertion text given to the target, in input order."""
    return [str(a["text"]) for ref in references for a in ref.get("assertions") or [] if a.get("text")]


def expected_trajectory(references: list[dict[str, Any]]) -> list[str] | None:
    """The expected tool names; a session-level entry wins over a narrower one."""
    ranked = sorted(references, key=lambda r: 0 if is_session_level(r) else 1)
    for ref in ranked:
        trajectory = ref.get("expectedTrajectory")
        if isinstance(trajectory, dict) and "toolNames" in trajectory:
            return [str(name) for name in trajectory["toolNames"]]
    return None
