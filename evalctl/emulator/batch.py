"""Data plane: Start/Get/List/Stop/DeleteBatchEvaluation with clock-driven lifecycles."""

from __future__ import annotations

import copy
import math
import threading
from concurrent.futures import Future
from typing import Any

from evalctl.catalog import BUILTIN_INSIGHTS
from evalctl.emulator import (
    agent_insights,
    batch_inputs,
    bridge,
    dataset_jobs,
    dataset_progress,
    dataset_start,
    jobs,
    resultslog,
)
from evalctl.emulator.core import Core, Request, paginate, projection, strip_internal
from evalctl.emulator.errors import ApiError, ConflictError, ValidationError
from evalctl.emulator.state import new_hex_id
from evalctl.emulator.summary import session_errors, summarize, terminal_status

TABLE = "batches"
ACTIVE = ("PENDING", "IN_PROGRESS", "STOPPING")


def _spec(core: Core, record: dict[str, Any]) -> jobs.JobSpec:
    saved = record["_spec"]
    try:
        defs = [bridge.definition(core, i, saved["region"]) for i in saved["evaluatorIds"]]
    except ApiError as exc:  # Start answers ValidationException: it has no ResourceNotFound error
        raise ValidationError(exc.message) from exc
    job_id = record["batchEvaluationId"]
    return jobs.JobSpec(
        saved["region"], saved["source"], defs, saved["insightIds"], saved["metadata"],
        dataset=saved.get("dataset"), lock=core.store.lock,
        cancel=core.cancels.setdefault(job_id, threading.Event()), halt=core.closing,
        resume=copy.deepcopy(dataset_progress.of(record)),
        report=dataset_progress.reporter(core, TABLE, job_id),
    )  # fmt: skip


def _check_start(core: Core, params: dict[str, Any]) -> None:
    if params.get("datasetExecutionConfig"):
        dataset_start.check_request(params)
    if not params.get("evaluators") and not params.get("insights"):
        raise ValidationError("At least one evaluator or insight is required")
    for insight in params.get("insights") or []:
        if insight["insightId"] not in BUILTIN_INSIGHTS:
            raise ValidationError(f"Unknown insight {insight['insightId']}")
    rows = core.settle(TABLE).values()
    # "Must be unique within your account": held by every job not yet deleted, finished ones too.
    core.admit_job(
        "batch evaluation", params["batchEvaluationName"], (r["batchEvaluationName"] for r in rows),
        lambda: sum(1 for r in rows if r["status"] in ACTIVE), core.settings.max_active_batches,
    )  # fmt: skip


