"""rest-json on the wire: request members from path/query/header/body, responses per output shape."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel, Shape

from evalctl.emulator.errors import ValidationError

# Deeper than any real request (span documents nest about ten levels), shallow enough that the
# recursive validators never reach Python's recursion limit.
MAX_DEPTH = 64
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_request(
    op: OperationModel, labels: dict[str, str], query: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """Collect the operation's input members from every location, as boto3 would have sent them."""
    shape = op.input_shape
    if shape is None:
        return {}
    params = parse_body(body)
    qs = parse_qs(query, keep_blank_values=True)
    for name, member in shape.members.items():
        where = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if where:
            params.pop(name, None)
        if where == "uri" and wire in labels:
            params[name] = unquote(labels[wire])
        elif where == "querystring" and wire in qs:
            values = qs[wire]
            params[name] = _scalar(member, values[0]) if member.type_name != "list" else values
        elif where == "header" and wire.lower() in headers:
            params[name] = _scalar(member, headers[wire.lower()])
    parsed: dict[str, Any] = _timestamps_in(shape, params)
    return parsed


def query_members(op: OperationModel, query: str) -> dict[str, Any]:
    """Body members sent in the query string (an earlier binding of the operation; model.LEGACY)."""
    qs = parse_qs(query, keep_blank_values=True)
    members = op.input_shape.members if op.input_shape is not None else {}
    return {
        name: _scalar(member, qs[name][0])
        for name, member in members.items()
        if name in qs and member.type_name in ("string", "integer", "long")
    }


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body: strict UTF-8, finite numbers, bounded nesting."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"Request body is not valid UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        return {}
    try:
        doc = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValidationError(f"Request body nests deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:
        raise ValidationError(f"Could not parse request body into json: {exc}") from exc
    if not isinstance(doc, dict):
        raise ValidationError("Request body must be a JSON object")
    if _depth(doc) > MAX_DEPTH:
        raise ValidationError(f"Request body nests deeper than {MAX_DEPTH} levels")
    return doc


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity; JSON does not, and they could not be answered back.
    raise ValueError(f"{name} is not a valid JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _depth(doc: Any) -> int:
    """Nesting depth, iteratively: validators recurse over documents and must not overflow."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _scalar(shape: Shape, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        # int() would also take "1_0", " 5" and non-ASCII digits; the wire carries plain decimals.
        if not _INTEGER.fullmatch(text):
            raise ValidationError(f"Value '{text[:200]}' is not a valid integer")
        return int(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


def _timestamps_in(shape: Shape, value: Any) -> Any:
    if value is None:
        return None
    if shape.type_name == "timestamp":
        return to_datetime(value)
    if shape.type_name == "structure" and isinstance(value, dict) and not shape.metadata.get("document"):
        return {k: _timestamps_in(shape.members[k], v) if k in shape.members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_timestamps_in(shape.member, v) for v in value]
    return value


def to_datetime(value: Any) -> Any:
    """A wire timestamp (epoch seconds or ISO 8601) as an aware datetime; other values unchanged."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return value


def serialize(shape: Shape | None, value: Any) -> Any:
    """Our internal values (epoch-second floats for timestamps) in the output shape's wire form."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "timestamp":
        epoch = value.timestamp() if isinstance(value, dt.datetime) else float(value)
        if shape.serialization.get("timestampFormat") == "iso8601":
            stamp = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
            return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return round(epoch, 3)
    if kind == "structure" and isinstance(value, dict) and not shape.metadata.get("document"):
        return {
            k: serialize(shape.members[k], v)
            for k, v in value.items()
            if k in shape.members and v is not None
        }
    if kind == "list" and isinstance(value, list):
        return [serialize(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: serialize(shape.value, v) for k, v in value.items()}
    return value


def error_body(message: str) -> bytes:
    """The JSON body of an error response."""
    return json.dumps({"message": message}).encode()
