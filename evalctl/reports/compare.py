"""Baseline versus candidate: per-evaluator deltas with bootstrap CIs, label shifts, gates, a headline.

Means are the one average evalctl reports everywhere (outcomes.AVERAGE_DEFINITION): the mean over
every scored result, the service's own averageScore when the results carry it.
Verdict rule, per evaluator (tolerance t, 95% percentile bootstrap resampling sessions):
- `regression`: the delta is below -t and the CI's upper bound is below 0 (worse, and not by chance);
  also when the candidate scored no session but failed some that the baseline scored ("broken");
- `improvement`: the mirror image; `no-change`: |delta| <= t;
- `inconclusive`: |delta| > t but the CI crosses 0; `insufficient-data`: under 2 sessions a side;
- `added` / `removed`: the evaluator ran on one side only;
- categorical evaluators (labels, no scores): `no-change` or `labels-changed`.
Sessions are paired when at least 2 sessions and half of all sessions appear on both sides;
otherwise each side is resampled on its own. The headline is the worst finding (headline.py).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from evalctl.reports.models import RunResults
from evalctl.reports.stats import RESAMPLES, mean, paired_cluster_ci, pooled_mean, unpaired_cluster_ci

Key = tuple[str, str | None]


@dataclass(frozen=True)
class Scores:
    """One side's view of an evaluator: scored values and labels per session, failed sessions."""

    by_session: dict[str, list[float]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    evaluator_id: str = ""
    labels: dict[str, int] = field(default_factory=dict)
    average: float | None = None

    def mean(self) -> float | None:
        """The side's average: the service's when known, else the mean over every scored result."""
        if self.average is not None:
            return self.average
        return pooled_mean(list(self.by_session.values())) if self.by_session else None


@dataclass(frozen=True)
class EvaluatorDelta:
    """How one evaluator (or dimension) moved between the two runs."""

    evaluator: str
    dimension: str | None
    baselineId: str | None
    candidateId: str | None
    baselineMean: float | None
    candidateMean: float | None
    delta: float | None
    ciLow: float | None
    ciHigh: float | None
    mode: str | None
    baselineSessions: int
    candidateSessions: int
    pairedSessions: int
    baselineFailed: int
    candidateFailed: int
    verdict: str
    baselineLabels: dict[str, int] = field(default_factory=dict)
    candidateLabels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionRegression:
    """A session that scores worse than tolerance allows, or newly fails, under the candidate."""

    sessionId: str
    evaluator: str
    baseline: float | None
    candidate: float | None
    delta: float | None
    reason: str


@dataclass(frozen=True)
class Comparison:
    """The whole comparison; `to_dict()` is the JSON output."""

    baseline: dict[str, str]
    candidate: dict[str, str]
    tolerance: float
    seed: int
    resamples: int
    evaluators: list[EvaluatorDelta]
    sessions: list[SessionRegression]
    candidateGates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        """True when any evaluator regressed."""
        return any(e.verdict == "regression" for e in self.evaluators)

    @property
    def gate_failed(self) -> bool:
        """True when a gate of the candidate run failed."""
        return any(not g.get("passed", True) for g in self.candidateGates)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, with the overall verdict and headline spelled out."""
        from evalctl.reports.headline import headline

        out = asdict(self)
        found = headline(self)
        out["verdict"], out["headline"], out["findings"] = found.verdict, found.title, found.findings
        out["confidence"] = 0.95
        return out


def compare(
    baseline: RunResults, candidate: RunResults, tolerance: float, seed: int = 0, resamples: int = RESAMPLES
) -> Comparison:
    """Compare two result sets; deterministic for a given seed."""
    base, cand = session_scores(baseline), session_scores(candidate)
    keys = sorted(set(base) | set(cand), key=lambda k: (k[0], k[1] or ""))
    deltas = [
        _delta(k, base.get(k), cand.get(k), tol=tolerance, seed=seed, resamples=resamples) for k in keys
    ]
    regressions = [
        r
        for k in keys
        if k in base and k in cand
        for r in _session_regressions(k, base[k], cand[k], tolerance)
    ]
    regressions.sort(
        key=lambda r: (r.candidate is not None, r.delta if r.delta is not None else 0.0, r.sessionId)
    )
    gates = [g.model_dump(mode="json") for g in candidate.gates]
    return Comparison(_job(baseline), _job(candidate), tolerance, seed, resamples, deltas, regressions, gates)


def session_scores(results: RunResults) -> dict[Key, Scores]:
    """Per evaluator (name, dimension): scored values and labels per session, and failed sessions."""
    values: dict[Key, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[Key, Counter[str]] = defaultdict(Counter)
    failed: dict[Key, set[str]] = defaultdict(set)
    ids: dict[Key, str] = {}
    names = {row.id: row.name for row in results.evaluators}
    averages = {(row.name, row.dimension): row.averageScore for row in results.evaluators}
    for session in results.sessions:
        for entry in session.results:
            key = (names.get(entry.evaluatorId) or entry.evaluatorName or entry.evaluatorId, entry.dimension)
            ids[key] = entry.evaluatorId
            if entry.error is not None:
                failed[key].add(session.sessionId)
            elif entry.value is not None:
                values[key][session.sessionId].append(entry.value)
            elif entry.label:
                labels[key][entry.label] += 1
    keys = set(values) | set(failed) | set(labels)
    return {
        k: Scores(
            {s: list(v) for s, v in values[k].items()},
            failed[k] - set(values[k]),
            ids[k],
            dict(sorted(labels[k].items(), key=lambda kv: (-kv[1], kv[0]))),
            averages.get(k) if values[k] else None,
        )
        for k in keys
    }


@dataclass(frozen=True)
class _Estimate:
    delta: float | None = None
    low: float | None = None
    high: float | None = None
    mode: str | None = None


def _estimate(b: Scores, c: Scores, rng: random.Random, resamples: int) -> _Estimate:
    """The delta of the averages and its CI: paired over shared sessions when they dominate, else not."""
    base_mean, cand_mean = b.mean(), c.mean()
    if base_mean is None or cand_mean is None:
        return _Estimate()
    delta = cand_mean - base_mean
    shared = sorted(set(b.by_session) & set(c.by_session))
    union = set(b.by_session) | set(c.by_session)
    if len(shared) >= 2 and 2 * len(shared) >= len(union):
        groups = [b.by_session[s] for s in shared], [c.by_session[s] for s in shared]
        return _Estimate(delta, *paired_cluster_ci(*groups, rng, resamples), "paired")
    if len(b.by_session) < 2 or len(c.by_session) < 2:
        return _Estimate(delta)
    groups = list(b.by_session.values()), list(c.by_session.values())
    return _Estimate(delta, *unpaired_cluster_ci(*groups, rng, resamples), "unpaired")


def _delta(
    key: Key, base: Scores | None, cand: Scores | None, *, tol: float, seed: int, resamples: int
) -> EvaluatorDelta:
    b, c = base or Scores(), cand or Scores()
    # Seeded per evaluator, so adding an evaluator never shifts another one's interval.
    estimate = _estimate(b, c, random.Random(f"{seed}:{key[0]}:{key[1]}"), resamples)
    return EvaluatorDelta(
        evaluator=key[0],
        dimension=key[1],
        baselineId=base.evaluator_id if base else None,
        candidateId=cand.evaluator_id if cand else None,
        baselineMean=b.mean(),
        candidateMean=c.mean(),
        delta=estimate.delta,
        ciLow=estimate.low,
        ciHigh=estimate.high,
        mode=estimate.mode,
        baselineSessions=len(b.by_session),
        candidateSessions=len(c.by_session),
        pairedSessions=len(set(b.by_session) & set(c.by_session)),
        baselineFailed=len(b.failed),
        candidateFailed=len(c.failed),
        verdict=_verdict(base, cand, estimate, tol),
        baselineLabels=b.labels,
        candidateLabels=c.labels,
    )


def _verdict(base: Scores | None, cand: Scores | None, estimate: _Estimate, tol: float) -> str:
    if base is None:
        return "added"
    if cand is None:
        return "removed"
    if not cand.by_session and cand.failed - base.failed and (base.by_session or base.labels):
        return "regression"  # the candidate broke the evaluator: errors where the baseline scored
    if not base.by_session and not cand.by_session and (base.labels or cand.labels):
        return "no-change" if _shares(base.labels) == _shares(cand.labels) else "labels-changed"
    delta, low, high = estimate.delta, estimate.low, estimate.high
    if delta is None or low is None or high is None:
        return "insufficient-data"
    if abs(delta) <= tol:
        return "no-change"
    if delta < -tol and high < 0:
        return "regression"
    if delta > tol and low > 0:
        return "improvement"
    return "inconclusive"


def _shares(labels: dict[str, int]) -> dict[str, float]:
    total = sum(labels.values())
    return {k: round(v / total, 2) for k, v in labels.items()} if total else {}


def _session_regressions(key: Key, base: Scores, cand: Scores, tol: float) -> list[SessionRegression]:
    label = key[0] if key[1] is None else f"{key[0]} [{key[1]}]"
    found = []
    for session_id, values in sorted(base.by_session.items()):
        before = mean(values)
        if session_id in cand.failed:
            found.append(SessionRegression(session_id, label, before, None, None, "now fails"))
        elif session_id in cand.by_session and mean(cand.by_session[session_id]) < before - tol:
            after = mean(cand.by_session[session_id])
            found.append(SessionRegression(session_id, label, before, after, after - before, "score dropped"))
    return found


def _job(results: RunResults) -> dict[str, str]:
    return {"id": results.job.id, "name": results.job.name, "source": results.job.source}
