"""rest-json on the wire: request members from path/query/header/body, responses per output shape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel, Shape

from evalctl.emulator.errors import ValidationError


def parse_request(
    op: OperationModel, labels: dict[str, str], query: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """Collect the operation's input members from every location, as boto3 would have sent them."""
    shape = op.input_shape
    if shape is None:
        return {}
    try:
        params = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise ValidationError(f"Could not parse request body into json: {exc}") from exc
    if not isinstance(params, dict):
        raise ValidationError("Request body must be a JSON object")
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


def _scalar(shape: Shape, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError as exc:
            raise ValidationError(f"Value '{text}' is not a valid integer") from exc
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
