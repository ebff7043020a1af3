"""Dataset operations through boto3 against the emulator: lifecycles, examples, versions, downloads."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl.emulator.testing import AdminRequestError

PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"


def scenario(sid: str, answer: str = "Paris") -> dict[str, Any]:
    return {
        "scenario_id": sid,
        "turns": [{"input": f"question {sid}", "expected_response": answer}],
        "expected_trajectory": ["lookup"],
        "assertions": ["answers politely"],
    }


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def make(control: Any, emulator: Any, examples: list[dict[str, Any]] | None = None, **extra: Any) -> str:
    params: dict[str, Any] = {"datasetName": "support_cases", "schemaType": PREDEFINED, **extra}
    if examples:
        params["source"] = {"inlineExamples": {"examples": examples}}
    created = control.create_dataset(**params)
    assert created["status"] == "CREATING"
    emulator.admin.advance_clock(1)
    return str(created["datasetId"])


def test_create_is_creating_then_active_with_counts_and_a_download_url(control: Any, emulator: Any) -> None:
    emulator.admin.configure(resource_seconds=30)  # still CREATING at the next call, whatever the load
    created = control.create_dataset(
        datasetName="support_cases", schemaType=PREDEFINED, description="d",
        source={"inlineExamples": {"examples": [scenario("a"), scenario("b")]}}, tags={"team": "x"},
    )  # fmt: skip
    early = control.get_dataset(datasetId=created["datasetId"])
    assert early["status"] == "CREATING"
    assert "downloadUrl" not in early  # "Omitted if the file does not yet exist."
    emulator.admin.advance_clock(31)
    got = control.get_dataset(datasetId=created["datasetId"])
    assert (got["status"], got["datasetVersion"], got["exampleCount"]) == ("ACTIVE", "DRAFT", 2)
    assert got["exampleCountByField"] == {"turns": 2, "input": 0, "actorProfile": 0}
    assert (got["draftStatus"], got["tags"], got["description"]) == ("MODIFIED", {"team": "x"}, "d")
    with urllib.request.urlopen(got["downloadUrl"]) as answer:
        lines = [json.loads(line) for line in answer.read().decode().splitlines()]
    assert [line["scenario_id"] for line in lines] == ["a", "b"]
    assert all(len(line["exampleId"]) == 36 for line in lines)


def test_download_url_expires_after_five_minutes(control: Any, emulator: Any) -> None:
    dataset_id = make(control, emulator, [scenario("a")])
    url = control.get_dataset(datasetId=dataset_id)["downloadUrl"]
    emulator.admin.advance_clock(301)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(url)
    assert exc.value.code == 403


def test_names_are_unique_and_creation_refuses_an_invalid_example(control: Any, emulator: Any) -> None:
    make(control, emulator)
    with pytest.raises(ClientError) as exc:
        control.create_dataset(datasetName="support_cases")
    assert _code(exc) == "ConflictException"
    bad = {"scenario_id": "x", "turns": []}
    with pytest.raises(ClientError) as exc:
        control.create_dataset(datasetName="other", source={"inlineExamples": {"examples": [bad]}})
    assert _code(exc) == "ValidationException"
    assert "Example 0 of inlineExamples.examples" in str(exc.value)
    assert len(control.list_datasets()["datasets"]) == 1  # nothing created by the refused call


def test_add_update_delete_examples_are_all_or_nothing(control: Any, emulator: Any) -> None:
    dataset_id = make(control, emulator, [scenario("a")])
    added = control.add_dataset_examples(
        datasetId=dataset_id, source={"inlineExamples": {"examples": [scenario("b"), scenario("c")]}}
    )
    assert (added["addedCount"], added["status"], len(added["exampleIds"])) == (2, "UPDATING", 2)
    # A change while UPDATING is refused (the stricter reading; see the emulator README).
    with pytest.raises(ClientError) as exc:
        control.delete_dataset_examples(datasetId=dataset_id, exampleIds=added["exampleIds"][:1])
    assert _code(exc) == "ConflictException"
    emulator.admin.advance_clock(1)
    with pytest.raises(ClientError) as exc:
        control.add_dataset_examples(
            datasetId=dataset_id,
            source={"inlineExamples": {"examples": [scenario("d"), {"scenario_id": "e", "turnz": []}]}},
        )
    assert "Example 1" in str(exc.value) and "turnz" in str(exc.value)
    with pytest.raises(ClientError) as exc:
        control.add_dataset_examples(
            datasetId=dataset_id, source={"inlineExamples": {"examples": [scenario("a")]}}
        )
    assert "scenario_id 'a' is already used" in str(exc.value)
    b_id = added["exampleIds"][0]
    updated = control.update_dataset_examples(
        datasetId=dataset_id, examples=[{**scenario("b", "Lyon"), "exampleId": b_id}]
    )
    assert updated["updatedCount"] == 1
    emulator.admin.advance_clock(1)
    with pytest.raises(ClientError) as exc:
        control.delete_dataset_examples(datasetId=dataset_id, exampleIds=[b_id, "nope"])
    assert _code(exc) == "ResourceNotFoundException"
    examples = control.list_dataset_examples(datasetId=dataset_id)["examples"]
    assert [e["scenario_id"] for e in examples] == ["a", "b", "c"]
    assert examples[1]["turns"][0]["expected_response"] == "Lyon"
    deleted = control.delete_dataset_examples(datasetId=dataset_id, exampleIds=[b_id])
    assert deleted["deletedCount"] == 1
    emulator.admin.advance_clock(1)
    assert control.get_dataset(datasetId=dataset_id)["exampleCount"] == 2


def test_versions_snapshot_the_draft_newest_first_and_draft_status_follows(
    control: Any, emulator: Any
) -> None:
    dataset_id = make(control, emulator, [scenario("a")])
    first = control.create_dataset_version(datasetId=dataset_id)
    assert (first["datasetVersion"], first["status"]) == ("1", "UPDATING")
    emulator.admin.advance_clock(1)
    assert control.get_dataset(datasetId=dataset_id)["draftStatus"] == "UNMODIFIED"
    control.add_dataset_examples(
        datasetId=dataset_id, source={"inlineExamples": {"examples": [scenario("b")]}}
    )
    emulator.admin.advance_clock(1)
    assert control.get_dataset(datasetId=dataset_id)["draftStatus"] == "MODIFIED"
    assert control.create_dataset_version(datasetId=dataset_id)["datasetVersion"] == "2"
    emulator.admin.advance_clock(1)
    versions = control.list_dataset_versions(datasetId=dataset_id)["versions"]
    assert [(v["datasetVersion"], v["exampleCount"]) for v in versions] == [("2", 2), ("1", 1)]
    one = control.get_dataset(datasetId=dataset_id, datasetVersion="1")
    assert (one["datasetVersion"], one["exampleCount"]) == ("1", 1)
    listed = control.list_dataset_examples(datasetId=dataset_id, datasetVersion="1")["examples"]
    assert [e["scenario_id"] for e in listed] == ["a"]
    with pytest.raises(ClientError) as exc:
        control.get_dataset(datasetId=dataset_id, datasetVersion="9")
    assert _code(exc) == "ResourceNotFoundException"
    removed = control.delete_dataset(datasetId=dataset_id, datasetVersion="1")
    assert (removed["datasetVersion"], removed["status"]) == ("1", "UPDATING")
    emulator.admin.advance_clock(1)
    assert [v["datasetVersion"] for v in control.list_dataset_versions(datasetId=dataset_id)["versions"]] == [
        "2"
    ]


def test_example_pages_are_pinned_to_the_version_of_their_token(control: Any, emulator: Any) -> None:
    dataset_id = make(control, emulator, [scenario(str(i)) for i in range(5)])
    control.create_dataset_version(datasetId=dataset_id)
    emulator.admin.advance_clock(1)
    control.add_dataset_examples(
        datasetId=dataset_id, source={"inlineExamples": {"examples": [scenario("z")]}}
    )
    emulator.admin.advance_clock(1)
    first = control.list_dataset_examples(datasetId=dataset_id, datasetVersion="1", maxResults=3)
    rest = control.list_dataset_examples(datasetId=dataset_id, nextToken=first["nextToken"], maxResults=3)
    assert [e["scenario_id"] for e in first["examples"] + rest["examples"]] == ["0", "1", "2", "3", "4"]
    assert rest["datasetVersion"] == "1" and rest.get("nextToken") is None
    with pytest.raises(ClientError) as exc:
        control.list_dataset_examples(
            datasetId=dataset_id, datasetVersion="DRAFT", nextToken=first["nextToken"]
        )
    assert _code(exc) == "ValidationException"


def test_update_description_list_filter_and_delete(control: Any, emulator: Any) -> None:
    dataset_id = make(control, emulator, [scenario("a")])
    control.update_dataset(datasetId=dataset_id, description="new")
    assert control.get_dataset(datasetId=dataset_id)["description"] == "new"
    wanted = [{"anyOf": ["TURNS"], "min": 1}]
    assert len(control.list_datasets(filter={"exampleCountByField": wanted})["datasets"]) == 1
    none = [{"anyOf": ["ACTOR_PROFILE"], "min": 1}]
    assert control.list_datasets(filter={"exampleCountByField": none})["datasets"] == []
    assert control.delete_dataset(datasetId=dataset_id)["status"] == "DELETING"
    assert control.get_dataset(datasetId=dataset_id)["status"] == "DELETING"
    emulator.admin.advance_clock(2)
    with pytest.raises(ClientError) as exc:
        control.get_dataset(datasetId=dataset_id)
    assert _code(exc) == "ResourceNotFoundException"


def test_simulated_scenarios_are_checked_against_their_own_type(control: Any, emulator: Any) -> None:
    simulated = {
        "scenario_id": "s1",
        "scenario_description": "refund",
        "actor_profile": {"traits": {"tone": "curt"}, "context": "bought shoes", "goal": "a refund"},
        "input": "I want my money back",
        "max_turns": 4,
    }
    created = control.create_dataset(
        datasetName="sim", schemaType="AGENTCORE_EVALUATION_SIMULATED_V1",
        source={"inlineExamples": {"examples": [simulated]}},
    )  # fmt: skip
    emulator.admin.advance_clock(1)
    got = control.get_dataset(datasetId=created["datasetId"])
    assert got["exampleCountByField"] == {"turns": 0, "input": 1, "actorProfile": 1}
    with pytest.raises(ClientError) as exc:
        control.add_dataset_examples(
            datasetId=created["datasetId"], source={"inlineExamples": {"examples": [scenario("p")]}}
        )
    assert "AGENTCORE_EVALUATION_SIMULATED_V1" in str(exc.value)


def test_s3_source_reads_a_jsonl_object(control: Any, emulator: Any) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="eval-data")
    body = "\n".join(json.dumps(scenario(s)) for s in ("a", "b")) + "\n"
    s3.put_object(Bucket="eval-data", Key="cases.jsonl", Body=body.encode())
    created = control.create_dataset(
        datasetName="from_s3", source={"s3Source": {"s3Uri": "s3://eval-data/cases.jsonl"}}
    )
    emulator.admin.advance_clock(1)
    assert control.get_dataset(datasetId=created["datasetId"])["exampleCount"] == 2
    with pytest.raises(ClientError) as exc:
        control.create_dataset(
            datasetName="missing", source={"s3Source": {"s3Uri": "s3://eval-data/nope.jsonl"}}
        )
    assert _code(exc) == "ValidationException"


def test_dataset_tags_through_the_tagging_api(control: Any, emulator: Any) -> None:
    dataset_id = make(control, emulator)
    arn = control.get_dataset(datasetId=dataset_id)["datasetArn"]
    control.tag_resource(resourceArn=arn, tags={"a": "1"})
    assert control.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1"}


def test_client_token_replays_the_first_answer(control: Any, emulator: Any) -> None:
    dataset_id = make(control, emulator)
    token = "t" * 40
    source = {"inlineExamples": {"examples": [scenario("a")]}}
    first = control.add_dataset_examples(datasetId=dataset_id, source=source, clientToken=token)
    again = control.add_dataset_examples(datasetId=dataset_id, source=source, clientToken=token)
    assert first["exampleIds"] == again["exampleIds"]
    emulator.admin.advance_clock(1)
    assert control.get_dataset(datasetId=dataset_id)["exampleCount"] == 1


def test_a_mistyped_setting_or_a_quoted_switch_is_refused_with_its_name(emulator: Any) -> None:
    """Was `KeyError: 'x'` for a typo, and "false" (a string) turned the rule on: bool("false") is True."""
    with pytest.raises(AdminRequestError, match="unknown setting 'dataset_refuse_unknown_field'; the"):
        emulator.admin.configure(dataset_refuse_unknown_field=False)
    with pytest.raises(AdminRequestError, match="dataset_refuse_unknown_fields takes true or false, not"):
        emulator.admin.configure(dataset_refuse_unknown_fields="false")
    assert emulator.admin.configure()["dataset_refuse_unknown_fields"] is True


def test_unknown_example_fields_are_refused_unless_the_setting_lets_them_through(
    control: Any, emulator: Any
) -> None:
    """The official CLI's starter scenarios spell a turn's expected response `expectedResponse`."""
    ident = make(control, emulator)
    camel = {"scenario_id": "camel", "turns": [{"input": "hi", "expectedResponse": "hello"}]}
    source = {"inlineExamples": {"examples": [camel]}}
    with pytest.raises(ClientError) as exc:
        control.add_dataset_examples(datasetId=ident, source=source)
    assert _code(exc) == "ValidationException"
    assert "/turns/0/expectedResponse: unknown field 'expectedResponse'" in str(exc.value)

    emulator.admin.configure(dataset_refuse_unknown_fields=False)
    [example_id] = control.add_dataset_examples(datasetId=ident, source=source)["exampleIds"]
    [stored] = control.list_dataset_examples(datasetId=ident)["examples"]
    assert stored == {**camel, "exampleId": example_id}, "kept verbatim, as the SDK's model ignores it"
    emulator.admin.advance_clock(1)  # past UPDATING
    wrong_type = {"scenario_id": "typed", "turns": [{"input": 3}]}
    with pytest.raises(ClientError) as exc:  # the SDK's own checks still apply
        control.add_dataset_examples(datasetId=ident, source={"inlineExamples": {"examples": [wrong_type]}})
    assert _code(exc) == "ValidationException"
