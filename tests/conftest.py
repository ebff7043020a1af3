"""Shared pytest fixtures: the emulator over real HTTP, and paths to shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SPAN_FIXTURES = Path(os.environ.get("EVALCTL_SPAN_FIXTURES", ROOT / "tests" / "data" / "spans"))

# Tests must never reach real AWS, whatever the developer's shell has exported.
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_var, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
# Text output is compared as plain text: a shell's FORCE_COLOR would make tables bold (evalctl/term.py).
for _var in ("FORCE_COLOR", "NO_COLOR"):
    os.environ.pop(_var, None)


@pytest.fixture(scope="session")
def _emulator_session() -> Iterator[Any]:
    from evalctl.emulator.testing import running_emulator

    with running_emulator() as handle:
        yield handle


@pytest.fixture
def emulator(_emulator_session: Any) -> Any:
    """A running emulator (one per test process), reset before each test."""
    _emulator_session.admin.reset()
    return _emulator_session


@pytest.fixture(scope="session")
def span_fixtures() -> Path:
    """Folder of recorded agent span captures (copied from shared/fixtures/spans)."""
    return SPAN_FIXTURES
