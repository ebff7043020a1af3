"""Spans without their runtime events: the one rule Evaluate and batch jobs refuse them by.

Scored without the events (the conversation's content), a session reads as "no assistant response"
and gets a confident low score; both data paths refuse instead, at the grain their input allows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalctl.engine.model import Session

Doc = dict[str, Any]
Grain = Callable[[Doc], Hashable]


def is_span(doc: Doc) -> bool:
    """A span document as the exporters write it (OTLP JSON)."""
    return "startTimeUnixNano" in doc


def is_event(doc: Doc) -> bool:
    """A runtime log event: a body, and not a span."""
    return "body" in doc and not is_span(doc)


def span_key(doc: Doc) -> tuple[Any, Any]:
    """An event belongs to exactly this span."""
    return doc.get("traceId"), doc.get("spanId")


def trace_key(doc: Doc) -> Any:
    """An event belongs to some span of this trace."""
    return doc.get("traceId")


def without_events(docs: Iterable[Doc], spans: Iterable[Doc], key: Grain, group: Grain) -> set[Hashable]:
    """The groups of `spans` in which not one span shares its `key` with a runtime event in `docs`.

    A group with some events passes: captures whose events cover only some turns are still evaluated.
    """
    covered = {key(doc) for doc in docs if is_event(doc)}
    has_events: dict[Hashable, bool] = {}
    for span in spans:
        name = group(span)
        has_events[name] = has_events.get(name, False) or key(span) in covered
    return {name for name, found in has_events.items() if not found}


def request_without_events(docs: list[Doc], spans: list[Doc]) -> bool:
    """Evaluate's grain: a request of spans none of which has its own events (matched by span)."""
    return bool(without_events(docs, spans, span_key, lambda _span: "request"))


def sessions_without_events(docs: list[Doc]) -> set[str]:
    """A batch job's grain: sessions whose traces have spans but not one event.

    Matched by trace id: events belong to spans of the trace, not always to the one carrying session.id.
    """
    spans = [d for d in docs if is_span(d) and isinstance(_session(d), str)]
    return {str(s) for s in without_events(docs, spans, trace_key, _session)}


def _session(doc: Doc) -> Any:
    return (doc.get("attributes") or {}).get("session.id")


def whole(session: Session | None, turns: int) -> bool:
    """Every turn's trace has arrived whole: its answer, and its root span.

    An answer alone is not enough: a Strands model span carries assistant text (with its tool use)
    before the tool runs, so a trace read mid-export would score a truncated trajectory. The root span
    ends last and span processors export in end order, so once it is stored its descendants are.
    """
    if session is None or len(session.traces) < turns:
        return False
    rooted = {d.get("traceId") for d in session.documents if is_span(d) and not d.get("parentSpanId")}
    return all(t.assistant_response and t.trace_id in rooted for t in session.traces)
