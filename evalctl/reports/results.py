"""Build `RunResults` from a GetBatchEvaluation response plus its result log, or from a local replay."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from evalctl.reports.insights import insights_from_batch
from evalctl.reports.logrecords import LogResult, number, parse_events
from evalctl.reports.models import (
    EvaluatorSummary,
    Job,
    ResultEntry,
    ResultError,
    RunResults,
    SessionResults,
    Source,
)
from evalctl.reports.outcomes import categorical_counts, row_entries

FINISHED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"


def from_batch(
    response: Mapping[str, Any], result_log_events: Sequence[Mapping[str, Any]], source: Source = "aws"
) -> RunResults:
    """Results of a batch evaluation: aggregates from the response, per-session rows from the log."""
    records = parse_events(list(result_log_events))
    known = _known_evaluator_ids(response)
    entries = [(r.session_id, _entry_from_log(r, _resolve_id(r, known))) for r in records]
    scenarios = {r.session_id: r.scenario_id for r in records if r.scenario_id}
    sessions = _group_sessions(entries, scenarios)
    names = {e.evaluatorId: e.evaluatorName for _, e in entries if e.evaluatorName}
    levels = {e.evaluatorId: e.level for _, e in entries if e.level}
    counts = response.get("evaluationResults") or {}
    evaluators = _summaries_from_api(counts, names, levels)
    seen = {row.id for row in evaluators}
    # The log may hold evaluators the summaries omit (a job still running); listed ones never ran.
    evaluators += [row for row in summarize(sessions) if row.id not in seen]
    seen |= {row.id for row in evaluators}
    evaluators += [EvaluatorSummary(id=i, name=i, evaluated=0, failed=0) for i in known if i not in seen]
    job = Job(
        id=str(response.get("batchEvaluationId", "")),
        name=str(response.get("batchEvaluationName", "")),
        status=str(response.get("status", "UNKNOWN")),
        source=source,
        arn=response.get("batchEvaluationArn"),
        createdAt=iso(response.get("createdAt")),
        updatedAt=iso(response.get("updatedAt")),
        errorDetails=[str(d) for d in response.get("errorDetails") or []],
        totalSessions=counts.get("totalNumberOfSessions"),
        sessionsCompleted=counts.get("numberOfSessionsCompleted"),
        sessionsFailed=counts.get("numberOfSessionsFailed"),
        sessionsIgnored=counts.get("numberOfSessionsIgnored"),
        sessionsInProgress=counts.get("numberOfSessionsInProgress"),
    )
    return RunResults(
        job=job,
        evaluators=with_labels(evaluators, sessions),
        sessions=sessions,
        insights=insights_from_batch(response),
    )


def from_local(
    job_name: str,
    results: Iterable[tuple[str, str, Mapping[str, Any]]],
    job_id: str | None = None,
    created_at: datetime | str | None = None,
    source: Source = "local",
) -> RunResults:
    """Results of a local replay: (session id, evaluator id, EvaluationResultContent dict) triples."""
    entries = [
        (session_id, _entry_from_api(evaluator_id, content)) for session_id, evaluator_id, content in results
    ]
    sessions = _group_sessions(entries)
    failed = sum(1 for s in sessions if any(r.error for r in s.results))
    stamp = iso(created_at) or iso(datetime.now(UTC))
    job = Job(
        id=job_id or f"local-{job_name}",
        name=job_name,
        status=FINISHED_WITH_ERRORS if failed else "COMPLETED",
        source=source,
        createdAt=stamp,
        updatedAt=stamp,
        totalSessions=len(sessions),
        sessionsCompleted=len(sessions) - failed,
        sessionsFailed=failed,
        sessionsIgnored=0,
        sessionsInProgress=0,
    )
    return RunResults(job=job, evaluators=with_labels(summarize(sessions), sessions), sessions=sessions)


def with_labels(rows: list[EvaluatorSummary], sessions: Sequence[SessionResults]) -> list[EvaluatorSummary]:
    """Rows of categorical evaluators carry their label distribution (JSON readers get it too)."""
    out = []
    for row in rows:
        counts = categorical_counts(row_entries(sessions, row))
        out.append(row.model_copy(update={"labels": counts}) if counts else row)
    return out


def summarize(sessions: Sequence[SessionResults]) -> list[EvaluatorSummary]:
    """Per-evaluator (and dimension) aggregates: mean of scored values, sessions scored and failed."""
    values: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    scored: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    failed: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    meta: dict[tuple[str, str | None], ResultEntry] = {}
    for session in sessions:
        for entry in session.results:
            key = (entry.evaluatorId, entry.dimension)
            meta.setdefault(key, entry)
            if entry.error is not None:
                failed[key].add(session.sessionId)
                continue
            scored[key].add(session.sessionId)
            if entry.value is not None:
                values[key].append(entry.value)
    return [
        EvaluatorSummary(
            id=key[0],
            name=meta[key].evaluatorName or key[0],
            level=meta[key].level,
            dimension=key[1],
            averageScore=sum(values[key]) / len(values[key]) if values[key] else None,
            evaluated=len(scored[key]),
            failed=len(failed[key]),
        )
        for key in sorted(meta, key=lambda k: (k[0], k[1] or ""))
    ]


def iso(value: Any) -> str | None:
    """ISO 8601 text for a datetime (boto3) or a string (JSON); None stays None."""
    if isinstance(value, datetime):
        return value.isoformat()
    return None if value is None else str(value)


def _summaries_from_api(
    counts: Mapping[str, Any], names: Mapping[str, str | None], levels: Mapping[str, str | None]
) -> list[EvaluatorSummary]:
    rows = []
    for summary in counts.get("evaluatorSummaries") or []:
        evaluator_id = str(summary.get("evaluatorId", ""))
        rows.append(
            EvaluatorSummary.model_validate(
                {
                    "id": evaluator_id,
                    "name": names.get(evaluator_id) or evaluator_id,
                    "level": levels.get(evaluator_id),
                    "dimension": summary.get("evaluationDimensionName"),
                    "averageScore": number((summary.get("statistics") or {}).get("averageScore")),
                    "evaluated": int(summary.get("totalEvaluated") or 0),
                    "failed": int(summary.get("totalFailed") or 0),
                }
            )
        )
    return rows


def _known_evaluator_ids(response: Mapping[str, Any]) -> list[str]:
    listed = [str(e.get("evaluatorId")) for e in response.get("evaluators") or [] if e.get("evaluatorId")]
    summaries = (response.get("evaluationResults") or {}).get("evaluatorSummaries") or []
    return list(
        dict.fromkeys(listed + [str(s.get("evaluatorId")) for s in summaries if s.get("evaluatorId")])
    )


def _resolve_id(record: LogResult, known: list[str]) -> str:
    """The evaluator id for a record: explicit, a built-in by name, or the unique `<name>-<10 chars>`."""
    if record.evaluator_id:
        return record.evaluator_id
    if record.evaluator_name in known:
        return record.evaluator_name
    pattern = re.compile(re.escape(record.evaluator_name) + r"-[a-zA-Z0-9]{10}")
    matches = [k for k in known if pattern.fullmatch(k)]
    return matches[0] if len(matches) == 1 else record.evaluator_name


def _entry_from_log(record: LogResult, evaluator_id: str) -> ResultEntry:
    error = None
    if record.error_type or record.error_message:
        error = ResultError(type=record.error_type or "Error", message=record.error_message or "")
    return ResultEntry(
        evaluatorId=evaluator_id,
        evaluatorName=record.evaluator_name,
        level=record.level,
        dimension=record.dimension,
        traceId=record.trace_id,
        spanId=record.span_id,
        value=None if error else record.value,
        label=record.label,
        explanation=record.explanation,
        error=error,
    )


def _entry_from_api(evaluator_id: str, content: Mapping[str, Any]) -> ResultEntry:
    span = (content.get("context") or {}).get("spanContext") or {}
    trace_id, span_id = span.get("traceId"), span.get("spanId")
    error = None
    if content.get("errorCode") or content.get("errorMessage"):
        error = ResultError(
            type=str(content.get("errorCode") or "Error"), message=str(content.get("errorMessage") or "")
        )
    return ResultEntry(
        evaluatorId=str(content.get("evaluatorId") or evaluator_id),
        evaluatorName=content.get("evaluatorName"),
        level="TOOL_CALL" if span_id else "TRACE" if trace_id else "SESSION",
        dimension=content.get("evaluationDimensionName"),
        traceId=trace_id,
        spanId=span_id,
        value=None if error else number(content.get("value")),
        label=content.get("label"),
        explanation=content.get("explanation"),
        error=error,
    )


def _group_sessions(
    entries: Iterable[tuple[str, ResultEntry]], scenarios: Mapping[str, str] | None = None
) -> list[SessionResults]:
    grouped: dict[str, list[ResultEntry]] = defaultdict(list)
    for session_id, entry in entries:
        grouped[session_id].append(entry)

    def order(e: ResultEntry) -> tuple[str, str, str, str]:
        return (e.evaluatorId, e.dimension or "", e.traceId or "", e.spanId or "")

    names = scenarios or {}

    def place(session_id: str) -> tuple[str, str]:
        # A dataset run's sessions by scenario: their ids are random, and records arrive in the order
        # scenarios finished, so only the scenario gives the same report for the same run.
        return names.get(session_id) or "", session_id

    return [
        SessionResults(sessionId=s, scenarioId=names.get(s), results=sorted(grouped[s], key=order))
        for s in sorted(grouped, key=place)
    ]
