"""Seed recorded sessions (fixture formats) into the emulated log groups, re-timed to now."""

from __future__ import annotations

import json
import re
import secrets
from typing import TYPE_CHECKING, Any

from evalctl.emulator import cwlogs
from evalctl.emulator.settings import DEFAULT_REGION, RUNTIME_LOG_PREFIX, SPANS_LOG_GROUP

if TYPE_CHECKING:
    from evalctl.emulator.core import Core

_NANO_KEYS = (
    "startTimeUnixNano",
    "endTimeUnixNano",
    "timeUnixNano",
    "observedTimeUnixNano",
    "start_time",
    "end_time",
)
_SERVICE_KEYS = ("service.name", "aws.local.service")


def runtime_log_group(service_name: str) -> str:
    """Where seeded runtime events of a service go: `/aws/bedrock-agentcore/runtimes/<service>`."""
    return RUNTIME_LOG_PREFIX + re.sub(r"[^.\-_/#A-Za-z0-9]", "-", service_name).replace(".", "-")


def flatten(rows: Any) -> list[dict[str, Any]]:
    """Documents from a fixture file: `{timestamp, raw_otel_json}` rows or bare documents."""
    items = rows if isinstance(rows, list) else [rows]
    docs: list[dict[str, Any]] = []
    for row in items:
        doc = row.get("raw_otel_json", row) if isinstance(row, dict) else None
        if isinstance(doc, str):
            doc = json.loads(doc)
        if isinstance(doc, dict):
            docs.append(doc)
    return docs


def is_span(doc: dict[str, Any]) -> bool:
    return "startTimeUnixNano" in doc or "span_id" in doc


def _time_ns(doc: dict[str, Any]) -> int:
    return max((int(doc[k]) for k in _NANO_KEYS if isinstance(doc.get(k), int | float)), default=0)


def _shift(doc: dict[str, Any], delta: int) -> None:
    for key in _NANO_KEYS:
        if isinstance(doc.get(key), int | float):
            doc[key] = int(doc[key]) + delta
    for event in doc.get("span_events") or []:
        if isinstance(event.get("timestamp"), int | float):
            event["timestamp"] = int(event["timestamp"]) + delta


def _rename(doc: dict[str, Any], service: str, ids: dict[str, str], traces: dict[str, str]) -> None:
    resource = doc.setdefault("resource", {}).setdefault("attributes", {})
    for key in _SERVICE_KEYS:
        resource[key] = service
    resource["aws.log.group.names"] = runtime_log_group(service)
    for holder in (doc.get("attributes") or {}, doc):
        for key in ("session.id", "sessionId"):
            if isinstance(holder.get(key), str) and holder[key] in ids:
                holder[key] = ids[holder[key]]
    for key in ("traceId", "trace_id"):
        if isinstance(doc.get(key), str) and doc[key] in traces:
            doc[key] = traces[doc[key]]


def _session_of(doc: dict[str, Any]) -> str | None:
    value = (doc.get("attributes") or {}).get("session.id") or doc.get("sessionId")
    return value if isinstance(value, str) else None


def prepare(docs: list[dict[str, Any]], service: str, now_ns: int, fresh_ids: bool) -> list[str]:
    """Re-time (latest document ends now), rename the service, optionally give fresh session ids."""
    sessions = list(dict.fromkeys(s for s in map(_session_of, docs) if s))
    ids = {s: (f"{s[:60]}-{secrets.token_hex(6)}" if fresh_ids else s) for s in sessions}
    trace_ids = {
        str(d.get("traceId") or d.get("trace_id")) for d in docs if d.get("traceId") or d.get("trace_id")
    }
    traces = {t: secrets.token_hex(16) for t in trace_ids} if fresh_ids else {}
    delta = now_ns - max((_time_ns(d) for d in docs), default=now_ns)
    for doc in docs:
        _shift(doc, delta)
        _rename(doc, service, ids, traces)
    return [ids[s] for s in sessions]


def seed_documents(core: Core, payload: dict[str, Any]) -> list[str]:
    """Admin `seed`: payload {serviceName, files: [{name, content}], freshSessionIds?, region?}."""
    service = str(payload["serviceName"])
    region = str(payload.get("region") or DEFAULT_REGION)
    docs = [doc for item in payload["files"] for doc in flatten(item["content"])]
    # Lookback windows end on a whole second (mapping.window), taken a moment after seeding: end
    # the data 1 ms before the current second, so no sub-second phase can cut its last events off.
    now_ns = int(core.clock.now()) * 1_000_000_000 - 1_000_000
    session_ids = prepare(docs, service, now_ns, bool(payload.get("freshSessionIds")))
    fallback_ms = now_ns // 1_000_000
    stamped = [((_time_ns(d) // 1_000_000) or fallback_ms, d) for d in docs]
    spans = [(t, json.dumps(d)) for t, d in stamped if is_span(d)]
    events = [(t, json.dumps(d)) for t, d in stamped if not is_span(d)]
    cwlogs.put_events(region, SPANS_LOG_GROUP, "default", spans)
    if events:
        cwlogs.put_events(region, runtime_log_group(service), "otel-rt-logs", events)
    return session_ids
