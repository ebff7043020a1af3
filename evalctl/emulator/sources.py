"""Batch inputs: sessions read from the emulated CloudWatch Logs, and inline ground truth."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from evalctl.emulator import cwlogs
from evalctl.emulator.settings import RUNTIME_LOG_PREFIX, SPANS_LOG_GROUP
from evalctl.engine.model import Session
from evalctl.engine.spans import parse_sessions


def _ms(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return int(value.timestamp() * 1000)
    return int(float(value) * 1000)


def service_of(doc: dict[str, Any]) -> str | None:
    resource = (doc.get("resource") or {}).get("attributes") or {}
    attrs = doc.get("attributes") or {}
    value = (
        resource.get("service.name") or resource.get("aws.local.service") or attrs.get("aws.local.service")
    )
    return value if isinstance(value, str) else None


def _event_groups(region: str, source: dict[str, Any]) -> list[str]:
    names = list(source.get("logGroupNames") or [])
    prefixes = list(source.get("logGroupNamePrefixes") or [])
    if not names and not prefixes:
        prefixes = [RUNTIME_LOG_PREFIX]
    existing = cwlogs.groups(region)
    chosen = [g for g in existing if g in names or any(g.startswith(p) for p in prefixes)]
    return [g for g in chosen if g != SPANS_LOG_GROUP]


def source_log_group(region: str, source: dict[str, Any]) -> str:
    """The trace source log group results go back to under SOURCE_LOG_GROUP: the first named
    group, else the first existing group under the first prefix, else `aws/spans`."""
    names = list(source.get("logGroupNames") or [])
    if names:
        return str(names[0])
    groups = _event_groups(region, source) if source.get("logGroupNamePrefixes") else []
    return groups[0] if groups else SPANS_LOG_GROUP


def read_documents(region: str, source: dict[str, Any]) -> list[dict[str, Any]]:
    """Span documents of the service from `aws/spans`, plus the events of the chosen log groups."""
    window = (source.get("filterConfig") or {}).get("timeRange") or source.get("timeRange") or {}
    start, end = _ms(window.get("startTime")), _ms(window.get("endTime"))
    services = set(source.get("serviceNames") or [])
    existing = set(cwlogs.groups(region))
    missing = [g for g in source.get("logGroupNames") or [] if g not in existing]
    if missing:
        # The job fails with the reason (errorDetails) instead of scoring sessions with no events.
        raise LookupError(f"log group {missing[0]} does not exist; create it or fix logGroupNames")
    docs = [
        d for d in cwlogs.read_documents(region, SPANS_LOG_GROUP, start, end) if service_of(d) in services
    ]
    for group in _event_groups(region, source):
        docs += list(cwlogs.read_documents(region, group, start, end))
    return docs


def _session_ids_in(docs: list[dict[str, Any]]) -> set[str]:
    found = set()
    for doc in docs:
        value = (doc.get("attributes") or {}).get("session.id")
        if isinstance(value, str):
            found.add(value)
    return found


def select_sessions(docs: list[dict[str, Any]], source: dict[str, Any]) -> tuple[list[Session], int]:
    """Sessions to evaluate (filtered by session and trace ids) and the count of ignored ones.

    A session is ignored when it was asked for (or seen in the spans) but has no evaluable
    trace: no span of a supported instrumentation scope in the window.
    """
    filters = source.get("filterConfig") or {}
    sessions = parse_sessions(docs)
    wanted = set(filters.get("sessionIds") or [])
    traces_by_session = {e["sessionId"]: set(e["traceIds"]) for e in filters.get("sessionTraceIds") or []}
    wanted |= set(traces_by_session)
    if wanted:
        sessions = [s for s in sessions if s.session_id in wanted]
    sessions = [_narrow(s, traces_by_session.get(s.session_id)) for s in sessions]
    evaluated = {s.session_id for s in sessions if s.traces}
    seen = wanted or _session_ids_in(docs)
    ignored = len(seen - evaluated)
    return [s for s in sessions if s.traces], ignored


def _narrow(session: Session, trace_ids: set[str] | None) -> Session:
    if not trace_ids:
        return session
    return dataclasses.replace(session, traces=[t for t in session.traces if t.trace_id in trace_ids])


def reference_inputs(metadata: dict[str, Any] | None, session: Session) -> list[dict[str, Any]]:
    """evaluationReferenceInputs for one session from `evaluationMetadata.sessionMetadata`.

    Turns match traces by prompt when the turn gives one that equals a trace's user prompt,
    otherwise by position (the n-th turn is the n-th trace in time order).
    """
    entries = [
        m for m in (metadata or {}).get("sessionMetadata") or [] if m["sessionId"] == session.session_id
    ]
    out: list[dict[str, Any]] = []
    for entry in entries:
        inline = (entry.get("groundTruth") or {}).get("inline") or {}
        base: dict[str, Any] = {"context": {"spanContext": {"sessionId": session.session_id}}}
        base.update({k: inline[k] for k in ("assertions", "expectedTrajectory") if k in inline})
        if len(base) > 1:
            out.append(base)
        out += _turn_references(inline.get("turns") or [], session)
    return out


def _turn_references(turns: list[dict[str, Any]], session: Session) -> list[dict[str, Any]]:
    by_prompt = {t.user_prompt.strip(): t.trace_id for t in session.traces if t.user_prompt}
    out = []
    for index, turn in enumerate(turns):
        if "expectedResponse" not in turn:
            continue
        prompt = ((turn.get("input") or {}).get("prompt") or "").strip()
        trace_id = by_prompt.get(prompt) if prompt else None
        if trace_id is None and index < len(session.traces):
            trace_id = session.traces[index].trace_id
        if trace_id is None:
            continue
        context = {"spanContext": {"sessionId": session.session_id, "traceId": trace_id}}
        out.append({"context": context, "expectedResponse": turn["expectedResponse"]})
    return out
