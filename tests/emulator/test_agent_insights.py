"""Agent Insights and the Agent Insight Store over HTTP with boto3 (responses shape-checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl.emulator.testing import running_emulator
from tests.emulator import agent_insight_data as seed
from tests.emulator.helpers import error_code

KEY = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"


@pytest.fixture
def failing(emulator: Any, span_fixtures: Path, tmp_path: Path) -> None:
    emulator.admin.seed([seed.failing_spans(span_fixtures, tmp_path)], seed.SERVICE)


def test_store_starts_disabled_and_settles_after_update(
    emulator: Any, control: Any, conformance: Any
) -> None:
    key = emulator.client("kms").create_key()["KeyMetadata"]["Arn"]
    listed = control.list_agent_insight_stores()["agentInsightStores"]
    assert [(s["agentInsightStoreId"], s["status"], s["enablementStatus"]) for s in listed] == [
        ("default", "INACTIVE", "DISABLED")
    ]
    assert listed[0]["encryptionConfiguration"] == {"mode": "AWS_OWNED_KMS_KEY"}
    answer = control.update_agent_insight_store(
        agentInsightStoreId="default",
        enablementStatus="ENABLED",
        encryptionConfiguration={"mode": "CUSTOMER_MANAGED_KMS", "kmsKeyArn": key},
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (answer["status"], answer["enablementStatus"]) == ("UPDATING", "ENABLED")
    with pytest.raises(ClientError) as busy:
        control.update_agent_insight_store(agentInsightStoreId="default", enablementStatus="DISABLED")
    assert error_code(busy) == "ConflictException"
    emulator.admin.advance_clock(5)
    store = control.get_agent_insight_store(agentInsightStoreId="default")
    assert (store["status"], store["encryptionConfiguration"]["kmsKeyArn"]) == ("ACTIVE", key)
    control.update_agent_insight_store(agentInsightStoreId="default", enablementStatus="DISABLED")
    emulator.admin.advance_clock(5)
    assert control.get_agent_insight_store(agentInsightStoreId="default")["status"] == "INACTIVE"
    assert {"GetAgentInsightStore", "ListAgentInsightStores", "UpdateAgentInsightStore"} <= set(
        conformance.checked
    )


STORE_ERRORS = [
    ("unknown store", {"agentInsightStoreId": "other", "enablementStatus": "ENABLED"}, "ResourceNotFound"),
    ("nothing to change", {"agentInsightStoreId": "default"}, "ValidationException"),
    (
        "customer key without its ARN",
        {"agentInsightStoreId": "default", "enablementStatus": "ENABLED",
         "encryptionConfiguration": {"mode": "CUSTOMER_MANAGED_KMS"}},
        "ValidationException",
    ),
    (
        "AWS-owned key with an ARN",
        {"agentInsightStoreId": "default", "enablementStatus": "ENABLED",
         "encryptionConfiguration": {"mode": "AWS_OWNED_KMS_KEY", "kmsKeyArn": KEY}},
        "ValidationException",
    ),
    (
        "encryption change on a store left disabled",
        {"agentInsightStoreId": "default", "encryptionConfiguration": {"mode": "AWS_OWNED_KMS_KEY"}},
        "ValidationException",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "params", "code"), STORE_ERRORS, ids=[c[0] for c in STORE_ERRORS])
def test_store_update_errors(control: Any, case: str, params: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as caught:
        control.update_agent_insight_store(**params)
    assert error_code(caught).startswith(code), case
    assert control.get_agent_insight_store(agentInsightStoreId="default")["status"] == "INACTIVE"


def test_get_unknown_store_is_not_found(control: Any) -> None:
    with pytest.raises(ClientError) as caught:
        control.get_agent_insight_store(agentInsightStoreId="nope")
    assert error_code(caught) == "ResourceNotFoundException"


def test_disabled_store_takes_no_insights(emulator: Any, data: Any, failing: None) -> None:
    job_id = seed.finished_batch(emulator, data)
    assert data.get_batch_evaluation(batchEvaluationId=job_id)["failureAnalysisResult"]["failures"]
    assert data.list_agent_insights()["agentInsights"] == []


def test_failed_tool_call_becomes_an_insight(
    emulator: Any, control: Any, data: Any, failing: None, conformance: Any
) -> None:
    seed.enable_store(emulator, control)
    job_id = seed.finished_batch(emulator, data)
    listed = data.list_agent_insights(batchEvaluationId=job_id)["agentInsights"]
    assert [(i["type"], i["applicationName"], i["archiveStatus"]) for i in listed] == [
        ("FAILURE", seed.APPLICATION, "ACTIVE")
    ]
    assert "multiply_numbers" in listed[0]["name"] and listed[0]["affectedSessionCount"] == 1
    detail = data.get_agent_insight(
        agentInsightId=listed[0]["agentInsightId"], applicationName=seed.APPLICATION
    )
    assert "Emulated" in detail["description"]
    [root] = detail["rootCauses"]
    assert root["name"] == seed.ERROR and root["affectedSessionCount"] == 1
    # Why, not the name again: the failed call with its arguments, in which session.
    assert root["explanation"].startswith("multiply_numbers called with {")
    assert root["explanation"].endswith(f"failed: {seed.ERROR} (session {seed.SESSION})")
    [sample] = detail["sampleSessions"]
    assert sample["sessionId"] == seed.SESSION
    assert sample["findings"][0]["targetType"] == "SPAN_ID"
    assert sample["findings"][0]["category"] == "execution-error-category-timeout"
    assert {"ListAgentInsights", "GetAgentInsight"} <= set(conformance.checked)


def test_same_job_same_ids_and_filters(emulator: Any, control: Any, data: Any, failing: None) -> None:
    seed.enable_store(emulator, control)
    first = seed.finished_batch(emulator, data, "one")
    second = seed.finished_batch(emulator, data, "two")
    everything = data.list_agent_insights()["agentInsights"]
    assert sorted(i["batchEvaluationId"] for i in everything) == sorted([first, second])
    assert len({i["agentInsightId"] for i in everything}) == 2
    assert data.list_agent_insights(applicationName="other")["agentInsights"] == []
    page = data.list_agent_insights(maxResults=1)
    rest = data.list_agent_insights(maxResults=1, nextToken=page["nextToken"])
    assert [i["agentInsightId"] for i in page["agentInsights"] + rest["agentInsights"]] == [
        i["agentInsightId"] for i in everything
    ]
    assert "nextToken" not in rest


def test_archive_and_filter_by_status(emulator: Any, control: Any, data: Any, failing: None) -> None:
    seed.enable_store(emulator, control)
    job_id = seed.finished_batch(emulator, data)
    [insight] = data.list_agent_insights(batchEvaluationId=job_id)["agentInsights"]
    ident = insight["agentInsightId"]
    emulator.admin.advance_clock(3)
    done = data.update_agent_insight(
        agentInsightId=ident, applicationName=seed.APPLICATION, archiveStatus="ARCHIVED"
    )
    assert done["archiveStatus"] == "ARCHIVED" and done["updatedAt"] > insight["updatedAt"]
    assert data.list_agent_insights(archiveStatus="ACTIVE")["agentInsights"] == []
    assert [
        i["agentInsightId"] for i in data.list_agent_insights(archiveStatus="ARCHIVED")["agentInsights"]
    ] == [ident]
    with pytest.raises(ClientError) as again:
        data.update_agent_insight(
            agentInsightId=ident, applicationName=seed.APPLICATION, archiveStatus="ARCHIVED"
        )
    assert error_code(again) == "ConflictException"
    emulator.admin.configure(insight_same_status_conflicts=False)
    data.update_agent_insight(
        agentInsightId=ident, applicationName=seed.APPLICATION, archiveStatus="ARCHIVED"
    )


def test_wrong_application_or_id_is_not_found(emulator: Any, control: Any, data: Any, failing: None) -> None:
    seed.enable_store(emulator, control)
    seed.finished_batch(emulator, data)
    [insight] = data.list_agent_insights()["agentInsights"]
    for ident, app in ((insight["agentInsightId"], "other"), ("0" * 32, seed.APPLICATION)):
        with pytest.raises(ClientError) as caught:
            data.get_agent_insight(agentInsightId=ident, applicationName=app)
        assert error_code(caught) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as caught:
            data.update_agent_insight(agentInsightId=ident, applicationName=app, archiveStatus="ARCHIVED")
        assert error_code(caught) == "ResourceNotFoundException"


def test_store_and_insights_survive_a_restart(tmp_path: Path, span_fixtures: Path) -> None:
    with running_emulator(data_dir=tmp_path / "state") as first:
        first.admin.seed([seed.failing_spans(span_fixtures, tmp_path)], seed.SERVICE)
        seed.enable_store(first, first.client("bedrock-agentcore-control"))
        job_id = seed.finished_batch(first, first.client("bedrock-agentcore"))
        before = first.client("bedrock-agentcore").list_agent_insights()["agentInsights"]
    with running_emulator(data_dir=tmp_path / "state") as second:
        control = second.client("bedrock-agentcore-control")
        assert control.get_agent_insight_store(agentInsightStoreId="default")["enablementStatus"] == "ENABLED"
        after = second.client("bedrock-agentcore").list_agent_insights(batchEvaluationId=job_id)
        assert [i["agentInsightId"] for i in after["agentInsights"]] == [i["agentInsightId"] for i in before]


def test_a_repeated_client_token_is_answered_once(control: Any) -> None:
    token = "a" * 40
    first = control.update_agent_insight_store(
        agentInsightStoreId="default", enablementStatus="ENABLED", clientToken=token
    )
    # The store is UPDATING now, yet the same request again is the first answer, not a conflict.
    again = control.update_agent_insight_store(
        agentInsightStoreId="default", enablementStatus="ENABLED", clientToken=token
    )
    assert (again["status"], again["updatedAt"]) == (first["status"], first["updatedAt"])
    with pytest.raises(ClientError) as caught:
        control.update_agent_insight_store(
            agentInsightStoreId="default", enablementStatus="DISABLED", clientToken=token
        )
    assert error_code(caught) == "ConflictException"


def test_a_key_kms_cannot_use_leaves_the_store_in_error(emulator: Any, control: Any) -> None:
    config = {"mode": "CUSTOMER_MANAGED_KMS", "kmsKeyArn": KEY}
    control.update_agent_insight_store(
        agentInsightStoreId="default", enablementStatus="ENABLED", encryptionConfiguration=config
    )
    emulator.admin.advance_clock(5)
    store = control.get_agent_insight_store(agentInsightStoreId="default")
    assert store["status"] == "ERROR" and f"The KMS key {KEY} does not exist" == store["failureReason"]
    # ERROR "requires intervention": an update with a usable key repairs it.
    control.update_agent_insight_store(
        agentInsightStoreId="default", encryptionConfiguration={"mode": "AWS_OWNED_KMS_KEY"}
    )
    emulator.admin.advance_clock(5)
    store = control.get_agent_insight_store(agentInsightStoreId="default")
    assert store["status"] == "ACTIVE" and "failureReason" not in store
    emulator.admin.configure(insight_store_checks_kms=False)
    config = {"mode": "CUSTOMER_MANAGED_KMS", "kmsKeyArn": KEY}
    control.update_agent_insight_store(agentInsightStoreId="default", encryptionConfiguration=config)
    emulator.admin.advance_clock(5)
    assert control.get_agent_insight_store(agentInsightStoreId="default")["status"] == "ACTIVE"
