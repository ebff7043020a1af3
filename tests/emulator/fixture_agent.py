"""A minimal agent on the AgentCore runtime contract (POST /invocations, GET /ping, the session header)
that exports OTLP/JSON spans and logs shaped like the Strands captures in shared/fixtures/spans."""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
RUNTIME = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij"
ENDPOINT_ARN = f"{RUNTIME}/runtime-endpoint/DEFAULT"
SERVICE = "support_agent.DEFAULT"
LOG_GROUP = "/aws/bedrock-agentcore/runtimes/support_agent-abcdefghij-DEFAULT"


def _attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, value in values.items():
        kind = "intValue" if isinstance(value, int) else "stringValue"
        out.append({"key": key, "value": {kind: str(value) if kind == "intValue" else value}})
    return out


@dataclass
class Behaviour:
    """What the agent says to a prompt, and which tools it calls on the way."""

    answer: str
    tools: list[str] = field(default_factory=list)


@dataclass
class FixtureAgent:
    """Answers prompts from `answers`; 'fail' answers HTTP 500, 'slow' holds the request until released."""

    otlp: str
    answers: dict[str, Behaviour]
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    export: bool = True
    # Seconds after answering before the telemetry goes out, as a batching span processor would.
    export_delay: float = 0.0
    work_seconds: float = 0.0
    # Seconds between exporting the conversation (invoke_agent span and its record) and the rest of the
    # trace (tool spans, root span), as a batching exporter does while a slow tool still runs.
    staged_seconds: float = 0.0
    hook: Callable[[], None] | None = None  # called on every invocation
    url: str = ""

    def start(self) -> str:
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._send(200, {"status": "Healthy"} if self.path == "/ping" else {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                session = self.headers.get(SESSION_HEADER, "")
                agent.seen.append((session, body))
                if agent.hook is not None:
                    agent.hook()
                prompt = str(body.get("prompt"))
                if prompt == "slow":
                    agent.release.wait(10)
                if prompt == "fail":
                    self._send(500, {"error": "the model provider is down"})
                    return
                said = agent.answers.get(prompt, Behaviour("I don't know."))
                if agent.work_seconds:
                    time.sleep(agent.work_seconds)  # the agent's own time (a model call, say)
                if agent.export and agent.export_delay:
                    threading.Timer(agent.export_delay, agent.telemetry, (session, prompt, said)).start()
                elif agent.export:
                    agent.telemetry(session, prompt, said)
                self._send(200, {"result": said.answer})

            def _send(self, status: int, doc: dict[str, Any]) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        return self.url

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def telemetry(self, session: str, prompt: str, said: Behaviour) -> None:
        """One trace per invocation: the server span, Strands' invoke_agent and tool spans, and the
        conversation as a Strands log record (the capture's shape)."""
        trace, root, agent_span = secrets.token_hex(16), secrets.token_hex(8), secrets.token_hex(8)
        now = time.time_ns()
        resource = {"attributes": _attrs({
            "service.name": SERVICE, "aws.local.service": SERVICE, "aws.log.group.names": LOG_GROUP,
            "aws.log.stream.names": "otel-rt-logs", "cloud.resource_id": f"{ENDPOINT_ARN}:DEFAULT",
            "aws.service.type": "gen_ai_agent",
        })}  # fmt: skip

        def span(span_id: str, parent: str, name: str, scope: str, extra: dict[str, Any], offset: int) -> Any:
            doc = {
                "traceId": trace, "spanId": span_id, "name": name, "kind": 1,
                "startTimeUnixNano": str(now + offset), "endTimeUnixNano": str(now + 1_000_000 - offset),
                "attributes": _attrs({"session.id": session, **extra}), "status": {"code": 0},
            }  # fmt: skip
            if parent:
                doc["parentSpanId"] = parent
            return {"scope": {"name": scope}, "spans": [doc]}

        scopes = [
            span(root, "", "POST /invocations", "opentelemetry.instrumentation.starlette",
                 {"http.method": "POST", "http.route": "/invocations"}, 0),
            span(agent_span, root, "invoke_agent Strands Agents", "strands.telemetry.tracer",
                 {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Strands Agents"}, 1000),
        ]  # fmt: skip
        for index, tool in enumerate(said.tools):
            extra = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}
            scopes.append(span(secrets.token_hex(8), agent_span, f"execute_tool {tool}",
                               "strands.telemetry.tracer", extra, 2000 + index))  # fmt: skip
        first, rest = scopes[1:2], scopes[:1] + scopes[2:]
        if not self.staged_seconds:
            first, rest = scopes, []
        self._post("/v1/traces", {"resourceSpans": [{"resource": resource, "scopeSpans": first}]})
        body = {
            "input": {"messages": [{"role": "user", "content": {"content": json.dumps([{"text": prompt}])}}]},
            "output": {"messages": [{"role": "assistant",
                                     "content": {"message": said.answer, "finish_reason": "end_turn"}}]},
        }  # fmt: skip
        record = {
            "timeUnixNano": str(now + 900_000), "severityNumber": 9, "traceId": trace, "spanId": agent_span,
            "body": {"kvlistValue": {"values": _kv(body)}},
            "attributes": _attrs({"event.name": "strands.telemetry.tracer", "session.id": session}),
        }  # fmt: skip
        logs = {"resource": resource, "scopeLogs": [{"scope": {"name": "strands.telemetry.tracer"},
                                                     "logRecords": [record]}]}  # fmt: skip
        self._post("/v1/logs", {"resourceLogs": [logs]})
        if rest:
            time.sleep(self.staged_seconds)
            self._post("/v1/traces", {"resourceSpans": [{"resource": resource, "scopeSpans": rest}]})

    def _post(self, path: str, doc: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.otlp}{path}", data=json.dumps(doc).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()


def _value(value: Any) -> dict[str, Any]:
    """A JSON value as an OTLP AnyValue."""
    if isinstance(value, dict):
        return {"kvlistValue": {"values": _kv(value)}}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_value(v) for v in value]}}
    return {"stringValue": str(value)}


def _kv(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v)} for k, v in doc.items()]
