"""`evalctl run <batch> --local --agent URL`: a dataset batch against a real HTTP agent on this machine,
its telemetry exported over OTLP to the in-process emulator on the fixed --otlp-port."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from evalctl.cli.main import main
from tests.emulator.fixture_agent import LOG_GROUP, SERVICE, Behaviour, FixtureAgent

SPECS = f"""apiVersion: evalctl/v1alpha1
kind: Dataset
metadata:
  name: support-cases
spec:
  publish: true
  scenarios:
    - scenario_id: returns
      turns:
        - input: How long do I have to return shoes?
          expected_response: You have 30 days to return shoes.
      expected_trajectory: [lookup_policy]
---
apiVersion: evalctl/v1alpha1
kind: BatchEvaluation
metadata:
  name: support-regression
spec:
  evaluators: [Builtin.Correctness, Builtin.TrajectoryInOrderMatch]
  dataset: {{name: support-cases}}
  dataSourceConfig:
    cloudWatchLogs:
      serviceNames: [{SERVICE}]
      logGroupNames: [{LOG_GROUP}]
  gates:
    - {{evaluator: Builtin.Correctness, minAverageScore: 0.9}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "evaluations"
    folder.mkdir()
    (folder / "support.yaml").write_text(SPECS)
    return folder


def run(specs: Path, agent_url: str, port: int, *extra: str) -> int:
    args = ["run", "support-regression", "--specs", str(specs), "--local", "--agent", agent_url]
    return main([*args, "--otlp-port", str(port), "--timeout", "60", *extra])


def test_a_dataset_run_against_a_local_agent_passes_its_gates(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    answers = {
        "How long do I have to return shoes?": Behaviour(
            "You have 30 days to return shoes.", ["lookup_policy"]
        )
    }
    agent = FixtureAgent(f"http://127.0.0.1:{port}", answers)
    url = agent.start()
    try:
        code = run(specs, url, port, "--json")
    finally:
        agent.stop()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{port}" in err
    assert "runtime/local_agent-0000000000/runtime-endpoint/DEFAULT" in err  # the spec names no agent
    assert len(agent.seen) == 1 and agent.seen[0][1] == {"prompt": "How long do I have to return shoes?"}
    assert '"status": "COMPLETED"' in out and '"passed": true' in out
    assert '"scenarioId": "returns"' in out, "results.json says which scenario each session ran"


def test_an_agent_that_is_down_fails_the_run_with_the_reason(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    code = run(specs, "http://127.0.0.1:9", port)
    out, err = capsys.readouterr()
    assert code != 0
    assert "GET http://127.0.0.1:9/ping failed" in err
    assert "AgentInvocationError" in out + err and "could not be reached" in out + err


def test_agent_needs_local_and_a_url(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "support-regression", "--specs", str(specs), "--agent", "http://127.0.0.1:8080"]) == 2
    assert "add --local" in capsys.readouterr().err
    assert (
        main(["run", "support-regression", "--specs", str(specs), "--local", "--agent", "127.0.0.1:8080"])
        == 2
    )
    assert "expects the URL" in capsys.readouterr().err
