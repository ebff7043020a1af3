"""Request validation against botocore's model, in the words of AWS's ValidationException."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.model import Shape
from botocore.validate import ParamValidator

from evalctl.service_models import input_shape

_VALIDATOR = ParamValidator()
_AT = re.compile(r"at '([^']*)' failed to satisfy constraint")
_CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
_TYPE_WORDS = {
    "str": "string",
    "int": "integer",
    "bool": "boolean",
    "float": "number",
    "Decimal": "number",
    "dict": "object",
    "list": "list",
    "tuple": "list",
    "datetime": "timestamp",
    "NoneType": "null",
}


@dataclass(frozen=True)
class Problem:
    """One violation: the member path (dotted, lists as `.N.member`) and AWS's message."""

    path: str
    message: str


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _length_errors(shape: Shape, value: Any, path: str) -> list[str]:
    meta = shape.metadata
    size = len(value)
    out: list[str] = []
    if "min" in meta and size < meta["min"]:
        out.append(f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        out.append(f"Member must have length less than or equal to {meta['max']}")
    return [f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: {m}" for m in out]


def _scalar_errors(shape: Shape, value: Any, path: str) -> list[str]:
    meta = shape.metadata
    msgs: list[str] = []
    if shape.type_name == "string" and isinstance(value, str):
        msgs += [m.split(": ", 1)[1] for m in _length_errors(shape, value, path)]
        pattern = meta.get("pattern")
        if pattern and not _regex(pattern).fullmatch(value):
            msgs.append(f"Member must satisfy regular expression pattern: {pattern}")
        if shape.enum and value not in shape.enum:
            msgs.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, bool):
        # botocore lets bools through as ints; JSON `true` is no number to the service.
        msgs.append(f"Member must be of type {shape.type_name}")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            msgs.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            msgs.append(f"Member must have value less than or equal to {meta['max']}")
    return [f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: {m}" for m in msgs]


def constraint_errors(shape: Shape, value: Any, path: str = "") -> list[str]:
    """Every required/min/max/pattern/enum violation under `value`, in AWS's wording."""
    if value is None:
        return []
    if shape.type_name == "structure":
        if not isinstance(value, dict) or shape.metadata.get("document"):
            return []
        out: list[str] = []
        for name in shape.required_members:
            if value.get(name) is None:
                where = _join(path, name)
                out.append(f"Value null at '{where}' failed to satisfy constraint: Member must not be null")
        for name, member in shape.members.items():
            out += constraint_errors(member, value.get(name), _join(path, name))
        return out
    if shape.type_name == "list" and isinstance(value, list):
        out = _length_errors(shape, value, path)
        for index, item in enumerate(value, start=1):
            out += constraint_errors(shape.member, item, f"{path}.{index}.member")
        return out
    if shape.type_name == "map" and isinstance(value, dict):
        out = _length_errors(shape, value, path)
        for key, item in value.items():
            out += constraint_errors(shape.key, key, f"{path}.key")
            out += constraint_errors(shape.value, item, f"{path}.{key}.value")
        return out
    return _scalar_errors(shape, value, path)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _botocore_problems(shape: Shape, params: dict[str, Any]) -> list[Problem]:
    """Type, union and unknown-member problems, as botocore's ParamValidator reports them."""
    report = _VALIDATOR.validate(params, shape)
    if not report.has_errors():
        return []
    errors = getattr(report, "_errors", None)
    if not errors:
        return [Problem("", report.generate_report())]
    # botocore keeps (kind, path, details) tuples; the path is dotted with [i] for list items.
    return [Problem(str(err[1]).lstrip("."), report._format_error(err)) for err in errors]


def problems(shape: Shape | None, params: dict[str, Any]) -> list[Problem]:
    """Every problem of `params` against `shape`: constraints first, else botocore's checks."""
    if shape is None:
        return []
    found = []
    for message in constraint_errors(shape, params):
        where = _AT.search(message)
        found.append(Problem(where.group(1) if where else "", message))
    return found or _botocore_problems(shape, params)


def validate_params(service: str, operation: str, params: dict[str, Any]) -> list[Problem]:
    """Problems the service would report for `params` of `operation` (an empty list when valid).

    Used by the providers' `check()` to fail before any API call, with the service's wording.
    """
    return problems(input_shape(service, operation), params)


def validation_message(shape: Shape | None, params: dict[str, Any]) -> str | None:
    """The ValidationException message for `params` that break the input shape, or None when valid."""
    if shape is None:
        return None
    messages = constraint_errors(shape, params)
    if not messages:
        report = _VALIDATOR.validate(params, shape)
        found: list[Any] = getattr(report, "_errors", None) or []
        messages = [_aws_wording(report, err) for err in found]
        if report.has_errors() and not messages:  # a botocore without `_errors`: its own words
            messages = [report.generate_report().replace("\n", " ")]
    if not messages:
        return None
    noun = "error" if len(messages) == 1 else "errors"
    return f"{len(messages)} validation {noun} detected: " + "; ".join(messages)


def _aws_wording(report: Any, error: tuple[str, str, dict[str, Any]]) -> str:
    """One botocore finding in AWS's words; type errors lose botocore's `<class 'int'>` reprs."""
    kind, name, extra = error
    if kind not in ("invalid type", "invalid type for document"):
        return str(report._format_error(error)).replace("\n", " ")
    wanted = sorted({_TYPE_WORDS.get(t, "value") for t in _CLASS.findall(" ".join(extra["valid_types"]))})
    where = name.lstrip(".") or "input"
    return (
        f"Value '{_show(extra['param'])}' at '{where}' failed to satisfy constraint: "
        f"Member must be of type {' or '.join(wanted)}"
    )
