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
