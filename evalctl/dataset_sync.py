"""Keep a dataset's DRAFT equal to declared scenarios with the fewest calls: diff by scenario id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evalctl import awsops, scenarios

BATCH = 1000  # "max": 1000 examples (or ids) per Add/Update/DeleteDatasetExamples call


@dataclass
class Plan:
    """What to send: new scenarios, changed ones (with their exampleId), and ids to delete."""

    add: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.add or self.update or self.delete)


def token() -> str:
    """A fresh client token per call: a retry of that call is idempotent, a new call never replays."""
    return str(uuid.uuid4())  # 36 characters: ClientToken needs 33 to 256


def _canonical(doc: dict[str, Any]) -> str:
    return json.dumps(scenarios.content(doc), sort_keys=True)


def plan(live: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> Plan:
    """The changes that turn the live examples into the wanted scenarios (matched by scenario_id)."""
    by_id = {scenarios.scenario_id(e): e for e in live}
    result = Plan()
    for scenario in wanted:
        current = by_id.pop(scenarios.scenario_id(scenario), None)
        if current is None:
            result.add.append(scenario)
        elif _canonical(current) != _canonical(scenario):
            result.update.append({**scenario, scenarios.EXAMPLE_ID: current[scenarios.EXAMPLE_ID]})
    result.delete = [str(e[scenarios.EXAMPLE_ID]) for e in by_id.values()]
    return result


def live_examples(control: Any, dataset_id: str, version: str = "DRAFT") -> list[dict[str, Any]]:
    """Every example of a version, following the version-pinned pages."""
    pages = {"PageSize": 1000}  # the API's largest page: fewest calls for a large dataset
    params = {"datasetId": dataset_id, "datasetVersion": version, "PaginationConfig": pages}
    return list(awsops.items(control, "list_dataset_examples", "examples", **params))


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


def apply(control: Any, dataset_id: str, changes: Plan, settle: Callable[[], None]) -> int:
    """Send the plan, one call per batch of up to 1,000; `settle` waits for ACTIVE after each call."""
    calls = 0
    for ids in _chunks(changes.delete):
        control.delete_dataset_examples(datasetId=dataset_id, exampleIds=ids, clientToken=token())
        settle()
        calls += 1
    for batch in _chunks(changes.update):
        control.update_dataset_examples(datasetId=dataset_id, examples=batch, clientToken=token())
        settle()
        calls += 1
    for batch in _chunks(changes.add):
        source = {"inlineExamples": {"examples": batch}}
        control.add_dataset_examples(datasetId=dataset_id, source=source, clientToken=token())
        settle()
        calls += 1
    return calls


def ordered(live: list[dict[str, Any]], declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Live scenarios (content only) in the declared order, then the ones only AWS has: drift view."""
    by_id = {scenarios.scenario_id(e): scenarios.content(e) for e in live}
    first = [by_id.pop(scenarios.scenario_id(s)) for s in declared if scenarios.scenario_id(s) in by_id]
    return first + list(by_id.values())


def reload(control: Any, dataset_id: str, s3_source: dict[str, Any], settle: Callable[[], None]) -> None:
    """Make the DRAFT the S3 object's examples: delete every example, then add the object's."""
    apply(control, dataset_id, plan(live_examples(control, dataset_id), []), settle)
    source = {"s3Source": {"s3Uri": s3_source["s3Uri"]}}  # `revision` is ours, not the API's
    control.add_dataset_examples(datasetId=dataset_id, source=source, clientToken=token())
    settle()
