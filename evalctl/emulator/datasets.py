"""Control plane: Create/Get/Update/Delete/ListDatasets and dataset versions, with lifecycles."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from evalctl import scenarios
from evalctl.emulator import dataset_sources
from evalctl.emulator.core import DELETED, Core, Request, strip_internal
from evalctl.emulator.errors import ConflictError, NotFoundError, QuotaError, ValidationError
from evalctl.emulator.state import new_id

TABLE = "datasets"
DRAFT = "DRAFT"
BUSY = ("CREATING", "UPDATING", "DELETING")
# GetDataset: "Presigned Amazon S3 URL ... Expires after 5 minutes."
URL_SECONDS = 300.0
DOWNLOAD_PREFIX = "/_emulator/datasets/"
# ExampleField values -> the example keys they name.
_FIELDS = {"TURNS": "turns", "INPUT": "input", "ACTOR_PROFILE": "actor_profile"}


# Called when a dataset with a generation in progress is read; generations.py registers itself (it
# builds on this module, so a call the other way would be an import cycle).
ON_READ: list[Callable[[Core, dict[str, Any]], None]] = []


def record_of(core: Core, dataset_id: str) -> dict[str, Any]:
    record = core.get(TABLE, dataset_id, "Dataset")
    if record.get("_generation"):
        for hook in ON_READ:  # a due dataset generation writes its examples now
            hook(core, record)
    return record


def mutable(core: Core, dataset_id: str) -> dict[str, Any]:
    """A dataset that may change now; ConflictException while a change is settling."""
    record = record_of(core, dataset_id)
    if record["status"] in BUSY and core.settings.dataset_busy_conflicts:
        raise ConflictError(
            f"Dataset {dataset_id} is {record['status']}; retry when GetDataset reports ACTIVE"
        )
    if record["status"] == "DELETING":
        raise ConflictError(f"Dataset {dataset_id} is DELETING")
    if record.get("_generation"):
        # StartDatasetGeneration: "While it runs, requests that change the dataset's draft or publish a
        # version are rejected with a ConflictException."
        raise ConflictError(
            f"Dataset {dataset_id} has dataset generation {record['_generation']} in progress"
        )
    return record


def examples_of(record: dict[str, Any], version: str) -> list[dict[str, Any]]:
    """The examples of DRAFT or a published version; ResourceNotFoundException for unknown versions."""
    if version == DRAFT:
        return list(record["_draft"].values())
    found = record["_versions"].get(str(int(version)))
    if found is None:
        raise NotFoundError(f"Dataset {record['datasetId']} has no version {version}")
    return list(found["examples"])


def latest_version(record: dict[str, Any]) -> str | None:
    return max(record["_versions"], key=int) if record["_versions"] else None


def create(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    rows = core.settle(TABLE)
    name = params["datasetName"]
    if core.name_taken(TABLE, name):
        raise ConflictError(f"A dataset named {name} already exists")
    if len(rows) >= core.settings.max_datasets:
        raise QuotaError(f"You have reached the maximum number of datasets ({core.settings.max_datasets})")
    schema_type = params.get("schemaType") or scenarios.PREDEFINED
    source = params.get("source")
    initial = dataset_sources.read(core, source, schema_type, {}) if source else []
    dataset_id = new_id(name)
    now = core.clock.now()
    record: dict[str, Any] = {
        "datasetArn": f"arn:aws:bedrock-agentcore:{req.region}:{req.account}:dataset/{dataset_id}",
        "datasetId": dataset_id,
        "datasetName": name,
        "description": params.get("description"),
        "schemaType": schema_type,
        "kmsKeyArn": params.get("kmsKeyArn"),
        "draftStatus": "MODIFIED",
        "createdAt": now,
        "updatedAt": now,
        "_draft": {e[scenarios.EXAMPLE_ID]: e for e in initial},
        "_versions": {},
    }
    core.transition(record, "CREATING", "ACTIVE", core.settings.resource_seconds)
    rows[dataset_id] = record
    core.index_name(TABLE, name, dataset_id)
    if params.get("tags"):
        core.store.set_tags(record["datasetArn"], params["tags"])
    return {k: record[k] for k in ("datasetArn", "datasetId", "status", "createdAt")}


def _version_param(params: dict[str, Any]) -> str:
    version = str(params.get("datasetVersion") or DRAFT)
    return version if version == DRAFT else str(int(version))


def get(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = record_of(core, params["datasetId"])
    version = _version_param(params)
    examples = examples_of(record, version)
    view = {k: v for k, v in strip_internal(record).items() if v is not None}
    view.update(datasetVersion=version, exampleCount=len(examples))
    view["exampleCountByField"] = scenarios.count_by_field(examples)
    view["tags"] = dict(core.store.tags.get(record["datasetArn"], {}))
    # "Omitted if the file does not yet exist": the consolidated file exists once ACTIVE.
    if record["status"] not in ("CREATING", "CREATE_FAILED"):
        expires = core.clock.now() + URL_SECONDS
        path = f"{DOWNLOAD_PREFIX}{quote(record['datasetId'])}/{version}.jsonl"
        stamp = f"{expires:.3f}"
        signature = core.url_signature(path, stamp)
        view["downloadUrl"] = f"http://{req.host}{path}?expires={stamp}&signature={signature}"
        view["downloadUrlExpiresAt"] = expires
    return view


def update(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = mutable(core, params["datasetId"])
    if params.get("description") is not None:
        record["description"] = params["description"]
    record["updatedAt"] = core.clock.now()
    return {k: record[k] for k in ("datasetArn", "datasetId", "updatedAt")}


def delete(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = mutable(core, params["datasetId"])
    version = params.get("datasetVersion")
    record["updatedAt"] = core.clock.now()
    if version is None:
        core.transition(record, "DELETING", DELETED, core.settings.delete_seconds)
        core.store.tags.pop(record["datasetArn"], None)
        version = DRAFT
    else:
        if str(version) == DRAFT:
            raise ValidationError(
                "The DRAFT cannot be deleted on its own; omit datasetVersion to delete the dataset"
            )
        examples_of(record, str(version))
        del record["_versions"][str(int(version))]
        core.transition(record, "UPDATING", "ACTIVE", core.settings.resource_seconds)
    keys = ("datasetArn", "datasetId", "status", "updatedAt")
    return {k: record[k] for k in keys} | {"datasetVersion": str(version)}


def create_version(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = mutable(core, params["datasetId"])
    if not record["_draft"]:
        raise ValidationError(f"Dataset {record['datasetId']} has no examples in its DRAFT to publish")
    number = str(int(latest_version(record) or 0) + 1)
    now = core.clock.now()
    record["_versions"][number] = {"examples": list(record["_draft"].values()), "createdAt": now}
    record["draftStatus"] = "UNMODIFIED"
    record["updatedAt"] = now
    core.transition(record, "UPDATING", "ACTIVE", core.settings.resource_seconds)
    keys = ("datasetArn", "datasetId", "status")
    return {k: record[k] for k in keys} | {"datasetVersion": number, "createdAt": now}


def _matches(examples: list[dict[str, Any]], conditions: list[dict[str, Any]] | None) -> bool:
    """ExampleCountByFieldCondition: examples having any field of `anyOf`, counted within [min, max]."""
    if not conditions:
        return True
    for cond in conditions:
        keys = [_FIELDS[f] for f in cond.get("anyOf") or []]
        total = sum(1 for e in examples if any(k in e for k in keys))
        if cond.get("min", 0) <= total <= cond.get("max", total):
            return True
    return False


def page_token(version: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{version}:{offset}".encode()).decode()


def read_token(token: str) -> tuple[str, int]:
    """The (version, offset) a nextToken of ours encodes; anything else is an invalid token."""
    try:
        version, _, offset = base64.urlsafe_b64decode(token.encode()).decode("ascii").partition(":")
    except ValueError as exc:
        raise ValidationError("Invalid nextToken") from exc
    if not offset.isdigit() or not (version == DRAFT or version.isdigit()) or len(offset) > 12:
        raise ValidationError("Invalid nextToken")
    return version, int(offset)


def page(items: list[dict[str, Any]], params: dict[str, Any], tag: str) -> tuple[list[Any], str | None]:
    start = 0
    if params.get("nextToken"):
        found, start = read_token(str(params["nextToken"]))
        if found != tag:
            raise ValidationError("Invalid nextToken")
    size = int(params.get("maxResults") or 100)
    more = start + size < len(items)
    return items[start : start + size], page_token(tag, start + size) if more else None


def list_datasets(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    rows = core.listed(TABLE, "datasetId")
    conditions = (params.get("filter") or {}).get("exampleCountByField")
    items = []
    for record in rows:
        for hook in ON_READ if record.get("_generation") else []:
            hook(core, record)
        draft = list(record["_draft"].values())
        counts = scenarios.count_by_field(draft)
        if _matches(draft, conditions):
            view = {k: v for k, v in strip_internal(record).items() if k not in ("kmsKeyArn",)}
            items.append({**view, "exampleCount": len(draft), "exampleCountByField": counts})
    found, token = page(items, params, DRAFT)
    return {"datasets": found, "nextToken": token}


def list_versions(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = record_of(core, params["datasetId"])
    conditions = (params.get("filter") or {}).get("exampleCountByField")
    items = []
    # "sorted by version number descending (newest first). Does not include the DRAFT".
    for number in sorted(record["_versions"], key=int, reverse=True):
        version = record["_versions"][number]
        counts = scenarios.count_by_field(version["examples"])
        if _matches(version["examples"], conditions):
            items.append({"datasetVersion": number, "exampleCount": len(version["examples"]),
                          "exampleCountByField": counts, "createdAt": version["createdAt"]})  # fmt: skip
    page_, token = page(items, params, DRAFT)
    return {"versions": page_, "nextToken": token}


HANDLERS = {
    "CreateDataset": create,
    "GetDataset": get,
    "UpdateDataset": update,
    "DeleteDataset": delete,
    "ListDatasets": list_datasets,
    "CreateDatasetVersion": create_version,
    "ListDatasetVersions": list_versions,
}
