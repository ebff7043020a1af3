"""Control plane: Create/Get/Update/Delete/ListEvaluators with lifecycles, locking and quotas."""

from __future__ import annotations

from typing import Any

from evalctl.emulator.builtins import BUILTIN_LEVELS, builtin_record
from evalctl.emulator.core import DELETED, Core, Request, paginate, projection, strip_internal
from evalctl.emulator.errors import ConflictError, NotFoundError, QuotaError, ValidationError
from evalctl.emulator.state import new_id

TABLE = "evaluators"
_TYPES = {"llmAsAJudge": "Custom", "codeBased": "CustomCode", "derived": "CustomDerived"}


def evaluator_type(config: dict[str, Any]) -> str:
    """Custom, CustomCode or CustomDerived, from the config's union member."""
    return next((_TYPES[k] for k in config if k in _TYPES), "Custom")


def locks(core: Core, config: dict[str, Any]) -> set[str]:
    """The evaluator ids a config locks: all it references ("any" mode) or only while ENABLED."""
    if config["status"] == "DELETING":
        return set()
    if core.settings.lock_mode == "enabled" and config["executionStatus"] != "ENABLED":
        return set()
    return {str(e.get("evaluatorId")) for e in config.get("evaluators", [])}


def locking_configs(core: Core, evaluator_id: str) -> list[str]:
    """Ids of online configs that lock the evaluator (see `locks` and Settings.lock_mode)."""
    rows = core.settle("onlineConfigs")
    return [cid for cid, cfg in rows.items() if evaluator_id in locks(core, cfg)]


def release_later(core: Core, before: set[str], after: set[str]) -> None:
    """Evaluators no longer locked by a config stay locked for `lock_release_seconds` more."""
    rows = core.store.table(TABLE)
    until = core.clock.now() + core.settings.lock_release_seconds
    for evaluator_id in before - after:
        if evaluator_id in rows:
            rows[evaluator_id]["_lockedUntil"] = until


def is_locked(core: Core, record: dict[str, Any]) -> bool:
    pending = float(record.get("_lockedUntil") or 0.0) > core.clock.now()
    return pending or bool(locking_configs(core, record["evaluatorId"]))


def lookup(core: Core, evaluator_id: str, region: str) -> dict[str, Any]:
    """The full API view of an evaluator (custom or built-in), or ResourceNotFoundException."""
    if evaluator_id.startswith("Builtin."):
        if evaluator_id not in BUILTIN_LEVELS:
            raise NotFoundError(f"Evaluator {evaluator_id} not found")
        return builtin_record(evaluator_id, region)
    return view_of(core, core.get(TABLE, evaluator_id, "Evaluator"))


def view_of(core: Core, record: dict[str, Any]) -> dict[str, Any]:
    """The API view of a custom evaluator's record."""
    view = strip_internal(record)
    view["lockedForModification"] = is_locked(core, record)
    return view


def _check_base(core: Core, config: dict[str, Any], region: str) -> None:
    derived = config.get("derived")
    if derived:
        lookup(core, derived["baseEvaluatorId"], region)


