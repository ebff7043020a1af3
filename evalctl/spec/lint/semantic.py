"""Checks across documents and files that JSON Schema cannot express."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint import (
    rules_batch,
    rules_dataset,
    rules_dataset_batch,
    rules_evaluator,
    rules_insight_store,
    rules_misc,
    rules_recommendation,
    rules_role,
)
from evalctl.spec.lint.refs import problem
from evalctl.spec.lint.schema_check import left_to_lint, pointer_of, validator
from evalctl.spec.names import EXPLICIT_FIELD, name_problem, physical_name
from evalctl.spec.project import Document, Project

Rule = Callable[[Project, Document], Iterator[Diagnostic]]
RULES: dict[str, list[Rule]] = {
    "Evaluator": [
        rules_evaluator.placeholders,
        rules_evaluator.rating_scales,
        rules_evaluator.derived,
        rules_evaluator.function_source,
    ],
    "OnlineEvaluation": [
        rules_misc.online_references,
        rules_misc.online_ground_truth,
        rules_role.online_role,
        rules_misc.output_log_group,
    ],
    "BatchEvaluation": [
        rules_batch.references,
        rules_batch.time_window,
        rules_batch.gates,
        rules_batch.ground_truth_use,
        rules_dataset_batch.dataset_batch,
        rules_batch.ground_truth_needs,
        rules_misc.output_log_group,
    ],
    "Role": [rules_misc.role],
    "EvaluatorTest": [rules_misc.evaluator_test],
    "Dataset": [rules_dataset.scenarios],
    "InsightStore": [rules_insight_store.settings],
    "Recommendation": [rules_recommendation.recommendation],
}


def duplicates(project: Project) -> Iterator[Diagnostic]:
    """Logical names unique per kind; physical names unique per kind and fitting their pattern."""
    logical: dict[tuple[str, str], Document] = {}
    physical: dict[tuple[str, str], Document] = {}
    for doc in project.documents:
        first = logical.setdefault((doc.kind, doc.name), doc)
        if first is not doc:
            where = f"{first.file}:{first.at('/metadata/name')[0]}"
            yield problem(
                doc,
                "/metadata/name",
                f"duplicate {doc.kind} name '{doc.name}' (first declared at {where}); "
                "names are unique per kind, rename one of them",
                "duplicate-name",
            )
            continue
        name = physical_name(doc.kind, doc.name, doc.spec, project.stack)
        if name is None:
            continue
        field = EXPLICIT_FIELD[doc.kind]
        pointer = f"/spec/{field}" if field in doc.spec else "/metadata/name"
        why = name_problem(doc.kind, name)
        if why is not None:
            yield problem(
                doc,
                pointer,
                f"in stack '{project.stack}' the AWS name {why}; shorten metadata.name or set spec.{field}",
                "physical-name",
            )
        other = physical.setdefault((doc.kind, name), doc)
        if other is not doc:
            yield problem(
                doc,
                pointer,
                f"{doc.kind} '{doc.name}' has the same AWS name '{name}' as '{other.name}' "
                f"({other.file}:{other.at('/metadata/name')[0]}); set a different spec.{field}",
                "duplicate-physical-name",
            )


def lint_project(project: Project) -> list[Diagnostic]:
    """Every semantic problem of the project."""
    out = list(duplicates(project))
    for doc in project.documents:
        for rule in RULES.get(doc.kind, []):
            out.extend(rule(project, doc))
    for doc in project.broken:
        for rule in RULES.get(doc.kind, []):
            out.extend(_tolerant(rule, project, doc))
    return out


def _tolerant(rule: Rule, project: Project, doc: Document) -> list[Diagnostic]:
    """Run a rule on a schema-invalid document so that all problems show at once.

    Rules read fields the schema guarantees; on a broken document a rule may trip over a missing or
    mistyped field, or read a string as a list. The schema error already explains those, so the
    rule's crash is dropped, and so are its findings at or under a value the schema rejected.
    """
    try:
        found = list(rule(project, doc))
    except (KeyError, TypeError, AttributeError, IndexError, ValueError):
        return []
    rejected = schema_error_pointers(doc)
    return [d for d in found if not any(d.pointer == r or d.pointer.startswith(r + "/") for r in rejected)]


def schema_error_pointers(doc: Document) -> set[str]:
    """Where the schema rejects a value of a document (a missing field counts as its own pointer)."""
    out: set[str] = set()
    for error in validator(doc.kind).iter_errors(doc.model_dump()):
        pointer = pointer_of(error)
        if error.validator == "required":
            pointer += "/" + str(error.message).split("'")[1]
        if error.validator != "additionalProperties" and not left_to_lint(error):
            out.add(pointer)
    return out
