"""Specs to API requests: CreateEvaluator, StartBatchEvaluation and Evaluate reference inputs."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from evalctl.spec.lint.refs import LITERAL_EVALUATOR
from evalctl.spec.names import physical_name
from evalctl.spec.project import Document, Project

LOOKBACK = re.compile(r"([1-9][0-9]{0,4})([dhm])")
OUR_BATCH_FIELDS = (
    "groundTruth", "gates", "runKey", "wait", "waitTimeoutSeconds", "dataset", "agent", "requestTemplate",
)  # fmt: skip
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class MappingError(ValueError):
    """A spec cannot be turned into a request (a reference that has no AWS id yet, say)."""


def parse_lookback(text: str) -> dt.timedelta:
    """`30m`, `12h`, `7d` as a duration."""
    match = LOOKBACK.fullmatch(text)
    if match is None:
        raise MappingError(f"lookback {text!r} is not a duration like 30m, 12h or 7d")
    return dt.timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def window(lookback: str, now: dt.datetime) -> dict[str, str]:
    """The concrete timeRange a lookback means at `now`, in whole seconds, UTC."""
    end = now.astimezone(dt.UTC).replace(microsecond=0)
    start = end - parse_lookback(lookback)
    return {
        "startTime": start.isoformat().replace("+00:00", "Z"),
        "endTime": end.isoformat().replace("+00:00", "Z"),
    }


def evaluator_request(doc: Document, stack: str, lambda_arn: str | None = None) -> dict[str, Any]:
    """CreateEvaluator parameters; a `function` source becomes lambdaConfig with the deployed ARN."""
    request = copy.deepcopy(doc.spec)
    request["evaluatorName"] = physical_name("Evaluator", doc.name, doc.spec, stack)
    code = request["evaluatorConfig"].get("codeBased") or {}
    function = code.pop("function", None)
    if function is not None:
        if lambda_arn is None:
            raise MappingError(f"evaluator '{doc.name}' is built from source; its Lambda ARN is needed")
        code["lambdaConfig"] = {
            "lambdaArn": lambda_arn,
            "lambdaTimeoutInSeconds": int(function["timeoutSeconds"]),
        }
    return request


def resolve_evaluator(ref: str, evaluator_ids: Mapping[str, str]) -> str:
    """A logical evaluator name to its AWS id; built-ins and literal ids pass through."""
    if ref in evaluator_ids:
        return evaluator_ids[ref]
    if ref.startswith("Builtin.") or LITERAL_EVALUATOR.fullmatch(ref):
        return ref
    raise MappingError(f"evaluator '{ref}' has no AWS id; deploy it first (`pulumi up`) or pass its id")


def lookback_of(spec: Mapping[str, Any]) -> str | None:
    """`dataSourceConfig.cloudWatchLogs.filterConfig.lookback`, if declared."""
    logs = (spec.get("dataSourceConfig") or {}).get("cloudWatchLogs") or {}
    lookback = (logs.get("filterConfig") or {}).get("lookback")
    return None if lookback is None else str(lookback)


def start_request(
    spec: Mapping[str, Any], sessions: Sequence[Any] | None, time_range: Mapping[str, str] | None
) -> dict[str, Any]:
    """StartBatchEvaluation parameters from a spec: our additions dropped, the lookback replaced by
    `time_range`, ground-truth `sessions` as evaluationMetadata. References are the caller's job."""
    request = copy.deepcopy({k: v for k, v in spec.items() if k not in OUR_BATCH_FIELDS})
    filters = (request["dataSourceConfig"].get("cloudWatchLogs") or {}).get("filterConfig") or {}
    filters.pop("lookback", None)
    if time_range is not None:
        filters["timeRange"] = dict(time_range)
    if sessions is not None:
        request["evaluationMetadata"] = {"sessionMetadata": copy.deepcopy(list(sessions))}
    if spec.get("dataset") is not None:
        request["datasetExecutionConfig"] = dataset_execution(spec)
    return request


