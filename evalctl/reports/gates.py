"""Score gates: turn a batch evaluation's aggregated results into pass/fail verdicts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Exit codes shared by `evalctl run`, `evalctl results` and `evalctl test`.
EXIT_PASSED = 0
EXIT_GATE_FAILED = 1
EXIT_JOB_FAILED = 2

# A job in one of these states produced results that gates can judge. COMPLETED_WITH_ERRORS
# counts: its failed sessions are what `maxFailedSessions` is for.
FINISHED_STATUSES = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS"})

# Averages are means of doubles; 0.7999999999999999 must not fail a 0.8 gate ("ties pass").
TIE_EPSILON = 1e-9

GATE_KINDS = ("minAverageScore", "maxFailedSessions", "minSessionsEvaluated")


class GateSpecError(ValueError):
    """A gate entry that is not one of the three documented shapes."""


@dataclass(frozen=True)
class GateVerdict:
    """The outcome of one gate: what was asked, what was observed, and a one-line message."""

    gate: dict[str, Any]
    passed: bool
    message: str
    observed: float | int | None
    threshold: float | int
    kind: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN never appears: unknown observations are None)."""
        return {
            "kind": self.kind,
            "gate": dict(self.gate),
            "passed": self.passed,
            "message": self.message,
            "observed": self.observed,
            "threshold": self.threshold,
            "details": dict(self.details),
        }


def evaluate_gates(
    gates: Sequence[Mapping[str, Any]],
    results: Mapping[str, Any] | None,
    aliases: Mapping[str, str] | None = None,
    batch_evaluation_id: str | None = None,
) -> list[GateVerdict]:
    """Judge every gate against a GetBatchEvaluation `evaluationResults` member, in order.

    Rules (documented in docs and tested in tests/unit/reports/test_gates.py):
    - an evaluator absent from `evaluatorSummaries` fails its gate (observed None);
    - a missing, None or NaN average, or zero sessions evaluated, fails (observed None);
    - ties pass: observed >= threshold (within 1e-9) passes, observed <= max passes;
    - a multi-dimensional evaluator passes only if every dimension passes; observed is the worst;
    - missing session counts read as 0.
    """
    res: Mapping[str, Any] = results or {}
    suffix = f" in batch evaluation {batch_evaluation_id}" if batch_evaluation_id else ""
    return [_judge(dict(gate), res, aliases or {}, suffix) for gate in gates]


def gate_exit_code(verdicts: Sequence[GateVerdict], job_status: str | None = "COMPLETED") -> int:
    """0 when the job finished and every gate passed, 1 when a gate failed, 2 when the job failed."""
    if job_status not in FINISHED_STATUSES:
        return EXIT_JOB_FAILED
    return EXIT_PASSED if all(v.passed for v in verdicts) else EXIT_GATE_FAILED


def gate_kind(gate: Mapping[str, Any]) -> str:
    """Which of the three gate shapes this entry is; raises GateSpecError otherwise."""
    kinds = [k for k in GATE_KINDS if k in gate]
    if len(kinds) != 1:
        raise GateSpecError(f"gate {dict(gate)!r} must have exactly one of {', '.join(GATE_KINDS)}")
    kind = kinds[0]
    if kind == "minAverageScore" and not gate.get("evaluator"):
        raise GateSpecError(f"gate {dict(gate)!r}: minAverageScore needs an evaluator")
    return kind


def _judge(
    gate: dict[str, Any], results: Mapping[str, Any], aliases: Mapping[str, str], suffix: str
) -> GateVerdict:
    kind = gate_kind(gate)
    threshold = _number(gate[kind], kind)
    if kind == "minAverageScore":
        return _judge_average(gate, threshold, results, aliases, suffix)
    if kind == "maxFailedSessions":
        limit = int(threshold)  # Pulumi sends 2 as 2.0
        failed = int(results.get("numberOfSessionsFailed") or 0)
        passed = failed <= limit
        message = f"failed sessions {failed} {'<=' if passed else '>'} {limit}{suffix}"
        return GateVerdict(gate, passed, message, failed, limit, kind)
    minimum = int(threshold)
    evaluated = int(results.get("numberOfSessionsCompleted") or 0)
    passed = evaluated >= minimum
    message = f"sessions evaluated {evaluated} {'>=' if passed else '<'} {minimum}{suffix}"
    return GateVerdict(gate, passed, message, evaluated, minimum, kind)


