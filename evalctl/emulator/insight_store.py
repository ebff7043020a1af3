"""Control plane: the account's singleton Agent Insight Store (Get/List/UpdateAgentInsightStore)."""

from __future__ import annotations

from typing import Any

from evalctl.emulator.core import Core, Request, paginate
from evalctl.emulator.errors import ConflictError, NotFoundError, ValidationError

TABLE = "insightStores"
# The service-defined store's id is not documented; ours is one fixed, pattern-valid id per Region.
STORE_ID = "default"
DEFAULT_ENCRYPTION = {"mode": "AWS_OWNED_KMS_KEY"}
_SUMMARY = (
    "agentInsightStoreArn",
    "agentInsightStoreId",
    "status",
    "enablementStatus",
    "encryptionConfiguration",
    "createdAt",
    "updatedAt",
)


def _settled_status(enablement: str) -> str:
    return "ACTIVE" if enablement == "ENABLED" else "INACTIVE"


def store_of(core: Core, region: str, account: str) -> dict[str, Any]:
    """The Region's store, initialised on first access (DISABLED) and brought up to emulator time."""
    table = core.store.table(TABLE)
    now = core.clock.now()
    record = table.get(region)
    if record is None:
        arn = f"arn:aws:bedrock-agentcore:{region}:{account}:agent-insight-store/{STORE_ID}"
        record = {
            "agentInsightStoreArn": arn,
            "agentInsightStoreId": STORE_ID,
            "status": "INACTIVE",
            "enablementStatus": "DISABLED",
            "encryptionConfiguration": dict(DEFAULT_ENCRYPTION),
            "createdAt": now,
            "updatedAt": now,
        }
        table[region] = record
    due = record.get("_readyAt")
    if due is not None and now >= due:
        record.pop("_readyAt")
        failure = record.pop("_failure", None)
        record["status"] = "ERROR" if failure else _settled_status(record["enablementStatus"])
        if failure:
            record["failureReason"] = failure
        record["updatedAt"] = now
    return record


def key_problem(key_arn: str) -> str | None:
    """Why moto's KMS (same process) cannot encrypt with this key, or None when it is Enabled."""
    from moto.kms.models import kms_backends

    _arn, _aws, _kms, region, account, resource = key_arn.split(":", 5)
    key = kms_backends[account][region].keys.get(resource.removeprefix("key/"))
    if key is None:
        return f"The KMS key {key_arn} does not exist"
    if key.key_state != "Enabled":
        return f"The KMS key {key_arn} is {key.key_state}, not Enabled"
    return None


def accepts_insights(core: Core, region: str, account: str) -> bool:
    """Whether new Agent Insights are written: only an ACTIVE, ENABLED store takes them."""
    record = store_of(core, region, account)
    return bool(record["status"] == "ACTIVE" and record["enablementStatus"] == "ENABLED")


def _named(core: Core, store_id: str, req: Request) -> dict[str, Any]:
    if store_id != STORE_ID:
        raise NotFoundError(f"Agent Insight Store {store_id} not found")
    return store_of(core, req.region, req.account)


def get(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _named(core, params["agentInsightStoreId"], req)
    return {k: v for k, v in record.items() if not k.startswith("_")}


def list_stores(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = store_of(core, req.region, req.account)
    page, token = paginate([record], params, lambda r: {k: r[k] for k in _SUMMARY})
    return {"agentInsightStores": page, "nextToken": token}


def _check_encryption(config: dict[str, Any], enablement: str) -> None:
    mode, key = config["mode"], config.get("kmsKeyArn")
    if mode == "CUSTOMER_MANAGED_KMS" and not key:
        raise ValidationError(
            "encryptionConfiguration.kmsKeyArn is required when mode is CUSTOMER_MANAGED_KMS"
        )
    if mode == "AWS_OWNED_KMS_KEY" and key:
        raise ValidationError(
            "encryptionConfiguration.kmsKeyArn cannot be specified when mode is AWS_OWNED_KMS_KEY"
        )
    if enablement != "ENABLED":
        raise ValidationError("An encryption change can only be combined with enablementStatus ENABLED")


def update(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _named(core, params["agentInsightStoreId"], req)
    enablement, encryption = params.get("enablementStatus"), params.get("encryptionConfiguration")
    if enablement is None and encryption is None:
        raise ValidationError("Specify enablementStatus, encryptionConfiguration or both")
    if record["status"] == "UPDATING":
        raise ConflictError(f"Agent Insight Store {STORE_ID} is UPDATING; retry when the update settles")
    target = enablement or record["enablementStatus"]
    if encryption is not None:
        _check_encryption(encryption, target)
        record["encryptionConfiguration"] = {k: v for k, v in encryption.items() if v is not None}
    record["enablementStatus"] = target
    record.pop("failureReason", None)
    key = record["encryptionConfiguration"].get("kmsKeyArn")
    if key and core.settings.insight_store_checks_kms and (encryption is not None or target == "ENABLED"):
        # The update is asynchronous: a key KMS cannot use shows as ERROR with a reason once it settles.
        record["_failure"] = key_problem(str(key))
    now = core.clock.now()
    record.update(status="UPDATING", updatedAt=now, _readyAt=now + core.settings.insight_store_seconds)
    keys = ("agentInsightStoreArn", "agentInsightStoreId", "status", "enablementStatus", "updatedAt")
    return {k: record[k] for k in keys}


HANDLERS = {
    "GetAgentInsightStore": get,
    "ListAgentInsightStores": list_stores,
    "UpdateAgentInsightStore": update,
}
