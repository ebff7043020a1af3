"""Sessions for recommendations and dataset generations: read from logs or inline, then filtered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from evalctl.emulator import live_sessions, sources
from evalctl.engine.model import Session
from evalctl.engine.spans import parse_sessions

MAX_TURNS = 100  # TurnCountRange: "Sessions with more than 100 turns are never selected."
WEEK_SECONDS = 7 * 24 * 3600.0  # "The default is 7 days before endTime."


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


def window(config: dict[str, Any], now: float) -> tuple[float, float]:
    """(start, end) epoch seconds: endTime defaults to now, startTime to 7 days before endTime."""
    end = _epoch(config.get("endTime"))
    end = now if end is None else end
    start = _epoch(config.get("startTime"))
    return (end - WEEK_SECONDS if start is None else start), end


def log_group_name(arn: str) -> str:
    """`arn:aws:logs:<region>:<account>:log-group:<name>[:*]` -> `<name>`."""
    _, _, tail = arn.partition(":log-group:")
    return (tail or arn).removesuffix(":*")


def read_logs(region: str, source: dict[str, Any]) -> list[Session]:
    """Sessions of `source` (sources.read_documents' shape) of its serviceNames only (runtime log groups
    under a prefix hold other agents' events too); LookupError when a named group is missing."""
    docs = sources.read_documents(region, source)
    services = set(source.get("serviceNames") or [])
    return parse_sessions(live_sessions.of_services(docs, services) if services else docs)


def inline(spans: list[Any]) -> list[Session]:
    """Sessions from inline OpenTelemetry span documents (AgentTracesConfig.sessionSpans)."""
    return parse_sessions([s for s in spans if isinstance(s, dict)])


def _attribute_values(session: Session, key: str) -> list[Any]:
    """Every value of `key` on the session's spans (span attributes first, then resource attributes)."""
    found = []
    for doc in session.documents:
        for where in (doc.get("attributes") or {}, (doc.get("resource") or {}).get("attributes") or {}):
            if key in where:
                found.append(where[key])
    return found


def _value(union: dict[str, Any]) -> Any:
    for member in ("stringValue", "doubleValue", "booleanValue"):
        if member in union:
            return union[member]
    return None


def compare(actual: Any, operator: str, expected: Any) -> bool:
    """One GenerationFilterOperator / CloudWatchLogsFilterOperator comparison; type mismatches fail."""
    if operator in ("Contains", "NotContains"):
        inside = isinstance(actual, str) and isinstance(expected, str) and expected in actual
        return inside if operator == "Contains" else not inside
    if operator == "Equals":
        return bool(actual == expected)
    if operator == "NotEquals":
        return bool(actual != expected)
    number = isinstance(actual, int | float) and not isinstance(actual, bool)
    if not number or not isinstance(expected, int | float):
        return False
    return bool(
        {
            "GreaterThan": actual > expected,
            "LessThan": actual < expected,
            "GreaterThanOrEqual": actual >= expected,
            "LessThanOrEqual": actual <= expected,
        }[operator]
    )


def attribute_match(session: Session, filters: list[dict[str, Any]]) -> bool:
    """All filters hold; "an attribute on a span matches when any span in the session meets the condition"."""
    for rule in filters:
        values = _attribute_values(session, rule["key"])
        if not any(compare(v, rule["operator"], _value(rule["value"])) for v in values):
            return False
    return True


def turn_range(session: Session, turn_count: dict[str, Any] | None) -> bool:
    low = int((turn_count or {}).get("min") or 1)
    high = min(int((turn_count or {}).get("max") or MAX_TURNS), MAX_TURNS)
    return low <= len(session.traces) <= high


def ordered(sessions: list[Session]) -> list[Session]:
    """Sessions in a deterministic order: first turn's start time, then session id."""
    return sorted(
        sessions, key=lambda s: (min((t.start_time_unix_nano for t in s.traces), default=0), s.session_id)
    )
