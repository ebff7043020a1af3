"""Per session x evaluator outcomes (passed, failed, error, skipped) shared by JUnit, Markdown and HTML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from evalctl.reports.models import EvaluatorSummary, ResultEntry, RunResults

# Without a minAverageScore gate, a scored result below this mark fails its test case. AgentCore's
# built-in scales run from 0 to 1, so 0.5 splits them; a gate's threshold always wins.
DEFAULT_PASS_MARK = 0.5

Status = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True)
class CaseOutcome:
    """What one evaluator concluded about one session, with every result behind it."""

    session_id: str
    evaluator: EvaluatorSummary
    entries: list[ResultEntry]
    status: Status
    message: str
    pass_mark: float


def pass_marks(results: RunResults, default: float = DEFAULT_PASS_MARK) -> dict[str, float]:
    """The pass mark per evaluator id: its average-score gate's threshold, else the default."""
    marks = {row.id: default for row in results.evaluators}
    for gate in results.gates:
        evaluator_id = gate.details.get("evaluatorId")
        if gate.kind == "minAverageScore" and isinstance(evaluator_id, str):
            marks[evaluator_id] = float(gate.threshold)
    return marks


def case_outcomes(results: RunResults, default: float = DEFAULT_PASS_MARK) -> list[CaseOutcome]:
    """One outcome per session and evaluator row, sessions in order, evaluators as listed."""
    marks = pass_marks(results, default)
    outcomes = []
    for session in results.sessions:
        for row in results.evaluators:
            entries = [e for e in session.results if e.evaluatorId == row.id and e.dimension == row.dimension]
            outcomes.append(judge_case(session.sessionId, row, entries, marks.get(row.id, default)))
    return outcomes


def judge_case(
    session_id: str, row: EvaluatorSummary, entries: list[ResultEntry], mark: float
) -> CaseOutcome:
    """Errors beat low scores, low scores beat passes; a session with no result is skipped."""
    if not entries:
        return CaseOutcome(session_id, row, entries, "skipped", f"{row.name} produced no result", mark)
    errors = [e for e in entries if e.error is not None]
    if errors:
        text = "; ".join(f"{e.error.type}: {e.error.message}" for e in errors if e.error)
        return CaseOutcome(session_id, row, entries, "error", f"{row.name} could not score: {text}", mark)
    low = [e for e in entries if e.value is not None and e.value < mark]
    if low:
        text = "; ".join(f"{describe_score(e)} < {mark:.2f} on {target(e)}" for e in low)
        return CaseOutcome(session_id, row, entries, "failed", f"{row.name} scored {text}", mark)
    return CaseOutcome(session_id, row, entries, "passed", f"{row.name} passed", mark)


def describe_score(entry: ResultEntry) -> str:
    """`0.33 (Not Helpful)`, `0.33`, `Not Helpful` or `n/a`."""
    value = None if entry.value is None else f"{entry.value:.2f}"
    if value and entry.label:
        return f"{value} ({entry.label})"
    return value or entry.label or "n/a"


def target(entry: ResultEntry) -> str:
    """What the result is about: `tool call <span>`, `trace <id>` or `session`."""
    if entry.spanId:
        return f"tool call {entry.spanId}"
    if entry.traceId:
        return f"trace {entry.traceId}"
    return "session"


def status_counts(outcomes: list[CaseOutcome]) -> Mapping[str, int]:
    """How many outcomes have each status."""
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts
