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
