"""What a user reads when `pulumi up` fails under the real engine: our message (file, resource, what to
do), without the Python SDK's traceback that pulumi.dynamic wraps around every provider exception."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pulumi import automation as auto

from evalctl.emulator.testing import EmulatorHandle
from tests.engine.workspace import EngineStack, control_of, edit
from tests.providers.specs import JUDGE

TRACEBACK = "Traceback (most recent call last)"


def failed_up(stack: EngineStack) -> str:
    """The engine's whole output of an `up` that must fail."""
    with pytest.raises(auto.CommandError) as exc:
        stack.up()
    return f"{stack.log.getvalue()}\n{exc.value}"


def test_a_name_conflict_and_a_failed_gate_show_only_our_messages(
    stack: EngineStack, emulator: EmulatorHandle, specs: Path
) -> None:
    control = control_of(emulator)
    # Another stack's evaluator (no ownership tags) holds the name of one this stack declares.
    foreign = control.create_evaluator(
        evaluatorName="support_quality_local", level="TRACE", evaluatorConfig=JUDGE
    )
    output = failed_up(stack)
    assert (
        f"error: evalctl: {specs}/evaluators/support-quality.yaml: Evaluator support_quality_local" in output
    )
    assert f"importId: {foreign['evaluatorId']}" in output
    assert TRACEBACK not in output, output

    control.delete_evaluator(evaluatorId=foreign["evaluatorId"])
    deadline = time.monotonic() + 10
    while any(e["evaluatorId"] == foreign["evaluatorId"] for e in control.list_evaluators()["evaluators"]):
        assert time.monotonic() < deadline, "the foreign evaluator was not deleted"
        time.sleep(0.02)  # polling the emulator until its name is free, with the deadline above
    edit(
        specs / "batch" / "nightly-support.yaml", "{minSessionsEvaluated: 1}", "{minSessionsEvaluated: 1000}"
    )
    stack.log.seek(0)
    stack.log.truncate()
    output = failed_up(stack)
    assert f"error: evalctl: 1 of 4 score gate(s) failed ({specs}/batch/nightly-support.yaml):" in output
    assert "sessions evaluated 2 < 1000" in output and "then run `pulumi up` again" in output
    assert TRACEBACK not in output, output
