"""Semantic rules for Evaluator specs: placeholders, rating scales, derived bases, function sources."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalctl.packaging import project_root
from evalctl.spec.builtins import GROUND_TRUTH_PLACEHOLDERS, PLACEHOLDERS
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import evaluator_ref, problem
from evalctl.spec.lint.schema_check import suggest
from evalctl.spec.project import Document, Project

PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def placeholders_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def ground_truth_fields(spec: dict[str, Any]) -> set[str]:
    """Ground-truth fields (assertions, expectedTrajectory, expectedResponse) an LLM evaluator reads."""
    judge = (spec.get("evaluatorConfig") or {}).get("llmAsAJudge") or {}
    table = GROUND_TRUTH_PLACEHOLDERS.get(str(spec.get("level")), {})
    return {table[p] for p in placeholders_in(str(judge.get("instructions", ""))) if p in table}


def placeholders(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Instructions use at least one placeholder, and only those valid for the level."""
    judge = doc.spec["evaluatorConfig"].get("llmAsAJudge")
    if not judge:
        return
    level = str(doc.spec.get("level"))
    known = level in PLACEHOLDERS
    allowed = PLACEHOLDERS[level] | set(GROUND_TRUTH_PLACEHOLDERS[level]) if known else {"context"}
    pointer = "/spec/evaluatorConfig/llmAsAJudge/instructions"
    found = placeholders_in(judge["instructions"])
    if not found:
        needs = f"a {level} evaluator needs at least one of " if known else "it needs at least one, e.g. "
        yield problem(
            doc,
            pointer,
            "instructions use no placeholder; the judge would see no agent data; "
            + needs
            + ", ".join("{" + p + "}" for p in sorted(allowed)),
            "placeholder-missing",
        )
    for name in dict.fromkeys(found) if known else ():
        if name not in allowed:
            hint = suggest(name, sorted(allowed))
            yield problem(
                doc,
                pointer,
                f"placeholder {{{name}}} is not available at level {level}{hint} "
                f"(allowed: {', '.join(sorted(allowed))})",
                "placeholder-unknown",
            )


def _scale_problems(doc: Document, scale: dict[str, Any], pointer: str) -> Iterator[Diagnostic]:
    for kind, key in (("numerical", "value"), ("numerical", "label"), ("categorical", "label")):
        seen: dict[Any, int] = {}
        for index, entry in enumerate(scale.get(kind) or []):
            value = entry.get(key)
            if value in seen:
                yield problem(
                    doc,
                    f"{pointer}/{kind}/{index}/{key}",
                    f"{kind} rating {key} {value!r} is used twice "
                    f"(entries {seen[value]} and {index}); each must be unique",
                    "rating-not-unique",
                )
            seen.setdefault(value, index)


def rating_scales(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Numerical values and labels, and categorical labels, are unique within a scale."""
    judge = doc.spec["evaluatorConfig"].get("llmAsAJudge")
    if not judge:
        return
    base = "/spec/evaluatorConfig/llmAsAJudge/ratingScale"
    scale = judge["ratingScale"]
    yield from _scale_problems(doc, scale, base)
    names: set[str] = set()
    for index, dim in enumerate(scale.get("multiDimensional") or []):
        yield from _scale_problems(
            doc, dim["dimensionRatingScale"], f"{base}/multiDimensional/{index}/dimensionRatingScale"
        )
        if dim["dimensionName"] in names:
            yield problem(
                doc,
                f"{base}/multiDimensional/{index}/dimensionName",
                f"dimension '{dim['dimensionName']}' is declared twice",
                "dimension-not-unique",
            )
        names.add(dim["dimensionName"])


def derived(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """A derived evaluator's base exists and is not itself."""
    config = doc.spec["evaluatorConfig"].get("derived")
    if not config:
        return
    pointer = "/spec/evaluatorConfig/derived/baseEvaluatorId"
    base = config["baseEvaluatorId"]
    if base == doc.name:
        yield problem(
            doc,
            pointer,
            "a derived evaluator cannot be based on itself; use a built-in or another evaluator",
            "derived-self",
        )
        return
    found = evaluator_ref(project, doc, pointer, base)
    if found is not None:
        yield found


def _folders(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []


def _outside_repository(doc: Document, source: str) -> str | None:
    """Why a `function.source` may not be packaged: absolute, or resolving outside the project root."""
    if Path(source).is_absolute():
        return f"source '{source}' is absolute; give a folder relative to {doc.file}, inside the repository"
    root = project_root(doc.directory)
    if not (doc.directory / source).resolve().is_relative_to(root):
        return f"source '{source}' leaves the repository ({root}); keep function code inside it"
    return None


def function_source(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """A code-based evaluator's `function.source` folder and handler module exist."""
    function = (doc.spec["evaluatorConfig"].get("codeBased") or {}).get("function")
    if not function:
        return
    folder = doc.directory / function["source"]
    outside = _outside_repository(doc, str(function["source"]))
    if outside is not None:
        yield problem(doc, "/spec/evaluatorConfig/codeBased/function/source", outside, "function-source")
        return
    if not folder.is_dir():
        siblings = (
            sorted(p.name for p in doc.directory.iterdir() if p.is_dir()) if doc.directory.is_dir() else []
        )
        hint = suggest(str(function["source"]), siblings)
        yield problem(
            doc,
            "/spec/evaluatorConfig/codeBased/function/source",
            f"source folder '{function['source']}' does not exist next to {doc.file}{hint}",
            "function-source",
        )
        return
    module = str(function.get("handler", "handler.handler")).rsplit(".", 1)[0]
    candidates = [
        folder / Path(*module.split(".")).with_suffix(".py"),
        folder / Path(*module.split(".")) / "__init__.py",
    ]
    if not any(c.is_file() for c in candidates):
        yield problem(
            doc,
            "/spec/evaluatorConfig/codeBased/function/handler",
            f"handler module '{module}' not found: expected {candidates[0]}; "
            "fix `handler` (module.function) or add the file",
            "function-handler",
        )
