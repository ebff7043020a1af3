"""Check a wire response (parsed JSON) against a botocore output shape: types, required, limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.model import Shape

from evalctl.api.validation import constraint_errors

_NUMBER = (int, float)


def _type_problem(shape: Shape, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "string" and not isinstance(value, str):
        return [f"{path}: expected string, got {type(value).__name__}"]
    if kind in ("integer", "long") and (not isinstance(value, int) or isinstance(value, bool)):
        return [f"{path}: expected integer, got {value!r}"]
    if kind in ("float", "double") and (not isinstance(value, _NUMBER) or isinstance(value, bool)):
        return [f"{path}: expected number, got {value!r}"]
    if kind == "boolean" and not isinstance(value, bool):
        return [f"{path}: expected boolean, got {value!r}"]
    if kind == "timestamp":
        return _timestamp_problem(shape, value, path)
    return []


def _timestamp_problem(shape: Shape, value: Any, path: str) -> list[str]:
    if shape.serialization.get("timestampFormat") == "iso8601":
        try:
            dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return [f"{path}: expected ISO 8601 timestamp, got {value!r}"]
        return []
    if not isinstance(value, _NUMBER) or isinstance(value, bool):
        return [f"{path}: expected epoch-seconds timestamp, got {value!r}"]
    return []


def _walk(shape: Shape, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure":
        if shape.metadata.get("document"):
            return []
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        out = [f"{path}.{k}: not a member of {shape.name}" for k in value if k not in shape.members]
        if shape.metadata.get("union") and len(value) != 1:
            out.append(f"{path}: union {shape.name} must set exactly one member, got {sorted(value)}")
        for k, v in value.items():
            if k in shape.members:
                out += _walk(shape.members[k], v, f"{path}.{k}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected list, got {type(value).__name__}"]
        return [p for i, v in enumerate(value) for p in _walk(shape.member, v, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected map, got {type(value).__name__}"]
        return [p for k, v in value.items() for p in _walk(shape.value, v, f"{path}[{k}]")]
    return _type_problem(shape, value, path)


def output_problems(shape: Shape | None, wire: Any) -> list[str]:
    """Every way `wire` (the decoded JSON body) breaks `shape`; empty when it conforms."""
    if shape is None:
        return [] if not wire else [f"expected no body, got {wire!r}"]
    problems = _walk(shape, wire, "$")
    # Constraints (required, min/max, pattern, enum) are checked on the decoded values, where
    # timestamps are still wire values; the constraint walker ignores timestamp members.
    problems += constraint_errors(shape, wire)
    return problems
