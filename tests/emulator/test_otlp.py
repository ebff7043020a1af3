"""OTLP/HTTP ingest: protobuf and JSON exports land in aws/spans and the runtime log group."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

TRACE = "691bbd4b51c1a4c319aa2bf92068c474"
SESSION = "383c4a9d-5682-4186-a125-e226f9f6c141"
RESOURCE = {"attributes": [{"key": "service.name", "value": {"stringValue": "support.DEFAULT"}}]}


def _post(endpoint: str, path: str, body: bytes, kind: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{endpoint}{path}", data=body, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _span_json() -> dict[str, Any]:
    span = {
        "traceId": TRACE, "spanId": "2be7614b3627c50a", "name": "invoke_agent support", "kind": 1,
        "startTimeUnixNano": "1763425611858303367", "endTimeUnixNano": "1763425614850563891",
        "attributes": [{"key": "session.id", "value": {"stringValue": SESSION}},
                       {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
                       {"key": "retries", "value": {"intValue": "2"}}],
        "status": {"code": 1},
    }  # fmt: skip
    return {
        "resourceSpans": [
            {"resource": RESOURCE, "scopeSpans": [{"scope": {"name": "strands"}, "spans": [span]}]}
        ]
    }


def _events(emulator: Any, group: str) -> list[dict[str, Any]]:
    logs = emulator.client("logs")
    found = logs.filter_log_events(logGroupName=group)["events"]
    return [json.loads(e["message"]) for e in found]


def test_json_spans_are_stored_like_the_captures(emulator: Any, span_fixtures: Any) -> None:
    status, body = _post(
        emulator.endpoint, "/v1/traces", json.dumps(_span_json()).encode(), "application/json"
    )
    assert (status, body) == (200, b"{}")
    (doc,) = _events(emulator, "aws/spans")
    assert (doc["traceId"], doc["spanId"], doc["kind"], doc["status"]) == (
        TRACE, "2be7614b3627c50a", "INTERNAL", {"code": "OK"}
    )  # fmt: skip
    assert doc["attributes"] == {"session.id": SESSION, "gen_ai.operation.name": "invoke_agent", "retries": 2}
    assert doc["resource"]["attributes"]["service.name"] == "support.DEFAULT"
    assert doc["durationNano"] == 1763425614850563891 - 1763425611858303367
    capture = json.loads((span_fixtures / "raw_otel_langchain_spans.json").read_text())[0]["raw_otel_json"]
    assert set(doc) <= set(capture) and set(doc["scope"]) <= set(capture["scope"])


def test_protobuf_spans_and_logs(emulator: Any) -> None:
    from google.protobuf import json_format

    message = ExportTraceServiceRequest()
    spans = _span_json()
    spans["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] = "aRu9S1HBpMMZqiv5IGjEdA=="
    spans["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = "K+dhSzYnxQo="
    json_format.ParseDict(spans, message)
    status, body = _post(
        emulator.endpoint, "/v1/traces", message.SerializeToString(), "application/x-protobuf"
    )
    assert (status, body) == (200, b"")
    assert _events(emulator, "aws/spans")[0]["traceId"] == TRACE
    logs = ExportLogsServiceRequest()
    record = {"timeUnixNano": "1763425614850563891", "severityText": "INFO",
              "body": {"stringValue": "Invocation completed"}, "traceId": "aRu9S1HBpMMZqiv5IGjEdA==",
              "attributes": [{"key": "session.id", "value": {"stringValue": SESSION}}]}  # fmt: skip
    json_format.ParseDict(
        {"resourceLogs": [{"resource": RESOURCE, "scopeLogs": [{"logRecords": [record]}]}]}, logs
    )
    assert _post(emulator.endpoint, "/v1/logs", logs.SerializeToString(), "application/x-protobuf")[0] == 200
    (event,) = _events(emulator, "/aws/bedrock-agentcore/runtimes/support-DEFAULT")
    assert (event["body"], event["traceId"], event["severityText"]) == ("Invocation completed", TRACE, "INFO")


@pytest.mark.parametrize(
    ("body", "kind"), [(b"{not json", "application/json"), (b"\xff\x00garbage", "application/x-protobuf")]
)
def test_malformed_exports_are_refused(emulator: Any, body: bytes, kind: str) -> None:
    status, answer = _post(emulator.endpoint, "/v1/traces", body, kind)
    assert status == 400 and b"not an OTLP /v1/traces export request" in answer


def test_log_records_of_a_mapped_agent_land_in_its_runtime_group(emulator: Any) -> None:
    """Without aws.log.group.names, a service `<agent>.<endpoint>` whose agent is mapped with --agent
    writes to that runtime's group, where a batch over the runtime's log groups looks."""
    arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support-abcdefghij"
    emulator.admin.map_agents({arn: "http://127.0.0.1:9"})
    record = {"timeUnixNano": "1763425614850563891", "body": {"stringValue": "answer"}}
    body = {"resourceLogs": [{"resource": RESOURCE, "scopeLogs": [{"logRecords": [record]}]}]}
    assert _post(emulator.endpoint, "/v1/logs", json.dumps(body).encode(), "application/json")[0] == 200
    (event,) = _events(emulator, "/aws/bedrock-agentcore/runtimes/support-abcdefghij-DEFAULT")
    assert event["body"] == "answer"
