"""OTLP over HTTP (`/v1/traces`, `/v1/logs`, protobuf or JSON) into `aws/spans` and runtime log groups.

Stored documents have the shape of the CloudWatch captures in shared/fixtures/spans: flat
resource and span attributes, hex trace and span ids, kind and status code by name.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from evalctl.emulator import cwlogs
from evalctl.emulator.seeding import runtime_log_group
from evalctl.emulator.settings import DEFAULT_REGION, SPANS_LOG_GROUP

PATHS: dict[str, Any] = {"/v1/traces": ExportTraceServiceRequest, "/v1/logs": ExportLogsServiceRequest}
_ID_KEYS = ("traceId", "spanId", "parentSpanId")
_NANOS = ("startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "observedTimeUnixNano")


class OtlpError(ValueError):
    """A body that is not an OTLP export request of the path's kind (400)."""


def decode(path: str, body: bytes, content_type: str) -> dict[str, Any]:
    """The export request as a camelCase dict, from protobuf or OTLP/JSON (hex ids, as the spec says)."""
    message = PATHS[path]()
    try:
        if "json" in content_type:
            json_format.Parse(json.dumps(_hex_to_b64(json.loads(body or b"{}"))), message)
        else:
            message.ParseFromString(body)
    except (ValueError, RecursionError, DecodeError, json_format.ParseError) as exc:
        raise OtlpError(f"not an OTLP {path} export request: {exc}") from exc
    doc: dict[str, Any] = json_format.MessageToDict(message)
    return doc


def _hex_to_b64(value: Any) -> Any:
    """OTLP/JSON carries ids as hex; protobuf's JSON mapping wants base64 for bytes."""
    if isinstance(value, dict):
        return {
            k: base64.b64encode(bytes.fromhex(v)).decode()
            if k in _ID_KEYS and isinstance(v, str)
            else _hex_to_b64(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hex_to_b64(v) for v in value]
    return value


def any_value(value: dict[str, Any]) -> Any:
    """An OTLP AnyValue as a plain JSON value."""
    if "arrayValue" in value:
        return [any_value(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return attributes(value["kvlistValue"].get("values", []))
    if "intValue" in value:
        return int(value["intValue"])
    for key in ("stringValue", "doubleValue", "boolValue", "bytesValue"):
        if key in value:
            return value[key]
    return None


def attributes(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {item["key"]: any_value(item.get("value", {})) for item in items}


def _common(record: dict[str, Any], resource: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in record.items() if k not in ("attributes", "body", "events", "links")}
    doc = {"resource": resource, "scope": {k: v for k, v in scope.items() if k in ("name", "version")}, **doc}
    for key in _ID_KEYS:
        if doc.get(key):
            doc[key] = base64.b64decode(doc[key]).hex()
    for key in _NANOS:
        if key in doc:
            doc[key] = int(doc[key])
    doc["attributes"] = attributes(record.get("attributes", []))
    return doc


def span_documents(request: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in request.get("resourceSpans", []):
        resource = {"attributes": attributes(block.get("resource", {}).get("attributes", []))}
        for scoped in block.get("scopeSpans", []):
            for span in scoped.get("spans", []):
                doc = _common(span, resource, scoped.get("scope", {}))
                doc["kind"] = str(span.get("kind", "SPAN_KIND_INTERNAL")).removeprefix("SPAN_KIND_")
                if "startTimeUnixNano" in doc and "endTimeUnixNano" in doc:
                    doc["durationNano"] = doc["endTimeUnixNano"] - doc["startTimeUnixNano"]
                code = span.get("status", {}).get("code", "STATUS_CODE_UNSET")
                doc["status"] = {"code": str(code).removeprefix("STATUS_CODE_")}
                if span.get("events"):
                    doc["events"] = [
                        {**e, "attributes": attributes(e.get("attributes", []))} for e in span["events"]
                    ]
                found.append(doc)
    return found


def log_documents(request: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in request.get("resourceLogs", []):
        resource = {"attributes": attributes(block.get("resource", {}).get("attributes", []))}
        for scoped in block.get("scopeLogs", []):
            for record in scoped.get("logRecords", []):
                doc = _common(record, resource, scoped.get("scope", {}))
                doc["body"] = any_value(record.get("body", {}))
                found.append(doc)
    return found


def _millis(doc: dict[str, Any], fallback: int) -> int:
    nanos = doc.get("startTimeUnixNano") or doc.get("timeUnixNano") or doc.get("observedTimeUnixNano") or 0
    return int(nanos) // 1_000_000 or fallback


def runtime_ids(agent_arns: Iterable[str]) -> dict[str, str]:
    """Agent name -> runtime id, for runtimes mapped to local agents (`support_agent-abcdefghij`)."""
    ids = {}
    for arn in agent_arns:
        runtime_id = arn.split(":runtime/", 1)[-1].split("/", 1)[0]
        ids[runtime_id.rsplit("-", 1)[0]] = runtime_id
    return ids


def store(path: str, request: dict[str, Any], now_ms: int, runtimes: Mapping[str, str] | None = None) -> int:
    """Write the documents where AgentCore keeps them; returns how many were stored.

    A log record without `aws.log.group.names` goes to its service's runtime group: the runtime id of a
    mapped local agent of that name when there is one (`--agent`), else the agent name alone.
    """
    if path == "/v1/traces":
        docs = span_documents(request)
        events = [(_millis(d, now_ms), json.dumps(d)) for d in docs]
        if events:
            cwlogs.put_events(DEFAULT_REGION, SPANS_LOG_GROUP, "default", sorted(events, key=lambda e: e[0]))
        return len(docs)
    docs = log_documents(request)
    by_group: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for doc in docs:
        attrs = doc["resource"]["attributes"]
        service = str(attrs.get("service.name", ""))
        group = str(attrs.get("aws.log.group.names") or _service_log_group(service, runtimes or {}))
        stream = str(attrs.get("aws.log.stream.names") or "otel-rt-logs")
        by_group.setdefault((group, stream), []).append((_millis(doc, now_ms), json.dumps(doc)))
    for (group, stream), events in by_group.items():
        cwlogs.put_events(DEFAULT_REGION, group, stream, sorted(events, key=lambda e: e[0]))
    return len(docs)


def _service_log_group(service: str, runtimes: Mapping[str, str]) -> str:
    """A runtime's group for a service `<agent>.<endpoint>` (endpoint DEFAULT when not named)."""
    agent, _, endpoint = service.partition(".")
    clean = runtimes.get(agent) or re.sub(r"[^\-_A-Za-z0-9]", "-", agent or "unknown")
    return runtime_log_group(clean, re.sub(r"[^\-_A-Za-z0-9]", "-", endpoint or "DEFAULT"))
