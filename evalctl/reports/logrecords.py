"""Parse `gen_ai.evaluation.result` log records (plain OTel JSON or CloudWatch EMF) into flat results."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalctl.reports.models import Level

RESULT_EVENT = "gen_ai.evaluation.result"

# The service's documented attributes; the id/arn keys are read when a writer adds them, since
# gen_ai.evaluation.name alone cannot tell two custom evaluators of the same name apart.
ID_KEYS = ("aws.bedrock_agentcore.evaluator.id", "gen_ai.evaluation.evaluator.id")
ARN_KEYS = ("aws.bedrock_agentcore.evaluator.arn",)
DIMENSION_KEYS = ("gen_ai.evaluation.dimension.name", "aws.bedrock_agentcore.evaluation_dimension")
LEVELS: dict[str, Level] = {
    "SESSION": "SESSION",
    "TRACE": "TRACE",
    "TOOL_CALL": "TOOL_CALL",
    "TOOLCALL": "TOOL_CALL",
}
# The dataset scenario a session ran, on the emulator's result records of dataset jobs.
SCENARIO_ATTRIBUTE = "aws.bedrock_agentcore.test_scenario_id"


@dataclass(frozen=True)
class LogResult:
    """One evaluator's result for one target, as read from a result log record."""

    session_id: str
    evaluator_name: str
    evaluator_id: str | None
    level: Level | None
    trace_id: str | None
    span_id: str | None
    value: float | None
    label: str | None
    explanation: str | None
    error_type: str | None
    error_message: str | None
    dimension: str | None = None
    scenario_id: str | None = None  # a dataset job's scenario (the emulator's records carry it)


def parse_events(events: list[Mapping[str, Any]]) -> list[LogResult]:
    """Every result record among CloudWatch events (or already-decoded records); others are skipped."""
    parsed = (parse_event(event) for event in events)
    return [result for result in parsed if result is not None]


def parse_event(event: Mapping[str, Any]) -> LogResult | None:
    """One event's result, or None when it is not a readable `gen_ai.evaluation.result` record."""
    record = _decode(event)
    if record is None or record.get("name", RESULT_EVENT) != RESULT_EVENT:
        return None
    attrs = record.get("attributes")
    # EMF flattens attributes to the top level of the message next to `_aws`.
    attributes: Mapping[str, Any] = attrs if isinstance(attrs, Mapping) else record
    session_id = _text(attributes.get("session.id"))
    name = _text(attributes.get("gen_ai.evaluation.name"))
    if session_id is None or name is None:
        return None
    trace_id = _text(attributes.get("gen_ai.response.id")) or _text(record.get("traceId"))
    span_id = _text(attributes.get("span.id")) or _text(record.get("spanId"))
    level: Level = _level(attributes.get("aws.bedrock_agentcore.evaluation_level")) or (
        "TOOL_CALL" if span_id and trace_id else "TRACE" if trace_id else "SESSION"
    )
    return LogResult(
        session_id=session_id,
        evaluator_name=name,
        evaluator_id=_evaluator_id(attributes),
        level=level,
        trace_id=trace_id if level != "SESSION" else None,
        span_id=span_id if level == "TOOL_CALL" else None,
        value=number(attributes.get("gen_ai.evaluation.score.value")),
        label=_text(attributes.get("gen_ai.evaluation.score.label")),
        explanation=_text(attributes.get("gen_ai.evaluation.explanation")),
        error_type=_text(attributes.get("error.type"))
        or ("Error" if attributes.get("gen_ai.evaluation.error") else None),
        # The service writes `gen_ai.evaluation.error`; older emulator records wrote `error.message`.
        error_message=_text(attributes.get("gen_ai.evaluation.error"))
        or _text(attributes.get("error.message")),
        dimension=_first_text(attributes, DIMENSION_KEYS),
        scenario_id=_text(attributes.get(SCENARIO_ATTRIBUTE)),
    )


def number(value: Any) -> float | None:
    """A finite float from a number or numeric string; booleans, NaN and junk give None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _decode(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    message = event.get("message", event)
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except json.JSONDecodeError:
            return None
    return message if isinstance(message, Mapping) else None


def _first_text(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((found for key in keys if (found := _text(attributes.get(key)))), None)


def _evaluator_id(attributes: Mapping[str, Any]) -> str | None:
    if found := _first_text(attributes, ID_KEYS):
        return found
    for key in ARN_KEYS:
        if found := _text(attributes.get(key)):
            return found.rsplit("/", 1)[-1]
    return None


def _level(value: Any) -> Level | None:
    text = _text(value)
    if text is None:
        return None
    return LEVELS.get(text.replace("-", "_").upper()) or LEVELS.get(text.replace("_", "").upper())


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value)
    return text or None
