"""Baseline versus candidate: per-evaluator mean deltas with bootstrap CIs, session regressions, a verdict.

Verdict rule, per evaluator (tolerance t, 95% percentile bootstrap over sessions):
- `regression`: the delta is below -t and the CI's upper bound is below 0 (worse, and not by chance);
  also when the candidate scored no session but failed some that the baseline scored ("broken");
- `improvement`: the mirror image; `no-change`: |delta| <= t;
- `inconclusive`: |delta| > t but the CI crosses 0; `insufficient-data`: under 2 sessions a side;
- `added` / `removed`: the evaluator ran on one side only.
Sessions are paired when at least 2 sessions and half of all sessions appear on both sides;
otherwise each side is resampled on its own. A session's score is the mean of its scored results.
The reported means are over the sessions the delta uses (the paired ones when paired).
The comparison is a regression when any evaluator is.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from evalctl.reports.models import RunResults
from evalctl.reports.stats import RESAMPLES, mean, paired_ci, unpaired_ci

Key = tuple[str, str | None]


@dataclass(frozen=True)
class Scores:
    """One side's per-session view of an evaluator: mean score per session and failed sessions."""

    by_session: dict[str, float] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    evaluator_id: str = ""


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

    @property
    def regressed(self) -> bool:
        """True when any evaluator regressed (the CLI then exits 1)."""
        return any(e.verdict == "regression" for e in self.evaluators)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, with the verdict spelled out."""
        out = asdict(self)
        out["verdict"] = "regression" if self.regressed else "pass"
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
    return Comparison(_job(baseline), _job(candidate), tolerance, seed, resamples, deltas, regressions)


def session_scores(results: RunResults) -> dict[Key, Scores]:
    """Per evaluator (name, dimension): the mean scored value per session and the failed sessions."""
    values: dict[Key, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    failed: dict[Key, set[str]] = defaultdict(set)
    ids: dict[Key, str] = {}
    names = {row.id: row.name for row in results.evaluators}
    for session in results.sessions:
        for entry in session.results:
            key = (names.get(entry.evaluatorId) or entry.evaluatorName or entry.evaluatorId, entry.dimension)
            ids[key] = entry.evaluatorId
            if entry.error is not None:
                failed[key].add(session.sessionId)
            elif entry.value is not None:
                values[key][session.sessionId].append(entry.value)
    keys = set(values) | set(failed)
    return {
        k: Scores({s: mean(v) for s, v in values[k].items()}, failed[k] - set(values[k]), ids[k])
        for k in keys
    }


@dataclass(frozen=True)
class _Estimate:
    delta: float | None = None
    low: float | None = None
    high: float | None = None
    mode: str | None = None
    base_mean: float | None = None
    cand_mean: float | None = None


def _estimate(b: Scores, c: Scores, rng: random.Random, resamples: int) -> _Estimate:
    """The delta of means and its CI: paired over shared sessions when they dominate, else unpaired."""
    shared = sorted(set(b.by_session) & set(c.by_session))
    union = set(b.by_session) | set(c.by_session)
    if len(shared) >= 2 and 2 * len(shared) >= len(union):
        diffs = [c.by_session[s] - b.by_session[s] for s in shared]
        means = mean([b.by_session[s] for s in shared]), mean([c.by_session[s] for s in shared])
        return _Estimate(mean(diffs), *paired_ci(diffs, rng, resamples), "paired", *means)
    base, cand = list(b.by_session.values()), list(c.by_session.values())
    side_means = (mean(base) if base else None), (mean(cand) if cand else None)
    if not base or not cand:
        return _Estimate(None, None, None, None, *side_means)
    delta = mean(cand) - mean(base)
    if len(base) < 2 or len(cand) < 2:
        return _Estimate(delta, None, None, None, *side_means)
    return _Estimate(delta, *unpaired_ci(base, cand, rng, resamples), "unpaired", *side_means)


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
        baselineMean=estimate.base_mean,
        candidateMean=estimate.cand_mean,
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
    )


def _verdict(base: Scores | None, cand: Scores | None, estimate: _Estimate, tol: float) -> str:
    if base is None:
        return "added"
    if cand is None:
        return "removed"
    if not cand.by_session and cand.failed - base.failed and base.by_session:
        return "regression"  # the candidate broke the evaluator: errors where the baseline scored
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


def _session_regressions(key: Key, base: Scores, cand: Scores, tol: float) -> list[SessionRegression]:
    label = key[0] if key[1] is None else f"{key[0]} [{key[1]}]"
    found = []
    for session_id, before in sorted(base.by_session.items()):
        if session_id in cand.failed:
            found.append(SessionRegression(session_id, label, before, None, None, "now fails"))
        elif session_id in cand.by_session and cand.by_session[session_id] < before - tol:
            after = cand.by_session[session_id]
            found.append(SessionRegression(session_id, label, before, after, after - before, "score dropped"))
    return found


def _job(results: RunResults) -> dict[str, str]:
    return {"id": results.job.id, "name": results.job.name, "source": results.job.source}
