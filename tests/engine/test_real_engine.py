"""The example program under the real Pulumi engine: up, preview --expect-no-changes, refresh, targeted
up, up --replace and destroy against a fresh emulator (foundations: external, so no `aws` plugin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from evalctl.emulator.testing import EmulatorHandle
from tests.engine.workspace import EngineStack, control_of, edit, live


def test_up_then_no_changes_then_refresh_then_destroy(stack: EngineStack, emulator: EmulatorHandle) -> None:
    result = stack.up()
    assert result.summary.result == "succeeded", stack.log.getvalue()
    batch = result.outputs["batchEvaluations"].value["nightly-support"]
    assert batch["status"] == "COMPLETED"
    assert all(v["passed"] for v in result.outputs["gates"].value["nightly-support"])
    evaluators, online, jobs = live(emulator)
    assert evaluators == ["response_tone_local", "support_quality_local", "tool_reliability_local"]
    assert online == ["support_live_local"] and jobs == [batch["id"]]

    stack.preview(expect_no_changes=True)  # raises if the engine plans any step
    refreshed = stack.refresh()
    assert refreshed.summary.result == "succeeded"
    assert not {k: v for k, v in (refreshed.summary.resource_changes or {}).items() if k != "same"}
    stack.preview(expect_no_changes=True)

    destroyed = stack.destroy()
    assert destroyed.summary.result == "succeeded"
    evaluators, online, _ = live(emulator)
    assert (evaluators, online) == ([], []), "destroy leaves no evaluator or online configuration"


def test_replace_and_targeted_up_converge(stack: EngineStack, emulator: EmulatorHandle, specs: Path) -> None:
    first = stack.up()
    tone = first.outputs["evaluators"].value["response-tone"]["id"]
    urns = stack.urns()

    replaced = stack.up(replace=[urns["evaluator-response-tone"]])
    assert replaced.summary.resource_changes.get("replace", 0) >= 1, stack.log.getvalue()
    new_tone = replaced.outputs["evaluators"].value["response-tone"]["id"]
    assert new_tone != tone
    evaluators, online, _ = live(emulator)
    assert len(evaluators) == 3 and online == ["support_live_local"], "the replaced copy is gone"
    stack.preview(expect_no_changes=True)

    quality = specs / "evaluators" / "support-quality.yaml"
    quality.write_text(quality.read_text().replace("description:", "description: Strict.", 1))
    targeted = stack.up(target=[urns["evaluator-support-quality"]], target_dependents=True)
    assert targeted.summary.result == "succeeded", stack.log.getvalue()
    stack.preview(expect_no_changes=True)


def live_evaluator(emulator: EmulatorHandle, stack: EngineStack, name: str) -> dict[str, Any]:
    """The live evaluator the stack's outputs name (a replaced one may carry the alternate name)."""
    outputs = stack.stack.outputs()["evaluators"].value
    return dict(control_of(emulator).get_evaluator(evaluatorId=outputs[name]["id"]))


def test_reverts_toggles_removals_run_keys_and_drift_converge(
    stack: EngineStack, emulator: EmulatorHandle, specs: Path
) -> None:
    """The reconcile issue's lifecycles on the real engine; after each `up` the emulator equals the spec."""
    tone, online = specs / "evaluators" / "response-tone.yaml", specs / "online" / "support-live.yaml"
    stack.up()
    for text in ("Tone, strictly.", "Tone of each support reply, judged against the support style guide."):
        before = tone.read_text().split("description: ", 1)[1].split("\n", 1)[0]
        edit(tone, f"description: {before}", f"description: {text}")
        stack.up()
        assert live_evaluator(emulator, stack, "response-tone")["description"] == text, "a revert must land"
    stack.preview(expect_no_changes=True)

    control = control_of(emulator)
    for enabled in ("false", "true"):
        edit(
            online,
            f"enableOnCreate: {'true' if enabled == 'false' else 'false'}",
            f"enableOnCreate: {enabled}",
        )
        outputs = stack.up().outputs["onlineEvaluations"].value["support-live"]
        status = control.get_online_evaluation_config(onlineEvaluationConfigId=outputs["id"])[
            "executionStatus"
        ]
        assert status == ("ENABLED" if enabled == "true" else "DISABLED")

    edit(tone, "  tags: {cost-center: support-ai}\n", "")  # a removed field: the tag must go
    stack.up()
    arn = live_evaluator(emulator, stack, "response-tone")["evaluatorArn"]
    assert "cost-center" not in control.list_tags_for_resource(resourceArn=arn)["tags"]

    batch = specs / "batch" / "nightly-support.yaml"
    first_job = stack.up().outputs["batchEvaluations"].value["nightly-support"]["id"]
    edit(batch, "  description: Nightly", "  runKey: rerun-1\n  description: Nightly")
    second_job = stack.up().outputs["batchEvaluations"].value["nightly-support"]["id"]
    assert second_job != first_job, "a new runKey starts a new job"
    assert live(emulator)[2] == [second_job], "the replaced job is deleted"

    evaluator_id = live_evaluator(emulator, stack, "support-quality")["evaluatorId"]
    control.update_evaluator(evaluatorId=evaluator_id, description="changed out of band")
    refreshed = stack.refresh()
    assert refreshed.summary.resource_changes.get("update", 0) == 1, "refresh shows the drift"
    stack.up()
    assert live_evaluator(emulator, stack, "support-quality")["description"] != "changed out of band"
    stack.preview(expect_no_changes=True)

    stack.destroy()
    stack.up()
    evaluators, online_names, jobs = live(emulator)
    assert len(evaluators) == 3 and online_names == ["support_live_local"] and len(jobs) == 1
    stack.preview(expect_no_changes=True)


def test_a_create_whose_answer_is_lost_is_adopted_by_the_next_up(
    stack: EngineStack, emulator: EmulatorHandle
) -> None:
    """The service commits CreateEvaluator but every answer is lost, so `up` fails with the evaluator
    live and in no state; the next `up` adopts it (it still carries evalctl:pending), no duplicate."""
    emulator.admin.set_faults(commit_then_fail="CreateEvaluator", commit_then_fail_times=1000)
    with pytest.raises(auto.CommandError):
        stack.up()
    made = [
        e
        for e in control_of(emulator).list_evaluators()["evaluators"]
        if not e["evaluatorId"].startswith("Builtin.")
    ]
    assert made, "the failed up left evaluators behind"
    emulator.admin.set_faults()
    stack.up()
    evaluators, online, _ = live(emulator)
    assert evaluators == ["response_tone_local", "support_quality_local", "tool_reliability_local"]
    assert online == ["support_live_local"]
    assert {e["evaluatorId"] for e in made} <= {
        v["id"] for v in stack.stack.outputs()["evaluators"].value.values()
    }, "the leftovers were adopted, not duplicated"
    stack.preview(expect_no_changes=True)
