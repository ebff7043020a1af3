"""A Dataset whose examples live in S3 (`s3Source`), under the real engine: the object is read at create
and again only when `s3Uri` or `revision` changes; the batch over its `latest` version is replaced
exactly when a new version is published; a bad object fails `up` and leaves the DRAFT as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from evalctl.emulator.testing import EmulatorHandle
from tests.engine.s3_dataset import (
    BATCH,
    DATASET,
    URI,
    by_id,
    draft,
    example_calls,
    put_object,
    s3_stack,
    scenario,
    write_dataset,
)
from tests.engine.workspace import EngineStack, control_of

FIRST = [scenario("order-status"), scenario("refund", "Refunded in 5 days.")]
SECOND = [scenario("order-status", "Shipped."), scenario("damaged", "A ticket was opened.")]
THIRD = [scenario("late-return", "Outside the window."), *SECOND]


def state(result: auto.UpResult) -> tuple[str, str, str]:
    """The dataset's id and exported version, and the id of the batch over its latest version."""
    dataset = result.outputs["datasets"].value[DATASET]
    return dataset["id"], dataset["version"], result.outputs["batchEvaluations"].value[BATCH]["id"]


Examples = list[dict[str, Any]]


def converged(stack: EngineStack, emulator: EmulatorHandle, items: Examples) -> tuple[str, str, str]:
    """`up` succeeds, and the DRAFT and the published version both hold `items`; the state."""
    result = stack.up()
    assert result.summary.result == "succeeded", stack.log.getvalue()
    ident, version, job = state(result)
    assert draft(emulator, ident) == draft(emulator, ident, version) == by_id(items)
    return ident, version, job


def test_an_s3_dataset_is_read_at_create_and_again_only_on_a_new_revision(
    tmp_path: Path, emulator: EmulatorHandle, specs: Path
) -> None:
    stack = s3_stack(tmp_path, emulator, specs, FIRST)
    ident, version, job = converged(stack, emulator, FIRST)
    stack.preview(expect_no_changes=True)
    assert stack.refresh().summary.result == "succeeded", "no example drift is shown for an S3 dataset"
    stack.preview(expect_no_changes=True)

    # Description and tags: UpdateDataset and tags only; the version and the run over it stay.
    put_object(emulator, SECOND)  # rewritten under the same URI and revision: not read
    write_dataset(specs, "1", description="Support cases, renamed.", team="b")
    planned = stack.preview().change_summary
    assert planned.get("update") == 1 and not planned.get("replace"), planned
    emulator.admin.clear_call_counts()
    result = stack.up()
    assert result.summary.result == "succeeded", stack.log.getvalue()
    assert state(result) == (ident, version, job) and example_calls(emulator) == {}
    assert draft(emulator, ident) == by_id(FIRST)
    detail = control_of(emulator).get_dataset(datasetId=ident)
    assert detail["description"] == "Support cases, renamed."
    tags = control_of(emulator).list_tags_for_resource(resourceArn=detail["datasetArn"])["tags"]
    assert tags["team"] == "b"

    # A new revision reads the object again: a new version, and a new run over it.
    write_dataset(specs, "2", description="Support cases, renamed.", team="b")
    planned = stack.preview().change_summary
    assert planned.get("update") == 1 and planned.get("replace") == 1, planned
    emulator.admin.clear_call_counts()
    ident2, version2, job2 = converged(stack, emulator, SECOND)
    assert ident2 == ident and version2 != version and job2 != job
    reread = {"DeleteDatasetExamples": 1, "AddDatasetExamples": 1, "CreateDatasetVersion": 1}
    assert example_calls(emulator) == reread

    # A bad object at the next revision: `up` fails naming s3Source.s3Uri, nothing changes.
    put_object(emulator, '{"scenario_id": "broken", "turns": []}\nnot json\n')
    write_dataset(specs, "3", description="Support cases, renamed.", team="b")
    emulator.admin.clear_call_counts()
    with pytest.raises(auto.CommandError) as failed:
        stack.up()
    said = str(failed.value)
    assert f"`s3Source.s3Uri` {URI}" in said and "its examples were not changed" in said, said
    assert example_calls(emulator) == {}
    assert draft(emulator, ident) == by_id(SECOND)

    # The object fixed, the same spec converges; back at an earlier revision, it is read again.
    put_object(emulator, THIRD)
    _, version3, job3 = converged(stack, emulator, THIRD)
    assert version3 != version2 and job3 != job2
    put_object(emulator, FIRST)
    write_dataset(specs, "1", description="Support cases, renamed.", team="b")
    _, version4, job4 = converged(stack, emulator, FIRST)
    assert version4 != version3 and job4 != job3
    stack.preview(expect_no_changes=True)

    assert stack.destroy().summary.result == "succeeded", stack.log.getvalue()
    assert not [d for d in control_of(emulator).list_datasets()["datasets"] if d.get("status") != "DELETING"]
    converged(stack, emulator, FIRST)
