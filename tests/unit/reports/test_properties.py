"""Properties of gates and comparisons over generated scores (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evalctl.reports.compare import compare
from evalctl.reports.gates import evaluate_gates
from evalctl.reports.results import from_local

score = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def run(values):
    triples = [
        (f"s{i}", "e", {"evaluatorId": "e", "context": {"spanContext": {"sessionId": f"s{i}"}}, "value": v})
        for i, v in enumerate(values)
    ]
    return from_local("run", triples, created_at="2025-11-24T00:00:00+00:00")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(score, score), min_size=2, max_size=30))
def test_interval_holds_the_estimate_and_swapping_sides_negates_it(pairs):
    base, cand = run([b for b, _ in pairs]), run([c for _, c in pairs])
    (forward,) = compare(base, cand, 0.05, resamples=200).evaluators
    (backward,) = compare(cand, base, 0.05, resamples=200).evaluators
    assert forward.ciLow - 1e-12 <= forward.delta <= forward.ciHigh + 1e-12
    assert abs(forward.delta + backward.delta) < 1e-9
    assert not (forward.verdict == "regression" and backward.verdict == "regression")


@settings(max_examples=60, deadline=None)
@given(score, score)
def test_average_gate_passes_exactly_when_average_reaches_threshold(average, threshold):
    results = {
        "evaluatorSummaries": [
            {"evaluatorId": "e", "statistics": {"averageScore": average}, "totalEvaluated": 3}
        ]
    }
    (verdict,) = evaluate_gates([{"evaluator": "e", "minAverageScore": threshold}], results)
    assert verdict.passed is (average >= threshold - 1e-9)
    assert ("<" in verdict.message) is not verdict.passed
