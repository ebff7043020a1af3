"""InsightStoreProvider through the real provider server against the emulator: adopt, never create."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.harness import provider_input, urn

URN = urn("insights", "dynamic/insight_store:InsightStore")


@pytest.fixture
def store_emulator(fast_emulator: Any) -> Any:
    fast_emulator.admin.configure(insight_store_seconds=0.05)
    return fast_emulator


@pytest.fixture
def cmk(store_emulator: Any) -> dict[str, str]:
    """A customer managed key that exists in the emulator's KMS."""
    key = store_emulator.client("kms").create_key()["KeyMetadata"]["Arn"]
    return {"mode": "CUSTOMER_MANAGED_KMS", "kmsKeyArn": key}


def props(**changes: Any) -> dict[str, Any]:
    from components.insight_store import InsightStoreProvider

    found: dict[str, Any] = {
        "enablementStatus": "ENABLED",
        "source": "evaluations/insights.yaml",
        "ownerUrn": urn("insights", "x/insight_store"),
        "__provider": provider_input(InsightStoreProvider()),
        **changes,
    }
    return {k: v for k, v in found.items() if v is not None}


def settings(control: Any) -> tuple[str, str, dict[str, Any]]:
    store = control.get_agent_insight_store(agentInsightStoreId="default")
    return store["status"], store["enablementStatus"], store["encryptionConfiguration"]


def test_create_adopts_update_changes_key_destroy_restores_defaults(
    provider_server: Any, store_emulator: Any, cmk: dict[str, str]
) -> None:
    control = store_emulator.client("bedrock-agentcore-control")
    state = provider_server.up(URN, props())
    assert state.id == "default" and state.outputs["status"] == "ACTIVE"
    assert state.outputs["agentInsightStoreArn"].endswith(":agent-insight-store/default")
    assert settings(control) == ("ACTIVE", "ENABLED", {"mode": "AWS_OWNED_KMS_KEY"})
    counts = store_emulator.admin.call_counts()
    assert counts.get("UpdateAgentInsightStore") == 1 and "CreateAgentInsightStore" not in counts

    store_emulator.admin.clear_call_counts()
    same = provider_server.up(URN, props(), state)
    assert same is state and store_emulator.admin.call_counts() == {}

    keyed = provider_server.up(URN, props(encryptionConfiguration=cmk), state)
    assert keyed.id == "default" and settings(control) == ("ACTIVE", "ENABLED", cmk)

    store_emulator.admin.clear_call_counts()
    provider_server.destroy(keyed)
    assert settings(control) == ("INACTIVE", "DISABLED", {"mode": "AWS_OWNED_KMS_KEY"})
    # Restoring the AWS-owned key needs an enabled store, then the disable: two updates, nothing deleted.
    assert store_emulator.admin.call_counts().get("UpdateAgentInsightStore") == 2


def test_refresh_shows_drift_and_the_next_up_repairs_it(
    provider_server: Any, store_emulator: Any, cmk: dict[str, str]
) -> None:
    control = store_emulator.client("bedrock-agentcore-control")
    state = provider_server.up(URN, props(encryptionConfiguration=cmk))
    control.update_agent_insight_store(agentInsightStoreId="default", enablementStatus="DISABLED")
    store_emulator.admin.advance_clock(1)
    refreshed = provider_server.refresh(state)
    assert refreshed is not None and refreshed.inputs["enablementStatus"] == "DISABLED"
    plan = provider_server.diff(
        URN,
        "default",
        refreshed.outputs,
        provider_server.check(URN, {}, props(encryptionConfiguration=cmk)).inputs,
    )
    assert (plan.changes, plan.replaces) == ("some", [])
    repaired = provider_server.up(URN, props(encryptionConfiguration=cmk), refreshed)
    assert settings(control) == ("ACTIVE", "ENABLED", cmk)
    provider_server.destroy(repaired)


def test_create_waits_out_an_update_in_flight(
    provider_server: Any, store_emulator: Any, cmk: dict[str, str]
) -> None:
    control = store_emulator.client("bedrock-agentcore-control")
    store_emulator.admin.configure(insight_store_seconds=0.3)
    control.update_agent_insight_store(agentInsightStoreId="default", enablementStatus="ENABLED")
    state = provider_server.up(URN, props(encryptionConfiguration=cmk))
    assert settings(control) == ("ACTIVE", "ENABLED", cmk)
    provider_server.destroy(state)


def test_a_declared_disabled_store_stays_disabled(provider_server: Any, store_emulator: Any) -> None:
    control = store_emulator.client("bedrock-agentcore-control")
    state = provider_server.up(URN, props(enablementStatus="DISABLED"))
    assert state.outputs["status"] == "INACTIVE"
    assert settings(control) == ("INACTIVE", "DISABLED", {"mode": "AWS_OWNED_KMS_KEY"})
    provider_server.destroy(state)


def test_a_key_kms_cannot_use_fails_the_up_with_the_services_reason(
    provider_server: Any, store_emulator: Any
) -> None:
    from tests.providers.harness import ProviderError

    gone = {
        "mode": "CUSTOMER_MANAGED_KMS",
        "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
    }
    with pytest.raises(ProviderError) as failed:
        provider_server.up(URN, props(encryptionConfiguration=gone))
    assert "ERROR" in failed.value.details and "does not exist" in failed.value.details
