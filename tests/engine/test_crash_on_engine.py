"""`kill -9` of a running `pulumi up`, then the recovery a user does (README "Crashes and recovery"):
`pulumi cancel`, `pulumi refresh --clear-pending-creates`, `pulumi up`. The emulator must then hold
exactly the spec (no duplicate from the interrupted creates) and a preview must plan nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from evalctl.emulator.testing import EmulatorHandle
from tests.engine.workspace import ROOT, EngineStack, control_of, engine_workspace, live
from tests.providers.engine_stand_in import descendants, kill_leftovers

# Kill points: the operation the emulator must have served, and how often, before the kill.
KILL_POINTS = {
    "after the first create": ("CreateEvaluator", 1),
    # The online configuration is created once all three evaluators are: the run is half done.
    "mid-way": ("CreateOnlineEvaluationConfig", 1),
}


@pytest.fixture
def orphans() -> Iterator[list[int]]:
    """Plugin processes a killed CLI leaves behind (their own process groups); killed at the end."""
    pids: list[int] = []
    yield pids
    kill_leftovers(pids)


def up_until(emulator: EmulatorHandle, tmp: Path, operation: str, times: int) -> subprocess.Popen[bytes]:
    """Start `pulumi up` in a new session; return once the emulator has served `operation` `times` times."""
    with (tmp / "crashed-up.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.engine.crash_up", str(tmp)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the CLI and the program host it runs
        )
    deadline = time.monotonic() + 30
    while emulator.admin.call_counts().get(operation, 0) < times:
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"up ended or stalled before {operation}: {(tmp / 'crashed-up.log').read_text()}")
        time.sleep(0.01)  # polling the emulator's call counts, with the deadline above
    return process


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_minus_9_mid_up_then_cancel_refresh_up_converges(
    point: str, stack: EngineStack, emulator: EmulatorHandle, tmp_path: Path, orphans: list[int]
) -> None:
    operation, times = KILL_POINTS[point]
    # Creates stay CREATING for a second, so the kill lands while one is in flight (its pending tag set).
    emulator.admin.configure(resource_seconds=1.0)
    process = up_until(emulator, tmp_path, operation, times)
    orphans += [process.pid, *descendants(process.pid)]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # Step 0 of the README: a kill inside the file backend's metadata write leaves an empty `.attrs`.
    repair_interrupted_metadata(tmp_path / "state")

    # The crash left the backend's lock file and the interrupted creates as pending operations.
    with pytest.raises(auto.CommandError, match="currently locked"):
        stack.up()
    stack.stack.cancel()  # diy backend: deletes the stack's lock files
    pending = stack.stack.export_stack().deployment.get("pending_operations") or []
    assert any(op["type"] == "creating" for op in pending), pending
    refreshed = stack.refresh(clear_pending_creates=True)
    assert refreshed.summary.result == "succeeded", stack.log.getvalue()
    assert not stack.stack.export_stack().deployment.get("pending_operations")

    emulator.admin.configure(resource_seconds=0.05)
    result = stack.up()
    assert result.summary.result == "succeeded", stack.log.getvalue()
    evaluators, online, jobs = live(emulator)
    assert evaluators == ["response_tone_local", "support_quality_local", "tool_reliability_local"]
    assert online == ["support_live_local"] and len(jobs) == 1
    outputs = result.outputs
    ids = {name: v["id"] for name, v in outputs["evaluators"].value.items()}
    config_id = outputs["onlineEvaluations"].value["support-live"]["id"]
    config = control_of(emulator).get_online_evaluation_config(onlineEvaluationConfigId=config_id)
    used = {e["evaluatorId"] for e in config["evaluators"]}
    assert used == {ids["response-tone"], ids["tool-reliability"], "Builtin.Helpfulness"}
    stack.preview(expect_no_changes=True)


def repair_interrupted_metadata(backend: Path) -> list[Path]:
    """README "Crashes and recovery", step 0: delete `.attrs` files that are not whole JSON.

    The file backend writes each blob's `<file>.attrs` in place (gocloud.dev blob/fileblob, attrs.go
    `setAttrs`: os.Create, then encode), so a kill between the two leaves it empty, and every later read
    of that blob fails with EOF. A missing `.attrs` is read as no attributes."""
    removed = []
    for path in sorted(backend.rglob("*.attrs")):
        try:
            json.loads(path.read_text() or "!")
        except ValueError:
            path.unlink()
            removed.append(path)
    return removed


def test_an_interrupted_metadata_write_fails_every_read_until_step_0_removes_it(tmp_path: Path) -> None:
    stack = engine_workspace(tmp_path)
    stack.set_config("note", auto.ConfigValue("kept"))
    before = stack.export_stack().deployment
    attrs = [p for p in (tmp_path / "state").rglob("*.json.attrs") if "stacks" in p.parts]
    assert attrs, "the file backend keeps a .attrs beside the stack file"
    attrs[0].write_text("")  # as a kill between os.Create and the encode leaves it
    with pytest.raises(auto.CommandError, match="EOF"):
        stack.export_stack()
    assert repair_interrupted_metadata(tmp_path / "state") == [attrs[0]]
    assert stack.export_stack().deployment == before
