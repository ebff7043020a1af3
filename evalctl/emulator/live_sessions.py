"""Online evaluation inputs: which sessions finished in a time window, and which of them are sampled."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from evalctl.emulator import sources

# botocore SessionConfig.sessionTimeoutMinutes: "Default is 15 minutes."
DEFAULT_TIMEOUT_MINUTES = 15
_TIME_KEYS = ("startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "observedTimeUnixNano")


def timeout_seconds(config: dict[str, Any]) -> float:
    """The configuration's inactivity timeout in seconds."""
    session = (config.get("rule") or {}).get("sessionConfig") or {}
    return 60.0 * float(session.get("sessionTimeoutMinutes") or DEFAULT_TIMEOUT_MINUTES)


def sampling_percentage(config: dict[str, Any]) -> float:
    sampling = (config.get("rule") or {}).get("samplingConfig") or {}
    return float(sampling.get("samplingPercentage") or 0.0)


def sample_point(session_id: str) -> float:
    """Where a session falls in [0, 100): the first 8 bytes of SHA-256 of its id over 2**64, times 100.

    No randomness, so every run and every configuration picks the same sessions.
    """
    digest = hashlib.sha256(session_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100.0


def sampled(session_id: str, percentage: float) -> bool:
    """True when the session is in a `percentage` sample (100 takes every session)."""
    return sample_point(session_id) < percentage


def _time_ns(doc: dict[str, Any]) -> int | None:
    times = [int(doc[k]) for k in _TIME_KEYS if isinstance(doc.get(k), int | float)]
    return max(times) if times else None


def _session_id(doc: dict[str, Any]) -> str | None:
    value = (doc.get("attributes") or {}).get("session.id") or doc.get("sessionId")
    return value if isinstance(value, str) and value else None


def _trace_id(doc: dict[str, Any]) -> str | None:
    value = doc.get("traceId") or doc.get("trace_id")
    return value if isinstance(value, str) and value else None


def last_activity(docs: list[dict[str, Any]]) -> dict[str, int]:
    """Session id -> time (ns) of its latest document; documents without `session.id` count for
    the session of their trace, since child spans often carry only the trace id."""
    by_trace: dict[str, str] = {}
    for doc in docs:
        session, trace = _session_id(doc), _trace_id(doc)
        if session and trace:
            by_trace.setdefault(trace, session)
    latest: dict[str, int] = {}
    for doc in docs:
        trace = _trace_id(doc)
        session = _session_id(doc) or (by_trace.get(trace) if trace else None)
        when = _time_ns(doc)
        if session is not None and when is not None:
            latest[session] = max(latest.get(session, when), when)
    return latest


def of_services(docs: list[dict[str, Any]], services: set[str]) -> list[dict[str, Any]]:
    """Documents of the configured services; documents that name no service are kept."""
    return [d for d in docs if (found := sources.service_of(d)) is None or found in services]


def finished(
    region: str, source: dict[str, Any], start: float, end: float, timeout: float
) -> tuple[dict[str, int], float]:
    """Sessions whose last activity L satisfies start < L + timeout <= end (epoch seconds), i.e.
    that went quiet for the timeout inside (start, end], and when the next open one will (inf if
    none). Only documents from start - timeout on are read: an older last activity would have
    finished before `start`."""
    window = {"startTime": start - timeout, "endTime": end}
    try:
        docs = sources.read_documents(region, {**source, "timeRange": window})
    except LookupError:  # a named log group does not exist (yet): nothing of it to score
        return {}, math.inf
    docs = of_services(docs, set(source.get("serviceNames") or []))
    done: dict[str, int] = {}
    next_due = math.inf
    for session, when in last_activity(docs).items():
        quiet_at = when / 1e9 + timeout
        if start < quiet_at <= end:
            done[session] = when
        elif quiet_at > end:
            next_due = min(next_due, quiet_at)
    return done, next_due
