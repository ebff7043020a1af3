"""Baseline versus candidate: verdicts table-driven (ties, empty, failed and disjoint sessions)."""

from __future__ import annotations

import json

import pytest

from evalctl.reports.compare import compare
from evalctl.reports.compare_render import render_comparison_json, render_comparison_markdown
from evalctl.reports.results import from_local


def run(scores: dict[str, float | None], evaluator: str = "Builtin.Helpfulness", name: str = "run"):
    """A local run: one result per session; None means the evaluator errored on that session."""
    triples = []
    for session, value in scores.items():
        content = {
            "evaluatorId": evaluator,
            "evaluatorName": evaluator,
            "context": {"spanContext": {"sessionId": session}},
        }
        if value is None:
            content |= {"errorCode": "ValidationException", "errorMessage": "no spans"}
        else:
            content["value"] = value
        triples.append((session, evaluator, content))
    return from_local(name, triples, created_at="2025-11-24T00:00:00+00:00")


def sessions(values, prefix="s"):
    return {f"{prefix}{i:02d}": v for i, v in enumerate(values)}


BASE = [0.8, 0.9, 0.7, 0.85, 0.75, 0.95, 0.8, 0.9, 0.7, 0.85]

CASES = [
    # (reason, baseline scores, candidate scores, tolerance, expected verdict, expected mode)
    ("identical runs are a tie: no change", sessions(BASE), sessions(BASE), 0.05, "no-change", "paired"),
    (
        "a uniform drop of 0.2 is a regression",
        sessions(BASE),
        sessions([v - 0.2 for v in BASE]),
        0.05,
        "regression",
        "paired",
    ),
    (
        "a drop inside the tolerance is no change",
        sessions(BASE),
        sessions([v - 0.04 for v in BASE]),
        0.05,
        "no-change",
        "paired",
    ),
    (
        "a drop exactly at the tolerance is no change (ties pass)",
        sessions([0.5] * 4),
        sessions([0.25] * 4),
        0.25,
        "no-change",
        "paired",
    ),
    (
        "a uniform rise is an improvement",
        sessions(BASE),
        sessions([v + 0.05 for v in BASE]),
        0.01,
        "improvement",
        "paired",
    ),
    (
        "a large mean drop from noisy pairs whose CI crosses 0 is inconclusive",
        sessions([0.95, 0.2, 0.9, 0.5]),
        sessions([0.05, 0.7, 0.1, 0.7]),
        0.05,
        "inconclusive",
        "paired",
    ),
    (
        "disjoint session sets are compared unpaired",
        sessions(BASE, "a"),
        sessions([v - 0.3 for v in BASE], "b"),
        0.05,
        "regression",
        "unpaired",
    ),
    ("one session a side cannot give an interval", {"s": 0.9}, {"s": 0.1}, 0.05, "insufficient-data", None),
    ("an evaluator only in the candidate is added", {}, sessions(BASE), 0.05, "added", None),
    (
        "an evaluator gone from the candidate is removed, not a regression",
        sessions(BASE),
        {},
        0.05,
        "removed",
        None,
    ),
    (
        "a candidate that errors on every session the baseline scored is a regression",
        sessions(BASE),
        sessions([None] * len(BASE)),
        0.05,
        "regression",
        None,
    ),
]


@pytest.mark.parametrize(
    ("reason", "base", "cand", "tol", "verdict", "mode"), CASES, ids=[c[0] for c in CASES]
)
def test_verdicts(reason, base, cand, tol, verdict, mode):
    comparison = compare(run(base, name="base"), run(cand, name="cand"), tol)
    (delta,) = comparison.evaluators
    assert delta.verdict == verdict, (reason, delta)
    assert delta.mode == mode, reason
    assert comparison.regressed is (verdict == "regression"), reason
    if delta.ciLow is not None:
        # The point estimate and the resampled means are sums in different orders: float slack only.
        slack = 1e-12
        assert delta.ciLow - slack <= delta.delta <= delta.ciHigh + slack, "the estimate lies inside its CI"


