"""One sweep: the operator's canary credentials never appear in what a code evaluator can reach or emit.

`evalctl emulator` runs with canary AWS keys, judge and API keys in its environment and a canary
~/.aws/credentials; an uploaded handler returns, prints and writes everything it can see. No canary
may appear in the handler's view, the Evaluate response, the emulator's output, the reports, the
data dir, or anything the handler wrote.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
from botocore.config import Config

from evalctl.reports.results import from_local
from evalctl.reports.writers import write_reports

ROOT = Path(__file__).resolve().parents[2]
CANARIES = {
    "AWS_ACCESS_KEY_ID": "AKIASWEEPCANARY00001",
    "AWS_SECRET_ACCESS_KEY": "sweep-secret-canary-4e7f",
    "AWS_SESSION_TOKEN": "sweep-session-canary-8a1b",
    "EVALCTL_JUDGE_API_KEY": "sweep-judge-canary-2c3d",
    "OPENAI_API_KEY": "sk-sweep-openai-canary-5e6f",
}
FILE_CANARY = "sweep-credentials-file-canary-9a0b"
HANDLER = """
import json, os, pathlib, tempfile
def h(event, context):
    seen = {"env": dict(os.environ), "cwd": os.getcwd()}
    creds = pathlib.Path(os.path.expanduser("~/.aws/credentials"))
    seen["creds"] = creds.read_text() if creds.exists() else None
    print(json.dumps(seen))
    for folder in (os.getcwd(), tempfile.gettempdir()):
        pathlib.Path(folder, "seen.json").write_text(json.dumps(seen))
    with open(os.path.join(tempfile.gettempdir(), "where"), "w") as out:
        out.write(os.getcwd())
    return {"label": "Seen", "value": 1, "explanation": json.dumps(seen)}
"""


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("grader.py", HANDLER)
    return buffer.getvalue()


def _serve(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(f"[default]\naws_secret_access_key={FILE_CANARY}\n")
    env = {**os.environ, **CANARIES, "HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "evalctl",
        "emulator",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    command += ["--token-file", str(tmp_path / "token")]
    child = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    return child, child.stdout.readline().strip().rsplit(" ", 1)[-1]


def _client(service: str, endpoint: str) -> object:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )


def _evaluate(endpoint: str, span_fixtures: Path) -> dict:
    role = _client("iam", endpoint).create_role(RoleName="sweep", AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]
    fn = _client("lambda", endpoint).create_function(
        FunctionName="sweep", Runtime="python3.12", Role=role, Handler="grader.h", Code={"ZipFile": _zip()}
    )
    config = {"codeBased": {"lambdaConfig": {"lambdaArn": fn["FunctionArn"], "lambdaTimeoutInSeconds": 30}}}
    control = _client("bedrock-agentcore-control", endpoint)
    evaluator = control.create_evaluator(evaluatorName="sweep", level="SESSION", evaluatorConfig=config)
    files = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
    spans = [row["raw_otel_json"] for f in files for row in json.loads((span_fixtures / f).read_text())]
    answer = _client("bedrock-agentcore", endpoint).evaluate(
        evaluatorId=evaluator["evaluatorId"], evaluationInput={"sessionSpans": spans}
    )
    answer.pop("ResponseMetadata", None)
    return answer


def test_no_canary_reaches_any_view_response_log_report_or_file(tmp_path, span_fixtures):
    child, endpoint = _serve(tmp_path)
    try:
        answer = _evaluate(endpoint, span_fixtures)
    finally:
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    [result] = answer["evaluationResults"]
    seen = json.loads(result["explanation"])
    assert seen["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "sweep", "the handler ran and reported its view"
    session = result["context"]["spanContext"]["sessionId"]
    reports = write_reports(from_local("sweep", [(session, "sweep", result)]), tmp_path / "reports")
    texts = {"response": json.dumps(answer), "emulator output": out + err}
    texts |= {str(p): p.read_text(errors="replace") for p in reports}
    data_files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.name == "moto.json" for p in data_files)
    texts |= {str(p): p.read_text(errors="replace") for p in data_files}
    private = Path(seen["cwd"]).parent
    assert not private.exists(), "the handler's private folder is gone with the emulator"
    for where, text in texts.items():
        for canary in (*CANARIES.values(), FILE_CANARY):
            assert canary not in text, (canary, where)
