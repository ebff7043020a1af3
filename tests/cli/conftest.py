"""Fixtures of the CLI tests: a copy of the shipped specs and a fast emulator holding their evaluators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.examples import copy_examples

# The provider tests' server (retries and polls tuned for the emulator), for `import` then `up`.
from tests.providers.conftest import provider_server as provider_server  # noqa: PLC0414

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = ROOT / "tests" / "data" / "spans"
SERVICE = "support_agent.DEFAULT"


@pytest.fixture
def shipped_specs(tmp_path: Path) -> Path:
    """A writable copy of evaluations/."""
    target = tmp_path / "evaluations"
    copy_examples(target)
    return target


@pytest.fixture
def quick_emulator(emulator: Any) -> Any:
    """The emulator with second-scale lifecycles."""
    emulator.admin.configure(batch_pending_seconds=0.05, batch_session_seconds=0.05, resource_seconds=0.01)
    return emulator


@pytest.fixture
def deployed(quick_emulator: Any, shipped_specs: Path) -> Callable[[str], None]:
    """Deploy a batch's custom evaluators and seed the recorded sessions (call with the batch name)."""
    from evalctl.aws import ClientSettings
    from evalctl.cli.inprocess import clients_for
    from evalctl.runner import local
    from evalctl.spec.project import load_project

    def deploy(batch_name: str) -> None:
        project, _ = load_project([shipped_specs], "dev")
        batch = project.valid("BatchEvaluation", batch_name)
        assert batch is not None
        settings = ClientSettings(endpoint=quick_emulator.endpoint, region="us-east-1", max_attempts=1)
        local.deploy_evaluators(project, list(batch.spec["evaluators"]), clients_for(settings))
        for stem in ("strands_bedrock", "langchain"):
            files = [SESSIONS / f"raw_otel_{stem}_{kind}.json" for kind in ("spans", "runtime_logs")]
            quick_emulator.admin.seed([str(p) for p in files], SERVICE)

    return deploy
