"""Dataset generations through boto3: scenarios from real turns into an ACTIVE dataset's DRAFT."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl import scenarios
from evalctl.emulator.settings import Settings
from tests.emulator.helpers import error_code

SERVICE = "agent.DEFAULT"
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
LOGS = {"cloudWatchLogs": {"serviceNames": [SERVICE]}}


@pytest.fixture
def seeded(emulator: Any, span_fixtures: Any) -> list[str]:
    ids: list[str] = emulator.admin.seed([span_fixtures / f for f in FILES], SERVICE)
    return ids


def _dataset(control: Any, emulator: Any, schema: str = scenarios.PREDEFINED, name: str = "cases") -> str:
    created = control.create_dataset(datasetName=name, schemaType=schema)
    emulator.admin.advance_clock(1)
    return str(created["datasetId"])


def _start(data: Any, dataset_id: str, name: str = "gen", **trace: Any) -> dict[str, Any]:
    source = {"traceGeneration": {"sourceConfig": LOGS, **trace}}
    result: dict[str, Any] = data.start_dataset_generation(
        datasetId=dataset_id, name=name, scenarioType="FIXED", source=source
    )
    return result


def test_fixed_scenarios_carry_the_real_turns_into_the_draft(
    emulator: Any, control: Any, data: Any, seeded: list[str]
) -> None:
    dataset_id = _dataset(control, emulator)
    started = _start(data, dataset_id, groundTruth={"fields": ["expected_response", "expected_trajectory"]})
    assert started["status"] == "IN_PROGRESS"
    gen_id = started["generationId"]
    # "While it runs, requests that change the dataset's draft or publish a version are rejected".
    with pytest.raises(ClientError) as exc:
        control.create_dataset_version(datasetId=dataset_id)
    assert error_code(exc) == "ConflictException"
    with pytest.raises(ClientError) as exc:
        _start(data, dataset_id, name="second")
    assert error_code(exc) == "ConflictException"
    emulator.admin.advance_clock(5)
    done = data.get_dataset_generation(datasetId=dataset_id, generationId=gen_id)
    assert done["status"] == "COMPLETED"
    assert done["generationResults"]["sessionsMatched"] == len(seeded) == 1
    assert (
        done["generationResults"]["examplesWritten"]
        == done["generationResults"]["examplesWithGroundTruth"]
        == 1
    )
    assert done["source"]["traceGeneration"]["sampling"] == {"maxScenarios": 100}
    window = done["source"]["traceGeneration"]["sourceConfig"]["cloudWatchLogs"]
    assert (window["endTime"] - window["startTime"]).days == 7
    examples = control.list_dataset_examples(datasetId=dataset_id, filter={"generationIds": [gen_id]})[
        "examples"
    ]
    (example,) = examples
    assert example["scenario_id"] == seeded[0]
    assert example["turns"][0]["input"] == "Hello"
    assert all(t["expected_response"] for t in example["turns"])
    assert example["metadata"]["source"].startswith("emulated dataset generation")
    # The same sessions again are duplicates of the draft: nothing more is written.
    again = _start(data, dataset_id, name="again")["generationId"]
    emulator.admin.advance_clock(5)
    second = data.get_dataset_generation(datasetId=dataset_id, generationId=again)["generationResults"]
    assert (second["scenariosGenerated"], second["scenariosDeduplicated"], second["examplesWritten"]) == (
        1,
        1,
        0,
    )


def test_dynamic_scenarios_need_a_simulated_dataset(
    emulator: Any, control: Any, data: Any, seeded: Any
) -> None:
    predefined = _dataset(control, emulator)
    source = {"traceGeneration": {"sourceConfig": LOGS}}
    with pytest.raises(ClientError) as exc:
        data.start_dataset_generation(datasetId=predefined, name="dyn", source=source)
    assert error_code(exc) == "ValidationException"
    simulated = _dataset(control, emulator, scenarios.SIMULATED, name="sim")
    gen_id = data.start_dataset_generation(datasetId=simulated, name="dyn", source=source)["generationId"]
    emulator.admin.advance_clock(5)
    got = data.get_dataset_generation(datasetId=simulated, generationId=gen_id)
    assert got["scenarioType"] == "DYNAMIC"
    (example,) = control.list_dataset_examples(datasetId=simulated)["examples"]
    assert example["input"] == example["actor_profile"]["goal"] == "Hello"
    assert example["max_turns"] == 2


def test_redaction_masks_and_counts_findings(emulator: Any, control: Any, data: Any, seeded: Any) -> None:
    dataset_id = _dataset(control, emulator)
    redaction = {"customDataIdentifiers": [{"name": "GREETING", "regex": "Hello"}]}
    gen_id = _start(data, dataset_id, redactionConfiguration=redaction)["generationId"]
    emulator.admin.advance_clock(5)
    got = data.get_dataset_generation(datasetId=dataset_id, generationId=gen_id)
    assert got["redactionSummary"]["scenariosScanned"] == 1
    assert got["redactionSummary"]["findingCounts"]["GREETING"] >= 2
    (example,) = control.list_dataset_examples(datasetId=dataset_id)["examples"]
    assert example["turns"][0]["input"] == "<GREETING>"


def test_unknown_ids_complete_with_errors(emulator: Any, control: Any, data: Any, seeded: list[str]) -> None:
    dataset_id = _dataset(control, emulator)
    selection = {"identifiers": {"sessionIds": [seeded[0], "ghost"]}}
    gen_id = _start(data, dataset_id, selection=selection)["generationId"]
    emulator.admin.advance_clock(5)
    got = data.get_dataset_generation(datasetId=dataset_id, generationId=gen_id)
    assert got["status"] == "COMPLETED_WITH_ERRORS"
    assert got["source"]["traceGeneration"]["selection"] == {
        "identifiers": {"sessionIdCount": 2, "traceIdCount": 0}
    }
    (detail,) = got["errorDetails"]
    assert (detail["errorCode"], detail["count"], detail["sessionIds"]) == ("SESSION_NOT_FOUND", 1, ["ghost"])
    assert got["generationResults"]["examplesWritten"] == 1


def test_turn_filters_and_missing_groups(emulator: Any, control: Any, data: Any, seeded: Any) -> None:
    dataset_id = _dataset(control, emulator)
    single = {"filters": {"turnCount": {"max": 1}}}
    gen_id = _start(data, dataset_id, selection=single)["generationId"]
    emulator.admin.advance_clock(5)
    got = data.get_dataset_generation(datasetId=dataset_id, generationId=gen_id)
    assert got["generationResults"]["sessionsMatched"] == 0
    assert got["source"]["traceGeneration"]["selection"]["filters"]["turnCount"] == {"max": 1}
    missing = {"cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": ["/nope"]}}
    source = {"traceGeneration": {"sourceConfig": missing}}
    failed = data.start_dataset_generation(
        datasetId=dataset_id, name="gone", scenarioType="FIXED", source=source
    )
    emulator.admin.advance_clock(5)
    got = data.get_dataset_generation(datasetId=dataset_id, generationId=failed["generationId"])
    assert got["status"] == "FAILED"
    assert "/nope" in got["failureReason"]


def test_start_refusals(emulator: Any, control: Any, data: Any, seeded: Any) -> None:
    with pytest.raises(ClientError) as exc:
        _start(data, "ghost-dataset")
    assert error_code(exc) == "ResourceNotFoundException"
    # Still CREATING whatever the machine's load (the default 0.2 s could pass before the next call).
    emulator.admin.configure(resource_seconds=600)
    creating = control.create_dataset(datasetName="young", schemaType=scenarios.PREDEFINED)["datasetId"]
    emulator.admin.configure(resource_seconds=Settings().resource_seconds)
    with pytest.raises(ClientError) as exc:
        _start(data, creating)
    assert error_code(exc) == "ConflictException"  # "The dataset must be ACTIVE."
    dataset_id = _dataset(control, emulator)
    both = {
        "cloudWatchLogs": {"serviceNames": [SERVICE], "logGroupNames": ["/a"], "logGroupNamePrefixes": ["/b"]}
    }
    bad_sources: list[dict[str, Any]] = [
        {"sourceConfig": both},
        {"sourceConfig": LOGS, "selection": {"filters": {"evaluatorFilters": [
            {"evaluatorId": "Builtin.Helpfulness", "operator": "Equals", "value": {"doubleValue": 1.0}}]}}},
        {"sourceConfig": LOGS, "sampling": {"maxScenarios": 1000}},
        {"sourceConfig": LOGS,
         "redactionConfiguration": {"customDataIdentifiers": [{"name": "X", "regex": "(?=a)"}]}},
        {"sourceConfig": LOGS,
         "redactionConfiguration": {"customDataIdentifiers": [{"name": "NAME", "regex": "a"}]}},
    ]  # fmt: skip
    control.add_dataset_examples(
        datasetId=dataset_id,
        source={"inlineExamples": {"examples": [{"scenario_id": "s", "turns": [{"input": "hi"}]}]}},
    )
    emulator.admin.advance_clock(1)
    for trace in bad_sources:
        with pytest.raises(ClientError) as exc:
            data.start_dataset_generation(datasetId=dataset_id, name="bad", scenarioType="FIXED",
                                          source={"traceGeneration": trace})  # fmt: skip
        assert error_code(exc) == "ValidationException", trace
    assert data.list_dataset_generations(datasetId=dataset_id)["datasetGenerations"] == []


def test_list_delete_and_not_found(emulator: Any, control: Any, data: Any, seeded: Any) -> None:
    dataset_id = _dataset(control, emulator)
    gen_id = _start(data, dataset_id)["generationId"]
    with pytest.raises(ClientError) as exc:
        data.delete_dataset_generation(datasetId=dataset_id, generationId=gen_id)
    assert error_code(exc) == "ConflictException"
    listed = data.list_dataset_generations(datasetId=dataset_id)["datasetGenerations"]
    assert [(g["generationId"], g["status"]) for g in listed] == [(gen_id, "IN_PROGRESS")]
    emulator.admin.advance_clock(5)
    assert data.delete_dataset_generation(datasetId=dataset_id, generationId=gen_id)["status"] == "DELETING"
    emulator.admin.advance_clock(2)
    with pytest.raises(ClientError) as exc:
        data.get_dataset_generation(datasetId=dataset_id, generationId=gen_id)
    assert error_code(exc) == "ResourceNotFoundException"
    # "The examples the generation added stay in the dataset's draft."
    assert len(control.list_dataset_examples(datasetId=dataset_id)["examples"]) == 1
    with pytest.raises(ClientError) as exc:
        data.list_dataset_generations(datasetId="ghost-dataset")
    assert error_code(exc) == "ResourceNotFoundException"


def test_client_token_replays_the_start(emulator: Any, control: Any, data: Any, seeded: Any) -> None:
    dataset_id = _dataset(control, emulator)
    source = {"traceGeneration": {"sourceConfig": LOGS}}
    params = {
        "datasetId": dataset_id,
        "name": "gen",
        "scenarioType": "FIXED",
        "source": source,
        "clientToken": "t" * 40,
    }
    first = data.start_dataset_generation(**params)
    assert data.start_dataset_generation(**params)["generationId"] == first["generationId"]
    assert len(data.list_dataset_generations(datasetId=dataset_id)["datasetGenerations"]) == 1


def _finished_batch(emulator: Any, data: Any) -> str:
    job = data.start_batch_evaluation(
        batchEvaluationName="scored", evaluators=[{"evaluatorId": "Builtin.Helpfulness"}],
        dataSourceConfig={"cloudWatchLogs": {"serviceNames": [SERVICE]}},
    )  # fmt: skip
    emulator.admin.advance_clock(60)
    finished = data.get_batch_evaluation(batchEvaluationId=job["batchEvaluationId"])
    assert finished["status"] == "COMPLETED"
    return str(job["batchEvaluationArn"])


def test_evaluator_filters_read_a_batch_evaluations_results(
    emulator: Any, control: Any, data: Any, seeded: Any
) -> None:
    arn = _finished_batch(emulator, data)
    dataset_id = _dataset(control, emulator)
    results: dict[str, Any] = {}
    for name, operator in (("low", "LessThan"), ("any", "GreaterThanOrEqual")):
        rule = {"evaluatorId": "Builtin.Helpfulness", "operator": operator, "value": {"doubleValue": 0.0},
                "aggregation": "Min"}  # fmt: skip
        source = {"traceGeneration": {
            "sourceConfig": {"batchEvaluation": {"batchEvaluationArn": arn}},
            "selection": {"filters": {"evaluatorFilters": [rule]}},
            "groundTruth": {"fields": ["expected_response"], "qualityFilters": []},
        }}  # fmt: skip
        gen = data.start_dataset_generation(
            datasetId=dataset_id, name=name, scenarioType="FIXED", source=source
        )
        emulator.admin.advance_clock(5)
        results[name] = data.get_dataset_generation(datasetId=dataset_id, generationId=gen["generationId"])
    # Scores are never below 0: the first selects nothing, the second every scored session.
    assert results["low"]["generationResults"]["sessionsSelected"] == 0
    assert results["any"]["generationResults"]["sessionsSelected"] == 1
    assert results["any"]["generationResults"]["examplesWithGroundTruth"] == 1
    assert results["any"]["source"]["traceGeneration"]["groundTruth"]["qualityFilters"] == []
    with pytest.raises(ClientError) as exc:
        source = {"traceGeneration": {"sourceConfig": {"batchEvaluation": {"batchEvaluationArn": arn + "x"}}}}
        data.start_dataset_generation(datasetId=dataset_id, name="ghost", scenarioType="FIXED", source=source)
    assert error_code(exc) == "ResourceNotFoundException"


def test_an_online_evaluation_source_reads_its_log_groups(
    emulator: Any, control: Any, data: Any, seeded: Any
) -> None:
    from tests.emulator.helpers import make_online

    online = make_online(control, ["Builtin.Helpfulness"])  # its log group /aws/x does not exist
    dataset_id = _dataset(control, emulator)
    source = {"traceGeneration": {"sourceConfig": {
        "onlineEvaluation": {"onlineEvaluationConfigArn": online["onlineEvaluationConfigArn"]}}}}  # fmt: skip
    gen = data.start_dataset_generation(
        datasetId=dataset_id, name="live", scenarioType="FIXED", source=source
    )
    emulator.admin.advance_clock(5)
    got = data.get_dataset_generation(datasetId=dataset_id, generationId=gen["generationId"])
    assert got["status"] == "FAILED"
    assert "/aws/x" in got["failureReason"]
    window = got["source"]["traceGeneration"]["sourceConfig"]["onlineEvaluation"]
    assert (window["endTime"] - window["startTime"]).days == 7
    ghost = online["onlineEvaluationConfigArn"][:-10] + "ABCDEFGHIJ"
    source = {"traceGeneration": {"sourceConfig": {"onlineEvaluation": {"onlineEvaluationConfigArn": ghost}}}}
    with pytest.raises(ClientError) as exc:
        data.start_dataset_generation(datasetId=dataset_id, name="ghost", scenarioType="FIXED", source=source)
    assert error_code(exc) == "ResourceNotFoundException"
