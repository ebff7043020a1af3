"""Direct access to moto's in-process CloudWatch Logs and Lambda backends (same process)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from evalctl.emulator.settings import ACCOUNT_ID

_BATCH = 5000


def _logs(region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[ACCOUNT_ID][region]


def ensure_group(region: str, group: str) -> None:
    """Create the log group if it does not exist yet."""
    backend = _logs(region)
    if group not in backend.groups:
        backend.create_log_group(group, {})


def ensure_stream(region: str, group: str, stream: str) -> None:
    """Create the log group and stream if they do not exist yet."""
    backend = _logs(region)
    if group not in backend.groups:
        backend.create_log_group(group, {})
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)


def put_events(region: str, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    """Append (timestamp-ms, message) events, sorted as PutLogEvents requires."""
    ensure_stream(region, group, stream)
    ordered = sorted(events, key=lambda e: e[0])
    # The stream-level call skips the backend's 14-day/2-hour window: emulator time may be
    # advanced far past real time, and results must still land.
    log_stream = _logs(region).groups[group].streams[stream]
    for start in range(0, len(ordered), _BATCH):
        chunk = ordered[start : start + _BATCH]
        log_stream.put_log_events([{"timestamp": t, "message": m} for t, m in chunk])


def groups(region: str) -> list[str]:
    return sorted(_logs(region).groups)


def read_documents(
    region: str, group: str, start_ms: int | None, end_ms: int | None
) -> Iterator[dict[str, Any]]:
    """Every JSON event of a log group within [start, end] (non-JSON lines are skipped)."""
    backend = _logs(region)
    log_group = backend.groups.get(group)
    if log_group is None:
        return
    for stream in list(log_group.streams.values()):
        for event in list(stream.events):
            if start_ms is not None and event.timestamp < start_ms:
                continue
            if end_ms is not None and event.timestamp > end_ms:
                continue
            try:
                doc = json.loads(event.message)
            except ValueError:
                continue
            if isinstance(doc, dict):
                yield doc


def event_count(region: str) -> int:
    """How many events the region's log groups hold: a cheap sign that telemetry arrived."""
    groups = list(_logs(region).groups.values())
    return sum(len(stream.events) for group in groups for stream in list(group.streams.values()))


def function_zip(region: str, arn: str) -> tuple[bytes, str, int, int, str]:
    """The code zip, handler, timeout, memory size and name of a Lambda created through the emulator."""
    from moto.awslambda.models import lambda_backends

    fn = lambda_backends[ACCOUNT_ID][region].get_function(arn)
    memory = int(fn.memory_size or 128)
    return bytes(fn.code_bytes), str(fn.handler), int(fn.timeout or 3), memory, str(fn.function_name)


def now_ms() -> int:
    return int(time.time() * 1000)
