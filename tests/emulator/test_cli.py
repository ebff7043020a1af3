"""Independent clients: the AWS CLI (awscli from PyPI) as a subprocess, and `evalctl emulator` itself."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl.cli.main import main

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
        "logGroupNames": ["/aws/bedrock-agentcore/runtimes/agent-EVQuBO6Q0n-DEFAULT"],
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
    # Two answered LangGraph turns in one session; the offline judge picks "Yes" (1.0) for each.
    assert (summary["evaluatorId"], summary["totalEvaluated"]) == (created["evaluatorId"], 1)
    assert summary["statistics"]["averageScore"] == 1.0


EMPTY_ZIP = b"PK\x05\x06" + b"\0" * 18
EXPORTS = [
    "export AWS_ENDPOINT_URL={endpoint}",
    "export AWS_ACCESS_KEY_ID=test",
    "export AWS_SECRET_ACCESS_KEY=test",
    "export AWS_DEFAULT_REGION=us-east-1",
    "export OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}",
]


def _serve(data_dir: Path, *flags: str) -> tuple[subprocess.Popen[str], str]:
    """`evalctl emulator --port 0 ...` as a child; checks the banner and export lines it prints."""
    server = subprocess.Popen(
        [str(VENV_BIN / "evalctl"), "emulator", "--port", "0", "--data-dir", str(data_dir), *flags],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    lines = [server.stdout.readline().strip() for _ in range(1 + len(EXPORTS))]
    assert lines[0].startswith("evalctl emulator listening on http://127.0.0.1:")
    endpoint = lines[0].rsplit(" ", 1)[-1]
    assert lines[1:] == [line.format(endpoint=endpoint) for line in EXPORTS]
    return server, endpoint


def _client(endpoint: str, service: str) -> Any:
    from evalctl.emulator.testing import Admin, EmulatorHandle

    return EmulatorHandle(endpoint, Admin(endpoint)).client(service)


def _stop(server: subprocess.Popen[str]) -> None:
    server.terminate()  # SIGTERM: the CLI saves its state on the way out
    server.wait(timeout=10)
    assert server.returncode == 0


def test_evalctl_emulator_serves_applies_flags_and_saves_on_sigterm(tmp_path: Path) -> None:
    server, endpoint = _serve(tmp_path, "--throttle-rate", "1")
    try:
        _client(endpoint, "logs").create_log_group(logGroupName="/kept")
        # --throttle-rate 1 throttles every AgentCore call (never moto's or the admin's).
        with pytest.raises(ClientError) as exc:
            _client(endpoint, "bedrock-agentcore-control").list_evaluators()
        assert exc.value.response["Error"]["Code"] == "ThrottlingException"
    finally:
        _stop(server)
    assert (tmp_path / "moto.json").stat().st_size > 0


def test_s3_objects_survive_a_real_restart_and_feed_a_dataset(tmp_path: Path) -> None:
    """Put with boto3, SIGTERM, a new `evalctl emulator` process: the same bytes, and a Dataset reads them."""
    line = {"scenario_id": "s1", "turns": [{"input": "capital of France?", "expected_response": "Paris"}]}
    body = (json.dumps(line) + "\n").encode() + b"\n"  # a trailing blank line: bytes, not lines, compared
    server, endpoint = _serve(tmp_path)
    try:
        s3 = _client(endpoint, "s3")
        s3.create_bucket(Bucket="eval-data")
        etag = s3.put_object(Bucket="eval-data", Key="cases.jsonl", Body=body)["ETag"]
    finally:
        _stop(server)
    server, endpoint = _serve(tmp_path)
    try:
        got = _client(endpoint, "s3").get_object(Bucket="eval-data", Key="cases.jsonl")
        assert (got["Body"].read(), got["ETag"]) == (body, etag)
        control = _client(endpoint, "bedrock-agentcore-control")
        created = control.create_dataset(
            datasetName="after_restart", source={"s3Source": {"s3Uri": "s3://eval-data/cases.jsonl"}}
        )
        dataset = control.get_dataset(datasetId=created["datasetId"])
        assert (dataset["datasetName"], dataset["exampleCount"]) == ("after_restart", 1)
    finally:
        _stop(server)


def test_seed_command_loads_sessions_into_a_running_emulator(
    emulator: Any, span_fixtures: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(span_fixtures / f) for f in FILES]
    code = main(
        ["emulator", "seed", *files, "--service-name", "agent.DEFAULT", "--endpoint", emulator.endpoint]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "seeded 1 session(s) for service agent.DEFAULT:",
        "  383c4a9d-5682-4186-a125-e226f9f6c141",
    ]
    # The runtime group is `<runtimeId>-<endpoint>`, the id keeping the capture's suffix.
    groups = emulator.client("logs").describe_log_groups()["logGroups"]
    assert {g["logGroupName"] for g in groups} == {
        "aws/spans",
        "/aws/bedrock-agentcore/runtimes/agent-EVQuBO6Q0n-DEFAULT",
    }


def test_seed_command_reports_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "seed", str(tmp_path / "nope.json"), "--service-name", "s"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_seed_command_names_files_that_are_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "half.json").write_text('{"a": \n')
    files = [str(tmp_path / "notes.txt"), str(tmp_path / "half.json")]
    assert main(["emulator", "seed", *files, "--service-name", "s", "--endpoint", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'notes.txt'}:1:1: not JSON (Expecting value)" in err
    assert f"{tmp_path / 'half.json'}:2:1: not JSON (Expecting value)" in err


def test_seed_command_refuses_files_without_sessions(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.json").write_text("[]")
    # A span and a runtime log event, neither with a session id: nothing a batch could find.
    span = {"traceId": "a" * 32, "spanId": "b" * 16, "startTimeUnixNano": 1, "endTimeUnixNano": 2}
    event = {"resource": {"attributes": {}}, "body": "hello", "timeUnixNano": 2}
    (tmp_path / "anonymous.json").write_text(json.dumps([span, event]))
    for name in ("empty.json", "anonymous.json"):
        argv = ["emulator", "seed", str(tmp_path / name), "--service-name", "s"]
        argv += ["--endpoint", emulator.endpoint]
        assert main(argv) == 2
        assert "the files hold no session" in capsys.readouterr().err
    # Nothing seeded, nothing created: no runtime log group, no aws/spans.
    assert emulator.client("logs").describe_log_groups()["logGroups"] == []


def test_seed_command_says_to_start_the_emulator_when_none_answers(
    span_fixtures: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(span_fixtures / f) for f in FILES]
    code = main(["emulator", "seed", *files, "--service-name", "s", "--endpoint", "http://127.0.0.1:9"])
    assert code == 2
    assert "is `evalctl emulator` running there?" in capsys.readouterr().err


def test_a_taken_port_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert main(["emulator", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evalctl emulator: cannot bind 127.0.0.1:{port}: Address already in use;")
    assert "pass another --port (0 picks a free one)" in err
    assert "is in use by another program" not in err  # werkzeug's own text, printed before its exit(1)


@pytest.mark.parametrize(
    "flags", [["--throttle-rate", "2"], ["--error-rate", "-0.1"], ["--latency-ms", "-5"]]
)
def test_fault_flags_out_of_range_are_usage_errors(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["emulator", *flags])
    assert stop.value.code == 2
    assert f"argument {flags[0]}: {flags[1]}: give" in capsys.readouterr().err