def test_tie_has_a_zero_width_interval():
    (delta,) = compare(run(sessions(BASE)), run(sessions(BASE)), 0.05).evaluators
    assert (delta.delta, delta.ciLow, delta.ciHigh) == (0.0, 0.0, 0.0)


def test_both_empty_is_not_a_regression():
    comparison = compare(run({}), run({}), 0.05)
    assert (comparison.evaluators, comparison.sessions, comparison.regressed) == ([], [], False)
    assert "Neither side has evaluator results" in render_comparison_markdown(comparison)


def test_same_seed_same_interval_and_seed_changes_it():
    base, cand = run(sessions(BASE)), run(sessions([v - 0.1 + 0.03 * (i % 3) for i, v in enumerate(BASE)]))
    first, again = compare(base, cand, 0.05, seed=7), compare(base, cand, 0.05, seed=7)
    other = compare(base, cand, 0.05, seed=8)
    assert first.to_dict() == again.to_dict()
    assert (first.evaluators[0].ciLow, first.evaluators[0].ciHigh) != (
        other.evaluators[0].ciLow,
        other.evaluators[0].ciHigh,
    )


def test_session_regressions_list_drops_and_new_failures_worst_first():
    base = run({"s1": 0.9, "s2": 0.9, "s3": 0.9, "s4": 0.5})
    cand = run({"s1": 0.2, "s2": None, "s3": 0.88, "s4": 0.6})
    regressions = compare(base, cand, 0.05).sessions
    assert [(r.sessionId, r.reason) for r in regressions] == [("s2", "now fails"), ("s1", "score dropped")]
    assert regressions[1].delta == pytest.approx(-0.7)


def test_evaluators_match_by_name_across_stacks():
    base = run(sessions(BASE), evaluator="tone-Ab12Cd34Ef")
    cand = run(sessions(BASE), evaluator="tone-Zz98Yy76Xx")
    # Both runs name the evaluator by its id here, so they do not match: one removed, one added.
    assert sorted(d.verdict for d in compare(base, cand, 0.05).evaluators) == ["added", "removed"]


def test_renderings():
    comparison = compare(
        run(sessions(BASE), name="base"), run(sessions([v - 0.2 for v in BASE]), name="cand"), 0.05
    )
    doc = json.loads(render_comparison_json(comparison))
    assert doc["verdict"] == "regression"
    assert doc["evaluators"][0]["verdict"] == "regression"
    text = render_comparison_markdown(comparison)
    mean = sum(BASE) / len(BASE)
    assert text.startswith("## Comparison: ❌ Builtin.Helpfulness regressed (Δ -0.20)")
    assert (
        f"| Builtin.Helpfulness | {mean:.2f} | {mean - 0.2:.2f} | -0.20 | [-0.20, -0.20] | 10/10 (10 paired) "
        "| 0/0 | ❌ regression |" in text
    )
    assert "### Session regressions (10)" in text


def _multi(per_session: dict[str, list[float]], name: str):
    """A run with several scored traces per session (trace-level evaluator)."""
    triples = []
    for session, values in per_session.items():
        for i, value in enumerate(values):
            content = {
                "evaluatorId": "Builtin.Helpfulness",
                "context": {"spanContext": {"sessionId": session, "traceId": f"{session}-t{i}"}},
                "value": value,
            }
            triples.append((session, "Builtin.Helpfulness", content))
    return from_local(name, triples, created_at="2025-11-24T00:00:00+00:00")


def test_compare_reports_the_same_average_as_run():
    """Per-result means, as `run` shows: not the mean of per-session means (0.60 vs 0.67 in the issue)."""
    base = _multi({"a": [1.0, 0.0, 0.0], "b": [1.0], "c": [1.0]}, "base")
    (delta,) = compare(base, base, 0.05).evaluators
    (row,) = base.evaluators
    assert delta.baselineMean == delta.candidateMean == row.averageScore == 0.6


