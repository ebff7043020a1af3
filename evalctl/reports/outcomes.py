"""Per session x evaluator outcomes (passed, failed, error, skipped) shared by JUnit, Markdown and HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from evalctl.reports.models import EvaluatorSummary, ResultEntry, RunResults, SessionResults

# One definition of an evaluator's average everywhere (run, results, compare, HTML, summary.md): the
# mean over every scored result, so a session with three scored traces counts three times, as the
# service's averageScore statistic does.
AVERAGE_DEFINITION = "average = mean over every scored result, each trace or tool call counted once"
# Without a minAverageScore gate, a scored result below this mark fails its test case. AgentCore's
# built-in scales run from 0 to 1, so 0.5 splits them; a gate's threshold always wins.
DEFAULT_PASS_MARK = 0.5

# `labelled`: a categorical result (a label, no score) has no pass mark, so it is neither passed nor
# failed; reports show the label and its distribution instead of calling `Poor` a pass.
Status = Literal["passed", "failed", "error", "skipped", "labelled"]
# What a badge says: `failed` is "scored below the pass mark", not the job's "failed sessions" (errors).
STATUS_WORDS: dict[str, str] = {
    "passed": "pass",
    "failed": "low score",
    "error": "error",
    "skipped": "no result",
    "labelled": "label",
}
# A session an EvaluatorTest expectation failed on (`evalctl test`), whatever its scores say.
EXPECTATION_FAILED = "expectation failed"
# Worst first: how a session's badge is chosen from its rows (labels alone leave no verdict).
RANK: dict[str, int] = {"error": 0, "failed": 1, "skipped": 2, "passed": 3, "labelled": 4}


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
    if all(e.value is None for e in entries):
        text = ", ".join(f"{describe_score(e)} on {target(e)}" for e in entries)
        return CaseOutcome(session_id, row, entries, "labelled", f"{row.name}: {text}", mark)
    return CaseOutcome(session_id, row, entries, "passed", f"{row.name} passed", mark)


def row_entries(sessions: Sequence[SessionResults], row: EvaluatorSummary) -> list[ResultEntry]:
    """Every result of one evaluator row (an evaluator, or one dimension of it), across sessions."""
    return [
        e
        for session in sessions
        for e in session.results
        if e.evaluatorId == row.id and e.dimension == row.dimension
    ]


def entry_status(entry: ResultEntry, mark: float) -> Status:
    """The verdict of one result row on its own target (a trace row never shows its session's verdict)."""
    if entry.error is not None:
        return "error"
    if entry.value is None:
        return "labelled" if entry.label else "skipped"
    return "failed" if entry.value < mark else "passed"


def label_counts(entries: list[ResultEntry]) -> dict[str, int]:
    """How often each label was given, most frequent first (categorical evaluators)."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.error is None and entry.label:
            counts[entry.label] = counts.get(entry.label, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def categorical_counts(entries: list[ResultEntry]) -> dict[str, int]:
    """The label distribution of results with labels but no scores (a categorical scale), else empty."""
    if any(e.value is not None for e in entries):
        return {}
    return label_counts(entries)


def categorical_labels(results: RunResults, row: EvaluatorSummary) -> dict[str, int]:
    """A row's categorical label distribution (empty for scored evaluators)."""
    return categorical_counts(row_entries(results.sessions, row))


def distribution(counts: dict[str, int], empty: str = "n/a") -> str:
    """`Good 3 · Poor 1`, or `empty`."""
    return " · ".join(f"{label} {count}" for label, count in counts.items()) or empty


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


def low_score_note(outcomes: list[CaseOutcome]) -> str:
    """`, 2 sessions with a low score` beside the job's counts (which count errors as failed), or ``."""
    low = len({o.session_id for o in outcomes if o.status == "failed"})
    return f", {low} session{'' if low == 1 else 's'} with a low score" if low else ""


def status_counts(outcomes: list[CaseOutcome]) -> Mapping[str, int]:
    """How many outcomes have each status."""
    counts = dict.fromkeys(RANK, 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts


def expectation_failures(results: RunResults) -> dict[str, list[str]]:
    """Session id -> the failed expectations about it (`evalctl test`), so no such session reads "pass"."""
    failures: dict[str, list[str]] = {}
    for gate in results.gates:
        if gate.kind == "expectation" and not gate.passed:
            for session_id in gate.details.get("sessions") or []:
                failures.setdefault(str(session_id), []).append(gate.message)
    return failures


def ordered_sessions(
    outcomes: list[CaseOutcome], failures: Mapping[str, list[str]]
) -> list[tuple[str, list[CaseOutcome]]]:
    """Sessions with their outcomes, worst first: failed expectations, then by the worst status, then
    in the results' order (by session id, or by scenario for `evalctl simulate`, whose ids are random)."""
    by_session: dict[str, list[CaseOutcome]] = {}
    for outcome in outcomes:
        by_session.setdefault(outcome.session_id, []).append(outcome)
    place = {session: n for n, session in enumerate(by_session)}
    return sorted(
        by_session.items(),
        key=lambda kv: (kv[0] not in failures, min(RANK[o.status] for o in kv[1]), place[kv[0]]),
    )
