"""Spans without their runtime events: one rule, at the span grain (Evaluate) and the trace grain (batch)."""

from __future__ import annotations

from evalctl.engine import coverage


def span(trace: str, span_id: str, session: str | None = "s1") -> dict:
    attributes = {"session.id": session} if session else {}
    return {"traceId": trace, "spanId": span_id, "startTimeUnixNano": 1, "attributes": attributes}


def event(trace: str, span_id: str) -> dict:
    return {"traceId": trace, "spanId": span_id, "body": {"output": "hi"}}


def test_the_span_grain_needs_an_event_of_the_span_itself():
    spans = [span("t1", "a"), span("t1", "b")]
    assert coverage.request_without_events(spans, spans)
    assert coverage.request_without_events([*spans, event("t1", "other")], spans), (
        "a sibling's event is not its own"
    )
    assert not coverage.request_without_events([*spans, event("t1", "b")], spans), (
        "some turns covered is enough"
    )
    assert not coverage.request_without_events([], []), "no spans, nothing to refuse"


def test_the_trace_grain_takes_any_event_of_the_trace_and_judges_each_session():
    docs = [span("t1", "a", "s1"), span("t2", "c", "s2"), span("t3", "d", "s3"), span("t4", "e", None)]
    docs += [event("t1", "other"), event("t3", "d")]
    assert coverage.sessions_without_events(docs) == {"s2"}, "t4 has no session.id: not a session"


def test_a_span_with_a_body_is_still_a_span_not_an_event():
    doc = {**span("t1", "a"), "body": {"output": "x"}}
    assert coverage.is_span(doc) and not coverage.is_event(doc)
    assert coverage.sessions_without_events([doc]) == {"s1"}
