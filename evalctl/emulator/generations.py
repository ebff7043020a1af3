"""Data plane: Start/Get/List/DeleteDatasetGeneration on the emulator clock (README "Dataset generations")."""

from __future__ import annotations

import uuid
from typing import Any

from evalctl import scenarios
from evalctl.emulator import generation_start, generation_work, trace_select
from evalctl.emulator.core import Core, Request, paginate
from evalctl.emulator.datasets import ON_READ, record_of
from evalctl.emulator.datasets import TABLE as DATASETS
from evalctl.emulator.errors import ConflictError, NotFoundError
from evalctl.emulator.generation_work import DYNAMIC, Counts
from evalctl.emulator.state import new_id

TABLE = "generations"
RUNNING = "IN_PROGRESS"
TAG = "emulated dataset generation: evalctl emulator"
DEFAULT_PAGE = 20  # ListDatasetGenerations maxResults: "The default is 20."


def _work(core: Core, params: dict[str, Any], gen_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(GenerationSourceRecord, stored outcome): sessions read now, examples written when it finishes."""
    trace = params["source"]["traceGeneration"]
    resolved, where, results = generation_start.resolve(core, trace["sourceConfig"])
    counts = Counts()
    quality = None
    try:
        sessions = trace_select.read_logs(params["_region"], where)
    except LookupError as exc:
        return generation_start.record_source(trace, resolved, quality), {"error": str(exc)[:1000]}
    chosen, truth_for = generation_start.select(sessions, trace, results, counts)
    truth = trace.get("groundTruth")
    if truth is not None:
        filters = ((trace.get("selection") or {}).get("filters") or {}).get("evaluatorFilters") or []
        quality = truth.get("qualityFilters", filters)
    tag = {"source": TAG, "generationId": gen_id}
    built = generation_work.build(
        chosen, params.get("scenarioType") or DYNAMIC, truth_for, set((truth or {}).get("fields") or []),
        trace.get("redactionConfiguration"), tag, counts,
    )  # fmt: skip
    outcome = {
        "scenarios": [[example, has_truth] for example, has_truth in built],
        "counts": {"sessionsMatched": counts.matched, "sessionsSelected": counts.selected,
                   "sessionsUnscored": counts.unscored, "sessionsFailed": counts.failed},
        "errorDetails": generation_work.error_details(counts),
        "redaction": {"scenariosScanned": counts.scanned, "findingCounts": counts.findings},
    }  # fmt: skip
    return generation_start.record_source(trace, resolved, quality), outcome


def start(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    dataset = record_of(core, params["datasetId"])
    if dataset["status"] != "ACTIVE":
        raise ConflictError(f"Dataset {dataset['datasetId']} is {dataset['status']}; it must be ACTIVE")
    if dataset.get("_generation"):
        # "A dataset can have only one generation in progress at a time."
        raise ConflictError(
            f"Dataset {dataset['datasetId']} has generation {dataset['_generation']} in progress"
        )
    generation_start.check(params, dataset)
    gen_id = new_id(params["name"])
    params = {**params, "_region": req.region}
    source, outcome = _work(core, params, gen_id)
    now = core.clock.now()
    selected = outcome.get("counts", {}).get("sessionsSelected", 0)
    record: dict[str, Any] = {
        "generationId": gen_id,
        "name": params["name"],
        "datasetId": dataset["datasetId"],
        "scenarioType": params.get("scenarioType") or DYNAMIC,
        "status": RUNNING,
        "createdAt": now,
        "updatedAt": now,
        "source": source,
        "generationResults": {"sessionsMatched": 0, "sessionsSelected": 0},
        "_until": now + max(1, selected) * core.settings.generation_session_seconds,
        "_outcome": outcome,
    }
    if params.get("description") is not None:
        record["description"] = params["description"]
    core.store.table(TABLE)[gen_id] = record
    dataset["_generation"] = gen_id
    keys = ("generationId", "name", "datasetId", "status", "createdAt")
    return {k: record[k] for k in keys}


def _write(core: Core, record: dict[str, Any], dataset: dict[str, Any]) -> dict[str, int]:
    """Add the scenarios to the DRAFT, leaving out duplicates of each other and of the draft."""
    seen = {generation_work.fingerprint(e) for e in dataset["_draft"].values()}
    ids = {scenarios.scenario_id(e) for e in dataset["_draft"].values()}
    written = with_truth = duplicates = 0
    for example, has_truth in record["_outcome"]["scenarios"]:
        mark = generation_work.fingerprint(example)
        if mark in seen or scenarios.scenario_id(example) in ids:
            duplicates += 1
            continue
        seen.add(mark)
        ids.add(scenarios.scenario_id(example))
        example_id = str(uuid.uuid4())
        dataset["_draft"][example_id] = {**example, scenarios.EXAMPLE_ID: example_id}
        dataset.setdefault("_generatedBy", {})[example_id] = record["generationId"]
        written += 1
        with_truth += int(has_truth)
    if written:
        dataset["draftStatus"] = "MODIFIED"
        dataset["updatedAt"] = core.clock.now()
    generated = len(record["_outcome"]["scenarios"])
    return {"scenariosGenerated": generated, "scenariosDeduplicated": duplicates,
            "examplesWritten": written, "examplesWithGroundTruth": with_truth}  # fmt: skip


def observe(core: Core, record: dict[str, Any]) -> dict[str, Any]:
    """Finish a generation whose time has come: write its examples, free its dataset."""
    if record["status"] != RUNNING or core.clock.now() < record["_until"]:
        return record
    dataset = core.store.table(DATASETS).get(record["datasetId"])
    outcome = record["_outcome"]
    if dataset is not None and dataset.get("_generation") == record["generationId"]:
        dataset.pop("_generation")
    if "error" in outcome or dataset is None:
        record["status"] = "FAILED"
        record["failureReason"] = outcome.get("error") or f"Dataset {record['datasetId']} no longer exists"
    else:
        record["generationResults"] = outcome["counts"] | _write(core, record, dataset)
        record["errorDetails"] = outcome["errorDetails"]
        if record["source"]["traceGeneration"].get("redactionConfiguration") is not None:
            record["redactionSummary"] = outcome["redaction"]
        record["status"] = "COMPLETED_WITH_ERRORS" if outcome["counts"]["sessionsFailed"] else "COMPLETED"
    record["completedAt"] = record["updatedAt"] = record["_until"]
    return record


def settle_dataset(core: Core, dataset: dict[str, Any]) -> None:
    """Let the generation running on `dataset` finish if emulator time says it has."""
    running = core.store.table(TABLE).get(str(dataset.get("_generation")))
    if running is not None:
        observe(core, running)
    elif dataset.get("_generation"):  # its record is gone (deleted by a reset): free the dataset
        dataset.pop("_generation")


ON_READ.append(settle_dataset)


def _of(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    record_of(core, params["datasetId"])
    record = core.settle(TABLE).get(params["generationId"])
    if record is None or record["datasetId"] != params["datasetId"]:
        raise NotFoundError(f"Dataset generation {params['generationId']} not found in {params['datasetId']}")
    return observe(core, record)


_GET = ("generationId", "name", "description", "datasetId", "scenarioType", "status", "failureReason",
        "createdAt", "updatedAt", "completedAt", "source", "generationResults", "redactionSummary",
        "errorDetails")  # fmt: skip
_SUMMARY = ("generationId", "datasetId", "name", "description", "scenarioType", "status", "createdAt",
            "completedAt")  # fmt: skip


def get(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _of(core, params)
    return {k: record[k] for k in _GET if k in record}


def list_generations(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record_of(core, params["datasetId"])
    rows = [r for r in core.settle(TABLE).values() if r["datasetId"] == params["datasetId"]]
    rows = [observe(core, r) for r in sorted(rows, key=lambda r: (r["createdAt"], r["generationId"]))]
    page, token = paginate(
        rows, {"maxResults": DEFAULT_PAGE, **params}, lambda r: {k: r[k] for k in _SUMMARY if k in r}
    )
    return {"datasetGenerations": page, "nextToken": token}


def delete(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _of(core, params)
    running = record["status"] == RUNNING
    # "The examples the generation added stay in the dataset's draft."
    answer = core.delete_job(
        record, "generationId", "Dataset generation", running=running,
        allowed=core.settings.generation_delete_running,
    )  # fmt: skip
    if running:  # allowed by settings: the dataset is free again, nothing is written
        dataset = core.store.table(DATASETS).get(record["datasetId"]) or {}
        dataset.pop("_generation", None)
    return answer


HANDLERS = {
    "StartDatasetGeneration": start,
    "GetDatasetGeneration": get,
    "ListDatasetGenerations": list_generations,
    "DeleteDatasetGeneration": delete,
}
