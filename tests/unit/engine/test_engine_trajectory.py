"""Trajectory matchers: the documented exact, in-order and any-order semantics."""

from __future__ import annotations

import pytest

from evalctl.engine import trajectory

A, B, C = "search", "fetch", "summarize"

# (expected, actual, exact, in_order, any_order, reason)
CASES = [
    ([A, B], [A, B], True, True, True, "identical lists match in every mode"),
    ([A, B], [B, A], False, False, True, "reordered: only any-order matches"),
    ([A, B], [A, C, B], False, True, True, "extra call between: subsequence still holds"),
    ([A, B], [C, A, B, C], False, True, True, "extra calls before and after"),
    ([A, B], [A], False, False, False, "a missing call fails every mode"),
    ([A, A], [A], False, False, False, "multiset: a name expected twice must be called twice"),
    ([A, A], [A, B, A], False, True, True, "two calls of A with something between"),
    ([A], [A, A], False, True, True, "an extra repeat is allowed outside exact mode"),
    ([], [], True, True, True, "empty matches empty"),
    ([], [A], False, True, True, "empty expectation: only exact mode rejects extra calls"),
    ([A], [], False, False, False, "no calls at all"),
    ([B, A], [A, B, A], False, True, True, "in-order finds B then the later A"),
]


@pytest.mark.parametrize(("expected", "actual", "exact", "ordered", "anyorder", "reason"), CASES)
def test_matchers(expected, actual, exact, ordered, anyorder, reason):
    """Each mode agrees with its definition in the module docstring."""
    assert trajectory.exact_order(expected, actual) is exact, reason
    assert trajectory.in_order(expected, actual) is ordered, reason
    assert trajectory.any_order(expected, actual) is anyorder, reason


@pytest.mark.parametrize(
    ("evaluator_id", "actual", "value", "label", "fragment", "reason"),
    [
        ("Builtin.TrajectoryExactOrderMatch", [A, B], 1.0, "Match", "matches", "exact hit"),
        ("Builtin.TrajectoryExactOrderMatch", [B, A], 0.0, "NoMatch", "does not match", "exact miss"),
        (
            "Builtin.TrajectoryInOrderMatch",
            [A],
            0.0,
            "NoMatch",
            "Missing: ['fetch']",
            "names what is missing",
        ),
        ("Builtin.TrajectoryAnyOrderMatch", [B, A], 1.0, "Match", "(any order)", "names the mode"),
    ],
)
def test_score_value_label_explanation(evaluator_id, actual, value, label, fragment, reason):
    """Scores are 1.0/0.0 with a label and an explanation listing expected vs actual."""
    got_value, got_label, explanation = trajectory.score(evaluator_id, [A, B], actual)
    assert (got_value, got_label) == (value, label), reason
    assert fragment in explanation, reason
    assert f"Expected: {[A, B]}" in explanation and f"Actual: {actual}" in explanation
