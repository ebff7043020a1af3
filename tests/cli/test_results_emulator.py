"""`evalctl results` and `evalctl compare` end to end against the emulator over HTTP.

Sessions: the real AgentCore Runtime captures in tests/data/spans (aws/bedrock-agentcore-starter-toolkit,
Apache-2.0), seeded by the emulator into `aws/spans` and the runtime log group.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from evalctl.cli.main import main
from evalctl.reports.writers import read_json

SERVICE = "support_agent.DEFAULT"
EVALUATORS = ["Builtin.Helpfulness", "Builtin.Coherence"]


def _finished_job(emulator, span_fixtures, evaluators=EVALUATORS) -> str:
    emulator.admin.seed(sorted(str(p) for p in span_fixtures.glob("raw_otel_*")), SERVICE)
    logs = emulator.client("logs")
    groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    data = emulator.client("bedrock-agentcore")
    try:
        started = data.start_batch_evaluation(
            batchEvaluationName="nightly_support",
            evaluators=[{"evaluatorId": e} for e in evaluators],
            dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": groups}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "InternalServerException":
            pytest.skip(f"the emulator does not run batch evaluations yet: {exc}")
        raise
    job_id = started["batchEvaluationId"]
    for _ in range(200):  # emulated minutes, not wall time: the job's duration follows the emulator clock
        status = data.get_batch_evaluation(batchEvaluationId=job_id)["status"]
        if status not in ("PENDING", "IN_PROGRESS"):
            return job_id
        emulator.admin.advance_clock(60)
        time.sleep(0.01)
    pytest.fail(f"batch evaluation {job_id} still {status} after 200 emulated minutes")


def test_results_renders_an_emulated_job(emulator, span_fixtures, tmp_path, capsys):
    job_id = _finished_job(emulator, span_fixtures)
    code = main(
        [
            "results",
            job_id,
            "--endpoint",
            emulator.endpoint,
            "--region",
            "us-east-1",
            "--report-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"({job_id})" in out and "[emulator]" in out
    results = read_json(tmp_path)
    assert {row.id for row in results.evaluators} == set(EVALUATORS)
    assert results.sessions, "per-session rows come from the results log stream"
    logged = {e.evaluatorId for s in results.sessions for e in s.results}
    assert logged <= set(EVALUATORS)
    assert json.loads((tmp_path / "results.json").read_text())["job"]["source"] == "emulator"


def test_compare_fetches_job_ids(emulator, span_fixtures, capsys):
    job_id = _finished_job(emulator, span_fixtures)
    code = main(
        [
            "compare",
            job_id,
            job_id,
            "--endpoint",
            emulator.endpoint,
            "--region",
            "us-east-1",
            "--format",
            "json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["verdict"] == "pass"
    assert {e["verdict"] for e in doc["evaluators"]} <= {"no-change", "insufficient-data"}


def test_a_job_whose_sessions_all_fail_exits_2(emulator, span_fixtures, capsys):
    # Trajectory matchers need an expected trajectory; without ground truth every session errors.
    job_id = _finished_job(emulator, span_fixtures, ["Builtin.TrajectoryAnyOrderMatch"])
    code = main(["results", job_id, "--endpoint", emulator.endpoint, "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert code == 2, out
    assert ": FAILED [emulator]" in out
