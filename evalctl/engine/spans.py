"""Load span captures in every supported shape and group them into sessions of traces."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from evalctl.engine.extract import build_session
from evalctl.engine.model import Session
from evalctl.engine.records import UNKNOWN_SESSION_ID, SpanRecord, records, unwrap


class SpanFileError(ValueError):
    """A span file that is not JSON or not a list of documents."""


def load_span_file(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON list (or JSON lines) of span/event documents, unwrapping fixture rows."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise SpanFileError(f"{path}: not JSON or JSON lines: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("sessionSpans", data.get("spans", [data]))
    if not isinstance(data, list):
        raise SpanFileError(f"{path}: expected a list of documents, got {type(data).__name__}")
    return [doc for doc in (unwrap(item) for item in data) if doc is not None]


def parse_sessions(docs: list[dict[str, Any]]) -> list[Session]:
    """Sessions (ordered by first span) from raw, merged `span_events` or normalized documents."""
    found, documents = records(docs)
    grouped: dict[str, list[SpanRecord]] = defaultdict(list)
    for record in found:
        grouped[record.session_id or UNKNOWN_SESSION_ID].append(record)
    sessions = [build_session(sid, recs, documents.get(sid, [])) for sid, recs in grouped.items()]
    sessions = [session for session in sessions if session.traces]
    return sorted(sessions, key=lambda s: (s.traces[0].start_time_unix_nano, s.session_id))


def sessions_from_documents(documents: list[Any]) -> list[Session]:
    """Sessions from documents as stored in CloudWatch Logs (dicts or JSON strings)."""
    docs: list[dict[str, Any]] = []
    for item in documents:
        try:
            parsed = json.loads(item) if isinstance(item, str) else item
        except ValueError:
            continue
        doc = unwrap(parsed)
        if doc is not None:
            docs.append(doc)
    return parse_sessions(docs)
