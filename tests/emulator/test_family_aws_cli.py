"""The insight and dataset-generation operations through the AWS CLI (awscli from PyPI) as a subprocess.

The CLI bundles an older botocore whose models lack these operations; AWS_DATA_PATH (a documented
botocore loader setting) points it at the installed botocore's models instead, so the requests are
built and the answers parsed by the CLI's own code, not ours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import botocore
import pytest

from tests.emulator import agent_insight_data as seed
from tests.emulator.test_cli import VENV_BIN, _env

SERVICES = ("bedrock-agentcore", "bedrock-agentcore-control")
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")


@pytest.fixture
def aws(tmp_path: Path, emulator: Any) -> Any:
    """`aws ...` against the emulator with today's models of both services; the parsed JSON answer."""
    models = tmp_path / "models"
    for service in SERVICES:
        shutil.copytree(Path(botocore.__file__).parent / "data" / service, models / service)

    def run(*args: str) -> Any:
        env = {**_env(emulator.endpoint), "AWS_DATA_PATH": str(models)}
        done = subprocess.run(
            [str(VENV_BIN / "aws"), *args, "--output", "json"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return run


def test_aws_cli_drives_the_insight_store_and_agent_insights(
    aws: Any, emulator: Any, data: Any, span_fixtures: Path, tmp_path: Path
) -> None:
    emulator.admin.seed([seed.failing_spans(span_fixtures, tmp_path)], seed.SERVICE)
    stores = aws("bedrock-agentcore-control", "list-agent-insight-stores")["agentInsightStores"]
    assert [(s["agentInsightStoreId"], s["enablementStatus"]) for s in stores] == [("default", "DISABLED")]
    updated = aws("bedrock-agentcore-control", "update-agent-insight-store",
                  "--agent-insight-store-id", "default", "--enablement-status", "ENABLED")  # fmt: skip
    assert updated["status"] == "UPDATING"
    emulator.admin.advance_clock(emulator.admin.configure()["insight_store_seconds"] + 1)
    store = aws("bedrock-agentcore-control", "get-agent-insight-store", "--agent-insight-store-id", "default")
    assert (store["status"], store["enablementStatus"]) == ("ACTIVE", "ENABLED")

    job_id = seed.finished_batch(emulator, data)
    listed = aws("bedrock-agentcore", "list-agent-insights", "--batch-evaluation-id", job_id)["agentInsights"]
    assert len(listed) == 1 and listed[0]["archiveStatus"] == "ACTIVE"
    ident, app = listed[0]["agentInsightId"], listed[0]["applicationName"]
    named = ("--agent-insight-id", ident, "--application-name", app)
    got = aws("bedrock-agentcore", "get-agent-insight", *named)
    assert got["agentInsightId"] == ident and got["batchEvaluationId"] == job_id
    archived = aws("bedrock-agentcore", "update-agent-insight", *named, "--archive-status", "ARCHIVED")
    assert archived["archiveStatus"] == "ARCHIVED"
    active = aws("bedrock-agentcore", "list-agent-insights", "--archive-status", "ACTIVE")
    assert active["agentInsights"] == []


def test_aws_cli_drives_a_dataset_generation(aws: Any, emulator: Any, span_fixtures: Path) -> None:
    (session,) = emulator.admin.seed([span_fixtures / f for f in FILES], "agent.DEFAULT")
    dataset = aws("bedrock-agentcore-control", "create-dataset", "--dataset-name", "cli_generated",
                  "--schema-type", "AGENTCORE_EVALUATION_PREDEFINED_V1")["datasetId"]  # fmt: skip
    emulator.admin.advance_clock(1)
    source = {"traceGeneration": {"sourceConfig": {"cloudWatchLogs": {"serviceNames": ["agent.DEFAULT"]}}}}
    how = ("--name", "from_cli", "--scenario-type", "FIXED", "--source", json.dumps(source))
    started = aws("bedrock-agentcore", "start-dataset-generation", "--dataset-id", dataset, *how)
    assert started["status"] == "IN_PROGRESS"
    emulator.admin.advance_clock(5)
    generation = started["generationId"]
    ids = ("--dataset-id", dataset, "--generation-id", generation)
    done = aws("bedrock-agentcore", "get-dataset-generation", *ids)
    assert done["status"] == "COMPLETED" and done["generationResults"]["sessionsMatched"] == 1
    listed = aws("bedrock-agentcore", "list-dataset-generations", "--dataset-id", dataset)
    assert [g["generationId"] for g in listed["datasetGenerations"]] == [generation]
    examples = aws("bedrock-agentcore-control", "list-dataset-examples", "--dataset-id", dataset)["examples"]
    assert len(examples) == 1 and session in json.dumps(examples[0])
    aws("bedrock-agentcore", "delete-dataset-generation", *ids)
    emulator.admin.advance_clock(5)
    left = aws("bedrock-agentcore", "list-dataset-generations", "--dataset-id", dataset)["datasetGenerations"]
    assert [g["generationId"] for g in left] == []