def dataset_execution(spec: Mapping[str, Any]) -> dict[str, Any]:
    """datasetExecutionConfig from `dataset` (resolved: `datasetId`, and `datasetVersion` unless the
    newest published version is wanted), `agent` and `requestTemplate`."""
    dataset = spec["dataset"]
    if not dataset.get("datasetId"):
        raise MappingError(f"dataset '{dataset.get('name')}' has no AWS id; deploy it first (`pulumi up`)")
    if not spec.get("agent"):
        raise MappingError("a dataset batch needs `agent`: the runtime endpoint ARN to invoke")
    source = {"datasetId": dataset["datasetId"]}
    # botocore DatasetVersion: "If you don't specify a version, the batch evaluation uses the latest
    # published version."
    if dataset.get("datasetVersion") is not None:
        source["datasetVersion"] = str(dataset["datasetVersion"])
    runtime = {"agentRuntimeEndpointArn": spec["agent"]}
    if spec.get("requestTemplate") is not None:
        runtime["requestTemplate"] = spec["requestTemplate"]
    return {"dataset": source, "agentInvocation": {"agentCoreRuntime": runtime}}


def resolve_dataset(ref: Mapping[str, Any], dataset_id: str) -> dict[str, Any]:
    """A spec's `dataset` with its AWS id, and the version to run (None: the newest published)."""
    version = ref.get("version", "latest")
    return {**ref, "datasetId": dataset_id, "datasetVersion": None if version == "latest" else str(version)}


def batch_request(
    project: Project,
    doc: Document,
    evaluator_ids: Mapping[str, str],
    now: dt.datetime,
    dataset_ids: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """StartBatchEvaluation parameters with references, ground truth, dataset and lookback resolved."""
    truth = doc.spec.get("groundTruth")
    sessions = None
    if truth is not None:
        target = project.valid("GroundTruth", truth)
        if target is None:
            raise MappingError(f"ground truth '{truth}' is not declared")
        sessions = target.spec["sessions"]
    lookback = lookback_of(doc.spec)
    spec = dict(doc.spec)
    if spec.get("dataset") is not None:
        name = str(spec["dataset"]["name"])
        found = (dataset_ids or {}).get(name)
        if found is None:
            raise MappingError(f"dataset '{name}' has no AWS id; deploy it first (`pulumi up`)")
        spec["dataset"] = resolve_dataset(spec["dataset"], found)
    request = start_request(spec, sessions, window(lookback, now) if lookback else None)
    request["batchEvaluationName"] = physical_name("BatchEvaluation", doc.name, doc.spec, project.stack)
    request["evaluators"] = [
        {"evaluatorId": resolve_evaluator(r, evaluator_ids)} for r in doc.spec["evaluators"]
    ]
    if doc.spec.get("insights"):
        request["insights"] = [{"insightId": i} for i in doc.spec["insights"]]
    return request


def reference_inputs(session: Mapping[str, Any], trace_ids: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Evaluate's evaluationReferenceInputs for one ground-truth session.

    Turns are matched to traces by position (the n-th turn is the n-th trace in time order),
    because a recorded trace id is unknown when ground truth is written.
    """
    session_id = str(session["sessionId"])
    inline = (session.get("groundTruth") or {}).get("inline") or {}
    entry: dict[str, Any] = {"context": {"spanContext": {"sessionId": session_id}}}
    for key in ("assertions", "expectedTrajectory"):
        if key in inline:
            entry[key] = copy.deepcopy(inline[key])
    out = [entry] if len(entry) > 1 else []
    for turn, trace_id in zip(inline.get("turns") or [], trace_ids, strict=False):
        if "expectedResponse" in turn:
            context = {"spanContext": {"sessionId": session_id, "traceId": trace_id}}
            out.append({"context": context, "expectedResponse": copy.deepcopy(turn["expectedResponse"])})
    return out
