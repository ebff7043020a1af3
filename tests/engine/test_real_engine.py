"""The example program under the real Pulumi engine: up, preview --expect-no-changes, refresh, targeted
up, up --replace and destroy against a fresh emulator (foundations: external, so no `aws` plugin)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalctl.emulator.testing import EmulatorHandle, running_emulator
from tests.engine.workspace import (
    FAST,
    ROOT,
    SERVICE,
    SESSIONS,
    EngineStack,
    engine_stack,
    external_foundations,
)

GOING = "DELETING"


@pytest.fixture
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        handle.admin.reset()  # moto's backends are per process: start from an empty account
        handle.admin.configure(**FAST)
        for pair in SESSIONS:
            handle.admin.seed(pair, SERVICE)
        yield handle


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "evaluations"
    shutil.copytree(ROOT / "evaluations", folder)
    return folder


@pytest.fixture
def stack(tmp_path: Path, emulator: EmulatorHandle, specs: Path) -> EngineStack:
    return engine_stack(tmp_path, emulator, specs, external_foundations(emulator, specs))


def live(emulator: EmulatorHandle) -> tuple[list[str], list[str], list[str]]:
    """Custom evaluator names, online config names and batch job ids the emulator holds."""
    control, data = emulator.client("bedrock-agentcore-control"), emulator.client("bedrock-agentcore")
    evaluators = [e["evaluatorName"] for e in control.list_evaluators()["evaluators"]
                  if not e["evaluatorId"].startswith("Builtin.") and e.get("status") != GOING]  # fmt: skip
    online = [c["onlineEvaluationConfigName"]
              for c in control.list_online_evaluation_configs()["onlineEvaluationConfigs"]
              if c.get("status") != GOING]  # fmt: skip
    jobs = [j["batchEvaluationId"] for j in data.list_batch_evaluations()["batchEvaluations"]
            if j["status"] != GOING]  # fmt: skip
    return sorted(evaluators), sorted(online), sorted(jobs)


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
