"""Validate each document against its kind's committed JSON Schema and locate every error."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.messages import message, short, suggest, type_name, where
from evalctl.spec.loader import RawDocument, escape
from evalctl.spec.patterns import (
    API_VERSION,
    EVALUATOR_REF_PATTERN,
    INSIGHT_REF_PATTERN,
    KIND_FILES,
)

__all__ = ["check_document", "check_envelope", "left_to_lint", "suggest", "validator"]

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
# Errors that only restate a type error at the same place ("not one of ..." for a list, say).
# Reference patterns the project lint explains better ("did you mean", with the project's names).
LINTED_PATTERNS = {EVALUATOR_REF_PATTERN, INSIGHT_REF_PATTERN}
SHADOWED_BY_TYPE = {"enum", "const", "pattern", "format", "minLength", "maxLength", "minimum", "maximum"}


@cache
def validator(kind: str) -> Any:
    """A compiled validator for a kind, from the committed schema (generated ones if not committed)."""
    stem = KIND_FILES[kind]
    path = SCHEMA_DIR / f"{stem}.schema.json"
    if path.is_file():
        schema = json.loads(path.read_text(encoding="utf-8"))
    else:  # an installed wheel without the repo's schemas/ folder
        from evalctl.spec.schemagen import kind_schema

        schema = kind_schema(kind)
    return jsonschema.Draft202012Validator(schema)


def left_to_lint(error: ValidationError) -> bool:
    """A reference that misses its pattern: refs.py says what it resembles instead of the regex.

    Also a union (a gate's forms) whose intended branch fails only on such a reference.
    """
    if error.validator == "pattern":
        return error.schema.get("pattern") in LINTED_PATTERNS
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = defaultdict(list)
        for sub in error.context:
            branches[sub.relative_schema_path[0]].append(sub)
        return any(all(left_to_lint(e) for e in errs) for errs in branches.values())
    return False


def pointer_of(error: ValidationError) -> str:
    return "".join(f"/{escape(str(p))}" for p in error.absolute_path)


def _under(pointer: str, roots: set[str]) -> bool:
    return any(pointer == r or pointer.startswith(r + "/") for r in roots)


class _Locator:
    """Turns the schema errors of one document into located diagnostics, without repeating a cause."""

    def __init__(self, doc: RawDocument, errors: list[ValidationError]) -> None:
        self.doc = doc
        self.errors = errors
        # A misspelled required field shows up twice (missing + unknown); we report it once.
        self.missing: dict[str, set[str]] = defaultdict(set)
        for error in errors:
            if error.validator == "required":
                self.missing[pointer_of(error)].add(_required_name(error))
        self.consumed: set[tuple[str, str]] = set()
        # Parent pointer -> fields reported as misindented there (see `misindented`).
        self.moved: dict[str, set[str]] = {}

    def explained(self, error: ValidationError) -> bool:
        """An error that only restates a misindentation already reported."""
        pointer = pointer_of(error)
        if error.validator == "type" and error.instance is None:
            return pointer.rpartition("/")[0] in self.moved
        return error.validator in ("maxProperties", "minProperties") and pointer in self.moved

    def diagnostic(self, pointer: str, text: str, code: str, key: bool = False) -> Diagnostic:
        positions = self.doc.positions
        line, col = positions.of_key(pointer) if key else positions.of_value(pointer)
        return Diagnostic(self.doc.file, line, col, text, pointer, code=code)

    def misindented(self) -> list[Diagnostic]:
        """Fields written at their parent's indentation: `llmAsAJudge:` left empty, its fields beside it.

        The schema sees an empty field and unknown siblings; the cause is one missing indent.
        """
        out = []
        parents = {
            pointer_of(e): e.instance
            for e in self.errors
            if e.validator == "additionalProperties" and isinstance(e.instance, dict)
        }
        for error in self.errors:
            fields = error.schema.get("properties") if error.validator == "type" else None
            if error.instance is not None or not isinstance(fields, dict):
                continue
            pointer = pointer_of(error)
            parent, _, key = pointer.rpartition("/")
            names = [n for n in parents.get(parent, {}) if n in fields and n != key]
            if not names:
                continue
            self.moved[parent] = set(names)
            line = self.doc.positions.of_key(pointer)[0]
            verb = "belongs" if len(names) == 1 else "belong"
            text = (
                f"{', '.join(names)} {verb} under '{key}' (line {line}), which is left empty: "
                f"indent {'it' if len(names) == 1 else 'them'} more than '{key}:'"
            )
            out.append(self.diagnostic(f"{parent}/{escape(names[0])}", text, "indentation", True))
        return out

    def all(self) -> list[Diagnostic]:
        out = self.misindented()
        out += [
            d
            for error in self.errors
            if error.validator != "required" and not self.explained(error)
            for d in self.locate(error)
        ]
        for error in self.errors:
            if error.validator == "required":
                pointer = pointer_of(error)
                if (pointer, _required_name(error)) not in self.consumed:
                    out.append(self.diagnostic(pointer, message(error, pointer), "schema-required", True))
        return _without_restatements(out)

    def locate(self, error: ValidationError) -> list[Diagnostic]:
        if error.validator in ("anyOf", "oneOf") and error.context:
            return self.union(error)
        pointer = pointer_of(error)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            return self.unknown_fields(error, pointer)
        key = error.validator == "required"
        return [self.diagnostic(pointer, message(error, pointer), f"schema-{error.validator}", key)]

    def unknown_fields(self, error: ValidationError, pointer: str) -> list[Diagnostic]:
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for name in sorted(set(error.instance) - set(allowed) - self.moved.get(pointer, set())):
            missing = sorted(self.missing.get(pointer, set()))
            hint = suggest(name, missing)
            if hint:
                self.consumed.add((pointer, hint.split("'")[1]))
                hint += " (a required field)"
            hint = hint or suggest(name, allowed) or f"; allowed: {', '.join(allowed)}"
            text = f"unknown field '{name}' in {where(pointer)}{hint}"
            out.append(self.diagnostic(f"{pointer}/{escape(name)}", text, "schema-unknown-field", True))
        return out

    def union(self, error: ValidationError) -> list[Diagnostic]:
        """A value that fits no branch of a union: explain it against the branch it was meant for."""
        forms = self.forms(error)
        if forms is not None:
            return forms
        branches: dict[Any, list[ValidationError]] = defaultdict(list)
        for sub in error.context or []:
            branches[sub.relative_schema_path[0]].append(sub)
        fitting = [errs for errs in branches.values() if not any(_rejects_type(e) for e in errs)]
        if len(fitting) == 1:
            return [d for sub in fitting[0] for d in self.locate(sub)]
        if fitting:
            return self.locate(best_match([e for errs in fitting for e in errs]))
        types = sorted(
            {
                str(t)
                for errs in branches.values()
                for e in errs
                if _rejects_type(e)
                for t in _as_list(e.validator_value)
            }
        )
        pointer = pointer_of(error)
        text = (
            f"{where(pointer)} must be of type {' or '.join(types)}, "
            f"not {type_name(error.instance)} {short(error.instance)}"
        )
        return [self.diagnostic(pointer, text, "schema-type")]

    def forms(self, error: ValidationError) -> list[Diagnostic] | None:
        """A mapping with none of a union's object forms' keys: name the forms and the closest keys."""
        context = error.context or []
        branches = [e.schema.get("properties") for e in context if e.validator == "additionalProperties"]
        if not isinstance(error.instance, dict) or not branches:
            return None
        known = {k for props in branches if props for k in props}
        if set(error.instance) & known:
            return None
        pointer = pointer_of(error)
        shapes = " | ".join("{" + ", ".join(props) + "}" for props in branches if props)
        hints = "".join(suggest(str(k), sorted(known)) for k in error.instance)
        text = f"{where(pointer)} must be one of the forms {shapes}{hints}"
        return [self.diagnostic(pointer, text, "schema-anyOf")]


def _required_name(error: ValidationError) -> str:
    text = str(error.message)
    return text.split("'")[1] if text.count("'") >= 2 else text


def _is_required(error: ValidationError, name: str) -> bool:
    return error.validator == "required" and _required_name(error) == name


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _rejects_type(error: ValidationError) -> bool:
    """A union branch that does not even accept the value's type (error at the value itself)."""
    return error.validator == "type" and not error.relative_path


def _without_restatements(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    typed = {d.pointer for d in diagnostics if d.code == "schema-type"}
    shadowed = {d for d in diagnostics if d.pointer in typed and d.code[7:] in SHADOWED_BY_TYPE}
    return [d for d in diagnostics if d not in shadowed]


def _not_a_mapping(doc: RawDocument) -> Diagnostic:
    line, col = doc.positions.of_value("")
    data = doc.data
    if isinstance(data, list):
        found = "a list; do not start documents with '- ', separate them with a line '---'"
    else:
        found = f"{type_name(data)} {short(data)}"
    text = f"a spec document must be a mapping with apiVersion, kind, metadata and spec; found {found}"
    return Diagnostic(doc.file, line, col, text, "", code="envelope")


def check_envelope(doc: RawDocument) -> tuple[list[Diagnostic], bool]:
    """The parts every document needs before its kind's schema can apply; and whether to stop here."""
    data = doc.data
    if not isinstance(data, dict):
        return [_not_a_mapping(doc)], True
    line, col = doc.positions.of_value("")
    kind = data.get("kind")
    if kind is None:
        text = f"missing kind; add `kind: <one of {', '.join(KIND_FILES)}>`"
        return [Diagnostic(doc.file, line, col, text, "", code="envelope")], True
    if not isinstance(kind, str):
        kl, kc = doc.positions.of_value("/kind")
        text = f"kind must be a string such as Evaluator, not {type_name(kind)} {short(kind)}"
        return [Diagnostic(doc.file, kl, kc, text, "/kind", code="envelope")], True
    if kind not in KIND_FILES:
        kl, kc = doc.positions.of_value("/kind")
        same = [k for k in KIND_FILES if k.lower() == kind.lower()]
        if same:
            text = f"unknown kind {short(kind)}: kinds are case-sensitive, write `kind: {same[0]}`"
        else:
            hint = suggest(str(kind), list(KIND_FILES)) or ";"
            text = f"unknown kind {short(kind)}{hint} (kinds: {', '.join(KIND_FILES)})"
        return [Diagnostic(doc.file, kl, kc, text, "/kind", code="envelope")], True
    if "apiVersion" not in data:
        text = f"missing apiVersion; add `apiVersion: {API_VERSION}` above kind"
        return [Diagnostic(doc.file, line, col, text, "", code="envelope")], False
    if data["apiVersion"] != API_VERSION:
        al, ac = doc.positions.of_value("/apiVersion")
        text = f"apiVersion must be '{API_VERSION}', not {short(data['apiVersion'])}"
        return [Diagnostic(doc.file, al, ac, text, "/apiVersion", code="envelope")], False
    return [], False


def check_document(doc: RawDocument) -> list[Diagnostic]:
    """Envelope, then every schema error of the document, each located and said once."""
    problems, stop = check_envelope(doc)
    if stop:
        return [*doc.refused, *problems]
    skip = {d.pointer for d in doc.refused} | ({"/apiVersion"} if problems else set())
    errors = [
        e
        for e in validator(doc.data["kind"]).iter_errors(doc.data)
        if not _under(pointer_of(e), skip)
        and not (problems and _is_required(e, "apiVersion"))
        and not left_to_lint(e)
    ]
    return [*doc.refused, *problems, *_Locator(doc, errors).all()]