def _judge_average(
    gate: dict[str, Any],
    threshold: float,
    results: Mapping[str, Any],
    aliases: Mapping[str, str],
    suffix: str,
) -> GateVerdict:
    ref = str(gate["evaluator"])
    evaluator_id = resolve_evaluator_id(ref, aliases)
    summaries = [s for s in results.get("evaluatorSummaries") or [] if s.get("evaluatorId") == evaluator_id]
    kind = "minAverageScore"
    if not summaries:
        message = f"{ref} has no results{suffix}"
        return GateVerdict(gate, False, message, None, threshold, kind, {"evaluatorId": evaluator_id})
    worst_name, worst = _worst_dimension(summaries)
    details: dict[str, Any] = {"evaluatorId": evaluator_id}
    label = ref if worst_name is None else f"{ref}[{worst_name}]"
    if worst_name is not None:
        details["dimension"] = worst_name
    if worst is None:
        counted = [s for s in summaries if s.get("evaluationDimensionName") == worst_name]
        evaluated = sum(int(s.get("totalEvaluated") or 0) for s in counted)
        # A categorical evaluator scores with labels only: saying "no session was scored" would be untrue.
        why = (
            f"though {evaluated} result(s) were evaluated; a categorical evaluator's labels have none"
            if evaluated
            else "no session was scored"
        )
        message = f"{label} has no average score ({why}){suffix}"
        return GateVerdict(gate, False, message, None, threshold, kind, details)
    passed = worst >= threshold - TIE_EPSILON
    shown, limit = format_pair(worst, threshold, expand=not passed)
    message = f"{label} average {shown} {'>=' if passed else '<'} {limit}{suffix}"
    return GateVerdict(gate, passed, message, worst, threshold, kind, details)


def _worst_dimension(summaries: Sequence[Mapping[str, Any]]) -> tuple[str | None, float | None]:
    """The lowest average among an evaluator's summaries; an unscored dimension counts as worst."""
    worst_name: str | None = None
    worst: float | None = math.inf
    for summary in summaries:
        average = summary_average(summary)
        name = summary.get("evaluationDimensionName")
        if average is None:
            return name, None
        if worst is not None and average < worst:
            worst_name, worst = name, average
    return worst_name, worst


def summary_average(summary: Mapping[str, Any]) -> float | None:
    """An evaluator summary's average score, or None when it is missing, NaN or from 0 sessions."""
    average = (summary.get("statistics") or {}).get("averageScore")
    evaluated = summary.get("totalEvaluated")
    if average is None or (evaluated is not None and int(evaluated) == 0):
        return None
    value = float(average)
    return None if math.isnan(value) or math.isinf(value) else value


def resolve_evaluator_id(ref: str, aliases: Mapping[str, str]) -> str:
    """A gate's evaluator reference (logical name, id or ARN) as the id results are keyed by."""
    if ref in aliases:
        return aliases[ref]
    if ref.startswith("arn:"):
        return ref.rsplit("/", 1)[-1]
    return ref


def format_pair(observed: float, threshold: float, expand: bool = True) -> tuple[str, str]:
    """Both numbers with 2 decimals; with `expand`, more when 2 would print `0.80 < 0.80`."""
    shown, limit = f"{observed:.2f}", f"{threshold:.2f}"
    for decimals in range(3, 7):
        if not expand or shown != limit:
            break
        shown, limit = f"{observed:.{decimals}f}", f"{threshold:.{decimals}f}"
    return shown, limit


def _number(value: Any, kind: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        raise GateSpecError(f"gate {kind} must be a number, got {value!r}")
    return float(value)


def aliases_from_names(refs: Sequence[str], evaluators: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Map logical evaluator names to ids using (id, physical name) pairs seen in the results.

    Physical names are the logical name with `-` turned into `_`, plus `_<stack>` unless the spec
    names it explicitly; a reference matches when exactly one evaluator fits either form.
    """
    aliases: dict[str, str] = {}
    for ref in refs:
        if ref.startswith("Builtin.") or any(ref == evaluator_id for evaluator_id, _ in evaluators):
            continue
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in ref)
        exact = [i for i, name in evaluators if name in (ref, base)]
        loose = [i for i, name in evaluators if name.startswith(base + "_")]
        found = exact or loose
        if len(set(found)) == 1:
            aliases[ref] = found[0]
    return aliases