def create_evaluator(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    rows = core.settle(TABLE)
    name = params["evaluatorName"]
    if core.name_taken(TABLE, name):
        raise ConflictError(f"An evaluator named {name} already exists")
    if len(rows) >= core.settings.max_evaluators:
        raise QuotaError(
            f"You have reached the maximum number of evaluators ({core.settings.max_evaluators})"
        )
    _check_base(core, params["evaluatorConfig"], req.region)
    evaluator_id = new_id(name)
    now = core.clock.now()
    record = {
        "evaluatorArn": f"arn:aws:bedrock-agentcore:{req.region}:{req.account}:evaluator/{evaluator_id}",
        "evaluatorId": evaluator_id,
        "evaluatorName": name,
        "description": params.get("description"),
        "evaluatorConfig": params["evaluatorConfig"],
        "evaluatorType": evaluator_type(params["evaluatorConfig"]),
        "provider": "Custom",
        "level": params["level"],
        "kmsKeyArn": params.get("kmsKeyArn"),
        "createdAt": now,
        "updatedAt": now,
    }
    core.transition(record, "CREATING", "ACTIVE", core.settings.resource_seconds)
    rows[evaluator_id] = record
    core.index_name(TABLE, name, evaluator_id)
    if params.get("tags"):
        core.store.set_tags(record["evaluatorArn"], params["tags"])
    return {k: record[k] for k in ("evaluatorArn", "evaluatorId", "createdAt", "status")}


def get_evaluator(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    view = lookup(core, params["evaluatorId"], req.region)
    if params.get("includedData") == "METADATA_ONLY" and "llmAsAJudge" in view["evaluatorConfig"]:
        judge = dict(view["evaluatorConfig"]["llmAsAJudge"])
        judge["instructions"] = ""
        view["evaluatorConfig"] = {"llmAsAJudge": judge}
    return view


def _mutable(core: Core, evaluator_id: str, verb: str) -> dict[str, Any]:
    if evaluator_id.startswith("Builtin."):
        raise ValidationError(f"Built-in evaluator {evaluator_id} cannot be {verb}")
    record = core.get(TABLE, evaluator_id, "Evaluator")
    users = locking_configs(core, evaluator_id)
    if users:
        raise ConflictError(
            f"Evaluator {evaluator_id} is locked for modification: it is used by online evaluation "
            f"configuration(s) {', '.join(sorted(users))}. Remove it from them first."
        )
    if is_locked(core, record):
        raise ConflictError(
            f"Evaluator {evaluator_id} is locked for modification: an online evaluation configuration "
            "stopped using it moments ago and the lock is not released yet; retry shortly."
        )
    if record["status"] in ("CREATING", "UPDATING", "DELETING"):
        raise ConflictError(f"Evaluator {evaluator_id} is {record['status']}; retry when it is ACTIVE")
    return record


def update_evaluator(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _mutable(core, params["evaluatorId"], "updated")
    config = params.get("evaluatorConfig")
    if config is not None:
        _check_base(core, config, req.region)
        if evaluator_type(config) != record["evaluatorType"]:
            raise ValidationError("evaluatorConfig cannot change the evaluator's type")
        record["evaluatorConfig"] = config
    for key in ("description", "level", "kmsKeyArn"):
        if params.get(key) is not None:
            record[key] = params[key]
    record["updatedAt"] = core.clock.now()
    core.transition(record, "UPDATING", "ACTIVE", core.settings.resource_seconds)
    return {k: record[k] for k in ("evaluatorArn", "evaluatorId", "updatedAt", "status")}


def delete_evaluator(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _mutable(core, params["evaluatorId"], "deleted")
    core.transition(record, "DELETING", DELETED, core.settings.delete_seconds)
    core.store.tags.pop(record["evaluatorArn"], None)
    return {k: record[k] for k in ("evaluatorArn", "evaluatorId", "status")}


_SUMMARY = (
    "evaluatorArn",
    "evaluatorId",
    "evaluatorName",
    "description",
    "evaluatorType",
    "provider",
    "level",
    "status",
    "createdAt",
    "updatedAt",
    "lockedForModification",
    "kmsKeyArn",
)


def list_evaluators(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    builtins = [builtin_record(i, req.region) for i in BUILTIN_LEVELS]
    custom = core.listed(TABLE, "evaluatorId")
    # Views of the records settled above: looking each up again would settle again, and a deletion
    # finishing in between would make the list answer ResourceNotFoundException.
    items = builtins + [view_of(core, r) for r in custom]
    page, token = paginate(items, params, projection(_SUMMARY))
    return {"evaluators": page, "nextToken": token}


HANDLERS = {
    "CreateEvaluator": create_evaluator,
    "GetEvaluator": get_evaluator,
    "UpdateEvaluator": update_evaluator,
    "DeleteEvaluator": delete_evaluator,
    "ListEvaluators": list_evaluators,
}
