"""Control plane: online evaluation configs (lifecycle, enable/disable, evaluator references)."""

from __future__ import annotations

import re
from typing import Any

from evalctl.catalog import BUILTIN_EVALUATORS, BUILTIN_INSIGHTS
from evalctl.emulator import cwlogs
from evalctl.emulator.core import DELETED, Core, Request, paginate, projection, strip_internal
from evalctl.emulator.errors import ConflictError, QuotaError, ValidationError
from evalctl.emulator.evaluators import locks, lookup, release_later
from evalctl.emulator.settings import ONLINE_RESULTS_PREFIX, RESERVED_LOG_PREFIX
from evalctl.emulator.state import new_id

TABLE = "onlineConfigs"
# Ground-truth placeholders need per-session reference data, which live traffic never has.
_GROUND_TRUTH = re.compile(
    r"\{(expected_response|assertions|expected_tool_trajectory|actual_tool_trajectory)\}"
)
_GROUND_TRUTH_BUILTINS = {ident for ident, (_, fields) in BUILTIN_EVALUATORS.items() if fields}


def _check_evaluators(core: Core, evaluators: list[dict[str, Any]], region: str) -> None:
    for ref in evaluators:
        evaluator_id = ref["evaluatorId"]
        if evaluator_id in _GROUND_TRUTH_BUILTINS:
            raise ValidationError(f"Evaluator {evaluator_id} needs ground truth and cannot run online")
        view = lookup(core, evaluator_id, region)
        judge = view["evaluatorConfig"].get("llmAsAJudge") or {}
        if _GROUND_TRUTH.search(judge.get("instructions", "")):
            raise ValidationError(
                f"Evaluator {evaluator_id} uses a ground-truth placeholder and cannot be used online"
            )


def _check_insights(insights: list[dict[str, Any]]) -> None:
    for insight in insights:
        if insight["insightId"] not in BUILTIN_INSIGHTS:
            raise ValidationError(f"Unknown insight {insight['insightId']}")


def _output_config(params: dict[str, Any], config_id: str) -> dict[str, Any]:
    given = (params.get("outputConfig") or {}).get("cloudWatchConfig", {})
    group = given.get("logGroupName") or ""
    if group.startswith(RESERVED_LOG_PREFIX):
        raise ValidationError(f"logGroupName may not be under {RESERVED_LOG_PREFIX}")
    out = dict(given)
    out["logGroupName"] = group or ONLINE_RESULTS_PREFIX + config_id
    out.setdefault("resultDestination", "DEDICATED_LOG_GROUP")
    return {"cloudWatchConfig": out}


def _check(core: Core, params: dict[str, Any], region: str) -> None:
    _check_evaluators(core, params.get("evaluators") or [], region)
    _check_insights(params.get("insights") or [])


def create_config(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    rows = core.settle(TABLE)
    name = params["onlineEvaluationConfigName"]
    if core.name_taken(TABLE, name):
        raise ConflictError(f"An online evaluation configuration named {name} already exists")
    if len(rows) >= core.settings.max_online_configs:
        raise QuotaError(
            f"You have reached the maximum number of online evaluation configurations "
            f"({core.settings.max_online_configs})"
        )
    _check(core, params, req.region)
    config_id = new_id(name)
    now = core.clock.now()
    record: dict[str, Any] = {
        "onlineEvaluationConfigArn": (
            f"arn:aws:bedrock-agentcore:{req.region}:{req.account}:online-evaluation-config/{config_id}"
        ),
        "onlineEvaluationConfigId": config_id,
        "onlineEvaluationConfigName": name,
        "createdAt": now,
        "updatedAt": now,
        "executionStatus": "ENABLED" if params["enableOnCreate"] else "DISABLED",
        "outputConfig": _output_config(params, config_id),
    }
    for key in _COPIED:
        if params.get(key) is not None:
            record[key] = params[key]
    core.transition(record, "CREATING", "ACTIVE", core.settings.resource_seconds)
    rows[config_id] = record
    # The service creates the results group it reports, so clients can read or subscribe to it.
    cwlogs.ensure_group(req.region, record["outputConfig"]["cloudWatchConfig"]["logGroupName"])
    core.index_name(TABLE, name, config_id)
    if params.get("tags"):
        core.store.set_tags(record["onlineEvaluationConfigArn"], params["tags"])
    keys = ("onlineEvaluationConfigArn", "onlineEvaluationConfigId", "createdAt", "outputConfig", "status")
    return {k: record[k] for k in (*keys, "executionStatus")}


_COPIED = (
    "description",
    "rule",
    "dataSourceConfig",
    "evaluators",
    "insights",
    "clusteringConfig",
    "evaluationExecutionRoleArn",
)


def get_config(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    return strip_internal(core.get(TABLE, params["onlineEvaluationConfigId"], "OnlineEvaluationConfig"))


def update_config(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = core.get(TABLE, params["onlineEvaluationConfigId"], "OnlineEvaluationConfig")
    if record["status"] in ("CREATING", "UPDATING", "DELETING"):
        raise ConflictError(
            f"Online evaluation configuration {record['onlineEvaluationConfigId']} is {record['status']}"
        )
    _check(core, params, req.region)
    before = locks(core, record)
    for key in (*_COPIED, "executionStatus"):
        if params.get(key) is not None:
            record[key] = params[key]
    if params.get("outputConfig") is not None:
        record["outputConfig"] = _output_config(params, record["onlineEvaluationConfigId"])
    record["updatedAt"] = core.clock.now()
    core.transition(record, "UPDATING", "ACTIVE", core.settings.resource_seconds)
    release_later(core, before, locks(core, record))
    keys = ("onlineEvaluationConfigArn", "onlineEvaluationConfigId", "updatedAt", "status", "executionStatus")
    return {k: record[k] for k in keys}


def delete_config(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = core.get(TABLE, params["onlineEvaluationConfigId"], "OnlineEvaluationConfig")
    if record["status"] == "DELETING":
        raise ConflictError(
            f"Online evaluation configuration {record['onlineEvaluationConfigId']} is DELETING"
        )
    before = locks(core, record)
    core.transition(record, "DELETING", DELETED, core.settings.delete_seconds)
    release_later(core, before, set())
    core.store.tags.pop(record["onlineEvaluationConfigArn"], None)
    return {k: record[k] for k in ("onlineEvaluationConfigArn", "onlineEvaluationConfigId", "status")}


_SUMMARY = (
    "onlineEvaluationConfigArn",
    "onlineEvaluationConfigId",
    "onlineEvaluationConfigName",
    "description",
    "status",
    "executionStatus",
    "createdAt",
    "updatedAt",
    "failureReason",
    "insights",
    "clusteringConfig",
)


def list_configs(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    items = core.listed(TABLE, "onlineEvaluationConfigId")
    page, token = paginate(items, params, projection(_SUMMARY))
    return {"onlineEvaluationConfigs": page, "nextToken": token}


HANDLERS = {
    "CreateOnlineEvaluationConfig": create_config,
    "GetOnlineEvaluationConfig": get_config,
    "UpdateOnlineEvaluationConfig": update_config,
    "DeleteOnlineEvaluationConfig": delete_config,
    "ListOnlineEvaluationConfigs": list_configs,
}
