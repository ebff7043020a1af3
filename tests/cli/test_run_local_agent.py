"""`evalctl run <batch> --local --agent URL`: a dataset batch against a real HTTP agent on this machine,
its telemetry exported over OTLP to the in-process emulator on the fixed --otlp-port."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path
from typing import Any

import pytest

from evalctl.cli.main import main
from tests.emulator.fixture_agent import ENDPOINT_ARN, LOG_GROUP, RUNTIME, SERVICE, Behaviour, FixtureAgent

SESSIONS = Path(__file__).resolve().parents[2] / "evaluations/sessions/raw_otel_strands_bedrock_spans.json"
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
    assert "up to 1 scenario(s) at a time" in err, "a 1-scenario dataset: never 'up to 4'"
    assert len(agent.seen) == 1 and agent.seen[0][1] == {"prompt": "How long do I have to return shoes?"}
    assert '"status": "COMPLETED"' in out and '"passed": true' in out
    assert '"scenarioId": "returns"' in out, "results.json says which scenario each session ran"
    # Off a terminal: the dataset job's progress, one line per change (the elapsed note aside).
    progress = [line.rsplit("  [", 1)[0] for line in err.splitlines() if " scored, " in line]
    assert progress[-1].endswith("COMPLETED  scenarios 1/1 scored, 0 in progress"), err
    assert all(a != b for a, b in itertools.pairwise(progress)), progress


def test_an_agent_that_is_down_fails_the_run_with_the_reason(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    code = run(specs, "http://127.0.0.1:9", port)
    out, err = capsys.readouterr()
    assert code != 0
    assert "GET http://127.0.0.1:9/ping failed" in err
    assert "AgentInvocationError" in out + err and "could not be reached" in out + err
    final = [line for line in err.splitlines() if "scenarios " in line][-1]
    assert "FAILED  scenarios 0/1 scored, 0 in progress (1 failed)" in final, err  # not "1/1 scored"


def test_past_its_timeout_a_local_run_says_to_wait_longer_not_to_look_later(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The job is PENDING for the emulator's first second: a 10 ms timeout ends the wait before it ends.
    assert run(specs, "http://127.0.0.1:9", free_port(), "--timeout", "0.01") == 2
    err = capsys.readouterr().err
    assert "still PENDING after 0.01s; the in-process emulator ends with the command: pass a longer" in err
    assert "evalctl results" not in err  # the job is gone with the command


def test_agent_needs_local_and_a_url(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "support-regression", "--specs", str(specs), "--agent", "http://127.0.0.1:8080"]) == 2
    assert "add --local" in capsys.readouterr().err
    assert (
        main(["run", "support-regression", "--specs", str(specs), "--local", "--agent", "127.0.0.1:8080"])
        == 2
    )
    assert "expects the URL" in capsys.readouterr().err


def test_a_dataset_in_s3_is_refused_before_the_emulator_starts(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The in-process emulator has no copy of the object: the run used to fail at CreateDataset with no
    examples at all (ParamValidationError, "check the AWS credentials")."""
    spec = specs / "support.yaml"
    dataset, batch = SPECS.split("---\n")
    in_s3 = dataset.split("  scenarios:")[0] + "  s3Source: {s3Uri: s3://cases-bucket/cases.jsonl}\n"
    spec.write_text(f"{in_s3}---\n{batch}")
    port = free_port()
    assert run(specs, "http://127.0.0.1:9", port) == 2
    err = capsys.readouterr().err
    assert f"{spec}:7:21: Dataset 'support-cases' keeps its scenarios in s3://cases-bucket/cases.jsonl" in err
    assert "ParamValidationError" not in err and "Traceback" not in err
    with socket.socket() as probe:  # nothing listens on the OTLP port: no emulator was started
        probe.bind(("127.0.0.1", port))


