"""Span documents in every supported shape, normalized to span records with their event bodies."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

# Sessions whose spans carry no `session.id` (e.g. synthetic captures) are grouped under this id.
UNKNOWN_SESSION_ID = "unknown-session"


@dataclass
class SpanRecord:
    """A span in one normalized form, with the event bodies that belong to it."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    scope: str
    start: int
    end: int
    attributes: dict[str, Any]
    status: dict[str, Any]
    bodies: list[dict[str, Any]] = field(default_factory=list)
    session_id: str | None = None
    from_events_only: bool = False
    exceptions: list[str] = field(default_factory=list)


def unwrap(item: Any) -> dict[str, Any] | None:
    """The document inside a `{"timestamp", "raw_otel_json"}` row (string or dict), or the item."""
    if isinstance(item, dict) and "raw_otel_json" in item:
        item = item["raw_otel_json"]
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except ValueError:
                return None
    return item if isinstance(item, dict) else None


def records(docs: list[dict[str, Any]]) -> tuple[list[SpanRecord], dict[str, list[dict[str, Any]]]]:
    """Every span as a record (events attached, session ids filled), and each session's documents."""
    spans: dict[tuple[str, str], SpanRecord] = {}
    events: list[dict[str, Any]] = []
    unwrapped = [doc for doc in map(unwrap, docs) if doc is not None]
    for doc in unwrapped:
        if _is_span(doc):
            record = _span_record(doc)
            spans[(record.trace_id, record.span_id)] = record
        elif "body" in doc and (doc.get("spanId") or doc.get("span_id")):
            events.append(doc)
    for event in events:
        _attach_event(spans, event)
    _fill_session_ids(list(spans.values()))
    documents: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_trace = {rec.trace_id: rec.session_id for rec in spans.values()}
    shared: list[dict[str, Any]] = []
    for doc in unwrapped:
        sid = _session_of(doc) or by_trace.get(_trace_of(doc)) or UNKNOWN_SESSION_ID
        documents[sid].append(_share_resource(doc, shared))
    return list(spans.values()), documents


def _share_resource(doc: dict[str, Any], shared: list[dict[str, Any]]) -> dict[str, Any]:
    """Point equal `resource` blocks at one object: every span of a process repeats the same one,
    and sharing it makes sessions smaller in memory and cheaper to hand to code evaluators."""
    resource = doc.get("resource")
    if not isinstance(resource, dict):
        return doc
    # A session has a handful of distinct resources; dict equality is cheap, hashing is not.
    kept = next((known for known in shared if known == resource), None)
    if kept is None:
        shared.append(resource)
        return doc
    return doc if kept is resource else {**doc, "resource": kept}


def _is_span(doc: dict[str, Any]) -> bool:
    return ("spanId" in doc and "startTimeUnixNano" in doc) or ("span_id" in doc and "start_time" in doc)


def _span_record(doc: dict[str, Any]) -> SpanRecord:
    snake = "span_id" in doc
    attributes = doc.get("attributes") or {}
    record = SpanRecord(
        trace_id=str(doc.get("trace_id" if snake else "traceId", "")),
        span_id=str(doc.get("span_id" if snake else "spanId", "")),
        parent_span_id=doc.get("parent_span_id" if snake else "parentSpanId"),
        name=str(doc.get("name", "")),
        scope=str((doc.get("scope") or {}).get("name", "")),
        start=_as_int(doc.get("start_time" if snake else "startTimeUnixNano")),
        end=_as_int(doc.get("end_time" if snake else "endTimeUnixNano")),
        attributes=attributes,
        status=doc.get("status") or {},
        session_id=attributes.get("session.id"),
    )
    # strands-evals merges events as `span_events`; its normalized shape inlines `events`.
    for event in list(doc.get("span_events") or []) + list(doc.get("events") or []):
        if isinstance(event, dict) and isinstance(event.get("body"), dict):
            record.bodies.append(event["body"])
        if isinstance(event, dict) and event.get("name") == "exception":
            record.exceptions.append(_exception_text(event.get("attributes") or {}))
    return record


def _exception_text(attributes: dict[str, Any]) -> str:
    """`type: message` of an OTel exception event."""
    kind, message = attributes.get("exception.type"), attributes.get("exception.message")
    return ": ".join(str(part) for part in (kind, message) if part) or "exception"


def _attach_event(spans: dict[tuple[str, str], SpanRecord], event: dict[str, Any]) -> None:
    key = (str(_trace_of(event)), str(event.get("spanId") or event.get("span_id")))
    body = event.get("body")
    if not isinstance(body, dict):
        return
    record = spans.get(key)
    if record is None:
        # Runtime logs without their spans: stand the event in for its span.
        when = _as_int(event.get("timeUnixNano") or event.get("timestamp"))
        record = SpanRecord(
            trace_id=key[0], span_id=key[1], parent_span_id=None, name="",
            scope=str((event.get("scope") or {}).get("name", "")), start=when, end=when,
            attributes={}, status={}, session_id=_session_of(event), from_events_only=True,
        )  # fmt: skip
        spans[key] = record
    record.bodies.append(body)
    if record.session_id is None:
        record.session_id = _session_of(event)


def _fill_session_ids(records: list[SpanRecord]) -> None:
    """Spans of a trace without `session.id` inherit it from their trace's other spans."""
    by_trace: dict[str, str] = {}
    for record in records:
        if record.session_id:
            by_trace.setdefault(record.trace_id, record.session_id)
    for record in records:
        if not record.session_id:
            record.session_id = by_trace.get(record.trace_id)


def _session_of(doc: dict[str, Any]) -> str | None:
    attributes = doc.get("attributes") or {}
    value = attributes.get("session.id") or doc.get("sessionId") or doc.get("session_id")
    return str(value) if value else None


def _trace_of(doc: dict[str, Any]) -> str:
    return str(doc.get("traceId") or doc.get("trace_id") or "")


def _as_int(value: Any) -> int:
    """Nanosecond timestamps arrive as ints, numeric strings or (rarely) dates; order the rest first."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
