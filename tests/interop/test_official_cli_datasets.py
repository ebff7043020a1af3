"""The official AgentCore CLI and our side agree on datasets, both ways, and `run eval --dataset` runs.

Each test declares its datasets in its own copy of the deployed fixture project. `agentcore deploy`
creates a dataset through its CloudFormation stack, which the emulator does not serve: the tests
create it with CreateDataset from the spec the CLI wrote and record it as deploy does, then run the
rest of deploy's dataset step, the CLI's own sync (see interop/dataset-sync.mjs).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from evalctl import dataset_sync
from evalctl.cli.main import main
from tests.interop.official_cli import (
    REGION,
    OfficialCli,
    Stack,
    poll,
    record_deployed_dataset,
    result_records,
)
from tests.interop.support_agent import running_support_agent

PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"
CONTROL = "bedrock-agentcore-control.us-east-1.amazonaws.com"
SUPPORT = Path(__file__).resolve().parents[2] / "evaluations" / "datasets" / "support-scenarios.yaml"
EXAMPLE_CALLS = ("AddDatasetExamples", "UpdateDatasetExamples", "DeleteDatasetExamples")


@pytest.fixture(scope="module", autouse=True)
def _dataset_settings(stack: Stack) -> Iterator[None]:
    """ACTIVE right after each change (the CLI polls every 2 s otherwise); the CLI's starter fields."""
    admin = stack.aws.admin
    before = admin.configure()
    admin.configure(resource_seconds=0.0, dataset_refuse_unknown_fields=False)
    yield
    admin.configure(
        resource_seconds=before["resource_seconds"],
        dataset_refuse_unknown_fields=before["dataset_refuse_unknown_fields"],
    )


@pytest.fixture
def cli(stack: Stack, tmp_path: Path) -> OfficialCli:
    """The CLI in a copy of the module's deployed project, its idle waits capped at 0.5 s."""
    project = tmp_path / "project"
    shutil.copytree(stack.cli.project, project)
    home = tmp_path / "home"
    home.mkdir()
    return OfficialCli(stack.cli.endpoint, project, home, max_delay_ms=500)


def _control(stack: Stack) -> Any:
    return stack.client("bedrock-agentcore-control")


def _declare(stack: Stack, cli: OfficialCli, name: str, examples: list[dict[str, Any]] | None = None) -> str:
    """`agentcore add dataset`, then the dataset its stack would create, recorded as deploy does."""
    added = cli.ok("add", "dataset", "--name", name, "--schema-type", PREDEFINED, "--description", "cases")
    spec = json.loads((cli.project / "agentcore" / "agentcore.json").read_text())
    [entry] = [d for d in spec["datasets"] if d["name"] == name]
    assert Path(added["location"]) == Path("agentcore", entry["config"]["managed"]["location"])
    request = {k: entry[k] for k in ("schemaType", "description")}
    if examples:
        request["source"] = {"inlineExamples": {"examples": examples}}
    control = _control(stack)
    made = control.create_dataset(datasetName=name, **request)
    _settled(stack, made["datasetId"])
    record_deployed_dataset(cli.project, name, made["datasetId"], made["datasetArn"])
    return str(made["datasetId"])


def _settled(stack: Stack, ident: str) -> dict[str, Any]:
    control = _control(stack)
    found: dict[str, Any] = poll(
        lambda: control.get_dataset(datasetId=ident), lambda d: d["status"] == "ACTIVE", 30
    )
    return found


def _file(cli: OfficialCli, name: str) -> Path:
    spec = json.loads((cli.project / "agentcore" / "agentcore.json").read_text())
    [entry] = [d for d in spec["datasets"] if d["name"] == name]
    return cli.project / "agentcore" / entry["config"]["managed"]["location"]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _by_id(examples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["exampleId"]: e for e in examples}


def _live(stack: Stack, ident: str, version: str = "DRAFT") -> dict[str, dict[str, Any]]:
    """Every example of a version as boto3 lists it, by exampleId (our own paginating reader)."""
    return _by_id(dataset_sync.live_examples(_control(stack), ident, version))


