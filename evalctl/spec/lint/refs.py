"""Resolve references between specs, built-ins and literal AWS ids, with helpful errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_INSIGHTS
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.schema_check import suggest
from evalctl.spec.models.common import AGENTCORE_ID, EVALUATOR_ARN, THIRD_PARTY
from evalctl.spec.project import Document, Project

LITERAL_EVALUATOR = re.compile(f"{AGENTCORE_ID}|{EVALUATOR_ARN}|{THIRD_PARTY}")
# Where a spec of a kind is meant to be referenced from, for wrong-kind references.
HOME = {"GroundTruth": "spec.groundTruth", "Role": "spec.evaluationExecutionRoleArn"}
ROLE_ARN = re.compile(r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")


def problem(doc: Document, pointer: str, message: str, code: str, severity: str = "error") -> Diagnostic:
    line, col = doc.at(pointer)
    return Diagnostic(doc.file, line, col, message, pointer, severity, code)  # type: ignore[arg-type]


def article(word: str) -> str:
    return f"an {word}" if word[:1] in "AEIOU" else f"a {word}"


def _other_kind(project: Project, name: str, wanted: str) -> str:
    for doc in [*project.documents, *project.broken]:
        if doc.name == name and doc.kind != wanted:
            home = f" (reference it from {HOME[doc.kind]})" if doc.kind in HOME else ""
            return f"; '{name}' is {article(doc.kind)}, not {article(wanted)}{home}"
    return ""


def missing(project: Project, doc: Document, pointer: str, name: str, kind: str) -> Diagnostic:
    """A dangling or wrong-kind reference."""
    names = [d.name for d in project.of_kind(kind)]
    hint = _other_kind(project, name, kind) or suggest(name, names)
    return problem(doc, pointer, f"no {kind} named '{name}'{hint}", "dangling-reference")


def evaluator_ref(project: Project, doc: Document, pointer: str, ref: str) -> Diagnostic | None:
    """An evaluator reference: a built-in, an Evaluator spec, or a literal id/ARN."""
    if ref.startswith("Builtin."):
        if ref in BUILTIN_INSIGHTS:
            return problem(
                doc, pointer, f"'{ref}' is an insight; list it under `insights`", "insight-as-evaluator"
            )
        if ref not in BUILTIN_EVALUATORS:
            hint = suggest(ref, list(BUILTIN_EVALUATORS))
            return problem(doc, pointer, f"unknown built-in evaluator '{ref}'{hint}", "unknown-builtin")
        return None
    if project.get("Evaluator", ref) is not None or LITERAL_EVALUATOR.fullmatch(ref):
        return None
    return missing(project, doc, pointer, ref, "Evaluator")


def insight_ref(doc: Document, pointer: str, ref: str) -> Diagnostic | None:
    if ref.startswith("Builtin.") and ref not in BUILTIN_INSIGHTS:
        hint = suggest(ref, list(BUILTIN_INSIGHTS))
        return problem(doc, pointer, f"unknown insight '{ref}'{hint}", "unknown-insight")
    return None


def role_ref(project: Project, doc: Document, pointer: str, ref: str) -> Diagnostic | None:
    if ROLE_ARN.fullmatch(ref) or project.get("Role", ref) is not None:
        return None
    return missing(project, doc, pointer, ref, "Role")


def evaluator_level(project: Project, ref: str) -> str | None:
    """The level of a referenced evaluator when we can know it."""
    if ref in BUILTIN_EVALUATORS:
        return BUILTIN_EVALUATORS[ref][0]
    target = project.valid("Evaluator", ref)
    return str(target.spec.get("level")) if target is not None else None


def evaluator_list(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """`evaluators` and `insights` of an online or batch evaluation: each exists, none twice."""
    seen: set[str] = set()
    for index, ref in enumerate(doc.spec["evaluators"]):
        pointer = f"/spec/evaluators/{index}"
        if ref in seen:
            yield problem(doc, pointer, f"evaluator '{ref}' is listed twice", "duplicate-reference")
        seen.add(ref)
        found = evaluator_ref(project, doc, pointer, ref)
        if found is not None:
            yield found
    for index, ref in enumerate(doc.spec.get("insights") or []):
        found = insight_ref(doc, f"/spec/insights/{index}", ref)
        if found is not None:
            yield found
