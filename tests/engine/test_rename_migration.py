"""A stack deployed under the names before `evalctl` (project `agentcore-evaluations`, config keys in that
namespace, component tokens `agentcore-evals:*`) migrated exactly as README says: the engine creates,
deletes, replaces and updates nothing (it only records each gate's new component, state only: that release
registered a gate's dynamic resource under the stack), and the emulator holds the same resources under
the same ids."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components import gate
from evalctl import naming
from evalctl.emulator.testing import EmulatorHandle
from tests.engine.conftest import ENGINE
from tests.engine.workspace import (
    ROOT,
    EngineStack,
    engine_env,
    engine_stack,
    engine_workspace,
    external_foundations,
)

# The README's migration commands ("Migrating from agentcore-evaluations"), for a stack named `local`.
RENAME = ["stack", "rename", f"organization/{naming.PROJECT}/local", "--stack", "local", "--non-interactive"]
CONFIG_SED = ["sed", "-i", f"s/^  {naming.LEGACY_PROJECT}:/  {naming.PROJECT}:/", "Pulumi.local.yaml"]
BARE_GATE = "pulumi-python:dynamic/gate:Gate"  # what a gate was: a dynamic resource under the stack
COMPONENTS = ["batch_evaluation", "code_function", "dataset", "evaluator", "insight_store", "log_group",
              "online_evaluation", "role"]  # fmt: skip


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "evaluations"
    shutil.copytree(ROOT / "evaluations", folder)
    # The dataset batch invokes a running agent (tests/engine/test_dataset_on_engine.py).
    (folder / "batch" / "support-regression.yaml").unlink()
    # No release under the old names had kind Recommendation (its promptFile also lies outside the copy).
    shutil.rmtree(folder / "recommendations")
    return folder


def old_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The components register as the release before the rename did: `agentcore-evals:*`, no aliases,
    and a gate is its dynamic resource alone, under the stack."""
    monkeypatch.setattr(gate, "Gate", gate.GateResource)
    for module in COMPONENTS:
        loaded = __import__(f"components.{module}", fromlist=["TYPE_TOKEN"])
        legacy = naming.legacy_token(loaded.TYPE_TOKEN)
        assert legacy is not None and legacy.startswith(f"{naming.LEGACY_TOKEN_PACKAGE}:")
        monkeypatch.setattr(loaded, "TYPE_TOKEN", legacy)


def live_ids(emulator: EmulatorHandle) -> dict[str, list[str]]:
    """Ids of every evaluator, online configuration, dataset and batch job the emulator holds."""
    control, data = emulator.client("bedrock-agentcore-control"), emulator.client("bedrock-agentcore")
    return {
        "evaluators": sorted(e["evaluatorId"] for e in control.list_evaluators()["evaluators"]
                             if not e["evaluatorId"].startswith("Builtin.")),
        "online": sorted(c["onlineEvaluationConfigId"]
                         for c in control.list_online_evaluation_configs()["onlineEvaluationConfigs"]),
        "datasets": sorted(d["datasetId"] for d in control.list_datasets()["datasets"]),
        "jobs": sorted(j["batchEvaluationId"] for j in data.list_batch_evaluations()["batchEvaluations"]),
    }  # fmt: skip


def state_ids(stack: EngineStack) -> dict[str, str]:
    """The physical id of every custom resource in the state, by resource name."""
    resources = stack.stack.export_stack().deployment.get("resources", [])
    return {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in resources if r.get("custom") and r.get("id")}


def all_urns(stack: EngineStack) -> list[str]:
    return sorted(r["urn"] for r in stack.stack.export_stack().deployment.get("resources", []))


def run_cli(tmp: Path, *args: str) -> None:
    work = tmp / "work"
    env = {**os.environ, **engine_env(tmp)}
    done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_old_names_migrate_without_create_delete_or_replace(
    tmp_path: Path, emulator: EmulatorHandle, specs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old:
        old_tokens(old)
        before = engine_stack(
            tmp_path, emulator, specs, external_foundations(emulator, specs), naming.LEGACY_PROJECT
        )
        first = before.up()
    assert first.summary.result == "succeeded", before.log.getvalue()
    old_urns = all_urns(before)
    tone = f"urn:pulumi:local::{naming.LEGACY_PROJECT}::{naming.LEGACY_TOKEN_PACKAGE}:evaluator:Evaluator"
    assert f"{tone}::evaluator-response-tone" in old_urns
    ids, live = state_ids(before), live_ids(emulator)

    run_cli(tmp_path, str(ENGINE / "bin" / "pulumi"), *RENAME)
    run_cli(tmp_path, *CONFIG_SED)
    after = EngineStack(engine_workspace(tmp_path, naming.PROJECT, create=False), before.log)
    assert not (tmp_path / "work" / "Pulumi.local.yaml").read_text().count(f"{naming.LEGACY_PROJECT}:")

    migrated = after.up()
    changes: dict[str, Any] = dict(migrated.summary.resource_changes or {})
    assert migrated.summary.result == "succeeded", after.log.getvalue()
    old_gates = [u for u in old_urns if f"::{BARE_GATE}::" in u]
    assert old_gates, "the example has a gated batch evaluation"
    assert changes == {"same": len(old_urns) - 1, "create": len(old_gates)}, (changes, after.log.getvalue())
    after.preview(expect_no_changes=True)  # raises if the engine plans any step

    new_urns = all_urns(after)
    # The root stack resource is named `<project>-<stack>`; `pulumi stack rename` renamed it too.
    renamed = [
        naming.current_urn(u).replace(f"::{naming.LEGACY_PROJECT}-", f"::{naming.PROJECT}-") for u in old_urns
    ]
    # Each gate's dynamic resource now sits under its component (same name, same id).
    moved = [u.replace(f"::{BARE_GATE}::", f"::{gate.TYPE_TOKEN}${BARE_GATE}::") for u in renamed]
    components = [u.replace(f"::{BARE_GATE}::", f"::{gate.TYPE_TOKEN}::") for u in renamed if BARE_GATE in u]
    assert new_urns == sorted(moved + components), "every resource under its new name, none lost"
    assert not [u for u in new_urns if naming.LEGACY_TOKEN_PACKAGE in u or naming.LEGACY_PROJECT in u]
    assert state_ids(after) == ids, "every resource keeps its physical id"
    assert live_ids(emulator) == live, "the emulator holds the same resources"

    # An update after the migration stores the new owner URN while the live owner tag keeps the digest
    # of the old one: that tag is still ours, so refresh finds no drift and the next preview no change.
    # support-quality: no online evaluation uses it, so a new description updates it in place.
    quality = specs / "evaluators" / "support-quality.yaml"
    quality.write_text(quality.read_text().replace("over a whole support session", "over a support session"))
    updated = after.up()
    assert dict(updated.summary.resource_changes or {}).get("update") == 1, after.log.getvalue()
    refreshed = after.refresh()
    assert set(refreshed.summary.resource_changes or {}) == {"same"}, after.log.getvalue()
    after.preview(expect_no_changes=True)
