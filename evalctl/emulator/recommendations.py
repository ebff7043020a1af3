"""Data plane: Start/Get/List/DeleteRecommendation with clock-driven lifecycles (README "Recommendations")."""

from __future__ import annotations

import secrets
import string
from concurrent.futures import Future
from typing import Any

from evalctl.emulator import batch, batch_inputs, bridge, jobs, recommend_work
from evalctl.emulator.core import Core, Request, paginate
from evalctl.emulator.errors import ApiError, ValidationError

TABLE = "recommendations"
ACTIVE = ("PENDING", "IN_PROGRESS")
_SUFFIX = string.ascii_uppercase + string.digits  # RecommendationId: `<name>-[0-9A-Z]{10}`
_RESULT_KEYS = {
    recommend_work.SYSTEM_PROMPT: "systemPromptRecommendationResult",
    recommend_work.TOOL_DESCRIPTION: "toolDescriptionRecommendationResult",
}
_CONFIG_KEYS = {
    recommend_work.SYSTEM_PROMPT: "systemPromptRecommendationConfig",
    recommend_work.TOOL_DESCRIPTION: "toolDescriptionRecommendationConfig",
}


def evaluator_id(arn: str) -> str:
    """`...:evaluator/<id>` (custom) or `arn:aws:bedrock-agentcore:::evaluator/Builtin.X` -> the id."""
    return arn.rpartition("evaluator/")[2]


def _config(params: dict[str, Any]) -> dict[str, Any]:
    """The config member matching `type`; a mismatch is a ValidationException."""
    key = _CONFIG_KEYS[params["type"]]
    config = params["recommendationConfig"].get(key)
    if config is None:
        given = ", ".join(params["recommendationConfig"])
        raise ValidationError(f"type {params['type']} needs recommendationConfig.{key}, not {given}")
    return dict(config)


def _spec(core: Core, record: dict[str, Any]) -> recommend_work.RecommendationSpec:
    saved = record["_spec"]
    evaluator = None
    if saved["evaluatorId"] is not None:
        try:
            evaluator = bridge.definition(core, saved["evaluatorId"], saved["region"])
        except ApiError as exc:  # StartRecommendation lists no ResourceNotFoundException
            raise ValidationError(exc.message) from exc
    return recommend_work.RecommendationSpec(
        saved["region"], record["type"], saved["traces"], saved["current"], evaluator, saved["bundle"]
    )


def _saved(config: dict[str, Any], kind: str, region: str) -> dict[str, Any]:
    if kind == recommend_work.SYSTEM_PROMPT:
        prompt = config["systemPrompt"]
        current: Any = prompt.get("text", "")
        bundle = "configurationBundle" in prompt
        evaluators = config["evaluationConfig"]["evaluators"]
        chosen: str | None = evaluator_id(evaluators[0]["evaluatorArn"])
    else:
        source = config["toolDescription"]
        tools = (source.get("toolDescriptionText") or {}).get("tools") or []
        current = [[t["toolName"], t["toolDescription"].get("text", "")] for t in tools]
        bundle = "configurationBundle" in source
        chosen = None
    traces = batch_inputs.epochs(config["agentTraces"])
    return {"region": region, "traces": traces, "current": current, "bundle": bundle, "evaluatorId": chosen}


def _trace_source(core: Core, traces: dict[str, Any]) -> dict[str, Any]:
    """A batchEvaluation or onlineEvaluation source as the logs it reads ({"logSource": ...}): the
    completed job's sessions, or the online configuration's source within the given window."""
    if "batchEvaluation" in traces:
        arn = traces["batchEvaluation"]["batchEvaluationArn"]
        found = [r for r in core.settle(batch.TABLE).values() if r["batchEvaluationArn"] == arn]
        if not found:
            raise ValidationError(f"Batch evaluation {arn} does not exist")
        # BatchEvaluationTraceConfig: "Use a completed batch evaluation as the source of agent traces."
        status = batch.observe(core, found[0])["status"]
        if status not in ("COMPLETED", "COMPLETED_WITH_ERRORS"):
            raise ValidationError(
                f"Batch evaluation {arn} is {status}; a recommendation needs a completed one"
            )
        return {"logSource": dict(found[0]["_spec"]["source"])}
    if "onlineEvaluation" in traces:
        online = traces["onlineEvaluation"]
        window = {"startTime": online["startTime"], "endTime": online["endTime"]}
        config = {"onlineEvaluationConfigArn": online["onlineEvaluationConfigArn"], "timeRange": window}
        return {"logSource": batch_inputs.session_source(core, {"onlineEvaluationConfigSource": config})}
    return traces


def _check_start(core: Core, params: dict[str, Any]) -> None:
    rows = core.settle(TABLE).values()
    # RecommendationName: "Must be unique within your account": held until the record is deleted.
    core.admit_job(
        "recommendation", params["name"], (r["name"] for r in rows),
        lambda: sum(1 for r in rows if observe(core, r)["status"] in ACTIVE),
        core.settings.max_active_recommendations,
    )  # fmt: skip


