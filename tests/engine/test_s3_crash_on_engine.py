"""`kill -9` of a `pulumi up` (the CLI and its plugins, as a lost CI runner) while it reads an S3 dataset
again, after it deleted the DRAFT's examples and before it added the object's: the DRAFT is left empty.
The README's recovery ("Crashes and recovery") must then bring it back to the object's examples."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from pulumi import automation as auto

from evalctl.dataset_s3 import UNREAD
from evalctl.emulator.testing import EmulatorHandle
from tests.engine.s3_dataset import (
    DATASET,
    EXAMPLE_CALLS,
    URI,
    by_id,
    draft,
    put_object,
    s3_stack,
    scenario,
    write_dataset,
)
from tests.engine.test_crash_on_engine import orphans, repair_interrupted_metadata, up_until
from tests.providers.engine_stand_in import descendants

__all__ = ["orphans"]  # the fixture, shared with the other crash test

BEFORE = [scenario("order-status"), scenario("refund", "Refunded in 5 days.")]
AFTER = [scenario("order-status", "Shipped."), scenario("damaged", "A ticket was opened.")]
# Long enough that the provider is still waiting for the dataset to settle after the delete when the
# kill lands (the test advances the emulator's clock past it afterwards): no race with the add.
HELD_SECONDS = 600.0


# The spec of the `up` after the kill: the same, or back at revision 1 (the change reverted, or the CI
# run of the previous commit), whose examples the dead run had already deleted.
NEXT = {"the same spec": ("2", AFTER), "the revision reverted": ("1", BEFORE)}


@pytest.mark.parametrize("then", list(NEXT))
def test_kill_between_the_delete_and_the_add_of_a_re_read_then_recovery_converges(
    then: str, tmp_path: Path, emulator: EmulatorHandle, specs: Path, orphans: list[int]
) -> None:
    revision, wanted = NEXT[then]
    stack = s3_stack(tmp_path, emulator, specs, BEFORE)
    first = stack.up()
    assert first.summary.result == "succeeded", stack.log.getvalue()
    ident = first.outputs["datasets"].value[DATASET]["id"]

    put_object(emulator, AFTER)
    write_dataset(specs, "2")
    emulator.admin.clear_call_counts()
    # After DeleteDatasetExamples the dataset is UPDATING for HELD_SECONDS: the provider waits for ACTIVE
    # before AddDatasetExamples, so the kill below lands between the two.
    emulator.admin.configure(resource_seconds=HELD_SECONDS)
    process = up_until(emulator, tmp_path, "DeleteDatasetExamples", 1)
    tree = [process.pid, *descendants(process.pid)]
    orphans += tree
    for pid in tree:  # the provider server too: in its own process group, it would finish the re-read
        os.kill(pid, signal.SIGKILL)
    process.wait()
    counts = emulator.admin.call_counts()
    assert [counts.get(op, 0) for op in EXAMPLE_CALLS] == [0, 0, 1], counts
    assert draft(emulator, ident) == [], "the kill left the DRAFT emptied, the object not added"

    emulator.admin.configure(resource_seconds=0.05)
    emulator.admin.advance_clock(HELD_SECONDS)  # the emptied dataset settles to ACTIVE
    repair_interrupted_metadata(tmp_path / "state")
    put_object(emulator, wanted)  # a revert restores the object too
    write_dataset(specs, revision)
    with pytest.raises(auto.CommandError, match="currently locked"):
        stack.up()
    stack.stack.cancel()
    assert stack.refresh(clear_pending_creates=True).summary.result == "succeeded", stack.log.getvalue()
    resources = stack.stack.export_stack().deployment["resources"]
    dataset = next(r for r in resources if r.get("custom") and r["urn"].endswith(f"::dataset-{DATASET}"))
    assert dataset["inputs"]["s3Source"] == {"s3Uri": URI, "revision": "1", UNREAD: True}, (
        "the cut-short read is marked"
    )
    result = stack.up()
    assert result.summary.result == "succeeded", stack.log.getvalue()
    version = result.outputs["datasets"].value[DATASET]["version"]
    assert draft(emulator, ident) == draft(emulator, ident, version) == by_id(wanted)
    stack.preview(expect_no_changes=True)
