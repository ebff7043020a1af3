"""Dataset operations from independent clients: the AWS CLI, and the AgentCore SDK's dataset loader."""

from __future__ import annotations

import json
import warnings
from typing import Any

from tests.emulator.test_cli import _aws
from tests.emulator.test_datasets import scenario

CONTROL = "bedrock-agentcore-control"


def test_aws_cli_runs_every_dataset_operation(emulator: Any) -> None:
    end = emulator.endpoint
    source = json.dumps({"inlineExamples": {"examples": [scenario("a"), scenario("b")]}})
    created = _aws(end, CONTROL, "create-dataset", "--dataset-name", "cli_cases",
                   "--schema-type", "AGENTCORE_EVALUATION_PREDEFINED_V1", "--source", source)  # fmt: skip
    ident = created["datasetId"]
    assert created["status"] == "CREATING"
    emulator.admin.advance_clock(1)
    got = _aws(end, CONTROL, "get-dataset", "--dataset-id", ident)
    assert (got["status"], got["exampleCount"]) == ("ACTIVE", 2)
    listed = _aws(end, CONTROL, "list-dataset-examples", "--dataset-id", ident)["examples"]
    a_id = next(e["exampleId"] for e in listed if e["scenario_id"] == "a")
    more = json.dumps({"inlineExamples": {"examples": [scenario("c")]}})
    assert (
        _aws(end, CONTROL, "add-dataset-examples", "--dataset-id", ident, "--source", more)["addedCount"] == 1
    )
    emulator.admin.advance_clock(1)
    change = json.dumps([{**scenario("a", "Rome"), "exampleId": a_id}])
    updated = _aws(end, CONTROL, "update-dataset-examples", "--dataset-id", ident, "--examples", change)
    assert updated["updatedCount"] == 1
    emulator.admin.advance_clock(1)
    b_id = next(e["exampleId"] for e in listed if e["scenario_id"] == "b")
    removed = _aws(end, CONTROL, "delete-dataset-examples", "--dataset-id", ident, "--example-ids", b_id)
    assert removed["deletedCount"] == 1
    emulator.admin.advance_clock(1)
    version = _aws(end, CONTROL, "create-dataset-version", "--dataset-id", ident)
    assert version["datasetVersion"] == "1"
    emulator.admin.advance_clock(1)
    versions = _aws(end, CONTROL, "list-dataset-versions", "--dataset-id", ident)["versions"]
    assert [(v["datasetVersion"], v["exampleCount"]) for v in versions] == [("1", 2)]
    _aws(end, CONTROL, "update-dataset", "--dataset-id", ident, "--description", "reviewed")
    summary = _aws(end, CONTROL, "list-datasets")["datasets"]
    assert [(d["datasetName"], d["description"], d["draftStatus"]) for d in summary] == [
        ("cli_cases", "reviewed", "UNMODIFIED")
    ]
    assert _aws(end, CONTROL, "delete-dataset", "--dataset-id", ident)["status"] == "DELETING"


def test_the_sdk_loads_a_published_version_through_its_download_url(control: Any, emulator: Any) -> None:
    """The SDK's own loader (GetDataset, then GET downloadUrl, then its scenario parser)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from bedrock_agentcore.evaluation.runner.dataset_providers import DatasetManagementServiceProvider

    created = control.create_dataset(
        datasetName="sdk_cases", source={"inlineExamples": {"examples": [scenario("a"), scenario("b")]}}
    )
    emulator.admin.advance_clock(1)
    control.create_dataset_version(datasetId=created["datasetId"])
    emulator.admin.advance_clock(1)
    control.delete_dataset_examples(
        datasetId=created["datasetId"],
        exampleIds=[
            control.list_dataset_examples(datasetId=created["datasetId"])["examples"][0]["exampleId"]
        ],
    )
    emulator.admin.advance_clock(1)

    class Client:
        def get_dataset(self, **kwargs: Any) -> Any:
            return control.get_dataset(**kwargs)

    pinned = DatasetManagementServiceProvider(created["datasetId"], "1", client=Client())  # type: ignore[arg-type]
    draft = DatasetManagementServiceProvider(created["datasetId"], client=Client())  # type: ignore[arg-type]
    assert [s.scenario_id for s in pinned.get_dataset().scenarios] == ["a", "b"]
    assert [s.scenario_id for s in draft.get_dataset().scenarios] == ["b"]
    turn = pinned.get_dataset().scenarios[0].turns[0]  # type: ignore[attr-defined]
    assert (turn.input, turn.expected_response) == ("question a", "Paris")
