"""Normalize the batch evaluation's insight members into clusters a reviewer can read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evalctl.reports.models import InsightCluster, Insights, RootCause

RAW_KEYS = ("failureAnalysisResult", "userIntentResult", "executionSummaryResult", "insightResults")


def insights_from_batch(response: Mapping[str, Any]) -> Insights:
    """Clusters from every insight member present, plus those members as JSON-able raw data."""
    clusters: list[InsightCluster] = []
    failures = (response.get("failureAnalysisResult") or {}).get("failures") or []
    clusters += [_failure_cluster(f) for f in failures]
    intents = (response.get("userIntentResult") or {}).get("userIntents") or []
    clusters += [_simple_cluster("userIntent", c) for c in intents]
    summaries = (response.get("executionSummaryResult") or {}).get("executionSummaries") or []
    clusters += [_simple_cluster("executionSummary", c) for c in summaries]
    clusters += [_insight_cluster(i) for i in response.get("insightResults") or []]
    raw = {key: _jsonable(response[key]) for key in RAW_KEYS if response.get(key)}
    return Insights(clusters=clusters, raw=raw)


def _failure_cluster(category: Mapping[str, Any]) -> InsightCluster:
    root_causes: list[RootCause] = []
    for sub in category.get("subCategories") or []:
        for cause in sub.get("rootCauses") or []:
            sessions = [str(s.get("sessionId")) for s in cause.get("affectedSessions") or []]
            root_causes.append(
                RootCause(
                    name=f"{sub.get('name', '')}: {cause.get('name', '')}",
                    rootCause=str(cause.get("rootCause", "")),
                    recommendation=str(cause.get("recommendation", "")),
                    affectedSessionCount=int(cause.get("affectedSessionCount") or len(sessions)),
                    sessions=sessions,
                )
            )
    return InsightCluster(
        kind="failure",
        name=str(category.get("name", "")),
        description=str(category.get("description", "")),
        affectedSessionCount=int(category.get("affectedSessionCount") or 0),
        sessions=_union(rc.sessions for rc in root_causes),
        rootCauses=root_causes,
    )


def _simple_cluster(kind: str, cluster: Mapping[str, Any]) -> InsightCluster:
    sessions = [str(s.get("sessionId")) for s in cluster.get("affectedSessions") or []]
    return InsightCluster.model_validate(
        {
            "kind": kind,
            "name": str(cluster.get("name", "")),
            "description": str(cluster.get("description", "")),
            "affectedSessionCount": int(cluster.get("affectedSessionCount") or len(sessions)),
            "sessions": sessions,
        }
    )


def _insight_cluster(insight: Mapping[str, Any]) -> InsightCluster:
    def sample_ids(item: Mapping[str, Any]) -> list[str]:
        return [str(s.get("sessionId")) for s in item.get("sampleSessions") or []]

    root_causes = [
        RootCause(
            name=str(cause.get("name", "")),
            rootCause=str(cause.get("explanation", "")),
            recommendation=str(cause.get("suggestedFix", "")),
            affectedSessionCount=int(cause.get("affectedSessionCount") or 0),
            sessions=sample_ids(cause),
        )
        for cause in insight.get("rootCauses") or []
    ]
    return InsightCluster(
        kind="failure" if insight.get("type") == "FAILURE" else "insight",
        name=str(insight.get("name", "")),
        description=str(insight.get("description", "")),
        affectedSessionCount=int(insight.get("affectedSessionCount") or 0),
        sessions=_union([sample_ids(insight), *(rc.sessions for rc in root_causes)]),
        rootCauses=root_causes,
    )


def _union(groups: Any) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return list(seen)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
