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


def paired_ci(
    differences: Sequence[float],
    rng: random.Random,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Percentile CI of the mean paired difference, resampling sessions with replacement."""
    n = len(differences)
    means = sorted(math.fsum(rng.choices(differences, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    return percentile(means, tail), percentile(means, 1 - tail)


def unpaired_ci(
    baseline: Sequence[float],
    candidate: Sequence[float],
    rng: random.Random,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Percentile CI of mean(candidate) - mean(baseline), resampling each side on its own."""
    nb, nc = len(baseline), len(candidate)
    deltas = sorted(
        math.fsum(rng.choices(candidate, k=nc)) / nc - math.fsum(rng.choices(baseline, k=nb)) / nb
        for _ in range(resamples)
    )
    tail = (1 - confidence) / 2
    return percentile(deltas, tail), percentile(deltas, 1 - tail)
