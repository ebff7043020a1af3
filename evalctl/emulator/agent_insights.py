"""Data plane: Agent Insights (List/Get/UpdateAgentInsight), derived from batch failure analyses.

Emulated: when a batch evaluation that ran `Builtin.Insight.FailureAnalysis` reaches its terminal
status while the Region's Agent Insight Store is ACTIVE and ENABLED, each failure sub-category of
its `failureAnalysisResult` becomes one FAILURE insight, its root-cause clusters the insight's
`rootCauses`. Ids are hashes of (batch, category, sub-category), so the same job yields the same ids.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from evalctl.emulator import insight_store
from evalctl.emulator.core import Core, Request, paginate, projection
from evalctl.emulator.errors import ConflictError, NotFoundError

TABLE = "agentInsights"
MAX_SAMPLES = 10
_SESSION_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-_]*")
_SUMMARY = (
    "type", "name", "description", "createdAt", "affectedSessionCount", "agentInsightId",
    "applicationName", "batchEvaluationId", "customerMetadataStatus", "updatedAt", "archiveStatus",
    "lastSeenAt",
)  # fmt: skip


def application_of(batch: dict[str, Any]) -> str:
    """The agent a job read: `<agent>` of its first `<agent>.<endpoint>` service name."""
    names = batch.get("_spec", {}).get("source", {}).get("serviceNames") or []
    return str(names[0]).split(".", 1)[0][:256] if names and names[0] else "unknown_application"


def derive(core: Core, batch: dict[str, Any]) -> None:
    """Write the insights of a job that just finished, if its store accepts them (called once)."""
    analysis = batch.get("failureAnalysisResult")
    region = batch["_spec"]["region"]
    account = batch["batchEvaluationArn"].split(":")[4]
    if not analysis or not insight_store.accepts_insights(core, region, account):
        return
    table = core.store.table(TABLE)
    latest = _latest_times(batch)
    for category in analysis.get("failures") or []:
        for sub in category.get("subCategories") or []:
            record = _insight(batch, category, sub, latest, core.clock.now())
            table.setdefault(record["agentInsightId"], record)


def _insight(
    batch: dict[str, Any], category: dict[str, Any], sub: dict[str, Any], latest: dict[str, float], now: float
) -> dict[str, Any]:
    job_id = batch["batchEvaluationId"]
    key = f"{job_id}\n{category['name']}\n{sub['name']}"
    roots = [_root_cause(r, latest) for r in sub.get("rootCauses") or []]
    samples = _samples(
        [a for r in sub.get("rootCauses") or [] for a in r.get("affectedSessions") or []], latest
    )
    description = (
        f"{category['description']} {sub['description']}: {sub['affectedSessionCount']} session(s) of "
        f"batch evaluation {job_id}. Emulated: derived from Builtin.Insight.FailureAnalysis."
    )
    seen = [s["lastSeenAt"] for s in samples if "lastSeenAt" in s]
    record: dict[str, Any] = {
        "agentInsightId": hashlib.sha256(key.encode()).hexdigest()[:32],
        "type": "FAILURE",
        "name": f"{sub['name']}: {category['name']}"[:200],
        "description": description[:4000],
        "createdAt": now,
        "updatedAt": now,
        "affectedSessionCount": int(sub["affectedSessionCount"]),
        "sampleSessions": samples,
        "rootCauses": roots[:50],
        "applicationName": application_of(batch),
        "batchEvaluationId": job_id,
        "customerMetadataStatus": "AVAILABLE",
        "archiveStatus": "ACTIVE",
        "_region": batch["_spec"]["region"],
    }
    if seen:
        record["lastSeenAt"] = max(seen)
    return record


def _root_cause(root: dict[str, Any], latest: dict[str, float]) -> dict[str, Any]:
    return {
        "name": str(root["name"])[:200] or "unspecified",
        "explanation": str(root["rootCause"])[:4000] or "unspecified",
        "affectedSessionCount": int(root["affectedSessionCount"]),
        "suggestedFix": str(root["recommendation"])[:4000] or "Review the agent.",
        "sampleSessions": _samples(root.get("affectedSessions") or [], latest),
    }


def _samples(affected: list[dict[str, Any]], latest: dict[str, float]) -> list[dict[str, Any]]:
    """Up to 10 distinct sessions with up to 10 findings each (one per failure span)."""
    by_id: dict[str, dict[str, Any]] = {}
    for session in affected:
        sid = str(session["sessionId"])
        if not _SESSION_ID.fullmatch(sid) or len(sid) > 100:
            continue  # not a valid SessionId for this shape: left out rather than sent malformed
        sample = by_id.setdefault(sid, {"sessionId": sid, "findings": []})
        if sid in latest:
            sample["lastSeenAt"] = latest[sid]
        for span in session.get("failureSpans") or [{}]:
            sample["findings"].append(_finding(span, str(session.get("explanation") or "")))
    samples = list(by_id.values())[:MAX_SAMPLES]
    for sample in samples:
        sample["findings"] = sample["findings"][:10]
    return samples


def _finding(span: dict[str, Any], explanation: str) -> dict[str, Any]:
    signal = (span.get("signals") or [{}])[0]
    finding: dict[str, Any] = {"description": (signal.get("evidence") or explanation or "failure")[:500]}
    if span.get("spanId"):
        finding.update(targetId=str(span["spanId"])[:50], targetType="SPAN_ID")
    elif span.get("traceId"):
        finding.update(targetId=str(span["traceId"])[:50], targetType="TRACE_ID")
    if signal.get("category"):
        finding["category"] = str(signal["category"])[:100]
    if signal.get("confidence") is not None:
        finding["confidence"] = float(signal["confidence"])
    return finding


def _latest_times(batch: dict[str, Any]) -> dict[str, float]:
    """Each session's latest trace start (seconds), from the job's stored outcome."""
    latest: dict[str, float] = {}
    for session in (batch.get("_outcome") or {}).get("sessions") or []:
        times = [int(t) for t in (session.get("traceTimes") or {}).values() if t]
        if times:
            latest[str(session["sessionId"])] = max(times) / 1e9
    return latest


def _settled(core: Core, req: Request) -> list[dict[str, Any]]:
    """The Region's insights (handlers.py first brings every batch job up to emulator time)."""
    rows = core.store.table(TABLE).values()
    return sorted(
        (r for r in rows if r["_region"] == req.region), key=lambda r: (r["createdAt"], r["agentInsightId"])
    )