def start(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    _check_start(core, params)
    params = batch_inputs.epochs(params)
    job_id = new_hex_id(params["batchEvaluationName"])
    now = core.clock.now()
    output = batch_inputs.output_config(core, params, job_id, req.region)
    record: dict[str, Any] = {
        "batchEvaluationId": job_id,
        "batchEvaluationArn": f"arn:aws:bedrock-agentcore:{req.region}:{req.account}:batch-evaluate/{job_id}",
        "batchEvaluationName": params["batchEvaluationName"],
        "status": "PENDING",
        "createdAt": now,
        "updatedAt": now,
        "_pendingUntil": now + core.settings.batch_pending_seconds,
    }
    if output is not None:
        record["outputConfig"] = output
        record["_namespace"] = output["cloudWatchConfig"].get("metricsNamespace")
    copied = ("description", "evaluators", "insights", "dataSourceConfig", "kmsKeyArn")
    record.update({k: params[k] for k in copied if params.get(k) is not None})
    record["_spec"] = {
        "region": req.region,
        "source": batch_inputs.session_source(core, params["dataSourceConfig"]),
        "evaluatorIds": [e["evaluatorId"] for e in params.get("evaluators") or []],
        "insightIds": [i["insightId"] for i in params.get("insights") or []],
        "metadata": params.get("evaluationMetadata"),
    }
    if params.get("datasetExecutionConfig"):
        record["_spec"]["dataset"], record["datasetExecutionDetails"] = dataset_start.plan(core, params, req)
    spec = _spec(core, record)
    record["_kinds"] = resultslog.kinds(spec.evaluators)
    core.store.table(TABLE)[job_id] = record
    future = _submit(spec)
    core.futures[job_id] = future
    future.add_done_callback(lambda done: _keep_outcome(core, job_id, done.result()))
    if params.get("tags"):
        core.store.set_tags(record["batchEvaluationArn"], params["tags"])
    keys = ("batchEvaluationId", "batchEvaluationArn", "batchEvaluationName", "evaluators", "insights",
            "status", "createdAt", "outputConfig", "kmsKeyArn", "description")  # fmt: skip
    return {k: record.get(k) for k in keys} | {"tags": params.get("tags")}


def _keep_outcome(core: Core, job_id: str, outcome: dict[str, Any]) -> None:
    """Store a finished job's outcome at once, so it is persisted and survives a restart."""
    with core.store.lock:
        if core.closing.is_set():  # halted part-way: the next emulator on this data dir resumes it
            return
        core.cancels.pop(job_id, None)
        record = core.store.table(TABLE).get(job_id)
        if record is not None and "_outcome" not in record:
            _set_outcome(core, record, outcome)
            core.store.save()


def _set_outcome(core: Core, record: dict[str, Any], outcome: dict[str, Any]) -> None:
    record["_outcome"] = outcome
    per = core.settings.batch_session_seconds
    record["_runUntil"] = record["_pendingUntil"] + max(1, len(outcome["sessions"])) * per
    if _is_dataset(record):  # the agent's own time was the run: it is over once the outcome is known
        record["_runUntil"] = min(record["_runUntil"], max(core.clock.now(), record["_pendingUntil"]))


def _is_dataset(record: dict[str, Any]) -> bool:
    return record["_spec"].get("dataset") is not None


def _running(core: Core, record: dict[str, Any]) -> bool:
    """A dataset job still invoking its agent: its outcome is not known yet (never block on it)."""
    if "_outcome" in record or not _is_dataset(record):
        return False
    job_id = record["batchEvaluationId"]
    future = core.futures.get(job_id)
    if future is None:  # after a restart the work is gone: resume it from its stored progress
        future = core.futures[job_id] = _submit(_spec(core, record))
        future.add_done_callback(lambda done: _keep_outcome(core, job_id, done.result()))
    return not future.done()


def _outcome(core: Core, record: dict[str, Any]) -> dict[str, Any]:
    """The job's outcome, waiting for the background work if emulator time says it is due."""
    if "_outcome" not in record:
        job_id = record["batchEvaluationId"]
        future = core.futures.get(job_id)
        # After a restart the work is gone (and moto's logs with it): run it again here.
        fresh = future.result() if future is not None else _run(_spec(core, record))
        if "_outcome" not in record:
            _set_outcome(core, record, fresh)
        core.futures.pop(job_id, None)
    outcome: dict[str, Any] = record["_outcome"]
    return outcome


def _completed_by(core: Core, record: dict[str, Any], when: float) -> int:
    if when < record["_pendingUntil"] or _running(core, record):
        return 0
    sessions = _outcome(core, record)["sessions"]
    done = math.floor((when - record["_pendingUntil"]) / core.settings.batch_session_seconds)
    return min(len(sessions), int(done))


def _finish(core: Core, record: dict[str, Any], count: int) -> None:
    empty: dict[str, Any] = {"sessions": [], "ignored": 0}
    if _is_dataset(record) and "_outcome" not in record:  # stopped mid-run: what was finished by then
        empty["sessions"] = dataset_progress.done_outcomes(dataset_progress.of(record))
    outcome = _outcome(core, record) if "_outcome" in record or (count and not _is_dataset(record)) else empty
    done = outcome["sessions"][:count]
    # A dataset job counts its scenarios, as while it ran, also when stopped before invoking them all.
    total = len(record["_spec"]["dataset"]["examples"]) if _is_dataset(record) else len(outcome["sessions"])
    time_ms = int(core.clock.now() * 1000)
    kinds = {k: (v[0], v[1]) for k, v in (record.get("_kinds") or {}).items()}
    resultslog.write(record["_spec"]["region"], record, done, kinds, time_ms)
    record["evaluationResults"] = summarize(done, outcome["ignored"], total)
    if record["status"] != "STOPPED":
        record["status"] = terminal_status(outcome, done)
        record.update(outcome.get("insights") or {})
        agent_insights.derive(core, record)
        if outcome.get("error"):
            record["errorDetails"] = [outcome["error"][:1000]]
        elif outcome.get("details"):  # a dataset job's failed scenarios, whatever the status
            record["errorDetails"] = [outcome["details"][:1000]]
        elif record["status"] in ("FAILED", "COMPLETED_WITH_ERRORS"):
            record["errorDetails"] = session_errors(done)
    record["updatedAt"] = core.clock.now()
    record["_written"] = True


def observe(core: Core, record: dict[str, Any]) -> dict[str, Any]:
    """Bring a job's status up to emulator time (PENDING -> IN_PROGRESS -> terminal)."""
    status = record["status"]
    if status == "STOPPED" and not record.get("_written"):
        _finish(core, record, record.get("_stoppedCount", 0))
    if status not in ("PENDING", "IN_PROGRESS"):
        return record
    now = core.clock.now()
    if now < record["_pendingUntil"]:
        return record
    if _running(core, record):
        record["status"] = "IN_PROGRESS"
        record["evaluationResults"] = dataset_progress.results(record)
        return record
    _outcome(core, record)
    if now < record["_runUntil"]:
        record["status"] = "IN_PROGRESS"
        sessions = record["_outcome"]["sessions"]
        done = _completed_by(core, record, now)
        ignored = record["_outcome"]["ignored"]
        record["evaluationResults"] = summarize(sessions[:done], ignored, len(sessions), len(sessions) - done)
        return record
    _finish(core, record, len(record["_outcome"]["sessions"]))
    return record


def _get(core: Core, job_id: str) -> dict[str, Any]:
    return observe(core, core.get(TABLE, job_id, "Batch evaluation"))


def get(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    return strip_internal(_get(core, params["batchEvaluationId"]))


def stop(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _get(core, params["batchEvaluationId"])
    if record["status"] not in ("PENDING", "IN_PROGRESS"):
        raise ConflictError(
            f"Batch evaluation {record['batchEvaluationId']} is {record['status']} and cannot be stopped"
        )
    record["_stoppedCount"] = (
        len(dataset_progress.done_outcomes(dataset_progress.of(record)))
        if _running(core, record)
        else _completed_by(core, record, core.clock.now())
    )
    if record["batchEvaluationId"] in core.cancels:
        core.cancels.pop(record["batchEvaluationId"]).set()
    core.transition(record, "STOPPING", "STOPPED", core.settings.stop_seconds)
    record["updatedAt"] = core.clock.now()
    return {k: record.get(k) for k in ("batchEvaluationId", "batchEvaluationArn", "status", "description")}


def delete(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _get(core, params["batchEvaluationId"])
    running = record["status"] in ("PENDING", "IN_PROGRESS", "STOPPING")
    advice = "; wait until it is STOPPED" if record["status"] == "STOPPING" else "; stop it first"
    core.delete_job(record, "batchEvaluationId", "Batch evaluation", running=running, advice=advice)
    core.store.tags.pop(record["batchEvaluationArn"], None)
    return {k: record[k] for k in ("batchEvaluationId", "batchEvaluationArn", "status")}


_SUMMARY = (
    "batchEvaluationId",
    "batchEvaluationArn",
    "batchEvaluationName",
    "status",
    "createdAt",
    "description",
    "evaluators",
    "insights",
    "errorDetails",
    "kmsKeyArn",
    "updatedAt",
)


def list_jobs(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    rows = core.listed(TABLE, "batchEvaluationId")
    items = [observe(core, r) for r in rows]
    page, token = paginate(items, params, projection(_SUMMARY))
    return {"batchEvaluations": page, "nextToken": token}


HANDLERS = {
    "StartBatchEvaluation": start,
    "GetBatchEvaluation": get,
    "ListBatchEvaluations": list_jobs,
    "StopBatchEvaluation": stop,
    "DeleteBatchEvaluation": delete,
}


def _run(spec: jobs.JobSpec) -> dict[str, Any]:
    """A dataset job invokes its agent first; any other job reads the logs it names."""
    if spec.dataset is not None:
        return dataset_jobs.run(spec)
    try:
        return jobs.run(spec)
    except Exception as exc:
        # Scoring itself broke (EVALCTL_JUDGE names no judge, ...): the job FAILS with the reason, as
        # when its logs cannot be read. Raised, it left no outcome and every Get answered 500.
        return jobs.broken(exc, [])


def _submit(spec: jobs.JobSpec) -> Future[dict[str, Any]]:
    return jobs.submit(spec, _run)
