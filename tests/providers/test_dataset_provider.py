"""DatasetProvider through the real provider server against the emulator (tier 2)."""

from __future__ import annotations

from typing import Any

from tests.providers.harness import provider_input, urn

URN = urn("dataset-cases", "dynamic/dataset:Dataset")


def scenario(sid: str, answer: str = "30 days.") -> dict[str, Any]:
    return {"scenario_id": sid, "turns": [{"input": f"question {sid}", "expected_response": answer}]}


def props(items: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    from components.dataset import DatasetProvider

    found: dict[str, Any] = {
        "datasetName": "cases_test",
        "schemaType": "AGENTCORE_EVALUATION_PREDEFINED_V1",
        "description": "support cases",
        "scenarios": items,
        "publish": True,
        "source": "evaluations/cases.yaml",
        "ownerUrn": urn("dataset-cases", "x/dataset"),
        "__provider": provider_input(DatasetProvider()),
    }
    found.update(changes)
    return {k: v for k, v in found.items() if v is not None}


def live(control: Any, dataset_id: str, version: str = "DRAFT") -> dict[str, str]:
    found = control.list_dataset_examples(datasetId=dataset_id, datasetVersion=version)["examples"]
    return {e["scenario_id"]: e["turns"][0]["expected_response"] for e in found}


def test_create_change_one_scenario_publish_and_destroy(provider_server, fast_emulator):
    control = fast_emulator.client("bedrock-agentcore-control")
    state = provider_server.up(URN, props([scenario("a"), scenario("b"), scenario("c")]))
    ident = state.outputs["datasetId"]
    assert state.outputs["datasetVersion"] == "1"
    assert live(control, ident, "1") == {"a": "30 days.", "b": "30 days.", "c": "30 days."}
    assert fast_emulator.admin.call_counts()["CreateDataset"] == 1

    fast_emulator.admin.clear_call_counts()
    changed = provider_server.up(URN, props([scenario("a"), scenario("b", "14 days."), scenario("d")]), state)
    counts = fast_emulator.admin.call_counts()
    # One call per kind of change, the dataset is never recreated, one version published.
    wanted = {
        "UpdateDatasetExamples": 1,
        "AddDatasetExamples": 1,
        "DeleteDatasetExamples": 1,
        "CreateDatasetVersion": 1,
        "CreateDataset": 0,
        "DeleteDataset": 0,
    }
    assert {k: counts.get(k, 0) for k in wanted} == wanted
    assert changed.id == state.id and changed.outputs["datasetVersion"] == "2"
    assert live(control, ident) == {"a": "30 days.", "b": "14 days.", "d": "30 days."}
    assert live(control, ident, "1")["b"] == "30 days."  # the published version is frozen

    fast_emulator.admin.clear_call_counts()
    same = provider_server.up(URN, props([scenario("a"), scenario("b", "14 days."), scenario("d")]), changed)
    assert same is changed  # no diff, no calls
    assert fast_emulator.admin.call_counts() == {}

    provider_server.destroy(changed)
    assert control.list_datasets()["datasets"] == []


def test_refresh_shows_example_drift_and_the_next_up_repairs_it(provider_server, fast_emulator):
    control = fast_emulator.client("bedrock-agentcore-control")
    declared = props([scenario("a"), scenario("b")], publish=False)
    state = provider_server.up(URN, declared)
    ident = state.outputs["datasetId"]
    assert state.outputs["datasetVersion"] == "DRAFT"
    examples = control.list_dataset_examples(datasetId=ident)["examples"]
    b_id = next(e["exampleId"] for e in examples if e["scenario_id"] == "b")
    control.update_dataset_examples(
        datasetId=ident, examples=[{**scenario("b", "edited"), "exampleId": b_id}]
    )
    control.add_dataset_examples(datasetId=ident, source={"inlineExamples": {"examples": [scenario("z")]}})
    refreshed = provider_server.refresh(state)
    assert refreshed is not None
    assert [s["scenario_id"] for s in refreshed.inputs["scenarios"]] == ["a", "b", "z"]
    assert refreshed.inputs["scenarios"][1]["turns"][0]["expected_response"] == "edited"
    plan = provider_server.diff(URN, ident, refreshed.outputs, declared)
    assert plan.changes == "some" and plan.replaces == []
    repaired = provider_server.up(URN, declared, refreshed)
    assert live(control, ident) == {"a": "30 days.", "b": "30 days."}
    provider_server.destroy(repaired)


def test_import_adopts_an_existing_dataset_and_converges(provider_server, fast_emulator):
    control = fast_emulator.client("bedrock-agentcore-control")
    existing = control.create_dataset(
        datasetName="legacy", source={"inlineExamples": {"examples": [scenario("old"), scenario("a", "x")]}}
    )
    fast_emulator.admin.advance_clock(1)
    state = provider_server.up(
        URN, props([scenario("a")], datasetName="legacy", importId=existing["datasetId"])
    )
    assert state.id == existing["datasetId"]
    assert live(control, state.id) == {"a": "30 days."}
    tags = control.list_tags_for_resource(resourceArn=existing["datasetArn"])["tags"]
    assert "evalctl:owner" in tags
    provider_server.destroy(state)


def test_a_name_change_replaces_and_a_description_updates_in_place(provider_server):
    olds = {**props([scenario("a")]), "datasetId": "cases_test-0123456789", "status": "ACTIVE"}
    renamed = provider_server.diff(
        URN, "cases_test-0123456789", olds, props([scenario("a")], datasetName="other")
    )
    assert renamed.replaces == ["datasetName"]
    described = provider_server.diff(
        URN, "cases_test-0123456789", olds, props([scenario("a")], description="n")
    )
    assert (described.changes, described.replaces) == ("some", [])


def test_every_call_gets_a_fresh_client_token(provider_server, fast_emulator):
    """Two identical example changes in a row are two calls, not a replayed first answer."""
    control = fast_emulator.client("bedrock-agentcore-control")
    first = provider_server.up(URN, props([scenario("a")], publish=False))
    second = provider_server.up(URN, props([scenario("a", "v2")], publish=False), first)
    third = provider_server.up(URN, props([scenario("a")], publish=False), second)
    fourth = provider_server.up(URN, props([scenario("a", "v2")], publish=False), third)
    assert live(control, fourth.id) == {"a": "v2"}
    provider_server.destroy(fourth)
