"""Data plane: Evaluate scores `sessionSpans` on demand with the engine."""

from __future__ import annotations

from typing import Any

from evalctl.emulator import bridge
from evalctl.emulator.core import Core, Request
from evalctl.emulator.errors import ValidationError
from evalctl.engine import scoring
from evalctl.engine.extract import SUPPORTED_SCOPES
from evalctl.engine.spans import parse_sessions, unwrap

_SPAN_FIELDS = ("spanId", "traceId", "name", "startTimeUnixNano", "endTimeUnixNano")


def _scope(doc: dict[str, Any]) -> str:
    return str((doc.get("scope") or {}).get("name") or "")


def _is_span(doc: dict[str, Any]) -> bool:
    return "startTimeUnixNano" in doc


def _check_raw_spans(docs: list[dict[str, Any]]) -> None:
    """Raw documents: supported-scope spans need their fields, and events must come with them.

    Lenient on purpose: the service wants the runtime events matching the spans; we refuse
    spans sent with no matching event at all, but accept captures whose events cover only
    some turns (the recorded Strands capture is like that).
    """
    events = {(d.get("traceId"), d.get("spanId")) for d in docs if "body" in d and not _is_span(d)}
    spans = [d for d in docs if "startTimeUnixNano" in d and _scope(d) in SUPPORTED_SCOPES]
    for doc in spans:
        missing = [f for f in _SPAN_FIELDS if f not in doc]
        if "session.id" not in (doc.get("attributes") or {}):
            missing.append('attributes."session.id"')
        if missing:
            fields = ", ".join(missing)
            raise ValidationError(f"Span {doc.get('spanId')} is missing required fields: {fields}")
    if spans and not any((d["traceId"], d["spanId"]) in events for d in spans):
        raise ValidationError(
            "sessionSpans hold spans of a supported scope but none of their events; "
            "include the matching events from the runtime log group"
        )


def evaluate(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    evaluator = bridge.definition(core, params["evaluatorId"], req.region)
    docs = [d for d in (unwrap(s) for s in params["evaluationInput"]["sessionSpans"]) if d is not None]
    _check_raw_spans(docs)
    sessions = parse_sessions(docs)
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
    return {"evaluationResults": [r.to_api() for r in results]}


HANDLERS = {"Evaluate": evaluate}
