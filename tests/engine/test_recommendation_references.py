"""Recommendations that reference the stack's own evaluator, online and batch evaluations, under the real
engine: an in-place change of what they reference previews (and runs) no replace of the recommendation,
which would start a new paid recommendation job. The engine keeps no output of an updated dynamic
resource in a preview (its ARN is unknown there): the identity keys decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalctl.emulator.testing import EmulatorHandle
from tests.engine.workspace import EngineStack, edit

LIVE = """apiVersion: evalctl/v1alpha1
kind: Recommendation
metadata: {name: live-prompt}
spec:
  type: SYSTEM_PROMPT_RECOMMENDATION
  systemPrompt: You are the support agent of an online shop.
  evaluator: support-quality
  agentTraces:
    onlineEvaluation: {config: support-live, lookback: 1d}
"""
NIGHTLY = LIVE.replace("live-prompt", "nightly-prompt").replace(
    "onlineEvaluation: {config: support-live, lookback: 1d}", "batchEvaluation: nightly-support"
)


def steps(stack: EngineStack, **options: Any) -> dict[str, set[str]]:
    """The steps the engine plans for each dynamic resource (not its component) of a preview, by name."""
    planned: dict[str, set[str]] = {}

    def seen(event: Any) -> None:
        pre = event.resource_pre_event
        if pre is not None and ":dynamic/" in pre.metadata.type:
            planned.setdefault(pre.metadata.urn.rsplit("::", 1)[-1], set()).add(str(pre.metadata.op.value))

    stack.preview(on_event=seen, **options)
    return planned


def test_in_place_changes_of_referenced_resources_replace_no_recommendation(
    stack: EngineStack, emulator: EmulatorHandle, specs: Path
) -> None:
    online, quality = specs / "online" / "support-live.yaml", specs / "evaluators" / "support-quality.yaml"
    edit(online, "  description: Live quality of the support agent.\n", "")
    edit(quality, "  description: Resolution, accuracy and tool use over a whole support session.\n", "")
    (specs / "recommendations" / "live-prompt.yaml").write_text(LIVE)
    (specs / "recommendations" / "nightly-prompt.yaml").write_text(NIGHTLY)
    first = stack.up()
    assert first.summary.result == "succeeded", stack.log.getvalue()
    made = first.outputs["recommendations"].value
    assert made["live-prompt"]["status"] == made["nightly-prompt"]["status"] == "COMPLETED", made

    # A first description (the API can set it in place, only its removal replaces), the batch's description.
    edit(online, "spec:\n", "spec:\n  description: Live quality.\n")
    edit(quality, "spec:\n", "spec:\n  description: Whole sessions.\n")
    nightly = specs / "batch" / "nightly-support.yaml"
    edit(nightly, "Nightly quality run", "Nightly run")
    planned = steps(stack)
    for name in ("online-support-live", "evaluator-support-quality", "batch-nightly-support"):
        assert planned[name] == {"update"}, (name, planned[name])
    replaced = {n: planned[n] for n in ("recommendation-live-prompt", "recommendation-nightly-prompt")}
    assert all(ops <= {"same", "update"} for ops in replaced.values()), replaced

    second = stack.up()
    assert second.summary.result == "succeeded", stack.log.getvalue()
    assert not second.summary.resource_changes.get("replace"), second.summary.resource_changes
    again = second.outputs["recommendations"].value
    assert {n: again[n]["id"] for n in made} == {n: made[n]["id"] for n in made}, "the same recommendations"
    stack.preview(expect_no_changes=True)

    # Removing the description the API cannot clear replaces the configuration, and so what uses it.
    edit(online, "  description: Live quality.\n", "")
    assert "replace" in steps(stack)["recommendation-live-prompt"]
