"""A stack deployed when a gate was a bare dynamic resource under the stack moves under the Gate component
without a replace: the child's alias (old parent: the root stack) makes the engine take the old state, so
the gate's dynamic resource is `same` and the only step is the component's state-only create."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.automation import EngineEvent

from components import gate
from tests.engine.workspace import EngineStack

NAME = "gate-nightly-support"  # the gated batch the tier deploys (support-regression needs an agent)
DYNAMIC = "pulumi-python:dynamic/gate:Gate"


def resources(stack: EngineStack) -> dict[str, dict[str, Any]]:
    """Every resource in the state, by URN."""
    deployment = stack.stack.export_stack().deployment
    return {r["urn"]: r for r in deployment.get("resources", [])}


def steps(events: list[EngineEvent]) -> dict[str, str]:
    """The step the engine took for each resource, by URN."""
    pre = [e.resource_pre_event for e in events if e.resource_pre_event is not None]
    return {e.metadata.urn: e.metadata.op.value for e in pre}


def test_bare_gate_moves_under_its_component_without_create_delete_or_replace(
    stack: EngineStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old:
        # The release before the component: components.stack registered the dynamic resource itself.
        old.setattr(gate, "Gate", gate.GateResource)
        first = stack.up()
    assert first.summary.result == "succeeded", stack.log.getvalue()
    before = resources(stack)
    old_urn = next(u for u in before if u.endswith(f"::{DYNAMIC}::{NAME}"))
    assert before[old_urn]["parent"].endswith("pulumi:pulumi:Stack::evalctl-local"), before[old_urn]
    assert not [u for u in before if f"::{gate.TYPE_TOKEN}::" in u], "no component yet"

    events: list[EngineEvent] = []
    migrated = stack.up(on_event=events.append)
    changes: dict[str, Any] = dict(migrated.summary.resource_changes or {})
    assert migrated.summary.result == "succeeded", stack.log.getvalue()
    component = f"urn:pulumi:local::evalctl::{gate.TYPE_TOKEN}::{NAME}"
    new_urn = f"urn:pulumi:local::evalctl::{gate.TYPE_TOKEN}${DYNAMIC}::{NAME}"
    taken = steps(events)
    assert taken[new_urn] == "same", taken
    assert taken[component] == "create", taken
    assert {u: op for u, op in taken.items() if op != "same"} == {component: "create"}, taken
    assert changes == {"same": changes["same"], "create": 1}, changes

    after = resources(stack)
    assert old_urn not in after and after[new_urn]["parent"] == component
    assert after[new_urn]["id"] == before[old_urn]["id"], "the gate keeps its state"
    assert after[new_urn]["outputs"]["verdicts"] == before[old_urn]["outputs"]["verdicts"]
    assert set(after) - set(before) == {component, new_urn}
    stack.preview(expect_no_changes=True)  # raises if the engine plans any step
