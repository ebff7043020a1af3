"""Validate each document against its kind's committed JSON Schema and locate every error."""

from __future__ import annotations

import difflib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.loader import Positions, RawDocument, escape
from evalctl.spec.models import KINDS
from evalctl.spec.models.common import API_VERSION

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
HINTS = {
    "^(?:arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}(-gov)?-[a-z]+-\\d{1}):(\\d{12}):function:([a-zA-Z0-9-_.]+)"
    "(:(\\$LATEST|[a-zA-Z0-9-_]+))?)$": "expected a Lambda function ARN such as "
    "arn:aws:lambda:us-east-1:123456789012:function:my-evaluator",
    "^[a-z][a-z0-9-]{0,39}$": "use lowercase letters, digits and '-', start with a letter, at most 40 chars",
    "^(?:[a-zA-Z][a-zA-Z0-9_]{0,47})$": "use letters, digits and '_', start with a letter, at most 48 chars",
}


@cache
def validator(kind: str) -> Any:
    """A compiled validator for a kind, from the committed schema (generated ones if not committed)."""
    stem = KINDS[kind][0]
    path = SCHEMA_DIR / f"{stem}.schema.json"
    if path.is_file():
        schema = json.loads(path.read_text(encoding="utf-8"))
    else:  # an installed wheel without the repo's schemas/ folder
        from evalctl.spec.schemagen import kind_schema

        schema = kind_schema(kind)
    return jsonschema.Draft202012Validator(schema)


def suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        close = [o for o in options if o.lower() == word.lower()]
    return f"; did you mean '{close[0]}'?" if close else ""


def pointer_of(error: ValidationError) -> str:
    return "".join(f"/{escape(str(p))}" for p in error.absolute_path)


def _where(pointer: str) -> str:
    """`categorical[0]` for /spec/.../categorical/0: the last name, with an index when in a list."""
    if not pointer:
        return "document"
    parts = pointer.split("/")[1:]
    text = ""
    for part in reversed(parts):
        text = (f"[{part}]" if part.isdigit() else part) + text
        if not part.isdigit():
            break
    return text


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_fields(error: ValidationError, pointer: str, doc: RawDocument) -> list[Diagnostic]:
    allowed = sorted(error.schema.get("properties", {}))
    out = []
    for key in sorted(set(error.instance) - set(allowed)):
        child = f"{pointer}/{escape(key)}"
        line, col = doc.positions.of_key(child)
        hint = suggest(key, allowed) or f"; allowed: {', '.join(allowed)}"
        out.append(
            Diagnostic(
                doc.file,
                line,
                col,
                f"unknown field '{key}' in {_where(pointer)}{hint}",
                child,
                code="schema-unknown-field",
            )
        )
    return out


def _message(error: ValidationError, pointer: str) -> str:
    kw, schema, value = error.validator, error.schema, error.instance
    where = _where(pointer)
    if kw == "required":
        # jsonschema yields one error per missing property; its message names it first.
        name = error.message.split("'")[1] if error.message.count("'") >= 2 else error.message
        return f"missing required field '{name}' in {where}"
    if kw == "enum":
        options = [str(o) for o in schema["enum"]]
        return f"{where}: {_short(value)} is not one of {', '.join(options)}{suggest(str(value), options)}"
    if kw == "const":
        return f"{where} must be {_short(schema['const'])}, not {_short(value)}"
    if kw == "type":
        return f"{where} must be of type {schema['type']}, not {type(value).__name__} {_short(value)}"
    if kw == "pattern":
        hint = HINTS.get(schema["pattern"], f"it must match {schema['pattern']}")
        return f"{where}: {_short(value)} is not valid: {hint}"
    if kw in ("maxProperties", "minProperties") and schema.get("maxProperties") == 1:
        choices = ", ".join(schema.get("properties", {}))
        found = ", ".join(str(k) for k in value) or "none"
        return f"{where} must set exactly one of: {choices} (found: {found})"
    if kw in ("minLength", "maxLength"):
        bound = "at least" if kw == "minLength" else "at most"
        return f"{where} must be {bound} {schema[kw]} characters long (it has {len(value)})"
    if kw in ("minItems", "maxItems"):
        bound = "at least" if kw == "minItems" else "at most"
        return f"{where} must have {bound} {schema[kw]} item(s) (it has {len(value)})"
    if kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kw]
        return f"{where} must be {sign} {schema[kw]} (it is {value})"
    if kw == "maxProperties":
        return f"{where} must have at most {schema[kw]} entries (it has {len(value)})"
    if kw == "propertyNames":
        return f"{where}: key {_short(value)} is not valid"
    return f"{where}: {error.message}"


def _forms(error: ValidationError, doc: RawDocument) -> list[Diagnostic] | None:
    """A mapping that fits none of a union's object forms: name the forms and the closest keys."""
    context = error.context or []
    branches = [e.schema.get("properties") for e in context if e.validator == "additionalProperties"]
    if not isinstance(error.instance, dict) or not branches:
        return None
    known = {k for props in branches if props for k in props}
    if set(error.instance) & known:
        return None
    pointer = pointer_of(error)
    forms = " | ".join("{" + ", ".join(props) + "}" for props in branches if props)
    hints = "".join(suggest(k, sorted(known)) for k in error.instance)
    line, col = doc.positions.of_value(pointer)
    message = f"{_where(pointer)} must be one of the forms {forms}{hints}"
    return [Diagnostic(doc.file, line, col, message, pointer, code="schema-anyOf")]


def _locate(error: ValidationError, doc: RawDocument) -> list[Diagnostic]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        forms = _forms(error, doc)
        return forms if forms is not None else _locate(best_match(error.context), doc)
    pointer = pointer_of(error)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_fields(error, pointer, doc)
    positions: Positions = doc.positions
    line, col = positions.of_key(pointer) if error.validator == "required" else positions.of_value(pointer)
    code = f"schema-{error.validator}"
    return [Diagnostic(doc.file, line, col, _message(error, pointer), pointer, code=code)]


def check_envelope(doc: RawDocument) -> list[Diagnostic]:
    """The parts every document needs before its kind's schema can apply."""
    data = doc.data
    line, col = doc.positions.of_value("")
    if not isinstance(data, dict):
        return [
            Diagnostic(
                doc.file,
                line,
                col,
                "a spec document must be a mapping with apiVersion, kind, metadata and spec",
                "",
                code="envelope",
            )
        ]
    kind = data.get("kind")
    if kind is None:
        return [
            Diagnostic(
                doc.file, line, col, f"missing 'kind' (one of {', '.join(KINDS)})", "", code="envelope"
            )
        ]
    if kind not in KINDS:
        kl, kc = doc.positions.of_value("/kind")
        message = f"unknown kind {_short(kind)}{suggest(str(kind), list(KINDS))}; kinds: {', '.join(KINDS)}"
        return [Diagnostic(doc.file, kl, kc, message, "/kind", code="envelope")]
    if data.get("apiVersion") != API_VERSION and "apiVersion" in data:
        al, ac = doc.positions.of_value("/apiVersion")
        return [
            Diagnostic(
                doc.file, al, ac, f"apiVersion must be '{API_VERSION}'", "/apiVersion", code="envelope"
            )
        ]
    return []


def check_document(doc: RawDocument) -> list[Diagnostic]:
    """Envelope, then every schema error of the document, each located."""
    problems = check_envelope(doc)
    if problems:
        return problems
    out: list[Diagnostic] = []
    for error in validator(doc.data["kind"]).iter_errors(doc.data):
        out += _locate(error, doc)
    return out
