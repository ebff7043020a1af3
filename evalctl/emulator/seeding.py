"""Seed recorded sessions (fixture formats) into the emulated log groups, re-timed to now."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import TYPE_CHECKING, Any

from evalctl.emulator import cwlogs
from evalctl.emulator.settings import ACCOUNT_ID, DEFAULT_REGION, RUNTIME_LOG_PREFIX, SPANS_LOG_GROUP

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


def runtime_of(service_name: str, resource_id: str | None) -> tuple[str, str]:
    """(runtimeId, endpoint) for a seeded service `<agent>.<endpoint>`.

    The runtime id keeps the capture's 10-character suffix (`cloud.resource_id`), or derives one
    from the service name, so the same seed always lands in the same group.
    """
    agent, _, endpoint = service_name.rpartition(".")
    agent = re.sub(r"[^A-Za-z0-9_]", "_", agent or service_name) or "agent"
    found = re.search(r":runtime/[^/]*-([A-Za-z0-9]{10})(?:/|$)", resource_id or "")
    suffix = found.group(1) if found else hashlib.sha256(service_name.encode()).hexdigest()[:10]
    return f"{agent}-{suffix}", endpoint or "DEFAULT"


def runtime_log_group(runtime_id: str, endpoint: str) -> str:
    """Where a runtime's events go: `/aws/bedrock-agentcore/runtimes/<runtimeId>-<endpoint>`."""
    return f"{RUNTIME_LOG_PREFIX}{runtime_id}-{endpoint}"


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


def _resource_id(docs: list[dict[str, Any]]) -> str | None:
    """The first `cloud.resource_id` of the captures: one seeded service is one runtime."""
    for doc in docs:
        found = ((doc.get("resource") or {}).get("attributes") or {}).get("cloud.resource_id")
        if isinstance(found, str):
            return found
    return None


def _rename(
    doc: dict[str, Any], names: tuple[str, str, str], ids: dict[str, str], traces: dict[str, str]
) -> None:
    """Rename service, runtime (`names` = service, runtimeId, endpoint), sessions and traces."""
    service, runtime, endpoint = names
    resource = doc.setdefault("resource", {}).setdefault("attributes", {})
    for key in _SERVICE_KEYS:
        resource[key] = service
    region = str(resource.get("cloud.region") or DEFAULT_REGION)
    # cloud.resource_id and aws.log.group.names name the same runtime, as on the service.
    resource["cloud.resource_id"] = (
        f"arn:aws:bedrock-agentcore:{region}:{ACCOUNT_ID}:runtime/{runtime}/runtime-endpoint/{endpoint}:{endpoint}"
    )
    resource["aws.log.group.names"] = runtime_log_group(runtime, endpoint)
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
    names = (service, *runtime_of(service, _resource_id(docs)))
    delta = now_ns - max((_time_ns(d) for d in docs), default=now_ns)
    for doc in docs:
        _shift(doc, delta)
        _rename(doc, names, ids, traces)
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
    if not session_ids:
        # No batch could find documents without a session id: seed nothing, create no log group.
        return []
    fallback_ms = now_ns // 1_000_000
    stamped = [((_time_ns(d) // 1_000_000) or fallback_ms, d) for d in docs]
    spans = [(t, json.dumps(d)) for t, d in stamped if is_span(d)]
    if spans:  # events alone create no empty aws/spans group
        cwlogs.put_events(region, SPANS_LOG_GROUP, "default", spans)
    by_group: dict[str, list[tuple[int, str]]] = {}
    for when, doc in stamped:
        if not is_span(doc):
            group = doc["resource"]["attributes"]["aws.log.group.names"]
            by_group.setdefault(group, []).append((when, json.dumps(doc)))
    for group, events in sorted(by_group.items()):
        cwlogs.put_events(region, group, "otel-rt-logs", events)
    return session_ids
