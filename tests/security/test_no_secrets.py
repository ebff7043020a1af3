"""Canary values: credentials and session content never reach logs, errors or stack outputs."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.program.mockrun import ACCOUNT, REGION, run_program
from tests.program.test_program_examples import fake_outputs

ROOT = Path(__file__).resolve().parents[2]
KEY_ID = "AKIACANARY7Q2W9E4R1T"
SECRET = "canary-secret-Zq81xLmP0vBn"
TOKEN = "canary-session-token-Hh27Kd"
PROMPT = "canary-prompt-my-card-is-4111"
CANARIES = (KEY_ID, SECRET, TOKEN)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def canary_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_SESSION_TOKEN=TOKEN,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_MAX_ATTEMPTS="1",
    )
    return env


def evalctl(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalctl", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["run", "nightly-support", "--endpoint", "http://127.0.0.1:{port}"], "unreachable endpoint"),
        (["results", "missing-0123456789", "--endpoint", "http://127.0.0.1:{port}"], "unreachable endpoint"),
        (["import", "--endpoint", "http://127.0.0.1:{port}", "--out", "{tmp}"], "unreachable endpoint"),
    ],
)
def test_cli_errors_never_echo_credentials(args, reason, tmp_path):
    port = closed_port()
    argv = [a.format(port=port, tmp=tmp_path) for a in args]
    result = evalctl(*argv, env=canary_env())
    assert result.returncode != 0, reason
    assert "Traceback" not in result.stderr, result.stderr
    for canary in CANARIES:
        assert canary not in result.stdout + result.stderr, (argv, reason)


def test_the_emulator_never_logs_credentials_or_session_content(emulator, caplog, tmp_path):
    session = tmp_path / "session.json"
    source = json.loads((ROOT / "tests/data/spans/raw_otel_langchain_runtime_logs.json").read_text())
    session.write_text(json.dumps(source).replace("Hello", PROMPT).replace("hello", PROMPT))
    caplog.set_level(logging.DEBUG)
    emulator.admin.seed(
        [str(ROOT / "tests/data/spans/raw_otel_langchain_spans.json"), str(session)], "svc.DEFAULT"
    )
    client = boto3.client(
        "bedrock-agentcore-control",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(client.exceptions.ValidationException):
        client.create_evaluator(
            evaluatorName="bad-name",
            level="TRACE",
            evaluatorConfig={"codeBased": {"lambdaConfig": {"lambdaArn": "x"}}},
        )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_evaluator(evaluatorId="missing-0123456789")
    # botocore's own DEBUG log is the client's, not ours (and it shows headers by design).
    server = [r for r in caplog.records if not r.name.startswith(("botocore", "boto3", "urllib3"))]
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in server)
    for canary in (*CANARIES, PROMPT):
        assert canary not in logged


def test_stack_outputs_carry_no_secret_values():
    config = {
        "evalctl:specDir": str(ROOT / "evaluations"),
        "aws:region": REGION,
        "evalctl:accountId": ACCOUNT,
        "aws:secretKey": SECRET,
        "aws:accessKey": KEY_ID,
    }
    run = run_program(ROOT, config, stack="dev", dynamic=fake_outputs)
    text = json.dumps(run.outputs, default=str)
    assert run.outputs, "the program exports ids, ARNs and results"
    for canary in CANARIES:
        assert canary not in text
    assert not any(word in text.lower() for word in ("secretkey", "password", "sessiontoken"))
