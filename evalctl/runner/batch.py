"""Run one declared BatchEvaluation through the data plane: resolve, pre-flight, start, wait, collect."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalctl import awsops
from evalctl.runner import preflight
from evalctl.runner.preflight import Finding
from evalctl.spec.mapping import batch_request
from evalctl.spec.names import physical_name, run_name
from evalctl.spec.project import Document, Project

RESULTS_GROUP = "/aws/bedrock-agentcore/evaluations/batch-evaluations/results/default"


class RunError(RuntimeError):
    """The run cannot go on; the message says what to do."""


@dataclass
class Clients:
    """The three services a run talks to."""

    control: Any
    data: Any
    logs: Any


@dataclass
class Plan:
    """What will be started: the request and what the references resolved to."""

    request: dict[str, Any]
    aliases: dict[str, str]
    findings: list[Finding] = field(default_factory=list)


def list_evaluators(control: Any) -> dict[str, dict[str, Any]]:
    """Custom evaluators of the account by name."""
    return {
        str(item.get("evaluatorName")): item
        for item in awsops.items(control, "list_evaluators", "evaluators")
    }


def custom_refs(project: Project, doc: Document) -> dict[str, str]:
    """Logical evaluator names the batch uses -> their AWS names in this stack."""
    out = {}
    for ref in doc.spec["evaluators"]:
        target = project.valid("Evaluator", ref)
        if target is not None:
            out[ref] = str(physical_name("Evaluator", ref, target.spec, project.stack))
    return out


def dataset_ids(project: Project, doc: Document, control: Any) -> tuple[dict[str, str], list[Finding]]:
    """The dataset a batch runs (found by its AWS name), or a finding saying how to create it."""
    ref = doc.spec.get("dataset")
    target = project.valid("Dataset", str(ref["name"])) if ref else None
    if ref is None or target is None:
        return {}, []
    if not doc.spec.get("agent"):
        fix = "add `agent: <runtime endpoint ARN>` to the spec, or run with `--local --agent URL`"
        return {}, [Finding("agent", f"BatchEvaluation '{doc.name}' runs a dataset but names no agent", fix)]
    name = physical_name("Dataset", target.name, target.spec, project.stack)
    token: str | None = None
    while True:
        page = control.list_datasets(**({"nextToken": token} if token else {}))
        for item in page.get("datasets", []):
            if item.get("datasetName") == name:
                return {target.name: str(item["datasetId"])}, []
        token = page.get("nextToken")
        if not token:
            fix = (
                "deploy it first (`pulumi up`), or run against the local emulator (`--local --agent URL`); "
                "--skip-preflight cannot skip this, the job needs its id"
            )
            return {}, [Finding("dataset", f"dataset {name} ('{target.name}') does not exist", fix)]


def plan(project: Project, doc: Document, clients: Clients, now: dt.datetime, *, checks: bool = True) -> Plan:
    """Resolve evaluator and dataset names to ids (found by their AWS names) and build the request.
    Without `checks` (--skip-preflight) an evaluator need only exist: its status is not checked."""
    wanted = custom_refs(project, doc)
    listed = list_evaluators(clients.control) if wanted else {}
    findings = preflight.evaluators(listed, wanted, project.stack, active=checks)
    aliases = {ref: str(listed[name]["evaluatorId"]) for ref, name in wanted.items() if name in listed}
    datasets, missing = dataset_ids(project, doc, clients.control)
    if findings or missing:
        return Plan({}, aliases, findings + missing)
    request = batch_request(project, doc, aliases, now, datasets)
    request["batchEvaluationName"] = run_name(request["batchEvaluationName"], secrets.token_hex(3))
    return Plan(request, aliases)


def _millis(value: Any) -> int | None:
    if value is None:
        return None
    parsed = (
        value
        if isinstance(value, dt.datetime)
        else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    return int(parsed.timestamp() * 1000)


def check(request: Mapping[str, Any], clients: Clients) -> list[Finding]:
    """Log groups, spans and ground-truth sessions of a planned request."""
    logs_source = (request.get("dataSourceConfig") or {}).get("cloudWatchLogs")
    if not logs_source:
        return []
    findings = preflight.log_groups(
        clients.logs,
        list(logs_source.get("logGroupNames") or []),
        list(logs_source.get("logGroupNamePrefixes") or []),
    )
    if request.get("datasetExecutionConfig"):
        return findings  # its sessions only exist once the run invokes the agent
    window = (logs_source.get("filterConfig") or {}).get("timeRange") or {}
    scan, span_findings = preflight.spans(
        clients.logs,
        logs_source["serviceNames"][0],
        _millis(window.get("startTime")),
        _millis(window.get("endTime")),
    )
    findings += span_findings
    truth = [s["sessionId"] for s in (request.get("evaluationMetadata") or {}).get("sessionMetadata") or []]
    if scan.spans:
        findings += preflight.ground_truth(truth, scan)
    return findings


def result_events(logs: Any, job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every result record the job wrote (its own output log group and stream, or the defaults)."""
    output = (job.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    group = output.get("logGroupName") or RESULTS_GROUP
    stream = output.get("logStreamName") or f"run-{job['batchEvaluationId']}"
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        try:
            page = logs.get_log_events(**kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return events
        events += page.get("events", [])
        if not page.get("events") or page.get("nextForwardToken") in (None, token):
            return events
        token = page["nextForwardToken"]