def _versions(stack: Stack, ident: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = _control(stack).list_dataset_versions(datasetId=ident)["versions"]
    return found


def _example_calls(stack: Stack) -> dict[str, int]:
    counts = stack.aws.admin.call_counts()
    return {op: counts.get(op, 0) for op in EXAMPLE_CALLS}


def test_cli_syncs_and_publishes_a_dataset_that_boto3_and_evalctl_import_read_back(
    stack: Stack, cli: OfficialCli, tmp_path: Path
) -> None:
    """Deploy's sync adds, then updates/deletes/adds by exampleId; publish-version; our readers agree."""
    ident = _declare(stack, cli, "cases")
    local = _file(cli, "cases")
    starter = _lines(local)  # the CLI's starter scenarios (turns[].expectedResponse)
    first = cli.sync_datasets()["results"]
    assert first == [
        {"datasetName": "cases", "status": "synced", "added": len(starter), "updated": 0, "deleted": 0}
    ]
    synced = _lines(local)  # rewritten with the exampleIds AddDatasetExamples answered
    assert [{k: v for k, v in e.items() if k != "exampleId"} for e in synced] == starter
    assert _live(stack, ident) == _by_id(synced)
    detail = _control(stack).get_dataset(datasetId=ident)
    assert (detail["status"], detail["draftStatus"], detail["exampleCount"]) == (
        "ACTIVE",
        "MODIFIED",
        len(synced),
    )

    # Edit the file as a person would: change one scenario, drop one, add one.
    changed, dropped, kept = synced[0], synced[1], synced[2:]
    edited = [{**changed, "assertions": ["The agent names the 30-day window."]}, *kept]
    edited.append({"scenario_id": "greeting", "turns": [{"input": "Hello", "expected_response": "Hi!"}]})
    local.write_text("".join(json.dumps(e) + "\n" for e in edited))
    stack.aws.admin.clear_call_counts()
    second = cli.sync_datasets()["results"]
    assert second == [{"datasetName": "cases", "status": "synced", "added": 1, "updated": 1, "deleted": 1}]
    assert _example_calls(stack) == dict.fromkeys(EXAMPLE_CALLS, 1)
    now = _lines(local)
    assert [e["exampleId"] for e in now[:-1]] == [changed["exampleId"]] + [e["exampleId"] for e in kept]
    assert dropped["exampleId"] not in _live(stack, ident)
    assert _live(stack, ident) == _by_id(now)

    stack.aws.admin.clear_call_counts()
    assert cli.sync_datasets()["results"] == [{"datasetName": "cases", "status": "skipped"}]
    assert _example_calls(stack) == dict.fromkeys(EXAMPLE_CALLS, 0)

    published = cli.ok("dataset", "publish-version", "--name", "cases")
    [version] = _versions(stack, ident)
    assert (published["version"], published["exampleCount"]) == (
        version["datasetVersion"],
        version["exampleCount"],
    )
    assert (
        published["draftStatus"]
        == _control(stack).get_dataset(datasetId=ident)["draftStatus"]
        == "UNMODIFIED"
    )
    assert _live(stack, ident, published["version"]) == _by_id(now)

    out = tmp_path / "imported"
    assert main(["import", "--out", str(out), "--endpoint", stack.cli.endpoint, "--region", REGION]) == 0
    spec = yaml.safe_load((out / "datasets" / "cases.yaml").read_text())
    assert (spec["metadata"]["importId"], spec["spec"]["schemaType"]) == (ident, PREDEFINED)
    imported = _lines(out / "datasets" / spec["spec"]["files"][0])
    plain = sorted(
        ({k: v for k, v in e.items() if k != "exampleId"} for e in now), key=lambda e: e["scenario_id"]
    )
    assert imported == plain
    journal = cli.journal_lines()
    for verb, path in (("POST", "examples/add"), ("POST", "examples/update"), ("POST", "examples/delete")):
        assert any(f"fetch {verb} {CONTROL}/datasets/{ident}/{path} ->" in line for line in journal)


def _support_scenarios(count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = yaml.safe_load(SUPPORT.read_text())["spec"]["scenarios"][:count]
    return found


def test_dataset_made_by_our_side_is_what_the_cli_downloads_shows_and_versions(
    stack: Stack, cli: OfficialCli
) -> None:
    """boto3 creates and publishes, evalctl's sync edits the DRAFT; the CLI downloads, shows, versions."""
    scenarios = _support_scenarios(3)
    ident = _declare(stack, cli, "support", scenarios)
    control = _control(stack)
    control.create_dataset_version(datasetId=ident)
    _settled(stack, ident)
    wanted = [*scenarios[:2], {**scenarios[2], "assertions": ["The agent does not invent a status."]}]
    changes = dataset_sync.plan(dataset_sync.live_examples(control, ident), wanted)
    assert dataset_sync.apply(control, ident, changes, lambda: _settled(stack, ident)) == 1

    local = _file(cli, "support")
    for version, asked in (("1", ("--version", "1")), ("DRAFT", ())):
        pulled = cli.ok("dataset", "download", "--name", "support", *asked, "--yes")
        assert (pulled["version"], pulled["exampleCount"]) == (version, len(scenarios))
        assert _by_id(_lines(local)) == _live(stack, ident, version)

    draft = control.get_dataset(datasetId=ident)
    [v1] = _versions(stack, ident)
    shown = cli.text("status", "--type", "dataset")
    assert f"DRAFT: {draft['exampleCount']} examples ({draft['draftStatus']})" in shown
    assert f"v{v1['datasetVersion']} (latest) \u2014 {v1['exampleCount']} examples" in shown

    assert cli.ok("dataset", "publish-version", "--name", "support")["version"] == "2"
    assert [v["datasetVersion"] for v in _versions(stack, ident)] == ["2", "1"]
    assert cli.ok("dataset", "remove-version", "1", "--name", "support")["deletedVersion"] == "1"
    assert [v["datasetVersion"] for v in _versions(stack, ident)] == ["2"]
    with pytest.raises(ClientError) as gone:
        control.get_dataset(datasetId=ident, datasetVersion="1")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    journal = cli.journal_lines()
    # `status` lists versions with the earlier model's GET binding (the emulator serves both).
    assert any(f"fetch GET {CONTROL}/datasets/{ident}/versions ->" in line for line in journal)
    assert any(f"fetch DELETE {CONTROL}/datasets/{ident} ->" in line for line in journal)


def _sessions_answering(stack: Stack, scenarios: list[dict[str, Any]]) -> dict[str, str]:
    """Scenario id per session whose spans in aws/spans carry that scenario's first input."""
    found: dict[str, str] = {}
    pages = stack.client("logs").get_paginator("filter_log_events").paginate(logGroupName="aws/spans")
    for event in (e for page in pages for e in page["events"]):
        session = json.loads(event["message"]).get("attributes", {}).get("session.id")
        for scenario in scenarios:
            if session and scenario["turns"][0]["input"] in event["message"]:
                assert found.setdefault(str(session), scenario["scenario_id"]) == scenario["scenario_id"]
    return found


def _assertions_reached_the_judge(explanation: str, scenario: dict[str, Any]) -> bool:
    """The emulator's judge names how many assertions it checked: the scenario's reached Evaluate."""
    return f"of {len(scenario['assertions'])} assertions" in explanation


def test_run_eval_with_a_dataset_invokes_the_agent_per_scenario_and_scores_those_sessions(
    stack: Stack, cli: OfficialCli
) -> None:
    """`run eval --dataset N --dataset-version 1`: InvokeAgentRuntime per turn, spans queried, Evaluate."""
    scenarios = _support_scenarios(2)
    ident = _declare(stack, cli, "support_run", scenarios)
    _control(stack).create_dataset_version(datasetId=ident)
    _settled(stack, ident)
    evaluators = ["Builtin.Helpfulness", "Builtin.GoalSuccessRate"]
    before = stack.aws.admin.call_counts()
    asked = ("-r", "AgentA", "-e", *evaluators, "--dataset", "support_run", "--dataset-version", "1")
    with running_support_agent(stack, "AgentA"):
        run = cli.ok("run", "eval", *asked)["run"]
    after = stack.aws.admin.call_counts()
    turns = sum(len(s["turns"]) for s in scenarios)
    assert after.get("InvokeAgentRuntime", 0) - before.get("InvokeAgentRuntime", 0) == turns
    assert (run["source"], run["datasetName"], run["sessionCount"]) == (
        "dataset",
        "support_run",
        len(scenarios),
    )
    assert [r["evaluator"] for r in run["results"]] == evaluators
    answered = _sessions_answering(stack, scenarios)
    by_scenario = {s["scenario_id"]: s for s in scenarios}
    for result in run["results"]:
        # Each score is of the session in which the agent answered that scenario.
        scored = {s["sessionId"]: s["scenarioId"] for s in result["sessionScores"]}
        assert sorted(scored.values()) == sorted(by_scenario)
        assert all(answered[session] == scenario for session, scenario in scored.items())
    [goal] = [r for r in run["results"] if r["evaluator"] == "Builtin.GoalSuccessRate"]
    for score in goal["sessionScores"]:
        assert _assertions_reached_the_judge(score["explanation"], by_scenario[score["scenarioId"]])
    assert after.get("Evaluate", 0) - before.get("Evaluate", 0) == len(evaluators) * len(scenarios)
    redirected = "https POST bedrock-agentcore.us-east-1.amazonaws.com/runtimes/"
    assert any(redirected in line for line in cli.journal_lines())


def test_batch_evaluation_with_a_dataset_scores_the_sessions_it_invoked_with_their_ground_truth(
    stack: Stack, cli: OfficialCli
) -> None:
    """`run batch-evaluation --dataset --wait`: the CLI invokes, then batches those sessions' ids."""
    scenarios = _support_scenarios(2)
    ident = _declare(stack, cli, "support_batch", scenarios)
    _control(stack).create_dataset_version(datasetId=ident)
    _settled(stack, ident)
    asked = (
        "-r",
        "AgentA",
        "-e",
        "Builtin.GoalSuccessRate",
        "--dataset",
        "support_batch",
        "--dataset-version",
        "1",
    )
    with running_support_agent(stack, "AgentA"):
        viewed = cli.ok("run", "batch-evaluation", *asked, "--wait")
    job = stack.client("bedrock-agentcore").get_batch_evaluation(batchEvaluationId=viewed["id"])
    assert viewed["status"] == job["status"] == "COMPLETED"
    assert viewed["evaluationResults"] == job["evaluationResults"]
    answered = _sessions_answering(stack, scenarios)
    batched = job["dataSourceConfig"]["cloudWatchLogs"]["filterConfig"]["sessionIds"]
    assert sorted(answered[s] for s in batched) == sorted(s["scenario_id"] for s in scenarios)
    records = result_records(stack, job)
    assert sorted(r["session.id"] for r in records) == sorted(batched)
    by_scenario = {s["scenario_id"]: s for s in scenarios}
    for record in records:
        # The CLI's sessionMetadata ground truth (the scenario's assertions) reached the batch's judge.
        scenario = by_scenario[answered[record["session.id"]]]
        assert _assertions_reached_the_judge(record["gen_ai.evaluation.explanation"], scenario)
