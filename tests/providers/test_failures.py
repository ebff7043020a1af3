"""Crashes and errors through the provider server with retries off: adoption, stale tokens, error text."""

from __future__ import annotations

import pytest

from tests.providers.conftest import server_config
from tests.providers.harness import ProviderError, ProviderServer
from tests.providers.specs import custom_evaluators, evaluator_props, evaluator_urn

URN = evaluator_urn()


@pytest.fixture(scope="module")
def fragile_server(_emulator_session):
    """One attempt per call, so an injected fault reaches the engine as a failed step."""
    with ProviderServer(
        config=server_config(_emulator_session.endpoint, maxAttempts="1", pollSeconds="0.06")
    ) as server:
        yield server


def crash_on_create(server, emulator, props):
    """A run that fails after the service created the evaluator: the engine saves no state."""
    emulator.admin.set_faults(commit_then_fail="CreateEvaluator")
    with pytest.raises(ProviderError) as exc:
        server.up(URN, props)
    emulator.admin.set_faults()
    return exc.value


@pytest.mark.parametrize(
    ("next_changes", "reason"),
    [
        ({}, "same inputs: the same client token finds the committed evaluator"),
        ({"description": "edited before the rerun"}, "new inputs: the name conflict is ours, so adopt"),
    ],
)
def test_next_up_adopts_what_a_crashed_run_created(fragile_server, fast_emulator, next_changes, reason):
    error = crash_on_create(fragile_server, fast_emulator, evaluator_props())
    assert "InternalServerException" in error.details
    state = fragile_server.up(URN, evaluator_props(**next_changes))
    control = fast_emulator.client("bedrock-agentcore-control")
    [live] = custom_evaluators(control)
    assert state.outputs["evaluatorId"] == live["evaluatorId"], reason
    wanted = next_changes.get("description", evaluator_props()["description"])
    assert control.get_evaluator(evaluatorId=live["evaluatorId"])["description"] == wanted


def test_up_after_destroy_creates_anew_despite_the_reused_token(fragile_server, fast_emulator):
    first = fragile_server.up(URN, evaluator_props())
    fragile_server.destroy(first)
    second = fragile_server.up(URN, evaluator_props())
    control = fast_emulator.client("bedrock-agentcore-control")
    assert second.outputs["evaluatorId"] != first.outputs["evaluatorId"]
    assert [e["evaluatorId"] for e in custom_evaluators(control)] == [second.outputs["evaluatorId"]]


def test_throttling_beyond_the_retries_says_what_to_do(fragile_server, fast_emulator):
    fast_emulator.admin.set_faults(throttle_rate=1.0)
    with pytest.raises(ProviderError) as exc:
        fragile_server.up(URN, evaluator_props())
    fast_emulator.admin.set_faults()
    message = exc.value.details.splitlines()[-1]
    assert (
        "evaluations/tone.yaml: Evaluator tone_test: CreateEvaluator failed: ThrottlingException" in message
    )
    assert "evalctl:maxAttempts" in message
