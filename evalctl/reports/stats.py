"""Bootstrap confidence intervals for a difference of means, pure Python and seeded."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

RESAMPLES = 1000
CONFIDENCE = 0.95


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean (math.fsum keeps long runs of 0.1s exact enough for ties)."""
    return math.fsum(values) / len(values)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..1) of already sorted values."""
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


Groups = Sequence[Sequence[float]]


def central_interval(deltas: Sequence[float], confidence: float) -> tuple[float, float]:
    """The interval holding the central `confidence` share of the resampled deltas."""
    ordered = sorted(deltas)
    tail = (1 - confidence) / 2
    return percentile(ordered, tail), percentile(ordered, 1 - tail)


def pooled_mean(groups: Groups) -> float:
    """The mean over every value of every group: each result counts once, whatever its session."""
    count = sum(len(g) for g in groups)
    return math.fsum(v for g in groups for v in g) / count


def paired_cluster_ci(
    baseline: Groups,
    candidate: Groups,
    rng: random.Random,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """CI of pooled_mean(candidate) - pooled_mean(baseline), resampling paired sessions together.

    baseline[i] and candidate[i] are one session's results; sessions are the unit of resampling
    because results of one session are not independent.
    """
    n = len(baseline)
    deltas = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        deltas.append(pooled_mean([candidate[i] for i in picks]) - pooled_mean([baseline[i] for i in picks]))
    return central_interval(deltas, confidence)


def unpaired_cluster_ci(
    baseline: Groups,
    candidate: Groups,
    rng: random.Random,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """CI of pooled_mean(candidate) - pooled_mean(baseline), resampling each side's sessions on its own."""
    deltas = [
        pooled_mean(rng.choices(candidate, k=len(candidate)))
        - pooled_mean(rng.choices(baseline, k=len(baseline)))
        for _ in range(resamples)
    ]
    return central_interval(deltas, confidence)
