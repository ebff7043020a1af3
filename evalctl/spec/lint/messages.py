"""Wording of schema errors: what is wrong, where, and what to write instead."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from jsonschema.exceptions import ValidationError

from evalctl.spec.patterns import NAME_PATTERN, S3_URI

LAMBDA_ARN = (
    "^(?:arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}(-gov)?-[a-z]+-\\d{1}):(\\d{12}):function:([a-zA-Z0-9-_.]+)"
    "(:(\\$LATEST|[a-zA-Z0-9-_]+))?)$"
)
KMS_KEY_ARN = "^(?:arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36})$"
# Patterns a person meets often get a sentence instead of a regular expression.
HINTS = {
    LAMBDA_ARN: "expected a Lambda function ARN such as "
    "arn:aws:lambda:us-east-1:123456789012:function:my-evaluator",
    NAME_PATTERN: "use lowercase letters, digits and '-', start with a letter, at most 40 chars",
    "^(?:[a-zA-Z][a-zA-Z0-9_]{0,47})$": "use letters, digits and '_', start with a letter, at most 48 chars",
    KMS_KEY_ARN: "expected a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/<key-id> "
    "(aliases are not accepted)",
    "^[1-9][0-9]{0,4}[dhm]$": "use a number and a unit d, h or m, e.g. 1d, 12h or 30m",
    f"^(?:{S3_URI})$": "expected s3://<bucket>/<key>, e.g. s3://my-bucket/cases.jsonl (a bucket name is 3 "
    "to 63 lowercase letters, digits, '.' and '-')",
}


def suggest(word: str, options: list[str]) -> str:
    """`; did you mean 'x'?` for the closest option, or nothing."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        close = [o for o in options if o.lower() == word.lower()]
    return f"; did you mean '{close[0]}'?" if close else ""


def where(pointer: str) -> str:
    """`categorical[0]` for /spec/.../categorical/0: the last name, with an index when in a list."""
    if not pointer:
        return "document"
    text = ""
    for part in reversed(pointer.split("/")[1:]):
        text = (f"[{part}]" if part.isdigit() else part) + text
        if not part.isdigit():
            break
    return text


def short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: Any) -> str:
    """The JSON name of a Python value's type, as the schema speaks it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names = {int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return next((n for t, n in names.items() if isinstance(value, t)), type(value).__name__)


def _nearest(value: float, options: list[Any]) -> str:
    below = [o for o in options if o < value]
    above = [o for o in options if o > value]
    near = [str(x) for x in (max(below) if below else None, min(above) if above else None) if x is not None]
    return f"; nearest allowed: {' or '.join(near)}" if near else ""


def _enum(pointer: str, value: Any, options: list[Any]) -> str:
    listed = ", ".join(str(o) for o in options)
    numeric = all(isinstance(o, int | float) and not isinstance(o, bool) for o in options)
    if numeric and isinstance(value, int | float) and not isinstance(value, bool):
        hint = _nearest(value, options)
    else:
        hint = suggest(str(value), [str(o) for o in options])
    return f"{where(pointer)}: {short(value)} is not one of {listed}{hint}"


def _pattern(pointer: str, value: Any, pattern: str) -> str:
    hint = HINTS.get(pattern, f"it must match {pattern}")
    if pattern == NAME_PATTERN and isinstance(value, str):
        fixed = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")[:40]
        if re.fullmatch(NAME_PATTERN.strip("^$"), fixed):
            hint += f", e.g. '{fixed}'"
    return f"{where(pointer)}: {short(value)} is not valid: {hint}"


def _bounds(kw: str, pointer: str, schema: dict[str, Any], value: Any) -> str:
    place = where(pointer)
    if kw in ("minLength", "maxLength"):
        bound = "at least" if kw == "minLength" else "at most"
        return f"{place} must be {bound} {schema[kw]} characters long (it has {len(value)})"
    if kw in ("minItems", "maxItems"):
        bound = "at least" if kw == "minItems" else "at most"
        return f"{place} must have {bound} {schema[kw]} item(s) (it has {len(value)})"
    sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kw]
    return f"{place} must be {sign} {schema[kw]} (it is {value})"


BOUNDS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
)


def message(error: ValidationError, pointer: str) -> str:
    """One sentence for one schema error."""
    kw, schema, value = error.validator, error.schema, error.instance
    place = where(pointer)
    if kw == "required":
        # jsonschema yields one error per missing property; its message names it first.
        name = error.message.split("'")[1] if error.message.count("'") >= 2 else error.message
        return f"missing required field '{name}' in {place}"
    if kw == "enum":
        return _enum(pointer, value, list(schema["enum"]))
    if kw == "const":
        return f"{place} must be {short(schema['const'])}, not {short(value)}"
    if kw == "type":
        text = f"{place} must be of type {schema['type']}, not {type_name(value)} {short(value)}"
        if schema["type"] == "string" and isinstance(value, (bool, int, float)):
            # YAML reads `revision: 3` or `version: 1.10` as a number: the fix is quotes, not another value.
            text += "; quote it in YAML" + ("" if isinstance(value, bool) else f' ("{value}")')
        return text
    if kw == "pattern":
        return _pattern(pointer, value, str(schema["pattern"]))
    if kw in ("maxProperties", "minProperties") and schema.get("maxProperties") == 1:
        choices = ", ".join(schema.get("properties", {}))
        if not value:
            return f"{place} must set exactly one of: {choices} (found none)"
        return f"{place} must set exactly one of: {choices} (found {', '.join(map(str, value))}; keep one)"
    if kw in BOUNDS:
        return _bounds(str(kw), pointer, schema, value)
    if kw == "maxProperties":
        return f"{place} must have at most {schema[kw]} entries (it has {len(value)})"
    if kw == "propertyNames":
        return f"{place}: key {short(value)} is not valid"
    return f"{place}: {error.message}"
