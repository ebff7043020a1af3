"""Helpers of the online-scoring tests: sessions under chosen ids, configurations, result records."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.emulator.helpers import ROLE_ARN

SPANS = Path(__file__).resolve().parents[1] / "data" / "spans"
STRANDS_SPANS = SPANS / "raw_otel_strands_bedrock_spans.json"
STRANDS_LOGS = SPANS / "raw_otel_strands_bedrock_runtime_logs.json"
CAPTURED_SESSION = "cc8a8e69-8bed-4e5f-9a06-9a58550fd713"
SERVICE = "shop_agent.DEFAULT"
OTHER_SERVICE = "billing_agent.DEFAULT"
RUNTIMES = "/aws/bedrock-agentcore/runtimes/"


def _trace_ids(text: str) -> set[str]:
    rows = json.loads(text)
    return {str(r["raw_otel_json"]["traceId"]) for r in rows if "traceId" in r.get("raw_otel_json", {})}


def derived_trace(session_id: str, trace_id: str) -> str:
    """The id a captured trace gets in the copy under `session_id`."""
    return hashlib.sha256(f"{session_id}/{trace_id}".encode()).hexdigest()[:32]


def session_files(folder: Path, session_id: str, with_logs: bool = True) -> list[Path]:
    """Copies of the Strands capture under `session_id`, with trace ids derived from it."""
    sources = [STRANDS_SPANS, STRANDS_LOGS] if with_logs else [STRANDS_SPANS]
    texts = [p.read_text() for p in sources]
    traces = _trace_ids(texts[0])
    out = []
    for source, original in zip(sources, texts, strict=True):
        text = original.replace(CAPTURED_SESSION, session_id)
        for trace in traces:
            text = text.replace(trace, derived_trace(session_id, trace))
        path = folder / f"{session_id}-{source.name}"
        path.write_text(text)
        out.append(path)
    return out


def seed(emulator: Any, folder: Path, session_id: str, service: str = SERVICE, logs: bool = True) -> None:
    """Seed one session of `service`, its last activity now (emulator time)."""
    assert emulator.admin.seed(session_files(folder, session_id, logs), service) == [session_id]


def make_live(control: Any, name: str = "live", **rule: Any) -> dict[str, Any]:
    """An enabled configuration for SERVICE: 100% sampling and a 1-minute timeout unless `rule` says."""
    sampling = rule.pop("sampling", 100.0)
    timeout = rule.pop("timeout", 1)
    source = {"serviceNames": [rule.pop("service", SERVICE)], "logGroupNamePrefixes": [RUNTIMES]}
    params: dict[str, Any] = {
        "onlineEvaluationConfigName": name,
        "rule": {
            "samplingConfig": {"samplingPercentage": sampling},
            "sessionConfig": {"sessionTimeoutMinutes": timeout},
        },
        "dataSourceConfig": {"cloudWatchLogs": source},
        "evaluators": [{"evaluatorId": "Builtin.Helpfulness"}],
        "evaluationExecutionRoleArn": ROLE_ARN,
        "enableOnCreate": rule.pop("enable", True),
        **rule,
    }
    created: dict[str, Any] = control.create_online_evaluation_config(**params)
    return created


def records(logs: Any, group: str) -> list[dict[str, Any]]:
    """Every record in a results group, through FilterLogEvents (every page)."""
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group}
    while True:
        page = logs.filter_log_events(**kwargs)
        found += [json.loads(e["message"]) for e in page["events"]]
        if not page.get("nextToken"):
            return found
        kwargs["nextToken"] = page["nextToken"]


def scored_sessions(logs: Any, group: str) -> list[str]:
    return sorted({r["attributes"]["session.id"] for r in records(logs, group)})
