"""Log events as query rows: system fields, JSON fields by dotted name, and fields a query adds."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from evalctl.emulator.insights.values import Stamp


@dataclass(frozen=True, slots=True)
class Event:
    """One stored log event and where it lives."""

    timestamp: int
    ingestion: int
    message: str
    account: str
    group: str
    stream: str
    index: int  # position in its stream

    @property
    def log(self) -> str:
        """`account-id:log-group-name`, as @log shows it."""
        return f"{self.account}:{self.group}"

    @property
    def ptr(self) -> str:
        """The opaque @ptr: which group, stream and position (made only for rows that are shown)."""
        raw = json.dumps([self.group, self.stream, self.index], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Row:
    """A row of the pipeline: an event (None after stats) plus the fields commands computed."""

    __slots__ = ("_doc", "event", "extra")

    def __init__(self, event: Event | None, extra: dict[str, Any] | None = None) -> None:
        self.event = event
        self.extra: dict[str, Any] = extra if extra is not None else {}
        self._doc: dict[str, Any] | None = None

    def doc(self) -> dict[str, Any]:
        """The event's JSON object, parsed once; {} for a line that is not a JSON object."""
        if self._doc is None:
            self._doc = parse_json(self.event.message) if self.event is not None else {}
        return self._doc

    def get(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        event = self.event
        if event is None:
            return None
        if name.startswith("@"):
            return _system(event, name) if not name.startswith("@@") else lookup(self.doc(), name[1:])
        return lookup(self.doc(), name)

    def all_fields(self) -> dict[str, Any]:
        """Every field of the row in result order: system fields, JSON leaves, then computed ones."""
        out: dict[str, Any] = {}
        if self.event is not None:
            for name in SYSTEM_FIELDS:
                out[name] = _system(self.event, name)
            for key, value in flatten(self.doc()).items():
                out["@" + key if key.startswith("@") else key] = value
        out.update(self.extra)
        return out


SYSTEM_FIELDS = ("@timestamp", "@message", "@logStream", "@log", "@ingestionTime")


def _system(event: Event, name: str) -> Any:
    if name == "@timestamp":
        return Stamp(event.timestamp)
    if name == "@message":
        return event.message
    if name == "@logStream":
        return event.stream
    if name == "@log":
        return event.log
    if name == "@ingestionTime":
        return Stamp(event.ingestion)
    if name == "@ptr":
        return event.ptr
    return None


def parse_json(message: str) -> dict[str, Any]:
    if not message.startswith("{"):
        return {}
    try:
        doc = json.loads(message)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


# The key path that last resolved each dotted name: documents of one log mostly share a shape.
_PATHS: dict[str, tuple[str, ...]] = {}


def lookup(doc: Any, name: str) -> Any:
    """The leaf value at a dotted name, whatever dots belong to keys (`attributes` -> `session.id`)."""
    if isinstance(doc, dict):
        direct = doc.get(name)
        if direct is not None:
            return _leaf(direct)
    if "." not in name:
        return None
    path = _PATHS.get(name)
    if path is not None:
        node = doc
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return _leaf(node)
    found: list[str] = []
    value = _walk(doc, name.split("."), 0, found)
    if value is not None and len(_PATHS) < 10_000:
        _PATHS[name] = tuple(reversed(found))
    return value


def _walk(node: Any, parts: list[str], start: int, keys: list[str]) -> Any:
    # Longest key first: `attributes.session.id` finds the key `session.id` before `session`.
    for stop in range(len(parts), start, -1):
        key = ".".join(parts[start:stop])
        if isinstance(node, dict):
            if key not in node:
                continue
            child = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            child = node[int(key)]
        else:
            continue
        found = _leaf(child) if stop == len(parts) else _walk(child, parts, stop, keys)
        if found is not None:
            keys.append(key)
            return found
    return None


def _leaf(value: Any) -> Any:
    # Objects and arrays are not fields themselves: only their leaves are (dot-flattened).
    return None if isinstance(value, dict | list) else value


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a JSON value by dotted name (array elements by index); nulls are left out."""
    out: dict[str, Any] = {}
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, dict | list):
            out.update(flatten(value, name + "."))
        elif value is not None:
            out[name] = value
    return out
