"""Checks before a batch evaluation starts, each failure with the fix: logs, spans, evaluators, sessions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SPANS_GROUP = "aws/spans"
SERVICE_KEYS = ("service.name", "aws.local.service")
MAX_SCANNED_EVENTS = 20_000


@dataclass(frozen=True)
class Finding:
    """One failed pre-flight check: what is wrong and how to fix it."""

    check: str
    message: str
    fix: str

    def format(self) -> str:
        return f"pre-flight {self.check}: {self.message}\n  fix: {self.fix}"


@dataclass
class SpanScan:
    """What the spans of the window hold for the job's service."""

    spans: int = 0
    sessions: set[str] = field(default_factory=set)


def _service(doc: Mapping[str, Any]) -> str | None:
    for attrs in ((doc.get("resource") or {}).get("attributes") or {}, doc.get("attributes") or {}):
        for key in SERVICE_KEYS:
            if isinstance(attrs, dict) and attrs.get(key):
                return str(attrs[key])
    return None


def _events(logs: Any, group: str, start_ms: int | None, end_ms: int | None) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"logGroupName": group}
    if start_ms is not None:
        kwargs["startTime"] = start_ms
    if end_ms is not None:
        kwargs["endTime"] = end_ms
    seen = 0
    for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
        for event in page.get("events", []):
            seen += 1
            if seen > MAX_SCANNED_EVENTS:
                return
            yield event


def scan_spans(logs: Any, service: str, start_ms: int | None, end_ms: int | None) -> SpanScan:
    """Count the service's spans in aws/spans within the window and collect their session ids."""
    scan = SpanScan()
    for event in _events(logs, SPANS_GROUP, start_ms, end_ms):
        try:
            doc = json.loads(event.get("message", ""))
        except ValueError:
            continue
        if isinstance(doc, dict) and _service(doc) == service:
            scan.spans += 1
            session = (doc.get("attributes") or {}).get("session.id")
            if session:
                scan.sessions.add(str(session))
    return scan


def log_groups(logs: Any, names: list[str], prefixes: list[str]) -> list[Finding]:
    """Every named log group exists and every prefix matches at least one."""
    out = []
    for name in names:
        found = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        if not any(g["logGroupName"] == name for g in found):
            out.append(
                Finding(
                    "log-groups",
                    f"log group {name} does not exist in this account and region",
                    "check logGroupNames (the agent runtime's group is "
                    "/aws/bedrock-agentcore/runtimes/<agent-id>-<endpoint>) and the region",
                )
            )
    for prefix in prefixes:
        if not logs.describe_log_groups(logGroupNamePrefix=prefix).get("logGroups"):
            out.append(
                Finding("log-groups", f"no log group starts with {prefix}", "check logGroupNamePrefixes")
            )
    return out


def spans(
    logs: Any, service: str, start_ms: int | None, end_ms: int | None
) -> tuple[SpanScan, list[Finding]]:
    """Spans for the service exist in aws/spans in the window (Transaction Search is on)."""
    if not logs.describe_log_groups(logGroupNamePrefix=SPANS_GROUP).get("logGroups"):
        return SpanScan(), [
            Finding(
                "spans",
                "the aws/spans log group does not exist",
                "turn on CloudWatch Transaction Search so agent spans are stored in aws/spans",
            )
        ]
    scan = scan_spans(logs, service, start_ms, end_ms)
    if scan.spans == 0:
        return scan, [
            Finding(
                "spans",
                f"no span of service '{service}' in aws/spans in the time window",
                "check serviceNames (<agent-name>.<endpoint>, e.g. support_agent.DEFAULT) "
                "and widen filterConfig.timeRange or lookback",
            )
        ]
    return scan, []


def evaluators(
    listed: Mapping[str, Mapping[str, Any]], wanted: Mapping[str, str], stack: str, active: bool = True
) -> list[Finding]:
    """Custom evaluators (logical name -> AWS name) exist and, unless `active` is False, are ACTIVE."""
    out = []
    for logical, physical in wanted.items():
        found = listed.get(physical)
        if found is None:
            # Not skippable: StartBatchEvaluation takes evaluator ids, found here by the AWS name.
            out.append(
                Finding(
                    "evaluators",
                    f"evaluator '{logical}' ({physical}) does not exist in this account and region",
                    f"deploy it first (`pulumi up` on stack {stack}), or pass the --stack and --region "
                    "it was deployed to; --skip-preflight cannot skip this, the job needs its id",
                )
            )
        elif active and found.get("status") != "ACTIVE":
            out.append(
                Finding(
                    "evaluators",
                    f"evaluator '{logical}' ({physical}) is {found.get('status')}",
                    "wait until it is ACTIVE, or fix it and deploy again",
                )
            )
    return out


def ground_truth(session_ids: list[str], scan: SpanScan) -> list[Finding]:
    """Ground-truth sessions appear in the spans of the window."""
    absent = [s for s in session_ids if s not in scan.sessions]
    if not absent:
        return []
    shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
    return [
        Finding(
            "ground-truth",
            f"{len(absent)} ground-truth session(s) have no spans in the window: {shown}",
            "widen the time window or fix the sessionIds in the GroundTruth spec",
        )
    ]