def test_a_taken_otlp_port_says_to_pick_another(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        argv = [
            "run",
            "support-regression",
            "--specs",
            str(specs),
            "--local",
            "--agent",
            "http://127.0.0.1:9",
        ]
        # werkzeug printed its own text and called sys.exit(1) before our message could run.
        assert main([*argv, "--otlp-port", str(port)]) == 2
    assert f"cannot listen on port {port}" in capsys.readouterr().err


def test_against_an_endpoint_a_dataset_batch_needs_its_agent_and_dataset(
    emulator: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --local the agent must be named and the dataset exist: pre-flight findings say how."""
    args = ["run", "support-regression", "--specs", str(specs), "--endpoint", emulator.endpoint, "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "pre-flight agent: BatchEvaluation 'support-regression' runs a dataset but names no agent" in err
    spec = specs / "support.yaml"
    spec.write_text(spec.read_text().replace("  gates:", f"  agent: {ENDPOINT_ARN}\n  gates:"))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "pre-flight dataset: dataset support_cases_dev ('support-cases') does not exist" in err
    assert "--local --agent URL" in err


def test_against_an_endpoint_the_deployed_dataset_runs_on_the_mapped_agent(
    emulator: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`evalctl run --endpoint` finds the dataset by its AWS name and starts with its id (`latest`)."""
    from evalctl.aws import ClientSettings
    from evalctl.cli.inprocess import clients_for
    from evalctl.runner import local
    from evalctl.spec.project import load_project

    spec = specs / "support.yaml"
    spec.write_text(spec.read_text().replace("  gates:", f"  agent: {ENDPOINT_ARN}\n  gates:"))
    project, _ = load_project([specs], "dev")
    clients = clients_for(ClientSettings(endpoint=emulator.endpoint, region="us-east-1", max_attempts=1))
    dataset_id = local.deploy_dataset(project, "support-cases", clients["control"], timeout=10)
    clients["logs"].create_log_group(logGroupName=LOG_GROUP)
    answers = {
        "How long do I have to return shoes?": Behaviour(
            "You have 30 days to return shoes.", ["lookup_policy"]
        )
    }
    agent = FixtureAgent(emulator.endpoint, answers)
    emulator.admin.map_agents({RUNTIME: agent.start()})
    emulator.admin.configure(batch_pending_seconds=0.05, resource_seconds=0.01)
    try:
        code = main(["run", "support-regression", "--specs", str(specs), "--endpoint", emulator.endpoint,
                     "--quiet", "--json"])  # fmt: skip
    finally:
        agent.stop()
    out, err = capsys.readouterr()
    assert code == 0, err
    data = emulator.client("bedrock-agentcore")
    job = data.list_batch_evaluations()["batchEvaluations"][0]
    detail = data.get_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    assert detail["datasetExecutionDetails"]["dataset"] == {"datasetId": dataset_id, "datasetVersion": "1"}
    assert '"scenarioId": "returns"' in out


def s3_backed(specs: Path) -> Path:
    """The same batch over a Dataset whose scenarios are in S3 (`s3Source`, no `scenarios`)."""
    spec = specs / "support.yaml"
    text = spec.read_text()
    head, tail = text.split("  scenarios:", 1)
    after = tail[tail.index("---") :]
    s3 = '  s3Source: {s3Uri: "s3://eval-data/support/cases.jsonl", revision: "1"}\n'
    spec.write_text(head + s3 + after)
    return spec


def test_a_local_run_of_an_s3_backed_dataset_is_refused_before_any_call(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The in-process emulator's S3 is empty: refused with what to pass, the agent never invoked."""
    s3_backed(specs)
    port = free_port()
    agent = FixtureAgent(f"http://127.0.0.1:{port}", {})
    url = agent.start()
    try:
        code = run(specs, url, port)
    finally:
        agent.stop()
    err = capsys.readouterr().err
    assert code == 2, err
    assert "s3://eval-data/support/cases.jsonl" in err and "--dataset-file" in err, err
    assert "Dataset 'support-cases'" in err and "support.yaml" in err, err
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in err, "refused before the emulator started"
    assert agent.seen == []


def test_a_local_copy_of_the_object_stands_in_for_it(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dataset-file puts the copy at the s3Uri in the emulator's S3: CreateDataset reads it there, the
    run scores its scenarios; an invalid copy is refused before anything starts, at its line."""
    import json

    s3_backed(specs)
    copy = tmp_path / "cases.jsonl"
    copy.write_text(json.dumps({"scenario_id": "returns", "turns": "not a list"}) + "\n")
    port = free_port()
    assert run(specs, "http://127.0.0.1:9", port, "--dataset-file", str(copy)) == 2
    err = capsys.readouterr().err
    assert f"{copy}:1: scenario is not a valid" in err and "/turns" in err, err

    scenario = {"scenario_id": "returns", "turns": [{"input": "How long do I have to return shoes?",
                "expected_response": "You have 30 days to return shoes."}],
                "expected_trajectory": ["lookup_policy"]}  # fmt: skip
    copy.write_text(json.dumps(scenario) + "\n")
    answers = {
        "How long do I have to return shoes?": Behaviour(
            "You have 30 days to return shoes.", ["lookup_policy"]
        )
    }
    agent = FixtureAgent(f"http://127.0.0.1:{port}", answers)
    url = agent.start()
    try:
        code = run(specs, url, port, "--json", "--dataset-file", str(copy))
    finally:
        agent.stop()
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert len(agent.seen) == 1 and '"scenarioId": "returns"' in out


def test_a_dataset_file_needs_an_agent_run_of_an_s3_backed_dataset(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "cases.jsonl"
    copy.write_text("{}\n")
    base = ["run", "support-regression", "--specs", str(specs), "--dataset-file", str(copy)]
    assert main([*base, "--endpoint", "http://127.0.0.1:9"]) == 2
    assert "add both" in capsys.readouterr().err
    assert run(specs, "http://127.0.0.1:9", free_port(), "--dataset-file", str(copy)) == 2
    assert "runs no S3-backed dataset" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags",
    [[], ["--local", "--seed", str(SESSIONS)], ["--endpoint", "http://127.0.0.1:9"]],
    ids=["aws", "local-seed", "endpoint"],
)
def test_parallel_needs_local_and_an_agent(
    specs: Path, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "support-regression", "--specs", str(specs), "--parallel", "4", *flags]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--parallel sets how many dataset scenarios" in err and "needs --local --agent URL" in err
    with pytest.raises(SystemExit) as refused:
        main(["run", "support-regression", "--specs", str(specs), "--local", "--agent", "http://127.0.0.1:9",
              "--parallel", "0"])  # fmt: skip
    assert refused.value.code == 2 and "--parallel: 0: give at least 1" in capsys.readouterr().err