def _find(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    for record in _settled(core, req):
        same = record["agentInsightId"] == params["agentInsightId"]
        if same and record["applicationName"] == params["applicationName"]:
            return record
    raise NotFoundError(
        f"Agent Insight {params['agentInsightId']} not found for application {params['applicationName']}"
    )


def list_insights(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    filters = {
        k: params[k] for k in ("applicationName", "batchEvaluationId", "archiveStatus") if params.get(k)
    }
    rows = [r for r in _settled(core, req) if all(r.get(k) == v for k, v in filters.items())]
    # "If you don't specify a value, the operation returns up to 50 summaries."
    page, token = paginate(
        rows,
        {**params, "maxResults": params.get("maxResults") or 50},
        projection(_SUMMARY),
    )
    return {"agentInsights": page, "nextToken": token}


def get(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    return {k: v for k, v in _find(core, params, req).items() if not k.startswith("_")}


def update(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    record = _find(core, params, req)
    wanted = params["archiveStatus"]
    if record["archiveStatus"] == wanted and core.settings.insight_same_status_conflicts:
        raise ConflictError(f"Agent Insight {record['agentInsightId']} is already {wanted}")
    record.update(archiveStatus=wanted, updatedAt=core.clock.now())
    return {k: record[k] for k in ("agentInsightId", "archiveStatus", "updatedAt")}


HANDLERS = {
    "ListAgentInsights": list_insights,
    "GetAgentInsight": get,
    "UpdateAgentInsight": update,
}
