"""Control plane: Add/Update/Delete/ListDatasetExamples on a dataset's DRAFT, and the JSONL download."""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qs, unquote

from evalctl import scenarios
from evalctl.emulator import dataset_sources
from evalctl.emulator.core import Core, Request
from evalctl.emulator.datasets import (
    DOWNLOAD_PREFIX,
    DRAFT,
    examples_of,
    mutable,
    page,
    read_token,
    record_of,
)
from evalctl.emulator.errors import ApiError, NotFoundError, ValidationError


def _changed(core: Core, record: dict[str, Any]) -> None:
    """An example write: DRAFT differs from the latest version; UPDATING for a moment."""
    record["draftStatus"] = "MODIFIED"
    record["updatedAt"] = core.clock.now()
    core.transition(record, "UPDATING", "ACTIVE", core.settings.resource_seconds)


def _answer(record: dict[str, Any], **counts: Any) -> dict[str, Any]:
    keys = ("datasetArn", "datasetId", "status", "updatedAt")
    return {k: record[k] for k in keys} | counts


def add(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = mutable(core, params["datasetId"])
    added = dataset_sources.read(core, params["source"], record["schemaType"], record["_draft"])
    for example in added:
        record["_draft"][example[scenarios.EXAMPLE_ID]] = example
    _changed(core, record)
    return _answer(record, addedCount=len(added), exampleIds=[e[scenarios.EXAMPLE_ID] for e in added])


def update(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = mutable(core, params["datasetId"])
    examples = params["examples"]
    draft = record["_draft"]
    ids = []
    for index, example in enumerate(examples):
        ident = example.get(scenarios.EXAMPLE_ID) if isinstance(example, dict) else None
        if not isinstance(ident, str) or not ident:
            raise ValidationError(f"Example {index} of examples has no exampleId")
        if ident not in draft:
            raise NotFoundError(
                f"Example {ident} (examples[{index}]) is not in dataset {record['datasetId']}"
            )
        ids.append(ident)
    if len(set(ids)) != len(ids):
        raise ValidationError("examples name the same exampleId more than once")
    dataset_sources.check(
        core,
        schema_type=record["schemaType"],
        examples=examples,
        where="examples",
        draft=draft,
        replacing=set(ids),
    )
    for ident, example in zip(ids, examples, strict=True):
        draft[ident] = {**scenarios.content(example), scenarios.EXAMPLE_ID: ident}
    _changed(core, record)
    return _answer(record, updatedCount=len(ids))


def delete(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = mutable(core, params["datasetId"])
    ids = list(dict.fromkeys(params["exampleIds"]))
    # "If any ID does not exist in DRAFT, the entire batch is rejected".
    missing = [i for i in ids if i not in record["_draft"]]
    if missing:
        raise NotFoundError(
            f"Example(s) {', '.join(missing[:5])} not in the DRAFT of dataset {record['datasetId']}; "
            "nothing was deleted"
        )
    for ident in ids:
        del record["_draft"][ident]
    _changed(core, record)
    return _answer(record, deletedCount=len(ids))


_FIELD_KEYS = {"TURNS": "turns", "INPUT": "input", "ACTOR_PROFILE": "actor_profile"}


def _wanted(example: dict[str, Any], conditions: list[dict[str, Any]] | None) -> bool:
    if not conditions:
        return True
    return any(any(_FIELD_KEYS[f] in example for f in c.get("anyOf") or []) for c in conditions)


def list_examples(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = record_of(core, params["datasetId"])
    asked = params.get("datasetVersion")
    version = str(asked) if asked is not None else DRAFT
    if params.get("nextToken"):
        # "the version comes from the token ... a value that differs ... is rejected".
        pinned, _ = read_token(str(params["nextToken"]))
        if asked is not None and str(asked) != pinned:
            raise ValidationError(f"datasetVersion {asked} differs from the version {pinned} of nextToken")
        version = pinned
    version = version if version == DRAFT else str(int(version))
    filters = params.get("filter") or {}
    items = [e for e in examples_of(record, version) if _wanted(e, filters.get("exampleFields"))]
    if filters.get("generationIds"):
        wanted, made_by = set(filters["generationIds"]), record.get("_generatedBy") or {}
        items = [e for e in items if made_by.get(e[scenarios.EXAMPLE_ID]) in wanted]
    found, token = page(items, params, version)
    keys = ("datasetArn", "datasetId")
    return {k: record[k] for k in keys} | {"datasetVersion": version, "examples": found, "nextToken": token}


def download(core: Core, path: str, query: str) -> tuple[int, bytes]:
    """GET of a downloadUrl: (status, JSONL body), or (4xx, message) like an expired presigned URL."""
    dataset_id, _, tail = unquote(path[len(DOWNLOAD_PREFIX) :]).partition("/")
    version = tail.removesuffix(".jsonl")
    query_args = parse_qs(query)
    expires = (query_args.get("expires") or ["0"])[0]
    signature = (query_args.get("signature") or [""])[0]
    if not hmac.compare_digest(signature.encode(), core.url_signature(path, expires).encode()):
        return 403, b"The signature does not match: use the downloadUrl exactly as GetDataset gave it"
    try:
        if float(expires) < core.clock.now():
            return 403, b"Request has expired"
        with core.store.lock:
            examples = examples_of(record_of(core, dataset_id), version)
    except (ApiError, ValueError) as exc:
        return 404, str(getattr(exc, "message", exc)).encode()
    body = "".join(json.dumps(e, sort_keys=True) + "\n" for e in examples)
    return 200, body.encode()


HANDLERS = {
    "AddDatasetExamples": add,
    "UpdateDatasetExamples": update,
    "DeleteDatasetExamples": delete,
    "ListDatasetExamples": list_examples,
}
