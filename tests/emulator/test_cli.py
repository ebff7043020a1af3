"""Independent clients: the AWS CLI (awscli from PyPI) and `evalctl emulator` itself, as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

VENV_BIN = Path(sys.executable).parent
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
JUDGE = {
    "llmAsAJudge": {
        "instructions": "Rate {assistant_turn}",
        "ratingScale": {
            "numerical": [
                {"definition": "no", "value": 0.0, "label": "No"},
                {"definition": "yes", "value": 1.0, "label": "Yes"},
            ]
        },
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "m"}},
    }
}


def _env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _aws(endpoint: str, *args: str) -> Any:
    done = subprocess.run(
        [str(VENV_BIN / "aws"), *args, "--output", "json"],
        env=_env(endpoint), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_aws_cli_creates_an_evaluator_runs_a_batch_and_reads_results(
    emulator: Any, span_fixtures: Any
) -> None:
    (session,) = emulator.admin.seed([span_fixtures / f for f in FILES], "agent.DEFAULT")
    created = _aws(
        emulator.endpoint, "bedrock-agentcore-control", "create-evaluator", "--evaluator-name", "cli_judge",
        "--level", "TRACE", "--evaluator-config", json.dumps(JUDGE),
    )  # fmt: skip
    emulator.admin.advance_clock(1)
    # The AWS CLI bundles its own, older model, in which logGroupNames is still required.
    logs = {
        "serviceNames": ["agent.DEFAULT"],
        "logGroupNames": ["/aws/bedrock-agentcore/runtimes/agent-DEFAULT"],
    }
    source = {"cloudWatchLogs": {**logs, "filterConfig": {"sessionIds": [session]}}}
    started = _aws(
        emulator.endpoint, "bedrock-agentcore", "start-batch-evaluation",
        "--batch-evaluation-name", "cli_run",
        "--evaluators", json.dumps([{"evaluatorId": created["evaluatorId"]}]),
        "--data-source-config", json.dumps(source),
    )  # fmt: skip
    assert started["status"] == "PENDING"
    emulator.admin.advance_clock(3600)
    job = _aws(emulator.endpoint, "bedrock-agentcore", "get-batch-evaluation", "--batch-evaluation-id",
               started["batchEvaluationId"])  # fmt: skip
    assert job["status"] == "COMPLETED"
    (summary,) = job["evaluationResults"]["evaluatorSummaries"]
    # Two answered LangGraph turns; the offline judge picks "Yes" (1.0) for each.
    assert (summary["evaluatorId"], summary["totalEvaluated"]) == (created["evaluatorId"], 2)
    assert summary["statistics"]["averageScore"] == 1.0


def test_evalctl_emulator_serves_seeds_and_injects_faults(tmp_path: Path, span_fixtures: Any) -> None:
    server = subprocess.Popen(
        [str(VENV_BIN / "evalctl"), "emulator", "--port", "0", "--data-dir", str(tmp_path),
         "--throttle-rate", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline().strip() for _ in range(5)]
        endpoint = lines[0].rsplit(" ", 1)[-1]
        assert lines[0].startswith("evalctl emulator listening on http://127.0.0.1:")
        assert lines[1:] == [
            f"export AWS_ENDPOINT_URL={endpoint}",
            "export AWS_ACCESS_KEY_ID=test",
            "export AWS_SECRET_ACCESS_KEY=test",
            "export AWS_DEFAULT_REGION=us-east-1",
        ]
        seeded = subprocess.run(
            [str(VENV_BIN / "evalctl"), "emulator", "seed", *[str(span_fixtures / f) for f in FILES],
             "--service-name", "agent.DEFAULT", "--endpoint", endpoint],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        assert seeded.stdout.splitlines() == [
            "seeded 1 session(s) for service agent.DEFAULT:",
            "  383c4a9d-5682-4186-a125-e226f9f6c141",
        ]
        # --throttle-rate 1: every AgentCore call is throttled (admin and moto calls are not).
        with pytest.raises(ClientError) as exc:
            _client(endpoint, "bedrock-agentcore-control").list_evaluators()
        assert exc.value.response["Error"]["Code"] == "ThrottlingException"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_seed_reports_missing_files(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(VENV_BIN / "evalctl"), "emulator", "seed", str(tmp_path / "nope.json"), "--service-name", "s"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no such file" in done.stderr


EMPTY_ZIP = b"PK\x05\x06" + b"\0" * 18


def _serve(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [str(VENV_BIN / "evalctl"), "emulator", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    return server, server.stdout.readline().strip().rsplit(" ", 1)[-1]


def _client(endpoint: str, service: str) -> Any:
    from evalctl.emulator.testing import Admin, EmulatorHandle

    return EmulatorHandle(endpoint, Admin(endpoint)).client(service)


def test_moto_and_agentcore_state_survive_a_restart_of_the_process(tmp_path: Path) -> None:
    server, endpoint = _serve(tmp_path)
    try:
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        role = _client(endpoint, "iam").create_role(RoleName="kept", AssumeRolePolicyDocument=trust)["Role"]
        _client(endpoint, "logs").create_log_group(logGroupName="/kept")
        _client(endpoint, "lambda").create_function(
            FunctionName="kept", Runtime="python3.11", Role=role["Arn"], Handler="a.h",
            Code={"ZipFile": EMPTY_ZIP},
        )  # fmt: skip
        evaluator = _client(endpoint, "bedrock-agentcore-control").create_evaluator(
            evaluatorName="kept", level="TRACE", evaluatorConfig=JUDGE
        )
    finally:
        server.terminate()  # SIGTERM: the CLI saves its state on the way out
        server.wait(timeout=10)
    server, endpoint = _serve(tmp_path)
    try:
        assert _client(endpoint, "iam").get_role(RoleName="kept")["Role"]["Arn"] == role["Arn"]
        groups = _client(endpoint, "logs").describe_log_groups()["logGroups"]
        assert [g["logGroupName"] for g in groups] == ["/kept"]
        assert (
            _client(endpoint, "lambda").get_function(FunctionName="kept")["Configuration"]["Handler"] == "a.h"
        )
        got = _client(endpoint, "bedrock-agentcore-control").get_evaluator(
            evaluatorId=evaluator["evaluatorId"]
        )
        assert got["evaluatorName"] == "kept"
    finally:
        server.terminate()
        server.wait(timeout=10)