def test_categorical_evaluators_compare_label_distributions():
    def labelled(labels, name):
        triples = [
            (f"s{i}", "tone-Ab12Cd34Ef", {"evaluatorId": "tone-Ab12Cd34Ef", "label": label})
            for i, label in enumerate(labels)
        ]
        return from_local(name, triples)

    same = compare(labelled(["Good", "Poor"], "b"), labelled(["Poor", "Good"], "c"), 0.05)
    assert same.evaluators[0].verdict == "no-change"
    moved = compare(labelled(["Good", "Good"], "b"), labelled(["Poor", "Good"], "c"), 0.05)
    (delta,) = moved.evaluators
    assert (delta.verdict, delta.baselineLabels, delta.candidateLabels) == (
        "labels-changed",
        {"Good": 2},
        {"Good": 1, "Poor": 1},
    )
    text = render_comparison_markdown(moved)
    assert "| tone-Ab12Cd34Ef | Good 2 | Good 1 · Poor 1 |" in text
    assert text.startswith("## Comparison: ⚠️ tone-Ab12Cd34Ef label distribution changed")


HEADLINES = [
    (
        "a large inconclusive delta is not 'no regression'",
        sessions([0.95, 0.2, 0.9, 0.5]),
        sessions([0.05, 0.7, 0.1, 0.7]),
        "## Comparison: ⚠️ Builtin.Helpfulness moved (Δ -0.25) but the CI crosses 0 (inconclusive)",
        "needs-review",
    ),
    (
        "a removed evaluator is flagged",
        sessions(BASE),
        {},
        "## Comparison: ⚠️ Builtin.Helpfulness removed from the candidate",
        "needs-review",
    ),
    (
        "an added evaluator is noted on a pass",
        {},
        sessions(BASE),
        "## Comparison: ✅ no regression beyond tolerance 0.05; Builtin.Helpfulness added in the candidate",
        "pass",
    ),
]


@pytest.mark.parametrize(
    ("reason", "base", "cand", "title", "verdict"), HEADLINES, ids=[h[0] for h in HEADLINES]
)
def test_headline_is_the_worst_finding(reason, base, cand, title, verdict):
    comparison = compare(run(base, name="base"), run(cand, name="cand"), 0.05)
    assert render_comparison_markdown(comparison).splitlines()[0] == title, reason
    assert json.loads(render_comparison_json(comparison))["verdict"] == verdict


def test_a_failed_candidate_gate_is_the_headline_and_listed():
    cand = run(sessions(BASE), name="cand").with_gates(
        [
            {
                "kind": "minAverageScore",
                "gate": {"evaluator": "Builtin.Helpfulness", "minAverageScore": 0.9},
                "passed": False,
                "message": "Builtin.Helpfulness average 0.82 < 0.90",
                "threshold": 0.9,
                "observed": 0.82,
            }
        ]
    )
    comparison = compare(run(sessions(BASE), name="base"), cand, 0.05)
    text = render_comparison_markdown(comparison)
    assert text.startswith(
        "## Comparison: ❌ candidate gate failed: Builtin.Helpfulness average 0.82 &lt; 0.90"
    )
    assert "### Candidate gates\n\n- ❌ Builtin.Helpfulness average 0.82 &lt; 0.90" in text
    assert json.loads(render_comparison_json(comparison))["verdict"] == "gate-failed"


def test_too_few_sessions_say_so_instead_of_0_no_ci():
    text = render_comparison_markdown(compare(run({"s": 0.9}), run({"s": 0.1}), 0.05))
    assert "(0 no CI)" not in text and "no CI" not in text
    assert "| n/a (under 2 sessions a side) | 1/1 |" in text


def test_an_evalctl_test_candidate_names_its_failed_expectation():
    expectation = {
        "kind": "expectation",
        "gate": {"test": "helpful-strands", "evaluator": "Builtin.Helpfulness", "target": "s00"},
        "passed": False,
        "message": "helpful-strands: Builtin.Helpfulness on s00: session s00: value 0.8 < 0.9",
        "threshold": 0,
    }
    cand = run(sessions(BASE), name="cand").with_gates([expectation])
    text = render_comparison_markdown(compare(run(sessions(BASE), name="base"), cand, 0.05))
    assert text.startswith("## Comparison: ❌ candidate expectation failed: helpful-strands:")
    assert "### Candidate expectations" in text
