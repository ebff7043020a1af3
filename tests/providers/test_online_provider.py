"""OnlineEvaluationProvider through the real provider server against the emulator (tier 2)."""

from __future__ import annotations

import pytest

from tests.providers.harness import UNKNOWN, ProviderError
from tests.providers.specs import evaluator_props, evaluator_urn, online_props, online_urn

URN = online_urn("live")


@pytest.fixture
def evaluator_id(provider_server, fast_emulator):
    return provider_server.up(evaluator_urn(), evaluator_props()).outputs["evaluatorId"]


def live_config(emulator, config_id):
    return emulator.client("bedrock-agentcore-control").get_online_evaluation_config(
        onlineEvaluationConfigId=config_id
    )


@pytest.mark.parametrize(
    ("changes", "expected", "replaces", "reason"),
    [
        ({}, "none", [], "identical inputs"),
        ({"rule": {"samplingConfig": {"samplingPercentage": 25}}}, "some", [], "sampling updates in place"),
        ({"enableOnCreate": False}, "some", [], "maps to executionStatus on update"),
        ({"evaluators": [{"evaluatorId": UNKNOWN}]}, "some", [], "an evaluator id unknown in preview"),
        ({"onlineEvaluationConfigName": "renamed_test"}, "some", ["onlineEvaluationConfigName"], "name"),
    ],
)
def test_diff_is_local_and_exact(provider_server, emulator, changes, expected, replaces, reason):
    olds = {
        **online_props("live", ["Builtin.Helpfulness"]),
        "onlineEvaluationConfigId": "live_test-0123456789",
    }
    emulator.admin.clear_call_counts()
    plan = provider_server.diff(
        URN, "live_test-0123456789", olds, online_props("live", ["Builtin.Helpfulness"], **changes)
    )
    assert (plan.changes, plan.replaces) == (expected, replaces), reason
    assert emulator.admin.call_counts() == {}, "diff never calls AWS"
    # pulumi.dynamic's server sends no `stables` (nor would the engine keep the ARN of an updated dynamic
    # resource in a preview with them): dependants compare identity keys instead (docs/engine.md).
    assert plan.stables == []


def test_create_then_refresh_reports_no_drift(provider_server, fast_emulator, evaluator_id):
    props = online_props("live", [evaluator_id, "Builtin.Helpfulness"])
    state = provider_server.up(URN, props)
    live = live_config(fast_emulator, state.id)
    assert (live["status"], live["executionStatus"]) == ("ACTIVE", "ENABLED")
    assert live["evaluators"] == [{"evaluatorId": evaluator_id}, {"evaluatorId": "Builtin.Helpfulness"}]
    refreshed = provider_server.refresh(state)
    plan = provider_server.diff(URN, state.id, refreshed.outputs, props)
    assert plan.changes == "none", "service defaults (e.g. outputConfig) are not drift"


def test_update_in_place_and_disable(provider_server, fast_emulator, evaluator_id):
    state = provider_server.up(URN, online_props("live", [evaluator_id]))
    changed = online_props(
        "live", [evaluator_id], enableOnCreate=False, rule={"samplingConfig": {"samplingPercentage": 50}}
    )
    updated = provider_server.up(URN, changed, state)
    live = live_config(fast_emulator, state.id)
    assert updated.id == state.id
    assert (live["executionStatus"], live["rule"]["samplingConfig"]["samplingPercentage"]) == (
        "DISABLED",
        50.0,
    )


def test_drift_in_execution_status_is_put_back(provider_server, fast_emulator, evaluator_id):
    props = online_props("live", [evaluator_id])
    state = provider_server.up(URN, props)
    control = fast_emulator.client("bedrock-agentcore-control")
    control.update_online_evaluation_config(onlineEvaluationConfigId=state.id, executionStatus="DISABLED")
    fast_emulator.admin.configure(resource_seconds=0.0)
    refreshed = provider_server.refresh(state)
    assert refreshed.outputs["enableOnCreate"] is False
    provider_server.up(URN, props, refreshed)
    assert live_config(fast_emulator, state.id)["executionStatus"] == "ENABLED"


def test_delete_twice_succeeds_and_leaves_nothing(provider_server, fast_emulator, evaluator_id):
    state = provider_server.up(URN, online_props("live", [evaluator_id]))
    provider_server.destroy(state)
    provider_server.destroy(state)
    control = fast_emulator.client("bedrock-agentcore-control")
    assert control.list_online_evaluation_configs()["onlineEvaluationConfigs"] == []
    assert provider_server.refresh(state) is None


def test_service_errors_name_the_file_the_resource_and_what_to_do(provider_server, fast_emulator):
    props = online_props("live", ["Builtin.Correctness"])
    with pytest.raises(ProviderError) as exc:
        provider_server.up(URN, props)
    message = exc.value.details.splitlines()[-1]
    assert "evaluations/live.yaml: OnlineEvaluation live_test: CreateOnlineEvaluationConfig failed" in message
    assert "ValidationException" in message and "To fix:" in message
