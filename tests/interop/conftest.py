"""The interop tier: the official AgentCore CLI (npm @aws/agentcore) as a client of a real emulator.

`make interop` installs the CLI (interop/, from the npm registry) and runs this folder. Without Node
or without that install, the tests are skipped with the reason.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalctl.emulator.testing import EmulatorHandle
from tests.interop.official_cli import (
    PROJECT,
    RUNTIME_PREFIX,
    OfficialCli,
    Stack,
    emulator_process,
    missing,
    write_deployed_state,
)

# Two agents' telemetry, so every query and filter has another agent's data to leave out.
AGENTS = {
    "AgentA": ("raw_otel_strands_bedrock_spans.json", "raw_otel_strands_bedrock_runtime_logs.json"),
    "AgentB": ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this folder's tests when Node or the installed CLI is missing."""
    reason = missing()
    if reason is None:
        return
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.skip(reason=reason))


def _runtime_ids(aws: EmulatorHandle) -> dict[str, str]:
    """Runtime id per agent, read back from the runtime log groups the emulator created."""
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=RUNTIME_PREFIX)["logGroups"]
    found: dict[str, str] = {}
    for group in groups:
        runtime = group["logGroupName"].removeprefix(RUNTIME_PREFIX).removesuffix("-DEFAULT")
        agent = runtime.removeprefix("interop_").rsplit("-", 1)[0]
        found[agent] = runtime
    assert set(found) == set(AGENTS), groups
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, span_fixtures: Path) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("interop")
    with emulator_process(workdir) as emulator:
        aws = EmulatorHandle(emulator.endpoint, emulator.admin)
        sessions = {
            agent: emulator.admin.seed([span_fixtures / f for f in files], f"interop_{agent}.DEFAULT")
            for agent, files in AGENTS.items()
        }
        runtimes = _runtime_ids(aws)
        online = aws.client("bedrock-agentcore-control").create_online_evaluation_config(
            onlineEvaluationConfigName="interop_live",
            rule={"samplingConfig": {"samplingPercentage": 100.0}},
            dataSourceConfig={
                "cloudWatchLogs": {
                    "serviceNames": ["interop_AgentA.DEFAULT"],
                    "logGroupNames": [f"{RUNTIME_PREFIX}{runtimes['AgentA']}-DEFAULT"],
                }
            },
            evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
            evaluationExecutionRoleArn="arn:aws:iam::123456789012:role/interop-evaluation",
            enableOnCreate=True,
        )
        project = workdir / "project"
        shutil.copytree(PROJECT, project)
        write_deployed_state(project, runtimes, {"interop_live": online["onlineEvaluationConfigId"]})
        home = workdir / "home"
        home.mkdir()
        cli = OfficialCli(emulator.endpoint, project, home)
        yield Stack(aws, cli, sessions, runtimes, online["onlineEvaluationConfigId"])
