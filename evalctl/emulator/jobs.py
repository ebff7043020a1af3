"""Batch evaluation work: read sessions, score them with the engine, build the stored outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from evalctl.emulator import bridge, live_sessions, sources
from evalctl.engine import coverage, insights, scoring
from evalctl.engine.model import EvaluationResult, EvaluatorDef, Session, SpanContext

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="evalctl-batch")


@dataclass(frozen=True)
class JobSpec:
    """Everything a job needs, captured at Start so the work never touches the store."""

    region: str
    source: dict[str, Any]
    evaluators: list[EvaluatorDef]
    insight_ids: list[str]
    metadata: dict[str, Any] | None
    # A dataset batch's run plan (evalctl.emulator.dataset_start.plan) and the state lock its telemetry
    # reads take while OTLP exports keep arriving.
    dataset: dict[str, Any] | None = None
    lock: Any = None
    cancel: threading.Event | None = None  # set by Stop: a dataset job invokes no further scenario
    # Set when the emulator stops: a dataset job sends no further turn and its outcome is not kept.
    halt: threading.Event | None = None
    # A dataset job's progress so far (evalctl.emulator.dataset_progress) and where each step goes.
    resume: dict[str, Any] | None = None
    report: Callable[[int, dict[str, Any]], None] | None = None


def submit(spec: JobSpec, work: Callable[[JobSpec], dict[str, Any]]) -> Future[dict[str, Any]]:
    """Run a job in the background pool; its result is the JSON-able outcome."""
    return _POOL.submit(work, spec)


def broken(exc: Exception, sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The outcome of a job whose scoring raised: FAILED, the reason in errorDetails, `sessions` kept."""
    reason = f"Could not evaluate sessions: {exc}"
    return {"sessions": sessions, "ignored": 0, "insights": {}, "error": reason}


def score_session(spec: JobSpec, session: Session, metadata: dict[str, Any] | None) -> list[EvaluationResult]:
    """Every evaluator of the job on one session, with the ground truth `metadata` gives it."""
    refs = sources.reference_inputs(metadata, session)
    results: list[EvaluationResult] = []
    for evaluator in spec.evaluators:
        try:
            results += scoring.evaluate(evaluator, session, refs, bridge.judge())
        except scoring.TargetNotFound as exc:
            results.append(EvaluationResult(
                evaluator.evaluator_id, evaluator.evaluator_name, evaluator.evaluator_arn,
                SpanContext(session.session_id), error_code="TargetNotFound", error_message=str(exc),
            ))  # fmt: skip
    return results


def service_of(session: Session) -> str | None:
    """The `service.name` of a session's telemetry (its spans' resource)."""
    for doc in session.documents:
        found = sources.service_of(doc)
        if found:
            return found
    return None


def session_outcome(session: Session, results: list[EvaluationResult]) -> dict[str, Any]:
    """One evaluated session as the stored outcome keeps it."""
    return {
        "sessionId": session.session_id,
        "serviceName": service_of(session),
        "traceTimes": {t.trace_id: t.start_time_unix_nano for t in session.traces},
        "results": [r.to_api() for r in results],
        "failed": any(r.failed for r in results),
    }


def failed_outcome(spec: JobSpec, session_id: str, code: str, message: str) -> dict[str, Any]:
    """A session that can't be evaluated: every evaluator reports the failure for it."""
    results = [
        EvaluationResult(e.evaluator_id, e.evaluator_name, e.evaluator_arn, SpanContext(session_id),
                         error_code=code, error_message=message).to_api()
        for e in spec.evaluators
    ]  # fmt: skip
    service = (spec.source.get("serviceNames") or [None])[0]
    return {"sessionId": session_id, "serviceName": service, "traceTimes": {}, "results": results,
            "failed": True, "error": f"{code}: {message}"}  # fmt: skip


def run(spec: JobSpec) -> dict[str, Any]:
    """The outcome of a job over logs: per-session API results, the ignored count and the insights."""
    try:
        docs = sources.read_documents(spec.region, spec.source)
        services = set(spec.source.get("serviceNames") or [])
        if services:  # runtime log groups under a prefix hold other agents' events too
            docs = live_sessions.of_services(docs, services)
        sessions, ignored = sources.select_sessions(docs, spec.source)
    except Exception as exc:  # reading logs failed: the job FAILS with the reason, like the service
        return {"sessions": [], "ignored": 0, "insights": {}, "error": f"Could not read sessions: {exc}"}
    per_session = []
    everything: list[EvaluationResult] = []
    bare = coverage.sessions_without_events(docs)
    for session in sessions:
        if session.session_id in bare:  # scored, it would read as "no assistant response": refuse
            message = (
                f"session {session.session_id} has spans but none of their events in the data source's "
                "log groups; add the agent runtime's log group (logGroupNames) or wait for its events"
            )
            per_session.append(failed_outcome(spec, session.session_id, "ValidationException", message))
            continue
        results = score_session(spec, session, spec.metadata)
        everything += results
        per_session.append(session_outcome(session, results))
    found = insights.analyze(spec.insight_ids, sessions, everything) if spec.insight_ids else {}
    error = None if sessions else "No sessions with spans of a supported scope matched the data source"
    return {"sessions": per_session, "ignored": ignored, "insights": found, "error": error}
