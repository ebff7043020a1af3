"""Fixtures for report tests: the sample batch evaluation (tests/golden/reports/make_sample.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "reports"


@pytest.fixture(scope="session")
def sample_batch() -> dict[str, Any]:
    """{"response": GetBatchEvaluation output, "events": result log events} (synthetic, API-shaped)."""
    return json.loads((GOLDEN / "sample_batch.json").read_text())


@pytest.fixture
def sample_results(sample_batch):
    from evalctl.reports.results import from_batch

    return from_batch(sample_batch["response"], sample_batch["events"], source="emulator")


@pytest.fixture
def gated_results(sample_batch, sample_results):
    """The sample with three gates: Helpfulness fails at 0.80, tone passes, failed sessions pass."""
    from evalctl.reports.gates import evaluate_gates

    gates = [
        {"evaluator": "Builtin.Helpfulness", "minAverageScore": 0.8},
        {"evaluator": "response-tone", "minAverageScore": 0.5},
        {"maxFailedSessions": 1},
    ]
    aliases = {"response-tone": "response_tone-Xy12Ab34Cd"}
    verdicts = evaluate_gates(
        gates, sample_batch["response"]["evaluationResults"], aliases, sample_results.job.id
    )
    return sample_results.with_gates([v.to_dict() for v in verdicts])


@pytest.fixture
def mixed_results():
    """Two sessions: a good and a low trace, a categorical Good and Poor, one gate that passes."""
    from evalctl.reports.results import from_local

    def result(evaluator, trace, value=None, label=None):
        content = {"evaluatorId": evaluator, "context": {"spanContext": {"traceId": trace}}, "label": label}
        return content | ({} if value is None else {"value": value})

    rows = [
        ("sess-a", "Builtin.Helpfulness", result("Builtin.Helpfulness", "trace-a1", 1.0, "Good")),
        ("sess-a", "Builtin.Helpfulness", result("Builtin.Helpfulness", "trace-a2", 0.2, "Poor")),
        ("sess-b", "Builtin.Helpfulness", result("Builtin.Helpfulness", "trace-b1", 0.9, "Good")),
        ("sess-a", "tone-Ab12Cd34Ef", result("tone-Ab12Cd34Ef", "trace-a1", label="Good")),
        ("sess-b", "tone-Ab12Cd34Ef", result("tone-Ab12Cd34Ef", "trace-b1", label="Poor")),
    ]
    results = from_local("mixed", rows)
    gate = {
        "kind": "minAverageScore",
        "gate": {"evaluator": "Builtin.Helpfulness", "minAverageScore": 0.5},
        "passed": True,
        "message": "Builtin.Helpfulness average 0.70 >= 0.50",
        "observed": 0.7,
        "threshold": 0.5,
        "details": {"evaluatorId": "Builtin.Helpfulness"},
    }
    return results.with_gates([gate])
