"""Trajectory built-ins, scored exactly by code against `expectedTrajectory.toolNames`.

Actual trajectory: the names of every tool call of the session, in start-time order.

- Exact order (`Builtin.TrajectoryExactOrderMatch`): the actual list equals the expected list,
  element by element; no extra, missing or reordered calls.
- In order (`Builtin.TrajectoryInOrderMatch`): the expected list is a subsequence of the actual
  list. Every expected call appears, in the expected relative order; other calls may come
  before, between or after them. A name expected twice must be called twice.
- Any order (`Builtin.TrajectoryAnyOrderMatch`): every expected call appears, order ignored,
  counted as a multiset (a name expected twice must be called at least twice); extra calls are
  allowed.

An empty expected list matches any actual list in the in-order and any-order modes, and only an
empty actual list in exact mode. A match scores 1.0 with label `Match`, otherwise 0.0 `NoMatch`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

MATCH, NO_MATCH = "Match", "NoMatch"


def exact_order(expected: list[str], actual: list[str]) -> bool:
    """Equal lists."""
    return expected == actual


def in_order(expected: list[str], actual: list[str]) -> bool:
    """`expected` is a subsequence of `actual`."""
    remaining = iter(actual)
    # `in` on an iterator consumes it up to the match, which enforces the order.
    return all(name in remaining for name in expected)


def any_order(expected: list[str], actual: list[str]) -> bool:
    """Multiset inclusion: each expected name occurs at least as often in `actual`."""
    have = Counter(actual)
    return all(have[name] >= count for name, count in Counter(expected).items())


MATCHERS: dict[str, tuple[str, Callable[[list[str], list[str]], bool]]] = {
    "Builtin.TrajectoryExactOrderMatch": ("exact order", exact_order),
    "Builtin.TrajectoryInOrderMatch": ("in order", in_order),
    "Builtin.TrajectoryAnyOrderMatch": ("any order", any_order),
}


def score(evaluator_id: str, expected: list[str], actual: list[str]) -> tuple[float, str, str]:
    """(value, label, explanation) of one trajectory built-in."""
    mode, matcher = MATCHERS[evaluator_id]
    matched = matcher(expected, actual)
    verdict = "matches" if matched else "does not match"
    explanation = (
        f"Actual trajectory {verdict} the expected one ({mode}). Expected: {expected}. Actual: {actual}."
    )
    if not matched:
        missing = list((Counter(expected) - Counter(actual)).elements())
        if missing:
            explanation += f" Missing: {missing}."
    return (1.0, MATCH, explanation) if matched else (0.0, NO_MATCH, explanation)
