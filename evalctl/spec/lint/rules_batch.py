"""Semantic rules for BatchEvaluation specs: references, time window, gates, ground-truth use."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from typing import Any

from evalctl.catalog import BUILTIN_EVALUATORS, TRAJECTORY_EVALUATORS
from evalctl.spec.diagnostics import Diagnostic
from evalctl.spec.lint.refs import evaluator_list, ground_truth_ref, problem
from evalctl.spec.lint.rules_evaluator import ground_truth_fields
from evalctl.spec.lint.scales import NO_VALUE, categorical, out_of_reach
from evalctl.spec.project import Document, Project

FILTER = "/spec/dataSourceConfig/cloudWatchLogs/filterConfig"
FIX = {
    "expectedTrajectory": "Builtin.TrajectoryInOrderMatch",
    "assertions": "Builtin.GoalSuccessRate",
    "expectedResponse": "Builtin.Correctness",
}


def references(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Evaluators, insights and the ground-truth set all exist; no evaluator is listed twice."""
    yield from evaluator_list(project, doc)
    truth = doc.spec.get("groundTruth")
    found = ground_truth_ref(project, doc, truth)
    if found is not None:
        yield found
    if truth is not None and "evaluationMetadata" in doc.spec:
        yield problem(
            doc,
            "/spec/evaluationMetadata",
            "set either groundTruth (a GroundTruth spec) or inline evaluationMetadata, not both",
            "ground-truth-twice",
        )