def start(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    config = _config(params)
    _check_start(core, params)
    rec_id = f"{params['name']}-" + "".join(secrets.choice(_SUFFIX) for _ in range(10))
    now = core.clock.now()
    record: dict[str, Any] = {
        "recommendationId": rec_id,
        "recommendationArn": f"arn:aws:bedrock-agentcore:{req.region}:{req.account}:recommendation/{rec_id}",
        "name": params["name"],
        "type": params["type"],
        "recommendationConfig": batch_inputs.epochs(params["recommendationConfig"]),
        "status": "PENDING",
        "createdAt": now,
        "updatedAt": now,
        "_pendingUntil": now + core.settings.recommendation_pending_seconds,
        "_runUntil": now
        + core.settings.recommendation_pending_seconds
        + core.settings.recommendation_run_seconds,
        "_spec": _saved(config, params["type"], req.region),
    }
    record["_spec"]["traces"] = _trace_source(core, record["_spec"]["traces"])
    if params.get("description") is not None:
        record["description"] = params["description"]
    spec = _spec(core, record)  # an unknown evaluator is refused here, before anything is stored
    core.store.table(TABLE)[rec_id] = record
    future = core.futures[rec_id] = _submit(spec)
    future.add_done_callback(lambda done: _keep_outcome(core, rec_id, done.result()))
    return _view(record, with_result=False)


def _keep_outcome(core: Core, rec_id: str, outcome: dict[str, Any]) -> None:
    """Store the outcome once known, so it is persisted (moto's logs do not survive a restart)."""
    with core.store.lock:
        record = core.store.table(TABLE).get(rec_id)
        if record is not None and "_outcome" not in record:
            record["_outcome"] = outcome
            core.store.save()


def _submit(spec: recommend_work.RecommendationSpec) -> Future[dict[str, Any]]:
    return jobs.submit(spec, recommend_work.run)  # type: ignore[arg-type]


def _outcome(core: Core, record: dict[str, Any]) -> dict[str, Any]:
    """The finished work, computed again after a restart (the futures are not persisted)."""
    if "_outcome" not in record:
        future = core.futures.pop(record["recommendationId"], None)
        record["_outcome"] = (
            future.result() if future is not None else recommend_work.run(_spec(core, record))
        )
    outcome: dict[str, Any] = record["_outcome"]
    return outcome


def observe(core: Core, record: dict[str, Any]) -> dict[str, Any]:
    """Bring a record up to emulator time: PENDING -> IN_PROGRESS -> COMPLETED or FAILED."""
    if record["status"] not in ACTIVE:
        return record
    now = core.clock.now()
    if now >= record["_runUntil"]:
        outcome = _outcome(core, record)
        record["status"] = "FAILED" if "errorCode" in outcome else "COMPLETED"
        record["updatedAt"] = record["_runUntil"]
    elif now >= record["_pendingUntil"] and record["status"] == "PENDING":
        record["status"] = "IN_PROGRESS"
        record["updatedAt"] = record["_pendingUntil"]
    return record


def _view(record: dict[str, Any], with_result: bool = True) -> dict[str, Any]:
    keys = ("recommendationId", "recommendationArn", "name", "description", "type", "recommendationConfig",
            "status", "createdAt", "updatedAt")  # fmt: skip
    out = {k: record[k] for k in keys if k in record}
    outcome = record.get("_outcome")
    if with_result and outcome is not None and record["status"] in ("COMPLETED", "FAILED"):
        # "Only present when the recommendation status is COMPLETED"; a FAILED one carries only
        # the errorCode and errorMessage members of the same result.
        body = outcome.get("result") or {k: outcome[k] for k in ("errorCode", "errorMessage")}
        out["recommendationResult"] = {_RESULT_KEYS[record["type"]]: body}
    return out


def get(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    return _view(observe(core, core.get(TABLE, params["recommendationId"], "Recommendation")))


_SUMMARY = ("recommendationId", "recommendationArn", "name", "description", "type", "status", "createdAt",
            "updatedAt")  # fmt: skip


def list_recommendations(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    rows = core.listed(TABLE, "recommendationId")
    items = [observe(core, r) for r in rows]
    if params.get("statusFilter"):
        items = [r for r in items if r["status"] == params["statusFilter"]]
    page, token = paginate(items, params, lambda r: {k: r[k] for k in _SUMMARY if k in r})
    return {"recommendationSummaries": page, "nextToken": token}


def delete(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = observe(core, core.get(TABLE, params["recommendationId"], "Recommendation"))
    answer = core.delete_job(
        record, "recommendationId", "Recommendation", running=record["status"] in ACTIVE,
        allowed=core.settings.recommendation_delete_running, advice="; delete it once finished",
    )  # fmt: skip
    core.futures.pop(record["recommendationId"], None)
    record["updatedAt"] = core.clock.now()
    return answer


HANDLERS = {
    "StartRecommendation": start,
    "GetRecommendation": get,
    "ListRecommendations": list_recommendations,
    "DeleteRecommendation": delete,
}
