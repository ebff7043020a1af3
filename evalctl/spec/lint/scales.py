"""Evaluators that answer with labels only (a categorical scale): nothing to average, no value to bound."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalctl.catalog import BUILTIN_EVALUATORS

if TYPE_CHECKING:  # a runtime import would join the lint rules' import cycle with spec.project
    from evalctl.spec.project import Project

# Why an average or a value bound cannot be judged; the fix names a numerical scale.
NO_VALUE = "its results are labels without a value"


def _labels_only(scale: dict[str, Any]) -> bool:
    return bool(scale.get("categorical")) and not scale.get("numerical")


def categorical(project: Project, ref: str) -> tuple[str, str] | None:
    """(`rating scale` or `dimension 'x'`, what to give a numerical scale) when the evaluator `ref`
    answers with labels only, flat or in one dimension; None when it scores with values or is unknown.

    Built-ins (and derived evaluators, whose base is a built-in) score with values; a code-based
    evaluator may return either, so it is not judged here.
    """
    if ref in BUILTIN_EVALUATORS:
        return None
    target = project.valid("Evaluator", ref)
    judge = (target.spec["evaluatorConfig"].get("llmAsAJudge") or {}) if target is not None else {}
    scale = judge.get("ratingScale") or {}
    if _labels_only(scale):
        return "rating scale", ref
    for dim in scale.get("multiDimensional") or []:
        if _labels_only(dim.get("dimensionRatingScale") or {}):
            return f"dimension '{dim['dimensionName']}'", str(dim["dimensionName"])
    return None
