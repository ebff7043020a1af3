"""`evalctl results --online NAME|ID`: an online evaluation's result records, read from its log group."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalctl import term
from evalctl.cli import jobs
from evalctl.cli.exits import EXIT_OK, EXIT_USAGE
from evalctl.reports.logrecords import LogResult, parse_event

if TYPE_CHECKING:
    from evalctl.spec.project import Document

CONFIG_ARN = "aws.bedrock_agentcore.online_evaluation_config.arn"


def _clients(args: argparse.Namespace) -> tuple[Any, Any]:
    from evalctl.aws import CONTROL, ClientSettings, client

    settings = ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile)
    return client(CONTROL, settings), client("logs", settings)


def _declared(args: argparse.Namespace, ref: str) -> Document | None:
    project = jobs.declared(args)
    docs = project.of_kind("OnlineEvaluation") if project else []
    path = Path(ref).resolve() if Path(ref).is_file() else None
    return next((d for d in docs if d.name == ref or (path and Path(d.file).resolve() == path)), None)


def _configs(control: Any) -> list[dict[str, Any]]:
    from evalctl.awsops import token_items

    return list(
        token_items(control.list_online_evaluation_configs, "onlineEvaluationConfigs", maxResults=100)
    )


def resolve(args: argparse.Namespace, ref: str, control: Any) -> dict[str, Any]:
    """A declared OnlineEvaluation's name or file, an AWS configuration name, or a configuration id
    -> GetOnlineEvaluationConfig; JobError says what is declared when nothing matches."""
    from evalctl.spec.names import alternate_name, physical_name

    doc = _declared(args, ref)
    names = {ref}
    if doc is not None:
        physical = str(physical_name("OnlineEvaluation", doc.name, doc.spec, args.stack))
        names = {physical, alternate_name(physical)}
    match = [c for c in _configs(control) if c["onlineEvaluationConfigName"] in names]
    if doc is None and not match and jobs.ID_SHAPE.fullmatch(ref):
        match = [{"onlineEvaluationConfigId": ref}]
    if not match and doc is not None:
        raise jobs.JobError(
            f"OnlineEvaluation '{doc.name}' is declared but not deployed: no configuration named "
            f"{' or '.join(sorted(names))} in this account and region; deploy it with `pulumi up`, or "
            "check --stack, --region and --endpoint"
        )
    if not match:
        project = jobs.declared(args)
        declared = [d.name for d in project.of_kind("OnlineEvaluation")] if project else []
        hint = jobs.unknown(ref, declared, args.specs).replace("a BatchEvaluation", "an OnlineEvaluation")
        raise jobs.JobError(
            hint.replace("a batch evaluation id", "an online evaluation configuration name or id")
        )
    got = control.get_online_evaluation_config(onlineEvaluationConfigId=match[0]["onlineEvaluationConfigId"])
    return {k: v for k, v in got.items() if k != "ResponseMetadata"}


def results_group(config: Mapping[str, Any], logs: Any) -> str:
    """Where the configuration's records are: its reported group, or under SOURCE_LOG_GROUP the trace
    source group the service writes back to (the first named group, else the first one under a prefix)."""
    cloudwatch = (config.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    if cloudwatch.get("resultDestination") != "SOURCE_LOG_GROUP":
        return str(cloudwatch.get("logGroupName"))
    source = (config.get("dataSourceConfig") or {}).get("cloudWatchLogs") or {}
    if source.get("logGroupNames"):
        return str(source["logGroupNames"][0])
    found: set[str] = set()
    for prefix in source.get("logGroupNamePrefixes") or []:
        page = logs.describe_log_groups(logGroupNamePrefix=prefix)
        found |= {g["logGroupName"] for g in page.get("logGroups") or []}
    return min(found - {"aws/spans"}, default="aws/spans")


def read_events(logs: Any, group: str) -> list[dict[str, Any]]:
    """Every event of a log group through FilterLogEvents, oldest first; a missing group reads empty."""
    from botocore.exceptions import ClientError

    from evalctl.awsops import token_items

    events: list[dict[str, Any]] = []
    try:
        for event in token_items(logs.filter_log_events, "events", logGroupName=group):
            events.append(event)  # a group deleted between pages keeps what was read
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    return sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))


def _ours(event: Mapping[str, Any], arn: str, dedicated: bool) -> bool:
    """In a dedicated group every record is the configuration's; a shared (source) group mixes
    telemetry and other writers, so only records naming the configuration count there."""
    if dedicated:
        return True
    message = str(event.get("message", ""))
    return arn in message and CONFIG_ARN in message


def results(config: Mapping[str, Any], events: list[dict[str, Any]], group: str) -> dict[str, Any]:
    """The JSON view: the configuration, every result and a per-evaluator summary."""
    cloudwatch = (config.get("outputConfig") or {}).get("cloudWatchConfig") or {}
    dedicated = cloudwatch.get("resultDestination") != "SOURCE_LOG_GROUP"
    arn = str(config["onlineEvaluationConfigArn"])
    rows: list[tuple[int, LogResult]] = []
    for event in events:
        parsed = parse_event(event) if _ours(event, arn, dedicated) else None
        if parsed is not None:
            rows.append((int(event.get("timestamp", 0)), parsed))
    return {
        "onlineEvaluationConfig": {
            "id": config["onlineEvaluationConfigId"],
            "name": config["onlineEvaluationConfigName"],
            "arn": arn,
            "status": config.get("status"),
            "executionStatus": config.get("executionStatus"),
            "logGroupName": group,
        },
        "sessions": len({r.session_id for _, r in rows}),
        "evaluators": _summary([r for _, r in rows]),
        "results": [{"timestamp": when, **asdict(r)} for when, r in rows],
    }


def _summary(rows: list[LogResult]) -> list[dict[str, Any]]:
    by: dict[str, list[LogResult]] = {}
    for row in rows:
        by.setdefault(row.evaluator_id or row.evaluator_name, []).append(row)
    out = []
    for evaluator, found in sorted(by.items()):
        values = [r.value for r in found if r.value is not None]
        mean = round(sum(values) / len(values), 4) if values else None
        errors = sum(1 for r in found if r.error_type or r.error_message)
        out.append({"evaluator": evaluator, "results": len(found), "errors": errors, "mean": mean})
    return out


def mean_cell(mean: float | None) -> str:
    """A mean with 2 decimals, `-` when nothing was scored."""
    return "-" if mean is None else f"{mean:.2f}"


def render(view: Mapping[str, Any]) -> str:
    """The text view: one line for the configuration, the summary table, then each result."""
    config = view["onlineEvaluationConfig"]
    lines = [
        f"online evaluation {config['name']} ({config['id']}, {config['executionStatus']}): "
        f"{len(view['results'])} result(s) for {view['sessions']} session(s) in {config['logGroupName']}"
    ]
    summary = [
        [row["evaluator"], str(row["results"]), str(row["errors"]), mean_cell(row["mean"])]
        for row in view["evaluators"]
    ]
    if summary:
        lines.append(term.table(["EVALUATOR", "RESULTS", "ERRORS", "MEAN"], summary, right=(1, 2, 3)))
    for result in view["results"]:
        value = "" if result["value"] is None else result["value"]
        score = result["error_message"] or f"{value} {result['label'] or ''}".strip()
        where = result["trace_id"] or "session"
        evaluator = result["evaluator_id"] or result["evaluator_name"]
        lines.append(f"  {result['session_id']}  {where}  {evaluator}: {score}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Resolve, read and print; any failure is one line on stderr and exit code 2."""
    from botocore.exceptions import BotoCoreError, ClientError

    from evalctl.aws import MissingRegionError

    try:
        control, logs = _clients(args)
        config = resolve(args, args.online, control)
        group = results_group(config, logs)
        view = results(config, read_events(logs, group), group)
    except (ClientError, BotoCoreError, MissingRegionError, jobs.JobError) as exc:
        print(f"evalctl results: {jobs.service_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        jobs.print_json(view)
    else:
        print(render(view), end="")
    return EXIT_OK
