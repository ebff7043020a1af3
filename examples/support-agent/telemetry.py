"""The example agent's telemetry: Strands' own tracer setup plus OTLP/HTTP logs shaped as AgentCore's.

In the AgentCore runtime the AWS distro (ADOT) moves the prompt and completion events of each Strands
span into one log record in the runtime's log group (`body.input.messages` / `body.output.messages`),
which is what evaluators read. `SpanEventsToLogs` does the same with the standard SDK, so the agent's
telemetry reads alike without the distro. Configured by the standard variables:
OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from strands.telemetry import StrandsTelemetry

STRANDS_SCOPE = "strands.telemetry.tracer"
_INPUT_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
# Exports every half second unless told otherwise: a local evaluation waits for the telemetry.
_DEFAULTS = {
    "OTEL_SERVICE_NAME": "support_agent.DEFAULT",
    "OTEL_BSP_SCHEDULE_DELAY": "500",
    "OTEL_BLRP_SCHEDULE_DELAY": "500",
}


class SpanEventsToLogs(SpanProcessor):
    """Emits one log record per ended Strands span with its message events as input and output."""

    def __init__(self, logger_provider: LoggerProvider) -> None:
        self._logger = logger_provider.get_logger(STRANDS_SCOPE)

    def on_end(self, span: ReadableSpan) -> None:
        scope, context = span.instrumentation_scope, span.get_span_context()
        if scope is None or scope.name != STRANDS_SCOPE or context is None:
            return
        inputs: list[dict[str, Any]] = []
        outputs: list[dict[str, Any]] = []
        for event in span.events:
            content = dict(event.attributes or {})
            if event.name in _INPUT_EVENTS:
                inputs.append({"content": content, "role": _INPUT_EVENTS[event.name]})
            elif event.name == "gen_ai.choice":
                outputs.append({"content": content, "role": "assistant"})
        if not inputs and not outputs:
            return
        attributes = {"event.name": STRANDS_SCOPE}
        session = (span.attributes or {}).get("session.id")
        if session:
            attributes["session.id"] = str(session)
        self._logger.emit(
            timestamp=span.end_time,
            context=trace.set_span_in_context(trace.NonRecordingSpan(context)),
            severity_number=SeverityNumber.INFO,
            body={"output": {"messages": outputs}, "input": {"messages": inputs}},
            attributes=attributes,
        )


class Telemetry:
    """The tracer and logger providers; `flush` pushes everything out (at exit, or for tests)."""

    def __init__(self) -> None:
        for key, value in _DEFAULTS.items():
            os.environ.setdefault(key, value)
        self.strands = StrandsTelemetry()
        self.logs = LoggerProvider(resource=self.strands.resource)
        self.exporting = any(
            os.environ.get(f"OTEL_EXPORTER_OTLP_{kind}ENDPOINT") for kind in ("", "TRACES_", "LOGS_")
        )
        if self.exporting:
            self.strands.setup_otlp_exporter()
            self.logs.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
        self.strands.tracer_provider.add_span_processor(SpanEventsToLogs(self.logs))

    def capture(self, logger: logging.Logger) -> None:
        """Send a logger's records to the runtime's log group too, as AgentCore does with the app's."""
        logger.addHandler(LoggingHandler(logger_provider=self.logs))

    def flush(self) -> None:
        self.strands.tracer_provider.force_flush()
        self.logs.force_flush()
