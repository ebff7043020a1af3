"""Evaluators' scales for gates: labels only (a categorical scale: nothing to average, no value to bound),
and the averages a numerical scale can reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_SCALE

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


@dataclass(frozen=True)
class Reach:
    """The averages a minAverageScore gate on one evaluator can see: the gate judges the worst dimension,
    so its averages lie between the lowest dimension minimum and the lowest dimension maximum."""

    low: float
    high: float
    why: str  # where the bounds come from, for the message

    def shown(self) -> str:
        return f"{self.low:g}..{self.high:g}"


def _values(scale: dict[str, Any]) -> list[float]:
    return [
        float(v["value"]) for v in scale.get("numerical") or [] if isinstance(v.get("value"), int | float)
    ]


def _judge_scale(project: Project, ref: str) -> tuple[dict[str, Any], str] | None:
    """(the rating scale evaluator `ref` scores on, whose it is); None when it declares none (code-based),
    is unknown, or is derived from a custom evaluator (the local engine scores those on 0..1)."""
    if ref in BUILTIN_EVALUATORS:
        return BUILTIN_SCALE, "built-in evaluators score"
    target = project.valid("Evaluator", ref)
    config = target.spec["evaluatorConfig"] if target is not None else {}
    base = (config.get("derived") or {}).get("baseEvaluatorId")
    if base is not None:
        return (
            (BUILTIN_SCALE, f"it is derived from {base}, which scores")
            if base in BUILTIN_EVALUATORS
            else None
        )
    scale = (config.get("llmAsAJudge") or {}).get("ratingScale")
    return (scale, "its rating scale runs") if scale else None


def reach(project: Project, ref: str) -> Reach | None:
    """The averages a gate on evaluator `ref` can see; None for code-based, unknown or label-only scales."""
    found = _judge_scale(project, ref)
    if found is None or categorical(project, ref) is not None:
        return None
    scale, whose = found
    dims = [(str(d.get("dimensionName")), _values(d.get("dimensionRatingScale") or {}))
            for d in scale.get("multiDimensional") or []]  # fmt: skip
    dims = [(name, values) for name, values in dims if values]
    if dims:
        low, high = min(min(v) for _, v in dims), min(max(v) for _, v in dims)
        each = ", ".join(f"'{name}' {min(v):g}..{max(v):g}" for name, v in dims)
        why = f"the gate judges its worst dimension: {each}"
        return Reach(low, high, why)
    values = _values(scale)
    if not values:
        return None
    return Reach(min(values), max(values), f"{whose} {min(values):g}..{max(values):g}")


def out_of_reach(project: Project, ref: Any, threshold: Any) -> tuple[Reach, bool] | None:
    """(the reachable averages, whether `threshold` is above them) for an average gate outside them;
    None when it is within, or the evaluator's scale is unknown or declares no values."""
    if not isinstance(ref, str) or isinstance(threshold, bool) or not isinstance(threshold, int | float):
        return None
    bounds = reach(project, ref)
    if bounds is None or bounds.low <= threshold <= bounds.high:
        return None
    return bounds, threshold > bounds.high
