"""Resolve references between specs, built-ins and literal AWS ids, with helpful errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_INSIGHTS
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.schema_check import suggest
from evalctl.spec.names import physical_name
from evalctl.spec.patterns import KIND_FILES, THIRD_PARTY
from evalctl.spec.project import Document, Project

# A custom evaluator's id as the service mints it: its name (CustomEvaluatorName: letters, digits,
# '_', no '-'), '-', then 10 random letters and digits. botocore's looser EvaluatorId pattern also
# fits a misspelled spec name such as tool-reliabilty; a random suffix holds a digit or a capital
# (all lowercase: (26/62)^10 < 2e-4), a word does not.
CUSTOM_ID = r"[a-zA-Z][a-zA-Z0-9_]{0,47}-(?=[a-z]{0,9}[A-Z0-9])[a-zA-Z0-9]{10}"
CUSTOM_ARN = r"arn:aws[a-zA-Z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:evaluator/" + CUSTOM_ID
LITERAL_EVALUATOR = re.compile(f"{CUSTOM_ID}|{CUSTOM_ARN}|{THIRD_PARTY}")
LITERAL_INSIGHT = re.compile(CUSTOM_ID)
# `helpfulness` -> Builtin.Helpfulness, for references that dropped the prefix.
SHORT_BUILTINS = {ref.split(".", 1)[1].lower(): ref for ref in BUILTIN_EVALUATORS}
# Where a spec of a kind is meant to be referenced from, for wrong-kind references.
HOME = {"GroundTruth": "spec.groundTruth", "Role": "spec.evaluationExecutionRoleArn"}
ROLE_ARN = re.compile(r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")


def problem(doc: Document, pointer: str, message: str, code: str, severity: str = "error") -> Diagnostic:
    line, col = doc.at(pointer)
    return Diagnostic(doc.file, line, col, message, pointer, severity, code)  # type: ignore[arg-type]


def article(word: str) -> str:
    return f"an {word}" if word[:1].upper() in "AEIOU" else f"a {word}"


def _unknown_kind(project: Project, name: str) -> bool:
    """A spec of that name whose kind is misspelled: the kind error is the cause, not the reference."""
    return any(d.name == name and d.kind not in KIND_FILES for d in project.broken)


def _other_kind(project: Project, name: str, wanted: str) -> str:
    for doc in [*project.documents, *project.broken]:
        if doc.name == name and doc.kind != wanted:
            home = f" (reference it from {HOME[doc.kind]})" if doc.kind in HOME else ""
            return f"; '{name}' is {article(doc.kind)}, not {article(wanted)}{home}"
    return ""


def _aws_name(project: Project, name: str, kind: str) -> str:
    """A hint when `name` is the AWS name of a spec (what the console shows) instead of its own name."""
    for target in project.of_kind(kind):
        aws = physical_name(kind, target.name, target.spec, project.stack)
        if name in (aws, target.name.replace("-", "_")):
            return (
                f"; '{name}' is the AWS name of {kind} '{target.name}': "
                f"reference specs by metadata.name, '{target.name}'"
            )
    return ""


def _builtin_hint(name: str) -> str:
    """`Helpfulness` or `Helpfulnes` -> Builtin.Helpfulness: a built-in written without its prefix."""
    short = name.lower().removeprefix("builtin").strip("._-")
    close = difflib.get_close_matches(short, list(SHORT_BUILTINS), n=1, cutoff=0.85)
    if (close and name[:1].isupper()) or short in SHORT_BUILTINS:
        found = SHORT_BUILTINS[short if short in SHORT_BUILTINS else close[0]]
        return f"; did you mean '{found}'? (built-in ids start with 'Builtin.')"
    return suggest(name, list(BUILTIN_EVALUATORS))


def missing(project: Project, doc: Document, pointer: str, name: str, kind: str) -> Diagnostic | None:
    """A dangling or wrong-kind reference, with the name it most likely meant.

    None when a file that is not valid YAML seems to declare the name: its syntax error is the cause.
    """
    if project.maybe_declared(name) or _unknown_kind(project, name):
        return None
    names = [d.name for d in project.of_kind(kind)]
    hint = _other_kind(project, name, kind) or _aws_name(project, name, kind) or suggest(name, names)
    if not hint and kind == "Evaluator":
        hint = _builtin_hint(name)
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
    """A built-in insight, or a literal insight id of the full shape."""
    if ref in BUILTIN_INSIGHTS or (not ref.startswith("Builtin.") and LITERAL_INSIGHT.fullmatch(ref)):
        return None
    shorts = {i.rsplit(".", 1)[1].lower(): i for i in BUILTIN_INSIGHTS}
    found = shorts.get(ref.rsplit(".", 1)[-1].lower())
    hint = f"; did you mean '{found}'?" if found else suggest(ref, list(BUILTIN_INSIGHTS))
    return problem(doc, pointer, f"unknown insight '{ref}'{hint}", "unknown-insight")


def ground_truth_ref(project: Project, doc: Document, truth: str | None) -> Diagnostic | None:
    """`spec.groundTruth`, when set, names a GroundTruth spec."""
    if truth is None or project.get("GroundTruth", truth) is not None:
        return None
    return missing(project, doc, "/spec/groundTruth", truth, "GroundTruth")


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
