"""A small stack for S3 datasets under the real engine: the Dataset `support-scenarios` reading its
examples from an object in the emulator's S3, and the batch `support-regression` over its `latest`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from evalctl import dataset_sync, scenarios
from evalctl.emulator.testing import EmulatorHandle
from tests.engine.workspace import EngineStack, engine_stack, external_foundations

BUCKET, KEY = "eval-data", "support/cases.jsonl"
URI = f"s3://{BUCKET}/{KEY}"
DATASET, BATCH = "support-scenarios", "support-regression"
DESCRIPTION = "Support cases kept in S3."
AGENT = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij"
# What a change of the DRAFT (or a version of it) calls; a description or tags change must call none.
EXAMPLE_CALLS = ("AddDatasetExamples", "UpdateDatasetExamples", "DeleteDatasetExamples")
PUBLISH = "CreateDatasetVersion"
# Kinds the dataset and its batch do not need: fewer resources, a faster `up`.
UNUSED = ("evaluators", "online", "ground-truth", "recommendations", "tests", "platform")
NIGHTLY = "batch/nightly-support.yaml"
# The example's support-regression without its gates: it does not wait, as its agent is not running.
BATCH_SPEC = f"""apiVersion: evalctl/v1alpha1
kind: BatchEvaluation
metadata: {{name: {BATCH}}}
spec:
  evaluators: [Builtin.GoalSuccessRate]
  dataset: {{name: {DATASET}, version: latest}}
  agent: {AGENT}/runtime-endpoint/DEFAULT
  wait: false
  dataSourceConfig:
    cloudWatchLogs:
      serviceNames: [support_agent.DEFAULT]
      logGroupNames: [/aws/bedrock-agentcore/runtimes/support_agent-abcdefghij-DEFAULT]
"""


def scenario(name: str, answer: str = "Done.") -> dict[str, Any]:
    return {"scenario_id": name, "turns": [{"input": f"Question {name}?", "expected_response": answer}]}


def put_object(emulator: EmulatorHandle, body: str | list[dict[str, Any]]) -> None:
    """Write the dataset's object (JSONL of `body`'s scenarios, or `body` as is) into the emulator's S3."""
    s3 = emulator.client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
    text = body if isinstance(body, str) else "".join(json.dumps(item) + "\n" for item in body)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=text.encode())


def write_dataset(specs: Path, revision: str, description: str = DESCRIPTION, team: str = "a") -> None:
    """The Dataset spec over the object at `revision`, with `description` and a `team` tag."""
    (specs / "datasets" / f"{DATASET}.yaml").write_text(
        "apiVersion: evalctl/v1alpha1\nkind: Dataset\n"
        f"metadata: {{name: {DATASET}}}\n"
        f"spec:\n  description: {description}\n  publish: true\n  tags: {{team: {team}}}\n"
        f'  s3Source: {{s3Uri: "{URI}", revision: "{revision}"}}\n'
    )


def s3_stack(tmp: Path, emulator: EmulatorHandle, specs: Path, items: list[dict[str, Any]]) -> EngineStack:
    """The stack over `specs` pruned to the platform, the S3 dataset at revision 1 (its object holding
    `items`) and the batch over its latest version, which does not wait (its agent is not running)."""
    external = external_foundations(emulator, specs)
    for name in (*UNUSED, NIGHTLY):
        path = specs / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (specs / "batch" / f"{BATCH}.yaml").write_text(BATCH_SPEC)
    emulator.admin.map_agents({AGENT: "http://127.0.0.1:9"})  # the jobs need only start, not succeed
    put_object(emulator, items)
    write_dataset(specs, "1")
    return engine_stack(tmp, emulator, specs, external)


def draft(emulator: EmulatorHandle, dataset_id: str, version: str = "DRAFT") -> list[dict[str, Any]]:
    """A version's examples without the service's bookkeeping, by scenario id."""
    control = emulator.client("bedrock-agentcore-control")
    found = [scenarios.content(e) for e in dataset_sync.live_examples(control, dataset_id, version)]
    return by_id(found)


def by_id(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=scenarios.scenario_id)


def example_calls(emulator: EmulatorHandle) -> dict[str, int]:
    counts = emulator.admin.call_counts()
    return {op: counts[op] for op in (*EXAMPLE_CALLS, PUBLISH) if counts.get(op)}
