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


def s3_object(emulator: Any, key: str, items: list[dict[str, Any]]) -> dict[str, str]:
    """Write a JSONL object into the emulator's S3; the s3Source that points at it."""
    import json

    s3 = emulator.client("s3")
    if not s3.list_buckets()["Buckets"]:
        s3.create_bucket(Bucket="eval-data")
    body = "".join(json.dumps(item) + "\n" for item in items)
    s3.put_object(Bucket="eval-data", Key=key, Body=body.encode())
    return {"s3Uri": f"s3://eval-data/{key}"}


def test_an_s3_dataset_reads_its_object_at_create_and_again_only_when_the_uri_or_revision_changes(
    provider_server, fast_emulator
):
    """Examples in S3 are not the spec's: they are read at creation, and re-read (the DRAFT replaced by
    the object, a version published) only when the URI or `revision` changes; a new description or tags
    touch no example and publish nothing, and refresh reports no example drift."""
    control = fast_emulator.client("bedrock-agentcore-control")
    source = s3_object(fast_emulator, "cases.jsonl", [scenario("a"), scenario("b")])
    state = provider_server.up(URN, props([], s3Source=source))
    ident = state.outputs["datasetId"]
    assert state.outputs["datasetVersion"] == "1"
    assert live(control, ident, "1") == {"a": "30 days.", "b": "30 days."}

    fast_emulator.admin.clear_call_counts()
    described = provider_server.up(URN, props([], s3Source=source, description="new", tags={"t": "1"}), state)
    counts = fast_emulator.admin.call_counts()
    example_calls = ("AddDatasetExamples", "UpdateDatasetExamples", "DeleteDatasetExamples")
    assert [k for k in (*example_calls, "CreateDatasetVersion", "CreateDataset") if counts.get(k)] == []
    assert described.outputs["datasetVersion"] == "1" and live(control, ident) == live(control, ident, "1")

    refreshed = provider_server.refresh(described)
    assert refreshed is not None and not refreshed.inputs.get("scenarios"), "S3 examples are no drift"

    # The object changes under the same URI: nothing in the spec says so, so nothing is re-read...
    s3_object(fast_emulator, "cases.jsonl", [scenario("a", "14 days."), scenario("c")])
    declared = props([], s3Source=source, description="new", tags={"t": "1"})
    assert provider_server.up(URN, declared, refreshed) is refreshed
    # ...until `revision` (or the URI) changes: the DRAFT becomes the object, version 2 is published.
    bumped = provider_server.up(URN, props([], s3Source={**source, "revision": "2"}, description="new",
                                           tags={"t": "1"}), refreshed)  # fmt: skip
    assert bumped.id == ident and bumped.outputs["datasetVersion"] == "2"
    assert live(control, ident, "2") == {"a": "14 days.", "c": "30 days."}
    assert live(control, ident, "1") == {"a": "30 days.", "b": "30 days."}
    provider_server.destroy(bumped)


def test_a_missing_or_invalid_s3_object_fails_the_update_before_the_draft_is_touched(
    provider_server, fast_emulator
):
    """The object is read and its examples checked before any example call: a missing object or an
    invalid example fails the update naming the spec, the member and the object, the DRAFT untouched."""
    import pytest

    from tests.providers.harness import ProviderError

    control = fast_emulator.client("bedrock-agentcore-control")
    source = s3_object(fast_emulator, "good.jsonl", [scenario("a"), scenario("b")])
    state = provider_server.up(URN, props([], s3Source=source))
    ident = state.outputs["datasetId"]
    fast_emulator.admin.clear_call_counts()

    missing = {"s3Uri": "s3://eval-data/absent.jsonl"}
    with pytest.raises(ProviderError) as exc:
        provider_server.up(URN, props([], s3Source=missing), state)
    named = ("evaluations/cases.yaml", "Dataset cases_test", "s3Source.s3Uri", missing["s3Uri"], "NoSuchKey")
    for part in (*named, "pulumi up"):
        assert part in exc.value.details, part

    bad = s3_object(fast_emulator, "bad.jsonl", [scenario("c"), {"scenario_id": "d", "turns": "no"}])
    with pytest.raises(ProviderError) as exc:
        provider_server.up(URN, props([], s3Source=bad), state)
    assert f"{bad['s3Uri']}:2" in exc.value.details and "/turns" in exc.value.details
    assert "s3Source.s3Uri" in exc.value.details

    counts = fast_emulator.admin.call_counts()
    assert [k for k in ("DeleteDatasetExamples", "AddDatasetExamples") if counts.get(k)] == []
    assert live(control, ident) == {"a": "30 days.", "b": "30 days."}
    provider_server.destroy(state)


def test_an_s3_dataset_whose_object_is_missing_is_not_created(provider_server, fast_emulator):
    """The same check runs before CreateDataset: nothing is created (no CREATE_FAILED dataset left)."""
    import pytest

    from tests.providers.harness import ProviderError

    s3_object(fast_emulator, "other.jsonl", [scenario("a")])
    with pytest.raises(ProviderError) as exc:
        provider_server.up(URN, props([], s3Source={"s3Uri": "s3://eval-data/absent.jsonl"}))
    assert "s3Source.s3Uri" in exc.value.details and "s3://eval-data/absent.jsonl" in exc.value.details
    assert fast_emulator.admin.call_counts().get("CreateDataset", 0) == 0


def test_refresh_marks_an_s3_dataset_whose_draft_is_not_its_last_read_and_up_reads_it_again(
    provider_server, fast_emulator
):
    """A re-read cut short between the delete and the add leaves the DRAFT unpublished (draftStatus
    MODIFIED) while the state keeps the old `revision`: refresh marks `s3Source`, so an `up` with that
    same spec reads the object again (tests/engine/test_s3_crash_on_engine.py kills a real `up` there)."""
    control = fast_emulator.client("bedrock-agentcore-control")
    source = s3_object(fast_emulator, "cases.jsonl", [scenario("a"), scenario("b")])
    state = provider_server.up(URN, props([], s3Source=source))
    ident = state.outputs["datasetId"]
    unchanged = provider_server.refresh(state)
    assert unchanged is not None and unchanged.inputs["s3Source"] == source, "a whole read is no drift"

    ids = [e["exampleId"] for e in control.list_dataset_examples(datasetId=ident)["examples"]]
    control.delete_dataset_examples(datasetId=ident, exampleIds=ids)  # what the crashed run did
    refreshed = provider_server.refresh(state)
    assert refreshed is not None and refreshed.inputs["s3Source"] == {**source, "draftModified": True}
    fast_emulator.admin.clear_call_counts()
    again = provider_server.up(URN, props([], s3Source=source), refreshed)
    assert fast_emulator.admin.call_counts()["AddDatasetExamples"] == 1
    assert (
        live(control, ident)
        == live(control, ident, again.outputs["datasetVersion"])
        == {
            "a": "30 days.",
            "b": "30 days.",
        }
    )
    assert provider_server.refresh(again).inputs["s3Source"] == source
