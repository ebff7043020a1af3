"""Data plane: Evaluate scores `sessionSpans` on demand with the engine."""

from __future__ import annotations

from typing import Any

from evalctl.emulator import bridge
from evalctl.emulator.core import Core, Request
from evalctl.emulator.errors import ValidationError
from evalctl.engine import coverage, scoring
from evalctl.engine.extract import SUPPORTED_SCOPES
from evalctl.engine.records import unwrap
from evalctl.engine.spans import parse_sessions

_SPAN_FIELDS = ("spanId", "traceId", "name", "startTimeUnixNano", "endTimeUnixNano")
_OBJECT = ((dict,), "an object")
_LIST = ((list,), "an array")
_TEXT = ((str,), "a string")
_NUMBER = ((str, int, float), "a number or numeric string")
_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "attributes": _OBJECT,
    "scope": _OBJECT,
    "status": _OBJECT,
    "resource": _OBJECT,
    "events": _LIST,
    "span_events": _LIST,
    **dict.fromkeys(("traceId", "spanId", "trace_id", "span_id", "parentSpanId", "parent_span_id"), _TEXT),
    **dict.fromkeys(("startTimeUnixNano", "endTimeUnixNano", "timeUnixNano"), _NUMBER),
}
_MALFORMED = "sessionSpans hold a document that is not an OpenTelemetry span or log event the service reads"


def _scope(doc: dict[str, Any]) -> str:
    return str((doc.get("scope") or {}).get("name") or "")


def _check_raw_spans(docs: list[dict[str, Any]]) -> None:
    """Raw documents: supported-scope spans need their fields, and events must come with them.

    Lenient on purpose (engine/coverage.py): the service wants the runtime events matching the spans;
    we refuse spans sent with no matching event at all, but accept captures whose events cover only
    some turns (the recorded Strands capture is like that).
    """
    spans = [d for d in docs if coverage.is_span(d) and _scope(d) in SUPPORTED_SCOPES]
    for doc in spans:
        missing = [f for f in _SPAN_FIELDS if f not in doc]
        if "session.id" not in (doc.get("attributes") or {}):
            missing.append('attributes."session.id"')
        if missing:
            fields = ", ".join(missing)
            raise ValidationError(f"Span {doc.get('spanId')} is missing required fields: {fields}")
    if coverage.request_without_events(docs, spans):
        raise ValidationError(
            "sessionSpans hold spans of a supported scope but none of their events; "
            "include the matching events from the runtime log group"
        )


def _check_field_types(docs: list[dict[str, Any]]) -> None:
    """Name the first field whose JSON type the span reader cannot take (it trusts OTel's shapes)."""
    for index, doc in enumerate(docs, start=1):
        for key, value in doc.items():
            expected = _FIELD_TYPES.get(key)
            if expected is not None and value is not None and not isinstance(value, expected[0]):
                raise ValidationError(f"sessionSpans document {index}: '{key}' must be {expected[1]}")
        for parent, key in (("attributes", "session.id"), ("scope", "name")):
            value = (doc.get(parent) or {}).get(key)
            if value is not None and not isinstance(value, str | int | float):
                raise ValidationError(f"sessionSpans document {index}: '{parent}.{key}' must be a string")


def _sessions(params: dict[str, Any]) -> list[Any]:
    docs = [d for d in (unwrap(s) for s in params["evaluationInput"]["sessionSpans"]) if d is not None]
    _check_field_types(docs)
    _check_raw_spans(docs)
    try:
        return parse_sessions(docs)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # Documents of the right top-level types can still hold shapes no OTel exporter writes.
        raise ValidationError(_MALFORMED) from exc


def evaluate(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    evaluator = bridge.definition(core, params["evaluatorId"], req.region)
    sessions = _sessions(params)
    if not sessions:
        raise ValidationError(
            "sessionSpans hold no span of a supported scope ("
            + ", ".join(SUPPORTED_SCOPES)
            + ") with a session.id"
        )
    refs = params.get("evaluationReferenceInputs")
    target = params.get("evaluationTarget")
    results = []
    try:
        for session in sessions:
            results += scoring.evaluate(evaluator, session, refs, bridge.judge(), target)
    except scoring.TargetNotFound as exc:
        raise ValidationError(str(exc)) from exc
    except (TypeError, AttributeError, KeyError) as exc:
        raise ValidationError(_MALFORMED) from exc
    return {"evaluationResults": [r.to_api() for r in results]}


HANDLERS = {"Evaluate": evaluate}