def _parse(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def window_problems(doc: Document, pointer: str, window: dict[str, Any]) -> Iterator[Diagnostic]:
    """An explicit window: both ends parse as ISO 8601 and start <= end."""
    times = {}
    for key in ("startTime", "endTime"):
        if key in window:
            parsed = _parse(str(window[key]))
            if parsed is None:
                yield problem(
                    doc,
                    f"{pointer}/{key}",
                    f"{key} {window[key]!r} is not an ISO 8601 date-time (e.g. 2026-11-24T00:00:00Z)",
                    "bad-timestamp",
                )
            else:
                times[key] = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if len(times) == 2 and times["startTime"] > times["endTime"]:
        yield problem(doc, f"{pointer}/startTime", "startTime is after endTime; swap them", "time-range")


def time_window(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """timeRange is ordered and parseable; lookback and timeRange are not both set."""
    source = doc.spec["dataSourceConfig"]
    filters = (source.get("cloudWatchLogs") or {}).get("filterConfig") or {}
    if "timeRange" in filters and "lookback" in filters:
        yield problem(doc, f"{FILTER}/lookback", "set either lookback or timeRange, not both", "time-range")
    if "timeRange" in filters:
        yield from window_problems(doc, f"{FILTER}/timeRange", filters["timeRange"])
    online = source.get("onlineEvaluationConfigSource") or {}
    if "timeRange" in online:
        yield from window_problems(
            doc, "/spec/dataSourceConfig/onlineEvaluationConfigSource/timeRange", online["timeRange"]
        )


def gates(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """A score gate names one of the batch's own evaluators, and the batch waits for its results."""
    listed = set(doc.spec["evaluators"])
    if doc.spec.get("gates") and doc.spec.get("wait") is False:
        yield problem(
            doc,
            "/spec/wait",
            "gates judge finished results, but `wait: false` returns before the job ends, so every "
            "gate would fail; remove `wait: false` or the gates",
            "gate-needs-wait",
        )
    for index, gate in enumerate(doc.spec.get("gates") or []):
        ref = gate.get("evaluator")
        if ref is not None and ref not in listed:
            # `Helpfulness` for `Builtin.Helpfulness`: the listed name it most likely means.
            short = {e.rsplit(".", 1)[-1].lower(): e for e in listed}
            close = difflib.get_close_matches(ref, sorted(listed), n=1, cutoff=0.85)
            meant = short.get(ref.lower()) or (close[0] if close else None)
            fix = f"did you mean '{meant}'?" if meant else "add it to evaluators or fix the name"
            if meant and ref in BUILTIN_EVALUATORS and meant not in BUILTIN_EVALUATORS:
                # The gate is right and the list is misspelled: point at the list, not the gate.
                fix = f"evaluators lists '{meant}', which is not a built-in: fix it there"
            yield problem(
                doc,
                f"/spec/gates/{index}/evaluator",
                f"gate on '{ref}', which this batch evaluation does not run; {fix}",
                "gate-reference",
            )
    yield from scale_gates(project, doc)


def scale_gates(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Average gates the evaluator's scale can judge (also `evalctl results --gates-from`)."""
    yield from categorical_gates(project, doc)
    yield from reachable_gates(project, doc)


def categorical_gates(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """No average gate on an evaluator answering with labels only (also `evalctl results --gates-from`)."""
    for index, gate in enumerate(doc.spec.get("gates") or []):
        ref = gate.get("evaluator") if isinstance(gate, dict) else None
        labels = categorical(project, ref) if ref is not None and "minAverageScore" in gate else None
        if labels is not None:
            where, subject = labels
            yield problem(
                doc,
                f"/spec/gates/{index}/minAverageScore",
                f"minAverageScore on '{ref}', whose {where} is categorical: {NO_VALUE}, so there is no "
                f"average to gate and the gate would always fail; give '{subject}' a numerical scale (a "
                "value per label) to gate its average, or check its labels per session with an "
                "EvaluatorTest (`expect: [{label: ...}]`); maxFailedSessions and minSessionsEvaluated "
                "gates still apply",
                "gate-on-categorical",
            )


def reachable_gates(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """An average gate within the averages its evaluator's scale can give: above them it always fails
    (an error), below them it always passes (a warning). Code-based evaluators declare no scale."""
    for index, gate in enumerate(doc.spec.get("gates") or []):
        ref, threshold = (
            (gate.get("evaluator"), gate.get("minAverageScore")) if isinstance(gate, dict) else (None, None)
        )
        outside = out_of_reach(project, ref, threshold)
        if outside is None:
            continue
        (bounds, above), pointer = outside, f"/spec/gates/{index}/minAverageScore"
        told = f"minAverageScore {threshold:g} on '{ref}' is {'above' if above else 'below'} the averages it "
        if above:
            fix = f"can reach ({bounds.why}), so the gate would always fail; set it within {bounds.shown()}"
            yield problem(doc, pointer, told + fix, "gate-unreachable")
        else:
            fix = f"can give ({bounds.why}), so the gate always passes; set it within {bounds.shown()}"
            fix += " or drop it"
            yield problem(doc, pointer, told + fix, "gate-always-passes", "warning")


def _truth_sessions(project: Project, doc: Document) -> list[dict[str, Any]]:
    name = doc.spec.get("groundTruth")
    if name is not None:
        target = project.valid("GroundTruth", name)
        return list(target.spec["sessions"]) if target else []
    return list((doc.spec.get("evaluationMetadata") or {}).get("sessionMetadata") or [])


def provided_fields(sessions: list[dict[str, Any]]) -> set[str]:
    fields: set[str] = set()
    for session in sessions:
        inline = (session.get("groundTruth") or {}).get("inline") or {}
        fields |= {k for k in ("assertions", "expectedTrajectory") if k in inline}
        if any("expectedResponse" in turn for turn in inline.get("turns") or []):
            fields.add("expectedResponse")
    return fields


def used_fields(project: Project, refs: list[str]) -> set[str] | None:
    """Ground-truth fields the evaluators read; None when a code-based one may read anything."""
    used: set[str] = set()
    for ref in refs:
        target = project.valid("Evaluator", ref)
        if ref in BUILTIN_EVALUATORS:
            used |= set(BUILTIN_EVALUATORS[ref][1])
        elif target is None or "codeBased" in target.spec["evaluatorConfig"]:
            return None
        else:
            used |= ground_truth_fields(target.spec)
    return used


def ground_truth_use(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Warn about ground-truth fields that none of the batch's evaluators reads."""
    used = used_fields(project, list(doc.spec["evaluators"]))
    if used is None:
        return
    pointer = "/spec/groundTruth" if "groundTruth" in doc.spec else "/spec/evaluationMetadata"
    for field in sorted(provided_fields(_truth_sessions(project, doc)) - used):
        yield problem(
            doc,
            pointer,
            f"ground truth has {field}, but none of this batch's evaluators uses it "
            f"(add e.g. {FIX[field]}, or drop it)",
            "ground-truth-unused",
            "warning",
        )


def _needs(project: Project, ref: str) -> tuple[set[str], str]:
    """Ground-truth fields an evaluator cannot score without, and why."""
    if ref in TRAJECTORY_EVALUATORS:
        return {"expectedTrajectory"}, "compares the tool calls with the expected ones"
    target = project.valid("Evaluator", ref)
    fields = ground_truth_fields(target.spec) if target is not None else set()
    return fields, "reads ground truth through its instruction placeholders"


def ground_truth_needs(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """Evaluators that need ground truth get it from this batch: else every session fails the job."""
    if doc.spec.get("dataset") is not None:
        return  # the scenarios carry the ground truth (rules_dataset_batch checks their use)
    truth = doc.spec.get("groundTruth")
    if truth is not None and project.valid("GroundTruth", truth) is None:
        return  # a dangling or broken ground-truth set is reported where it is
    provided = provided_fields(_truth_sessions(project, doc))
    for index, ref in enumerate(doc.spec["evaluators"]):
        needed, why = _needs(project, ref)
        lacking = sorted(needed - provided)
        if not lacking:
            continue
        source = "no ground truth" if not provided else f"ground truth without {', '.join(lacking)}"
        yield problem(
            doc,
            f"/spec/evaluators/{index}",
            f"'{ref}' {why} ({', '.join(lacking)}), but this batch has {source}; every session would "
            "fail: set groundTruth (a GroundTruth spec) or evaluationMetadata with "
            f"{', '.join(lacking)}, or drop the evaluator",
            "ground-truth-missing",
        )
