"""The events a query scans: moto's stored log events of the named groups within the time window."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from evalctl.emulator.insights.rows import Event
from evalctl.emulator.settings import ACCOUNT_ID


@dataclass
class Scan:
    events: list[Event]
    scanned: int
    bytes: int


def _backend(region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[ACCOUNT_ID][region]


def missing(region: str, names: list[str]) -> list[str]:
    """The names (of `names`) that are not log groups of the region."""
    known = _backend(region).groups
    return [name for name in names if name not in known]


def scan(region: str, names: list[str], start_ms: int, end_ms: int) -> Scan:
    """Every event of the groups with start <= timestamp <= end (both ends inclusive, as StartQuery says)."""
    groups = _backend(region).groups
    events: list[Event] = []
    size = 0
    for name in names:
        group = groups.get(name)
        if group is None:
            continue
        for stream_name in sorted(group.streams):
            stream = group.streams[stream_name]
            for index, event in enumerate(list(stream.events)):
                if start_ms <= event.timestamp <= end_ms:
                    message = str(event.message)
                    size += len(message.encode("utf-8", "replace"))
                    stamp, ingested = event.timestamp, event.ingestion_time
                    events.append(Event(stamp, ingested, message, ACCOUNT_ID, name, stream_name, index))
    return Scan(events, len(events), size)


def find(region: str, ptr: str) -> Event | None:
    """The event an @ptr names (GetLogRecord), or None."""
    try:
        raw = base64.urlsafe_b64decode(ptr + "=" * (-len(ptr) % 4))
        group_name, stream_name, index = json.loads(raw)
        stream = _backend(region).groups[group_name].streams[stream_name]
        event = list(stream.events)[int(index)]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    stamp, ingested, message = event.timestamp, event.ingestion_time, str(event.message)
    return Event(stamp, ingested, message, ACCOUNT_ID, group_name, stream_name, int(index))
