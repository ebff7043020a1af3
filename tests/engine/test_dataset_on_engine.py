"""The whole example under the real engine, dataset batch included: `pulumi up` publishes the dataset,
starts support-regression, the emulator invokes the example Strands agent (a real process) per scenario,
scores its OTLP telemetry with each scenario's ground truth, and the gates pass."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalctl.emulator.testing import EmulatorHandle
from tests.engine.workspace import (
    ROOT,
    EngineStack,
    engine_stack,
    external_foundations,
)
from tests.examples import copy_examples

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij"
pytestmark = pytest.mark.skipif(importlib.util.find_spec("strands") is None, reason="needs the agent extra")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def agent(emulator: EmulatorHandle) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": emulator.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100",
           "OTEL_BLRP_SCHEDULE_DELAY": "100"}  # fmt: skip
    script = ROOT / "examples" / "support-agent" / "agent.py"
    process = subprocess.Popen([sys.executable, str(script), "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        emulator.admin.map_agents({ARN: url})
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_up_runs_the_dataset_against_the_example_agent(
    tmp_path: Path, emulator: EmulatorHandle, agent: str
) -> None:
    specs = tmp_path / "evaluations"
    copy_examples(specs)
    stack: EngineStack = engine_stack(tmp_path, emulator, specs, external_foundations(emulator, specs))
    result = stack.up()
    assert result.summary.result == "succeeded", stack.log.getvalue()
    run = result.outputs["batchEvaluations"].value["support-regression"]
    assert run["status"] == "COMPLETED"
    assert all(g["passed"] for g in result.outputs["gates"].value["support-regression"])
    dataset = result.outputs["datasets"].value["support-scenarios"]
    assert dataset["version"] not in (None, "", "DRAFT"), "the dataset was published before the run"
    job = emulator.client("bedrock-agentcore").get_batch_evaluation(batchEvaluationId=run["id"])
    assert job["evaluationResults"]["numberOfSessionsCompleted"] == 6, "one session per scenario"
    stack.preview(expect_no_changes=True)

    # A description change keeps the published version: the run over it stays (no replace in preview,
    # the same job after up). A changed scenario publishes a new version: the run is replaced.
    path = specs / "datasets" / "support-scenarios.yaml"
    text = path.read_text()
    old = "  description: Order, refund and ticket questions for the support agent, with one known failure.\n"
    assert old in text
    path.write_text(text.replace(old, "  description: Support questions, one known failure.\n"))
    planned = stack.preview().change_summary
    assert not planned.get("replace") and planned.get("update") == 1, planned
    again = stack.up()
    assert again.outputs["batchEvaluations"].value["support-regression"]["id"] == run["id"]
    assert again.outputs["datasets"].value["support-scenarios"]["version"] == dataset["version"]
    changed = path.read_text().replace("Where is my order ORD-1001?", "Where is order ORD-1001 now?")
    path.write_text(changed)
    planned = stack.preview().change_summary
    assert planned.get("replace") == 1, planned
