"""ListEvaluators while a deletion finishes: the list answers, it never says the deleted one is missing."""

from __future__ import annotations

from evalctl.emulator import evaluators
from evalctl.emulator.clock import Clock
from evalctl.emulator.core import DELETED, Core, Request


class SteppingClock(Clock):
    """Time that moves a second on every reading: whatever can happen between two readings does."""

    def __init__(self) -> None:
        super().__init__()
        self.readings = 0

    def now(self) -> float:
        self.readings += 1
        return 1_000_000.0 + self.readings


def test_a_deletion_due_between_settling_and_viewing_does_not_fail_the_list() -> None:
    core = Core(clock=SteppingClock())
    record = {"evaluatorId": "tone-abc", "evaluatorName": "tone", "createdAt": 1.0, "level": "TRACE"}
    core.store.table(evaluators.TABLE)["tone-abc"] = record
    core.transition(record, "DELETING", DELETED, 1.5)  # due after the list's first reading, before its next
    listed = evaluators.list_evaluators(core, {}, Request(region="us-east-1"))["evaluators"]
    custom = [e for e in listed if not e["evaluatorId"].startswith("Builtin.")]
    assert [(e["evaluatorId"], e["status"]) for e in custom] == [("tone-abc", "DELETING")]
