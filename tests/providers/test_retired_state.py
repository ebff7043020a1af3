"""State from the previous release carries `hasState` in its inputs and outputs: no diff, no replace.

Check no longer writes the key; stacks that still hold it must plan nothing (through the real server).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.harness import ResourceState, provider_input, urn
from tests.providers.specs import evaluator_props, evaluator_urn, online_props, online_urn
from tests.providers.test_dataset_provider import URN as DATASET_URN
from tests.providers.test_dataset_provider import props as dataset_props
from tests.providers.test_dataset_provider import scenario

RETIRED = "hasState"  # what Check added to inputs (and so to outputs) before this release


def batch_case() -> tuple[str, dict[str, Any]]:
    from components.batch_evaluation import BatchEvaluationProvider

    spec = {
        "batchEvaluationName": "nightly_test",
        "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
        "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["s.DEFAULT"], "logGroupNames": ["/g"]}},
    }
    owner = urn("batch-b", "x/batch")
    props = {
        "spec": spec,
        "source": "b.yaml",
        "ownerUrn": owner,
        "__provider": provider_input(BatchEvaluationProvider()),
    }
    return urn("batch-b", "dynamic/batch_evaluation:BatchEvaluation"), props


CASES = {
    "evaluator": lambda: (evaluator_urn(), evaluator_props()),
    "online evaluation": lambda: (online_urn("live"), online_props("live", ["tone_test-0123456789"])),
    "dataset": lambda: (DATASET_URN, dataset_props([scenario("a")])),
    "batch evaluation": batch_case,
}


def aged(props: dict[str, Any]) -> dict[str, Any]:
    """Props as the previous release stored them: the retired key beside everything else."""
    return {**props, RETIRED: True}


@pytest.mark.parametrize("kind", list(CASES))
def test_old_shaped_state_plans_no_change(provider_server, emulator, kind):
    urn_, props = CASES[kind]()
    old_inputs = aged(provider_server.check(urn_, {}, props).inputs)
    checked = provider_server.check(urn_, old_inputs, props)
    assert RETIRED not in checked.inputs and not checked.failures
    emulator.admin.clear_call_counts()
    plan = provider_server.diff(urn_, "some-id", aged({**old_inputs, "status": "ACTIVE"}), checked.inputs)
    assert (plan.changes, plan.replaces) == ("none", []), kind
    assert emulator.admin.call_counts() == {}, "diff never calls AWS"


def test_a_live_evaluator_from_the_previous_release_is_left_alone_and_refresh_drops_the_key(
    provider_server, fast_emulator
):
    props = evaluator_props("aged")
    created = provider_server.up(evaluator_urn("aged"), props)
    state = ResourceState(created.urn, created.id, aged(created.inputs), aged(created.outputs))
    fast_emulator.admin.clear_call_counts()
    assert provider_server.up(state.urn, props, state) is state, "no update, no replacement"
    assert fast_emulator.admin.call_counts() == {}
    refreshed = provider_server.refresh(state)
    assert refreshed is not None and refreshed.id == state.id
    assert RETIRED not in refreshed.inputs and RETIRED not in refreshed.outputs
    assert provider_server.up(state.urn, props, refreshed) is refreshed
    provider_server.destroy(refreshed)
